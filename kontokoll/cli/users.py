"""``kontokoll users add|list|remove``, ``kontokoll whoami`` and ``kontokoll init --group``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from governance.access import ROLES
from governance.errors import InputError
from governance.i18n import t
from kontokoll.cli.context import CliContext
from kontokoll.cli.tables import render_table


def register(commands: Any) -> None:
    parser = commands.add_parser("users", help=t("cli.users.help"))
    sub = parser.add_subparsers(dest="users_command", metavar="ACTION", required=True)
    add = sub.add_parser("add", help=t("cli.users.add_help"))
    add.add_argument("login", metavar="LOGIN")
    add.add_argument("--role", choices=ROLES, required=True)
    add.add_argument(
        "--department",
        action="append",
        default=[],
        metavar="NAME",
        help=t("cli.users.department_help"),
    )
    add.set_defaults(handler=add_user)
    lst = sub.add_parser("list", help=t("cli.users.list_help"))
    lst.set_defaults(handler=list_users)
    remove = sub.add_parser("remove", help=t("cli.users.remove_help"))
    remove.add_argument("login", metavar="LOGIN")
    remove.set_defaults(handler=remove_user)

    whoami = commands.add_parser("whoami", help=t("cli.users.whoami_help"))
    whoami.set_defaults(handler=show_whoami)

    init = commands.add_parser("init", help=t("cli.init.help"))
    how = init.add_mutually_exclusive_group(required=True)
    how.add_argument("--group", metavar="GROUP", help=t("cli.init.group_help"))
    how.add_argument(
        "--service-account", metavar="ACCOUNT", help=t("server.init.service_account_help")
    )
    init.add_argument("--sudo-group", metavar="GROUP", help=t("server.init.sudo_group_help"))
    init.add_argument("--sudoers", type=Path, metavar="FILE", help=t("server.init.sudoers_help"))
    init.add_argument("--executable", type=Path, metavar="PATH", help=t("server.init.exe_help"))
    init.set_defaults(handler=init_data_dir)


def add_user(args: argparse.Namespace, ctx: CliContext) -> int:
    from governance.people import People

    user = People(ctx.store).add_user(args.login, args.role, args.department)
    ctx.print(
        t(
            "cli.users.added",
            login=user.login,
            role=user.role,
            departments=", ".join(user.departments) or "–",
        )
    )
    return 0


def list_users(args: argparse.Namespace, ctx: CliContext) -> int:
    from governance.people import People

    users = People(ctx.store).users()
    if not users:
        ctx.print(t("cli.users.single_user"))
        return 0
    rows = [[u.login, u.role, ", ".join(u.departments)] for u in users]
    ctx.print(render_table([t("col.login"), t("col.role"), t("col.departments")], rows))
    return 0


def remove_user(args: argparse.Namespace, ctx: CliContext) -> int:
    from governance.people import People

    user = People(ctx.store).remove_user(args.login)
    ctx.print(t("cli.users.removed", login=user.login))
    return 0


def show_whoami(args: argparse.Namespace, ctx: CliContext) -> int:
    from governance.people import People

    people = People(ctx.store)
    user = people.whoami()
    mode = "cli.users.whoami_single" if not people.users() else "cli.users.whoami"
    ctx.print(
        t(mode, login=user.login, role=user.role, departments=", ".join(user.departments) or "–")
    )
    return 0


def init_data_dir(args: argparse.Namespace, ctx: CliContext) -> int:
    """``init --group`` (a team that trusts each member) or ``init --service-account``."""
    if args.service_account is not None:
        from kontokoll.cli.service_init import init_service_account

        return init_service_account(args, ctx)
    return init_group(args, ctx)


def init_group(args: argparse.Namespace, ctx: CliContext) -> int:
    from governance.storage.files import prepare_group_directory

    try:
        count = prepare_group_directory(ctx.data_dir, args.group)
    except KeyError:
        raise InputError("error.unknown_group", group=args.group) from None
    except PermissionError as error:
        raise InputError(
            "error.cannot_chgrp", path=str(error.filename or ctx.data_dir), group=args.group
        ) from None
    ctx.print(t("cli.init.done", path=str(ctx.data_dir), group=args.group, count=count))
    ctx.warn(t("server.init.group_warning", group=args.group))  # say what the mode cannot protect
    return 0
