"""``kontokoll init --service-account ACCOUNT [--sudo-group GROUP] [--sudoers FILE]``.

Everything is checked (the account, the group, the executable, the sudoers rule through
``visudo -cf``) before the data directory is touched, so a refused command changes nothing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

import kontokoll
from governance.errors import InputError
from governance.export_target import write_export
from governance.i18n import t
from governance.service_account import service_data_dir
from kontokoll.cli.context import CliContext


def init_service_account(args: argparse.Namespace, ctx: CliContext) -> int:
    from governance.service_setup import (
        check_group,
        prepare_service_directory,
        service_account,
        sudoers_rule,
        writable_by_others,
    )

    entry = service_account(args.service_account)
    fixed = service_data_dir(entry.pw_uid) or Path(entry.pw_dir)  # found in passwd just now
    if args.data_dir is not None and os.path.realpath(args.data_dir) != os.path.realpath(fixed):
        raise InputError("server.init.data_dir_fixed", account=entry.pw_name, path=str(fixed))
    group = args.sudo_group or entry.pw_name
    check_group(group)
    executable = _executable(args.executable)
    rule = sudoers_rule(entry.pw_name, group, executable)
    checked = _check_rule(rule, args.sudoers)
    data_dir, count = prepare_service_directory(entry)
    ctx.print(t("server.init.done", path=str(data_dir), account=entry.pw_name, count=count))
    ctx.print(t("server.init.usage", account=entry.pw_name, executable=str(executable)))
    package = Path(kontokoll.__file__).resolve().parent
    for path in writable_by_others([executable, executable.parent, Path(sys.prefix), package]):
        ctx.warn(t("server.init.writable_install", path=str(path)))
    if args.sudoers is None:
        ctx.print(t("server.init.sudoers_intro", group=group))
        ctx.print(rule.rstrip("\n"))
        if not checked:
            ctx.warn(t("server.init.sudoers_unchecked", path="sudoers"))
        return 0
    write_export(args.sudoers, rule.encode("utf-8"), data_dir=data_dir)
    os.chmod(args.sudoers, 0o440)  # sudo wants its files read-only, and root's
    key = "server.init.sudoers_written" if checked else "server.init.sudoers_unchecked"
    ctx.print(t(key, path=str(args.sudoers)))
    ignored = "." in args.sudoers.name or args.sudoers.name.endswith("~")
    if ignored and args.sudoers.parent.name == "sudoers.d":  # sudo's #includedir skips these
        ctx.warn(t("server.init.sudoers_ignored_name", path=str(args.sudoers)))
    return 0


def _executable(given: Path | None) -> Path:
    """The Kontokoll executable the rule allows: ``--executable``, else the one running now."""
    if given is None:
        argv0 = Path(sys.argv[0])
        found = shutil.which("kontokoll")
        given = argv0 if argv0.name == "kontokoll" else Path(found) if found else argv0
    path = Path(os.path.abspath(given))
    if not (path.is_file() and os.access(path, os.X_OK)):
        raise InputError("server.init.no_executable", path=str(path))
    return path


def _check_rule(rule: str, target: Path | None) -> bool:
    """Check the rule with visudo: True if checked, False without visudo; refuse if invalid."""
    from governance.service_setup import check_sudoers

    try:
        problem = check_sudoers(rule)
    except FileNotFoundError:
        return False
    if problem is not None:
        shown = str(target) if target is not None else "sudoers"
        raise InputError("server.init.sudoers_invalid", path=shown, detail=problem)
    return True
