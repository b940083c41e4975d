"""``kontokoll``: parse the command line, run one command, turn every user error into a message.

Each command group lives in its own module with a ``register(subparsers)`` function that adds its
parser and sets ``handler`` to a function ``(args, ctx) -> exit code``. A command module imports
what its handlers use (the register, the store, the audit engine...) inside them, so that
``--help`` and every other command start without it.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType

from governance import service_account
from governance.errors import InputError, KontokollError
from governance.i18n import LANGUAGES, language_from_environment, set_language, t
from kontokoll.cli.context import CliContext, chosen_data_dir

Handler = Callable[[argparse.Namespace, CliContext], int]

#: Command groups (modules of :mod:`kontokoll.cli`), in the order ``--help`` lists them.
COMMANDS: tuple[str, ...] = (
    "demo", "accounts", "editors", "departments", "users", "log", "sync", "stats", "audit",
    "revision", "deadline", "serve", "doctor", "backup", "comments", "moderation", "report",
)
#: Global options that take a value, so that the command word after them can be found.
_VALUED_OPTIONS = ("--data-dir", "--lang")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The command line in the current language: every command, or only the one named.

    Loading one command's module instead of all of them is most of a short command's start-up
    (``comments classify`` in a pipeline pays it for every run): 0.3 s -> 0.05 s here.
    """
    from kontokoll.cli.parser import KontokollParser  # (its --data-dir and --lang too)

    parser = KontokollParser(prog="kontokoll", description=t("cli.description"), top=True)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in (only,) if only in COMMANDS else COMMANDS:
        _command_module(str(name)).register(commands)
    return parser


def _command_module(name: str) -> ModuleType:
    return importlib.import_module(f"kontokoll.cli.{name}")


def command_named(argv: Sequence[str]) -> str | None:
    """The command word of ``argv`` if it names a known command (else None: build them all)."""
    index = 0
    while index < len(argv):
        arg = argv[index]
        if arg in _VALUED_OPTIONS:
            index += 2
            continue
        if arg.startswith("-"):
            index += 1
            continue
        return arg if arg in COMMANDS else None
    return None


def _language_from_argv(argv: Sequence[str]) -> str | None:
    """Peek at ``--lang`` before parsing, so that help texts come out in that language.

    The last one given, as for ``--data-dir`` (argparse keeps the last value, and a command's
    own parser sets it after the top's): ``--lang en accounts list --lang sv`` is Swedish."""
    wanted = None
    for index, arg in enumerate(argv):
        if arg == "--lang" and index + 1 < len(argv):
            wanted = argv[index + 1]
        elif arg.startswith("--lang="):
            wanted = arg.split("=", 1)[1]
    return wanted


def main(
    argv: Sequence[str] | None = None, *, context: Callable[[Path], CliContext] = CliContext
) -> int:
    """Run one command and return its exit code: 0 on success, non-zero on any refusal.

    ``context`` makes the command's :class:`CliContext` from the data directory: tests pass one
    that syncs from the emulation (``CliContext.sync_source``). Without ``argv`` the command is
    the process's own (``python -m kontokoll``, the ``kontokoll`` script), which ends with it.
    """
    try:
        return _run(list(sys.argv[1:] if argv is None else argv), context)
    finally:
        if argv is None:
            # The interpreter's last act is a full pass of the cyclic collector over every
            # object still alive (the store's parsed files, a run's 15,000 findings): 30-40 ms
            # of an audit command, spent finding cycles in memory about to be released whole.
            # Frozen objects are out of its reach; atexit handlers and flushing still run.
            gc.freeze()


def _run(args_list: list[str], context: Callable[[Path], CliContext]) -> int:
    """:func:`main` of the arguments as a list."""
    wanted = _language_from_argv(args_list)
    set_language(wanted if wanted in LANGUAGES else language_from_environment())
    parser = build_parser(command_named(args_list))
    args = parser.parse_args(args_list)
    if args.lang is not None:  # what argparse kept (an abbreviation such as --lan too)
        set_language(args.lang)
    handler: Handler | None = getattr(args, "handler", None)
    session = service_account.detect()
    if session is not None:
        try:
            _refuse_in_service_session(args, session)
        except KontokollError as error:
            print(error, file=sys.stderr)
            return 2
        if handler is None:  # never the app as the service account: its dialogs open files
            parser.print_help()
            return 0
    try:
        data_dir = _data_dir(args, session)
    except KontokollError as error:  # a ~user that does not exist
        print(error, file=sys.stderr)
        return 2
    ctx = context(data_dir)
    if handler is None:
        return _no_command(args, ctx, parser)
    try:
        return handler(args, ctx)
    except KontokollError as error:
        ctx.warn(str(error))
        return 2
    except KeyboardInterrupt:
        ctx.warn(t("cli.interrupted"))
        return 130
    except BrokenPipeError:  # the reader went away (``| head``): not an error
        return 0
    except OSError as error:  # a path that is missing, not a folder, or not ours to write
        from governance.os_errors import os_reason  # (the C library's strerror is English)

        ctx.warn(t("error.os", path=error.filename or ctx.data_dir, detail=os_reason(error)))
        return 2


def _data_dir(args: argparse.Namespace, session: service_account.Session | None) -> Path:
    """The service account's own store in a sudo session; else --data-dir, variable, default."""
    if session is not None:
        return session.data_dir
    return chosen_data_dir(args.data_dir)


def _refuse_in_service_session(args: argparse.Namespace, session: service_account.Session) -> None:
    """Run as the service account for someone else, open nothing on the caller's say.

    ``--data-dir`` would let a caller point the service account's rights at any folder, and
    ``serve`` would start a server as the service account with the caller's options.
    """
    if args.data_dir is not None:
        raise InputError(
            "server.service.no_data_dir", account=session.account, path=str(session.data_dir)
        )
    if args.command in ("serve", "init"):  # a server as the service account; re-moding its store
        raise InputError(
            "server.service.refused_command", account=session.account, command=args.command
        )


def _no_command(args: argparse.Namespace, ctx: CliContext, parser: argparse.ArgumentParser) -> int:
    """Without a command, open the app on the data directory.

    Only on a terminal, or under textual-serve (which names its driver in TEXTUAL_DRIVER): a
    script or cron job that runs ``kontokoll`` alone gets the help, never a hanging app.
    """
    if not (ctx.out.isatty() or os.environ.get("TEXTUAL_DRIVER")):
        parser.print_help(ctx.out)
        return 0
    from kontokoll.app_launch import run_app

    return int(run_app(ctx.data_dir, demo=False))


if __name__ == "__main__":
    raise SystemExit(main())
