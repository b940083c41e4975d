"""The quarterly audit calendar: which quarter's audit is due next, and when.

A quarter's audit is judged as of its last day, so that is the day it falls due. The next audit
due is the earliest quarter, from the one before today's, that has no run yet: a missed quarter
shows as overdue before the current one.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from audits.quarters import Quarter


@dataclass(frozen=True, slots=True)
class CalendarEntry:
    """The next quarterly audit: its quarter, due date and days left (negative: overdue)."""

    quarter: Quarter
    due: date
    days_left: int

    @property
    def overdue(self) -> bool:
        return self.days_left < 0


def next_audit(audited: Collection[Quarter], today: date) -> CalendarEntry:
    """The next audit due on ``today``, given the quarters that have a run."""
    quarter = Quarter.of(today).previous()
    while quarter in audited:
        quarter = quarter.next()
    return CalendarEntry(quarter, quarter.last_day, (quarter.last_day - today).days)


def upcoming(audited: Collection[Quarter], today: date, count: int = 4) -> list[CalendarEntry]:
    """The next ``count`` audits due, the first one as :func:`next_audit` gives it."""
    first = next_audit(audited, today)
    entries = [first]
    quarter = first.quarter
    while len(entries) < count:
        quarter = quarter.next()
        if quarter not in audited:
            entries.append(
                CalendarEntry(quarter, quarter.last_day, (quarter.last_day - today).days)
            )
    return entries
