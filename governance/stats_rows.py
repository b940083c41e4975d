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

from governance.monthly import STOCKHOLM, STORED_FIELDS, stored_post_time

#: The field a bad row is named by: the row itself (not an array, or empty) or its first value.
ROW, LAST_POST = "row", "last_post_at"


_DUE = STORED_FIELDS.index("replies_due")
#: The figures of a month the audit reads, in this order: the last-post time, the posts, and the
#: reply duties (side by side in a stored row from ``replies_due`` on). A stored row cut to them
#: (:func:`audit_row`) is what the audit judges, and what the recent files keep
#: (:mod:`governance.storage.recent`, the last-post time as its Stockholm day).
AUDIT_FIELDS: tuple[str, ...] = (*STORED_FIELDS[:2], *STORED_FIELDS[_DUE : _DUE + 7])


def audit_row(row: list[Any]) -> list[Any]:
    """A stored month row cut to :data:`AUDIT_FIELDS` (a shorter, older row: to what it has).

    Not checked: the audit reads each value only when it needs it, as from the whole row.
    """
    return row[:2] + row[_DUE : _DUE + 7]


class BadRow(ValueError):
    """A stored month row of the wrong shape; ``field`` names what is wrong (ROW or LAST_POST)."""

    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.field = field


def post_moment(value: object) -> datetime | None:
    """A stored last-post time in Stockholm time; None when there is none (null or empty).

    A time without an offset is Stockholm time (:func:`governance.monthly.stored_post_time`):
    every reader (the audit, the recent files, doctor) finds the same day on every machine.
    BadRow(LAST_POST) for anything but ISO date-time text with a Stockholm time.
    """
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise BadRow(LAST_POST)
    try:
        return stored_post_time(value).astimezone(STOCKHOLM)
    except (ValueError, OverflowError):  # not a time; a time with no Stockholm time
        raise BadRow(LAST_POST) from None


def checked_row(row: Any) -> list[Any]:
    """``row`` if it is a month row the readers can read (an array, its last-post time sound)."""
    if type(row) is not list or not row:
        raise BadRow(ROW)
    post_moment(row[0])
    return row
