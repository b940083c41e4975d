"""What an account's stored monthly stats say about one audited quarter, read from raw rows.

The engine reads the stats files' raw documents (``{"YYYY-MM": [last_post_at, posts, ...]}``, see
``governance.monthly.STORED_FIELDS``) and touches only the months it needs: building 240,000
:class:`~governance.monthly.MonthlyStats` objects for 10,000 accounts would cost more than the
whole audit. Each month read is cut to the audit's figures
(:func:`governance.stats_rows.audit_row`); a stats shard's recent file
(:mod:`governance.storage.recent`) holds its newest months cut so already, the last-post time as
its Stockholm day, and :meth:`ActivityReader.recent` judges those with the same code.

Unknown stays unknown. A month without a row, a row whose ``posts`` is empty, or posts whose time
is not known closely enough make the inactivity window *unknown*, and the inactivity rule
(:func:`audits.rules.inactive`) fires only on a window known to be silent. This module only reads
the stats into an :class:`~audits.rules.Activity`; what is a finding is decided in the rules.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from msgspec import Raw

from audits.quarters import Quarter
from audits.rule_kinds import POSTED, SILENT, UNKNOWN, Activity
from governance.monthly import add_months, month_start
from governance.stats_rows import AUDIT_FIELDS, audit_row, post_moment
from governance.storage.typed import ROW

_POSTS = AUDIT_FIELDS.index("posts")
_DUE = AUDIT_FIELDS.index("replies_due")
#: The reply figures, side by side in an audit row from ``replies_due`` on, so that one slice
#: reads them all (tests/audits/test_reply_rules.py keeps this order).
DUTY_FIELDS = AUDIT_FIELDS[_DUE : _DUE + 7]
#: An audit row's length; one of a stored row written before issue 10's figures is shorter:
#: those read as unknown.
_WHOLE = len(AUDIT_FIELDS)
_PAD = (None,) * _WHOLE

Row = Sequence[Any]
#: Makes a month's row, as the mapping read holds it, an audit row.
RowOf = Callable[[Any], Row]
_new = tuple.__new__
#: No stats row for the quarter (one shared value: a tuple never changes).
_NO_ROWS = Activity(has_rows=False)


def month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _month_bounds(month: str) -> tuple[date, date]:
    return month_start(month), month_start(add_months(month, 1)) - timedelta(days=1)


def _post_day(stamp: object) -> date | None:
    """The Stockholm day of a month's last post, stored as a time (a recent file's audit row
    holds the day itself)."""
    if type(stamp) is date:
        return stamp
    moment = post_moment(stamp)  # BadRow (a ValueError) for a time outside the calendar
    return moment.date() if moment else None


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
        #: The oldest month looked up by name: a recent file must cover it to be read instead.
        self.earliest = min(self.window[-1][0], *self.quarter_months[:1])

    def __call__(self, months: Mapping[str, Row] | None) -> Activity:
        """The activity of one account, given its stored months (``None``: no stats at all)."""
        return self.undecoded(months)

    def recent(self, months: Mapping[str, Row] | None) -> Activity:
        """The same from a recent file's audit rows of the account (each month already cut to
        the audit's figures, the post day a date), which hold every month this reader looks up
        by name (:attr:`earliest` on) and the older ones its latest post may be in."""
        if not months:
            return _NO_ROWS
        rows = []  # (a loop, not a comprehension: that would be one more frame per account)
        for month in self.quarter_months:
            if month in months:
                rows.append(months[month])
        return self._read(rows, months, months, _as_is)

    def undecoded(self, stored: Mapping[str, Row | Raw] | None) -> Activity:
        """The same from months whose rows may still be undecoded JSON (``msgspec.Raw``, as
        :meth:`Accounts.activity_shards` reads them): only the months judged are decoded, those
        of the window before the quarter only as far as the window needs them, and the older
        ones only for an account silent through the window."""
        if not stored:
            return _NO_ROWS
        months: dict[str, Row] = {}
        for month in self.quarter_months:  # (in the quarter's order: the rows are its values)
            if month in stored:
                months[month] = _audit_row(stored[month])
        return self._read(list(months.values()), months, stored, _audit_row)

    def _read(
        self,
        rows: list[Row],
        months: Mapping[str, Row],
        stored: Mapping[str, Row | Raw],
        row_of: RowOf,
    ) -> Activity:
        """The activity from the quarter's audit ``rows`` (in its months' order), ``months`` the
        same rows by month, and every stored month (for the window: ``row_of`` makes one an
        audit row)."""
        if not rows:
            return _NO_ROWS
        window = self._window(months, stored, row_of)
        # In field order, as one tuple: a NamedTuple's own __new__ costs three times as much, and
        # this is built for every account (tests/audits/test_activity_undecoded.py compares).
        latest = _latest_post(stored, self.as_of) if window == SILENT else None
        return _new(Activity, (True, window, latest, *_duties(rows)))  # has_rows, window, ...

    def _window(
        self, months: Mapping[str, Row], stored: Mapping[str, Row | Raw], row_of: RowOf
    ) -> str:
        """POSTED if a post in [start, D] is known, SILENT if none can have been, else UNKNOWN.

        Newest month first, and a month before the quarter is decoded only when the newer ones
        left the answer open (most accounts posted in the quarter's last month)."""
        unknown = False
        for month, inside in self.window:
            row = months.get(month)
            if row is None:
                found = stored.get(month)
                if found is None:
                    unknown = True
                    continue
                row = row_of(found)
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


def _duties(rows: Sequence[Row]) -> tuple[Any, ...]:
    """The reply duties over the quarter's audit rows, in :class:`Activity` field order from
    ``replies_due`` on. Each figure sums the months where it (and its pair) is known; a month
    without question counts (older statistics) adds its count of all comments to the questions'
    sums instead, and is counted in ``months_all_comments``."""
    due = on_time = q_due = q_on_time = hidden = dm_due = dm_on_time = 0
    replies = questions = old = hidden_months = dm_months = 0
    for row in rows:
        # One unpack instead of seven look-ups (this runs for every account); a shorter (older)
        # row pads with None.
        _, _, r_due, r_on_time, qd, qo, hid, dd, do = (
            row if len(row) == _WHOLE else (*row, *_PAD)[:_WHOLE]
        )
        known = r_due is not None and r_on_time is not None
        if known:
            replies += 1
            due += r_due
            on_time += r_on_time
        if qd is not None and qo is not None:
            questions += 1
            q_due += qd
            q_on_time += qo
        elif known:
            old += 1
            q_due += r_due
            q_on_time += r_on_time
        if hid is not None:
            hidden_months += 1
            hidden += hid
        if dd is not None and do is not None:
            dm_months += 1
            dm_due += dd
            dm_on_time += do
    some = questions or old
    return (
        due if replies else None,
        on_time if replies else None,
        hidden if hidden_months else None,
        q_due if some else None,
        q_on_time if some else None,
        old,
        questions,
        dm_due if dm_months else None,
        dm_on_time if dm_months else None,
    )


def activity_of(
    months: Mapping[str, Row] | None, quarter: Quarter, as_of: date, inactive_days: int
) -> Activity:
    """The quarter's activity of one account (see :class:`ActivityReader`, which is faster for
    many accounts)."""
    return ActivityReader(quarter, as_of, inactive_days)(months)


def _audit_row(stored: Row | Raw) -> Row:
    """A stored month's row (decoded if it is still JSON text) cut to the audit's figures."""
    row = ROW.decode(stored) if isinstance(stored, Raw) else stored
    return audit_row(row)  # type: ignore[arg-type]  # (a decoded row is a list, or else wrong)


def _as_is(row: Row | Raw) -> Row:
    """A recent file's row: an audit row already."""
    return row  # (never Raw: a recent file is decoded whole)


def _row(stored: Row | Raw) -> Row:
    """A stored month's row, decoded if it is still JSON text (a row of another shape than a
    list is a ValueError: the engine reports the stats file as damaged)."""
    return ROW.decode(stored) if isinstance(stored, Raw) else stored


def _latest_post(months: Mapping[str, Row | Raw], as_of: date) -> date | None:
    """The latest known post on or before ``as_of`` over all stored months up to then."""
    last_month = month_key(as_of)
    for month in sorted((m for m in months if m <= last_month), reverse=True):
        day = _post_day(_row(months[month])[0])
        if day is not None and day <= as_of:
            return day
    return None
