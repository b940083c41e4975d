"""The tally's shortcuts around the reply calendar give exactly what the calendar gives.

``DueTally`` asks ``reply_deadline``/``answered_on_time`` only when the answer is not certain
(governance.platforms.common): an arrival older than ``DEADLINE_WITHIN`` is past its deadline, and
an answer within ``SURELY_ON_TIME`` of its arrival is on time. These tests hold the calendar to
both bounds over whole years (Christmas, Easter, midsummer, both clock changes) and compare the
tally's counts with the calendar asked for every arrival.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from governance.platforms.common import (
    DEADLINE_WITHIN,
    SURELY_ON_TIME,
    DueTally,
    MonthBook,
    months_between,
)
from governance.worktime import answered_on_time, reply_deadline


def _moments(start: datetime, end: datetime, step: timedelta) -> list[datetime]:
    found, moment = [], start
    while moment < end:
        found.append(moment)
        moment += step
    return found


def test_every_deadline_lies_within_the_bounds_the_tally_relies_on() -> None:
    # Every 37 minutes over three years: every hour of every weekday and holiday is hit.
    arrivals = _moments(datetime(2025, 1, 1, tzinfo=UTC), datetime(2028, 1, 1, tzinfo=UTC),
                        timedelta(minutes=37))
    spans = [reply_deadline(a) - a for a in arrivals]
    assert max(spans) < DEADLINE_WITHIN
    assert min(spans) >= SURELY_ON_TIME
    # The longest wait is the Christmas and New Year stretch: days, not weeks.
    assert max(spans) > timedelta(days=4)


def test_the_tally_counts_as_the_calendar_does() -> None:
    now = datetime(2026, 12, 28, 15, 30, tzinfo=UTC)
    months = months_between("2024-11", "2026-12")
    book = MonthBook(months)
    tally = DueTally(book, now, "replies_due", "replies_on_time")
    rng = random.Random(15)
    expected_due = expected_on_time = 0
    for _ in range(6000):
        # Arrivals over the whole window, most of the last weeks' near their deadline.
        back = timedelta(hours=rng.choice([rng.uniform(0, 800), rng.uniform(0, 18000)]))
        arrived = now - back
        answered = None if rng.random() < 0.4 else arrived + timedelta(
            hours=rng.choice([rng.uniform(0, 30), rng.uniform(0, 200)]))
        if answered is not None and answered > now:
            answered = None
        tally.arrival(arrived, answered)
        if book.holds(arrived) is None:
            continue
        if answered is None and reply_deadline(arrived) > now:
            continue
        expected_due += 1
        expected_on_time += answered is not None and answered_on_time(arrived, answered)
    due = sum(book.patches[m]["replies_due"] for m in months)
    on_time = sum(book.patches[m]["replies_on_time"] for m in months)
    assert (due, on_time) == (expected_due, expected_on_time)
    assert 0 < on_time < due  # both shortcuts and the calendar were all exercised
