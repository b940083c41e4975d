"""A stored month row's shape, checked one way by every reader of the stats files and by doctor.

A month row (``MonthlyStats.to_row``) is a JSON array whose first value is the month's last-post
time: ISO text with an offset, or null. Edited by hand, cut short or written by something else it
can be anything; a time outside the calendar once moved to Stockholm time (``9999-12-31T23:59:59
-01:00``) is an OverflowError, not a ValueError. :func:`checked_row` is the check: the export
refuses what it refuses, naming the file, the account, the month and the field, and
``kontokoll doctor`` names the same rows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from governance.monthly import STOCKHOLM

#: The field a bad row is named by: the row itself (not an array, or empty) or its first value.
ROW, LAST_POST = "row", "last_post_at"


class BadRow(ValueError):
    """A stored month row of the wrong shape; ``field`` names what is wrong (ROW or LAST_POST)."""

    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.field = field


def post_moment(value: object) -> datetime | None:
    """A stored last-post time in Stockholm time; None when there is none (null or empty).

    BadRow(LAST_POST) for anything but ISO date-time text with a Stockholm time.
    """
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise BadRow(LAST_POST)
    try:
        return datetime.fromisoformat(value).astimezone(STOCKHOLM)
    except (ValueError, OverflowError):  # not a time; a time with no Stockholm time
        raise BadRow(LAST_POST) from None


def checked_row(row: Any) -> list[Any]:
    """``row`` if it is a month row the readers can read (an array, its last-post time sound)."""
    if type(row) is not list or not row:
        raise BadRow(ROW)
    post_moment(row[0])
    return row
