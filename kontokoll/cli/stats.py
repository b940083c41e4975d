"""``kontokoll stats import FILE.csv [--dry-run]`` and ``kontokoll stats export FILE.csv``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from governance.i18n import t
from kontokoll.cli.exchange import add_delimiter_option, export, output_path, read_input

if TYPE_CHECKING:
    from kontokoll.cli.context import CliContext


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
    add_delimiter_option(exp)
    exp.set_defaults(handler=export_stats)


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

    data, count = StatsFiles(ctx.store).export_bytes(args.delimiter)
    export(ctx, args.file, data, t("audit.stats.exported", count=count, path=str(args.file)))
    return 0
