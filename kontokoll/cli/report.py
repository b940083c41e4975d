"""``kontokoll report [--quarter Q] [--department NAME] --output FILE.html``: the quarterly report.

One self-contained HTML file (no script, no network, prints on A4) per department or for the whole
city. The report's code, and matplotlib with it, is imported only when the command runs, so every
other command starts as fast as before. A quarter without a stored audit run still gets its
figures: the report and standard error say the findings are missing (see the README).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from governance.i18n import t
from kontokoll.cli.exchange import check_target, export, output_path

if TYPE_CHECKING:
    from kontokoll.cli.context import CliContext


def register(commands: argparse._SubParsersAction[Any]) -> None:
    """Add the ``report`` command."""
    parser = commands.add_parser("report", help=t("report.cli.help"))
    parser.add_argument("--quarter", metavar="YYYYQN", help=t("report.cli.quarter_help"))
    parser.add_argument("--department", metavar="NAME", help=t("report.cli.department_help"))
    parser.add_argument(
        "--output", "-o", type=output_path, required=True, metavar="FILE",
        help=t("report.cli.output_help"),
    )  # fmt: skip
    parser.set_defaults(handler=write_report)


def write_report(args: argparse.Namespace, ctx: CliContext) -> int:
    from audits.report.data import ReportService
    from audits.report.document import render_report

    check_target(ctx, args.output)  # (a FIFO or the data directory: refused before the build)
    service = ReportService(ctx.store)
    report = service.build(args.quarter, args.department)
    data = render_report(report, service.today())
    if report.run is None:
        ctx.warn(t("report.cli.no_run", quarter=report.quarter))
    accounts = sum(len(section.accounts) for section in report.departments)
    done = t(
        "report.cli.written",
        quarter=report.quarter,
        path=str(args.output),
        accounts=t("report.account_count", count=accounts),
    )
    export(ctx, args.output, data, done)
    return 0
