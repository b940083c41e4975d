"""The day an account was registered (its stored ``created`` stamp), as audit and doctor read it.

An audit judges an account only from the day it was registered (:mod:`audits.subjects`), so that
stamp decides what a quarter's run covers: it is checked here, once, for both readers. Kontokoll
writes it itself (an aware UTC moment of the registration), so a stamp without a UTC offset or
outside the accepted years (:func:`governance.fields.check_moment`) is a hand edit or damage, and
refused naming the field. The day is the Europe/Stockholm calendar day of the moment, whatever
offset it was written with: ``2026-09-30T22:30:00+00:00`` is 1 October, as
``2026-10-01T00:30:00+02:00`` is.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from governance.errors import FieldError
from governance.fields import check_moment
from governance.monthly import STOCKHOLM

FIELD = "created"


def checked_created(created: datetime) -> datetime:
    """``created`` itself if it is a stamp Kontokoll could have written (FieldError otherwise)."""
    if created.utcoffset() is None:
        raise FieldError(FIELD, "audit_scope.no_offset", value=created.isoformat())
    try:  # (the value as text only for the message: formatting it costs more than the check)
        return check_moment(created, FIELD, "")
    except FieldError:
        return check_moment(created, FIELD, created.isoformat())


def next_day_starts(day: date) -> datetime:
    """The first instant after ``day`` in Stockholm (as UTC, for quick comparisons): a stamp at
    or after it was registered on a later Stockholm day. (Midnight always exists in Swedish
    time: the clocks change at 02:00 and 03:00.)"""
    return datetime.combine(day + timedelta(days=1), time(), STOCKHOLM).astimezone(UTC)


def registered_after(created: datetime, day_starts: datetime) -> bool:
    """Whether ``created`` falls on a Stockholm day after the one :func:`next_day_starts` ends;
    ValueError (naming the field and its value) for a stamp :func:`checked_created` refuses,
    so a reader of a store file reports it as the file's damage."""
    try:
        checked_created(created)
    except FieldError as error:
        raise ValueError(str(error)) from None
    return created >= day_starts
