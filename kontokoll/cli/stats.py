"""``kontokoll stats import FILE.csv [--dry-run]``, ``kontokoll stats export FILE.csv [--posts]``,
``kontokoll stats show ACCOUNT [--months N]`` and ``kontokoll stats posts ACCOUNT [--month
YYYY-MM] [--top N]``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from governance.i18n import t
from kontokoll.cli.exchange import add_delimiter_option, export, output_path, read_input

if TYPE_CHECKING:
    from governance.monthly import MonthlyStats
    from kontokoll.cli.context import CliContext

#: Months ``stats show`` lists by default (a year), and at most (the first sync's reach).
SHOW_MONTHS = 12
MAX_MONTHS = 25
#: How an unknown figure is shown: never as 0.
UNKNOWN = "–"


def _months(text: str) -> int:
    from governance.text_safety import visible

    value = visible(text.strip())  # echoed in the message: no raw control characters
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= MAX_MONTHS:
        raise argparse.ArgumentTypeError(
            t("replies.show.bad_months", limit=MAX_MONTHS, value=value[:20]))
    return int(value)


def register(commands: argparse._SubParsersAction[Any]) -> None:
    """Add the ``stats`` command group."""
    parser = commands.add_parser("stats", help=t("audit.stats.help"))
    sub = parser.add_subparsers(dest="stats_command", metavar="ACTION", required=True)

    imp = sub.add_parser("import", help=t("audit.stats.import_help"))
    imp.add_argument("file", type=Path, metavar="FILE.csv")
    imp.add_argument("--dry-run", action="store_true", help=t("cli.accounts.dry_run_help"))
    imp.set_defaults(handler=import_stats)

    exp = sub.add_parser("export", help=t("audit.stats.export_help"))
    exp.add_argument("file", type=output_path, metavar="FILE.csv")
    exp.add_argument("--posts", action="store_true", help=t("posts.cli.export_posts_help"))
    add_delimiter_option(exp)
    exp.set_defaults(handler=export_stats)

    show = sub.add_parser("show", help=t("replies.show.help"))
    show.add_argument("account", metavar="ACCOUNT", help=t("replies.show.account_help"))
    show.add_argument("--months", type=_months, default=SHOW_MONTHS,
                      help=t("replies.show.months_help", default=SHOW_MONTHS, limit=MAX_MONTHS))
    show.set_defaults(handler=show_stats)

    from kontokoll.cli.stats_posts import register_posts

    register_posts(sub)


def import_stats(args: argparse.Namespace, ctx: CliContext) -> int:
    from governance.stats_csv import StatsFiles

    data = read_input(args.file)  # read before the store's lock is taken
    files = StatsFiles(ctx.store)
    if args.dry_run:
        plan = files.plan_import(args.file, data)
    else:
        plan = files.import_file(args.file, data)
    key = "audit.stats.summary_dry_run" if args.dry_run else "audit.stats.summary"
    ctx.print(t(key, new=plan.new, replaced=plan.replaced, unchanged=plan.unchanged))
    return 0


def export_stats(args: argparse.Namespace, ctx: CliContext) -> int:
    from governance.stats_csv import StatsFiles

    if args.posts:
        from governance.posts_read import export_posts

        data, count = export_posts(ctx.store, args.delimiter)
        export(ctx, args.file, data, t("posts.cli.exported", count=count, path=str(args.file)))
        return 0
    data, count = StatsFiles(ctx.store).export_bytes(args.delimiter)
    export(ctx, args.file, data, t("audit.stats.exported", count=count, path=str(args.file)))
    return 0


def show_stats(args: argparse.Namespace, ctx: CliContext) -> int:
    """The account's latest months, newest first, with the reply duties; unknown is "–"."""
    from governance.register import Register
    from kontokoll.cli.tables import render_table

    account = Register(ctx.store).account(args.account)
    months = ctx.store.stats.for_account(account.id)[-args.months:]
    if not months:
        ctx.print(t("replies.show.none", ref=account.ref))
        return 0
    header = [t(f"replies.show.{name}") for name in
              ("month", "posts", "followers", "replies", "questions", "dms", "hidden", "words")]
    ctx.print(render_table(header, [_row(m) for m in reversed(months)]))
    ctx.print()
    ctx.print(t("replies.show.legend"))
    return 0


def _row(month: MonthlyStats) -> list[str]:
    return [
        month.month,
        _cell(month.posts),
        _cell(month.followers),
        _pair(month.replies_on_time, month.replies_due),
        _pair(month.questions_on_time, month.questions_due),
        _pair(month.dms_on_time, month.dms_due),
        _cell(month.hidden),
        month.words_version or UNKNOWN,
    ]


def _cell(value: int | None) -> str:
    return UNKNOWN if value is None else str(value)


def _pair(on_time: int | None, due: int | None) -> str:
    if on_time is None or due is None:
        return UNKNOWN
    return t("replies.show.pair", on_time=on_time, due=due)
