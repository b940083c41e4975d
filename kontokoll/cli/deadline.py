"""``kontokoll deadline TIMESTAMP...``: the reply deadline of each arrival time, one per line.

All inputs are checked before anything is printed, so a script never gets a partial list whose
lines no longer match its inputs: any bad input means no output on stdout and exit code 2.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from governance.errors import FieldError
from governance.fields import FIRST_YEAR, LAST_YEAR, parse_timestamp
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
    deadlines: list[str] = []
    problems: list[str] = []
    for position, text in enumerate(args.timestamps, start=1):
        try:
            deadlines.append(_deadline(text))
        except FieldError as error:
            problems.append(_problem(position, text, error))
    if problems:
        for problem in problems:
            ctx.warn(problem)
        return 2
    for line in deadlines:
        ctx.print(line)
    return 0


def _deadline(text: str) -> str:
    """The deadline of one arrival time as ISO text; a FieldError for any bad input."""
    # Imported here: the holiday calendar costs 0.2 s, which no other command should pay.
    from governance.worktime import in_stockholm, reply_deadline

    arrival = in_stockholm(parse_timestamp(text, "timestamp"), "timestamp", text.strip())
    try:
        return reply_deadline(arrival).isoformat()
    except ValueError:  # the next working day lies past the last year with a calendar
        raise FieldError("timestamp", "input.year_out_of_range", value=text.strip()) from None


def _problem(position: int, text: str, error: FieldError) -> str:
    """The line that says what is wrong with the ``position``-th timestamp."""
    if error.key == "input.year_out_of_range":
        return t(
            "deadline.out_of_range", position=position, text=text, first=FIRST_YEAR, last=LAST_YEAR
        )
    if error.key == "input.bad_timestamp":
        return t("deadline.bad_timestamp", position=position, text=text)
    return t("input.deadline_problem", position=position, text=text, reason=error.reason)
