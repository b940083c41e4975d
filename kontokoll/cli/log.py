"""``kontokoll log [ACCOUNT] [--user LOGIN] [--since DATE]``: read the change log."""

from __future__ import annotations

import argparse
from typing import Any

from governance.fields import parse_date
from governance.i18n import action_label, t
from kontokoll.cli.context import CliContext
from kontokoll.cli.tables import render_table


def register(commands: Any) -> None:
    parser = commands.add_parser("log", help=t("cli.log.help"))
    parser.add_argument("account", nargs="?", metavar="ACCOUNT", help=t("cli.account_ref_help"))
    parser.add_argument("--user", metavar="LOGIN", help=t("cli.log.user_help"))
    parser.add_argument("--since", metavar="YYYY-MM-DD", help=t("cli.log.since_help"))
    parser.set_defaults(handler=show_log)


def show_log(args: argparse.Namespace, ctx: CliContext) -> int:
    from governance.monthly import STOCKHOLM
    from governance.register import Register

    since = parse_date(args.since, "since") if args.since else None
    entries = Register(ctx.store).change_log(args.account, user=args.user, since=since)
    rows = [
        [
            e.at.astimezone(STOCKHOLM).isoformat(timespec="seconds"),
            e.user,
            action_label(e.action),
            e.account,
            e.field,
            "∅" if e.old is None else e.old,
            "∅" if e.new is None else e.new,
        ]
        for e in entries
    ]
    header = [
        t("col.when"),
        t("col.user"),
        t("col.action"),
        t("col.account"),
        t("col.field"),
        t("col.old"),
        t("col.new"),
    ]
    ctx.print(render_table(header, rows))
    ctx.print(t("cli.log.count", count=len(entries)))
    return 0
