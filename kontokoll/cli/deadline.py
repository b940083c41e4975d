"""``kontokoll deadline TIMESTAMP...``: the reply deadline of each arrival time, one per line.

All inputs are checked before anything is printed, so a script never gets a partial list whose
lines no longer match its inputs: any bad input means no output on stdout and exit code 2.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from governance.i18n import t

if TYPE_CHECKING:
    from kontokoll.cli.context import CliContext


def register(commands: argparse._SubParsersAction[Any]) -> None:
    """Add the ``deadline`` command."""
    parser = commands.add_parser(
        "deadline", help=t("deadline.help"), description=t("deadline.description")
    )
    parser.add_argument(
        "timestamps", nargs="+", metavar="TIMESTAMP", help=t("deadline.timestamp_help")
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, ctx: CliContext) -> int:
    """Print one deadline per timestamp, or every bad timestamp on stderr and return 2."""
    # Imported here: the holiday calendar costs 0.2 s, which no other command should pay.
    from audits.worktime import FIRST_YEAR, LAST_YEAR, parse_timestamp, reply_deadline

    deadlines: list[str] = []
    problems: list[str] = []
    for position, text in enumerate(args.timestamps, start=1):
        try:
            arrival = parse_timestamp(text)
        except ValueError:
            problems.append(t("deadline.bad_timestamp", position=position, text=text))
            continue
        try:
            deadlines.append(reply_deadline(arrival).isoformat())
        except (ValueError, OverflowError):  # outside the calendar, or beyond datetime's range
            problems.append(
                t(
                    "deadline.out_of_range",
                    position=position,
                    text=text,
                    first=FIRST_YEAR,
                    last=LAST_YEAR,
                )
            )
    if problems:
        for problem in problems:
            ctx.warn(problem)
        return 2
    for line in deadlines:
        ctx.print(line)
    return 0
