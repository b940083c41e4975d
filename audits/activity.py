"""What an account's stored monthly stats say about one audited quarter, read from raw rows.

The engine reads the stats files' raw documents (``{"YYYY-MM": [last_post_at, posts, ...]}``, see
``governance.monthly.STORED_FIELDS``) and touches only the months it needs: building 240,000
:class:`~governance.monthly.MonthlyStats` objects for 10,000 accounts would cost more than the
whole audit.

Unknown stays unknown. A month without a row, a row whose ``posts`` is empty, or posts whose time
is not known closely enough make the inactivity window *unknown*, and the inactivity rule
(:func:`audits.rules.inactive`) fires only on a window known to be silent. This module only reads
the stats into an :class:`~audits.rules.Activity`; what is a finding is decided in the rules.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from audits.quarters import Quarter
from audits.rule_kinds import POSTED, SILENT, UNKNOWN, Activity
from governance.monthly import STOCKHOLM, STORED_FIELDS, add_months, month_start

_POSTS = STORED_FIELDS.index("posts")
_DUE = STORED_FIELDS.index("replies_due")
_ON_TIME = STORED_FIELDS.index("replies_on_time")

Row = Sequence[Any]


def month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _month_bounds(month: str) -> tuple[date, date]:
    return month_start(month), month_start(add_months(month, 1)) - timedelta(days=1)


def _post_day(stamp: str | None) -> date | None:
    return datetime.fromisoformat(stamp).astimezone(STOCKHOLM).date() if stamp else None


class ActivityReader:
    """Reads one quarter's activity (as of D) from each account's stored months.

    Everything that is the same for every account (the quarter's months up to D, the months the
    inactivity window spans and their bounds) is worked out once, here.
    """

    def __init__(self, quarter: Quarter, as_of: date, inactive_days: int) -> None:
        self.as_of = as_of
        self.start = as_of - timedelta(days=inactive_days)
        last_month = month_key(as_of)
        self.quarter_months = [m for m in quarter.months if m <= last_month]
        self.window: list[tuple[str, bool]] = []  # newest first: (month, wholly inside window)
        month = last_month
        while month >= month_key(self.start):
            first, last = _month_bounds(month)
            self.window.append((month, first >= self.start and last <= as_of))
            month = add_months(month, -1)

    def __call__(self, months: Mapping[str, Row] | None) -> Activity:
        """The activity of one account, given its stored months (``None``: no stats at all)."""
        if not months:
            return Activity(has_rows=False)
        rows = [months[m] for m in self.quarter_months if m in months]
        if not rows:
            return Activity(has_rows=False)
        due = on_time = 0
        replies_known = False
        for row in rows:
            if row[_DUE] is not None and row[_ON_TIME] is not None:
                replies_known = True
                due += row[_DUE]
                on_time += row[_ON_TIME]
        window = self._window(months)
        # Positional, in field order: keywords would double the cost of this per-account tuple.
        return Activity(
            True,  # has_rows
            window,
            _latest_post(months, self.as_of) if window == SILENT else None,  # latest_post
            due if replies_known else None,  # replies_due
            on_time if replies_known else None,  # replies_on_time
        )

    def _window(self, months: Mapping[str, Row]) -> str:
        """POSTED if a post in [start, D] is known, SILENT if none can have been, else UNKNOWN."""
        unknown = False
        for month, inside in self.window:
            row = months.get(month)
            if row is None:
                unknown = True
                continue
            day = _post_day(row[0])
            if day is not None and day <= self.as_of:
                if day >= self.start:
                    return POSTED
                continue  # this month's latest post is older than the window
            posts = row[_POSTS]
            if day is None and posts == 0:
                continue
            # Posts at an unknown time in this month (or only after D): inside the window only
            # if the whole month is, otherwise we cannot tell.
            if posts and day is None and inside:
                return POSTED
            unknown = True
        return UNKNOWN if unknown else SILENT


def activity_of(
    months: Mapping[str, Row] | None, quarter: Quarter, as_of: date, inactive_days: int
) -> Activity:
    """The quarter's activity of one account (see :class:`ActivityReader`, which is faster for
    many accounts)."""
    return ActivityReader(quarter, as_of, inactive_days)(months)


def _latest_post(months: Mapping[str, Row], as_of: date) -> date | None:
    """The latest known post on or before ``as_of`` over all stored months up to then."""
    last_month = month_key(as_of)
    for month in sorted((m for m in months if m <= last_month), reverse=True):
        day = _post_day(months[month][0])
        if day is not None and day <= as_of:
            return day
    return None
