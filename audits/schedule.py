"""The quarterly audit calendar: which quarter's audit is due next, and when.

A quarter's audit is judged as of its last day, so that is the day it falls due. The next audit
due is the earliest quarter, from the one before today's, that has no final run yet: a missed
quarter shows as overdue before the current one. A quarter that ended before the register had
any account is never due (:func:`first_due`): a register begun today is not told its previous
quarter's audit is 60 days late.

A run judged before its quarter's last day (the current quarter, audited part-way, or any quarter
with ``audit run --as-of`` a day before its end) is *preliminary*: the quarter is not finished, it
stays the next audit due, marked preliminary, and its final run falls due on its last day. A
preliminary run never counts over a final one (:func:`audits.runs.latest_runs`), so a quarter once
finished stays finished.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from datetime import date, datetime, time
from typing import Protocol

import msgspec

from audits.quarters import Quarter
from governance.monthly import STOCKHOLM


class Judged(Protocol):
    """A run as the calendar sees it: the day it was judged as of, and when it ran."""

    @property
    def as_of(self) -> date: ...

    @property
    def at(self) -> datetime: ...


class CalendarEntry(msgspec.Struct, frozen=True):
    """The next quarterly audit: its quarter, due date and days left (negative: overdue)."""

    quarter: Quarter
    due: date
    days_left: int
    #: The quarter has a run, but judged before its last day: the final run is still to come.
    preliminary: bool = False

    @property
    def overdue(self) -> bool:
        return self.days_left < 0


def finished(quarter: Quarter, run: Judged | None) -> bool:
    """Whether ``quarter`` has its final run: one judged as of its last day, on that day or later
    (``audit run --quarter`` judges as of the last day even while the quarter is running)."""
    if run is None:
        return False
    ran_on = run.at.astimezone(STOCKHOLM).date()
    return min(run.as_of, ran_on) >= quarter.last_day


def _entry(quarter: Quarter, today: date, run: Judged | None) -> CalendarEntry:
    days = (quarter.last_day - today).days
    return CalendarEntry(quarter, quarter.last_day, days, preliminary=run is not None)


def _runs(audited: Collection[Quarter] | Mapping[Quarter, Judged]) -> Mapping[Quarter, Judged]:
    """The runs per quarter; a plain collection of quarters counts each as finished."""
    if isinstance(audited, Mapping):
        return audited
    return {quarter: _Final(quarter.last_day) for quarter in audited}


class _Final(msgspec.Struct, frozen=True):
    """A run taken as final: judged and run on its quarter's last day."""

    as_of: date

    @property
    def at(self) -> datetime:
        return datetime.combine(self.as_of, time(12), STOCKHOLM)


def first_due(today: date, registered_before: Callable[[datetime], bool]) -> Quarter:
    """The earliest quarter whose audit can be due on ``today``: the one before today's if the
    register had an account by its end (``registered_before`` the first instant after its last
    Stockholm day), else today's quarter (a register begun in it, or with no account yet)."""
    current = Quarter.of(today)
    previous = current.previous()
    ends = datetime.combine(current.first_day, time(), STOCKHOLM)  # (previous's end)
    return previous if registered_before(ends) else current


def next_audit(
    audited: Collection[Quarter] | Mapping[Quarter, Judged],
    today: date,
    start: Quarter | None = None,
) -> CalendarEntry:
    """The next audit due on ``today``, given the run that counts of each audited quarter, from
    ``start`` on (:func:`first_due`; default: the quarter before today's)."""
    runs = _runs(audited)
    quarter = start or Quarter.of(today).previous()
    while finished(quarter, runs.get(quarter)):
        quarter = quarter.next()
    return _entry(quarter, today, runs.get(quarter))


def upcoming(
    audited: Collection[Quarter] | Mapping[Quarter, Judged],
    today: date,
    count: int = 4,
    start: Quarter | None = None,
) -> list[CalendarEntry]:
    """The next ``count`` audits due, the first one as :func:`next_audit` gives it."""
    runs = _runs(audited)
    first = next_audit(runs, today, start)
    entries = [first]
    quarter = first.quarter
    while len(entries) < count:
        quarter = quarter.next()
        if not finished(quarter, runs.get(quarter)):
            entries.append(_entry(quarter, today, runs.get(quarter)))
    return entries
