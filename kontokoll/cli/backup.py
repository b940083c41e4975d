"""``kontokoll backup [--output FILE]`` and ``kontokoll restore FILE``."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from governance.errors import InputError
from governance.export_target import is_stream
from governance.i18n import t
from governance.service_account import require_stream
from kontokoll.cli.context import CliContext
from kontokoll.cli.exchange import output_path


def register(commands: Any) -> None:
    backup = commands.add_parser("backup", help=t("backup.cli.help"))
    backup.add_argument(
        "--output", type=output_path, metavar="FILE", help=t("backup.cli.output_help")
    )
    backup.set_defaults(handler=run_backup)
    restore = commands.add_parser("restore", help=t("backup.cli.restore_help"))
    restore.add_argument("archive", type=Path, metavar="FILE", help=t("backup.cli.file_help"))
    restore.add_argument("--without-users", action="store_true",
                         help=t("f9a_restore.without_users_help"))
    restore.set_defaults(handler=run_restore)


def run_backup(args: argparse.Namespace, ctx: CliContext) -> int:
    # Through sudo as the service account, only standard output: the service account's rights
    # must not write a file where the caller says (the default name included).
    from governance.backup import Backups

    require_stream(args.output or Path("kontokoll-backup.tar.gz"))
    if not os.path.lexists(ctx.data_dir):  # a mistyped path: no new empty store left behind
        raise InputError("g1_backup.no_data_dir", path=str(ctx.data_dir))
    result = Backups(ctx.store).backup(args.output)
    # With ``--output -`` the archive itself is on standard output: messages go to stderr.
    to_stream = args.output is not None and is_stream(args.output)
    say = ctx.warn if to_stream else ctx.print
    if result.replaced:
        say(t("backup.cli.replaced", path=str(result.path)))
    say(t("g1_backup.done_stream" if to_stream else "backup.cli.done", path=str(result.path),
          files=result.files, size=f"{result.size / 1024:.0f}"))
    # On standard output the shell's redirect makes the file, in the mode its umask gives.
    say(t("f9a_restore.personal_stream" if to_stream else "backup.cli.personal"))
    return 0


def run_restore(args: argparse.Namespace, ctx: CliContext) -> int:
    from governance.backup import Backups
    from governance.input_limit import MAX_BACKUP_BYTES, read_bounded

    require_stream(args.archive)  # a sudo session reads the archive from standard input only
    data = (read_bounded(sys.stdin.buffer, "-", MAX_BACKUP_BYTES, "restore_guard.too_large")
            if is_stream(args.archive) else None)
    result = Backups(ctx.store).restore(args.archive, data, without_users=args.without_users)
    key = "backup.cli.restored_register" if result.scope == "register" else "backup.cli.restored"
    ctx.print(t(key, path=str(result.archive), created=result.created, files=result.files,
                count=result.removed))
    ctx.print(t("backup.cli.previous", path=str(result.previous)))
    if result.users_dropped:
        ctx.print(t("f9a_restore.single_user"))
    if result.now_demo:
        ctx.print(t("f9a_restore.now_demo", data_dir=str(ctx.data_dir),
                    previous=str(result.previous)))
    return 0
