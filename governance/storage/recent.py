"""The recent files: each stats shard's newest months as the audit reads them, kept by the commit.

A stats shard (``stats/NN.json``) holds every month of its accounts with 19 figures each: 26 MB
at 10,000 accounts x 24 months, of which an audit reads a few months and 9 figures per account.
Beside each shard, ``stats-recent/NN.json`` holds per account (document id, as in the shard):

- its :data:`RECENT_MONTHS` newest stored months (all of them if it has fewer), each cut to the
  audit's figures (:func:`governance.stats_rows.audit_row`) with the last-post time as its
  Stockholm day (``YYYY-MM-DD``), which is all the audit makes of it;
- and, for an account silent through the audit's window, the older months its latest post may
  be found in: the last-post day alone, newest first, down to the first one before those months.

Its :data:`LATEST_TABLE` holds per account what the register's table shows of its stats, over ALL
its months (:func:`latest`): the day of its latest post and its latest known follower count (an
account with neither has no entry). The app's first paint reads these instead of parsing every
month of every account (``screens.register_rows``).

A ``source`` document records what it was derived from: the stats file's size and modification
time (ns), ``kept`` (:data:`RECENT_MONTHS` when it was written), ``format`` (:data:`FORMAT`; a
file without one was written before the latest table: nothing reads that table from it, doctor
names it and the next commit of its shard or ``--repair`` writes it anew), and ``since``, the
oldest month from which on every account's months are all there (``""``: every month;
``null``: none, because a row cannot be carried exactly: not a list or empty, a time outside the
calendar, a figure the audit reads or a latest follower count that is not a whole number; the
register and the audit then read the stats shard).

Kept in step in one place: every commit that writes or deletes a stats shard writes or deletes
its recent file in the same (journalled) transaction, derived from the shard as committed, and
records the modification time the file system stored for the stats file (to the ns, or cut to
its coarser unit: a second, FAT's two)
(:meth:`~governance.storage.transactions.WriteTransaction.commit`); a recent file staged by
anything else (a restore) is derived anew the same way. A reader uses a recent file only if the
stats file on disk is still the one it was derived from and it covers every month the reader
needs (:func:`governance.storage.typed.recent_rows`); otherwise it reads the stats shard itself,
as before: a store written by an older Kontokoll (no recent files, or stats files it rewrote), a
hand edit, a copy that did not keep the times. A journal replayed after a crash gives the stats
files it writes the times it records.
A missing recent file, or a damaged one (cut short, not JSON, the wrong types: it does not
decode), is read the same way: it is derived data and only costs time. ``kontokoll doctor``
names a damaged one and compares each other with its stats shard; ``--repair`` derives them anew.
A last-post time stored without an offset (a hand edit) is Stockholm time
(:func:`governance.stats_rows.post_moment`), so its day is the same on every machine.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from governance.monthly import STORED_FIELDS, month_start
from governance.stats_rows import BadRow, audit_row, post_moment
from governance.storage.layout import MONTHS_TABLE, RECENT_TABLE, SOURCE_TABLE

#: Months kept whole per account (its newest): enough for an audit of the newest quarter, or of
#: the one before it in the two months after it ends, with an inactivity window of up to about
#: two months (a longer look back reads the stats shard). Each month more costs the audit ~1/7
#: more of the recent files' decoding.
RECENT_MONTHS = 5
#: The recent files' format: 2 added :data:`LATEST_TABLE` (a file without ``format`` is 1).
FORMAT = 2
#: The table of each account's figures over all its months (:func:`latest`).
LATEST_TABLE = "latest"
#: Where the follower count sits in a stored month row (``MonthlyStats.to_row``).
FOLLOWERS_AT = STORED_FIELDS.index("followers")
#: The types a figure the recent files keep may have (a bool is not a count).
_COUNTS = frozenset({int, type(None)})
_MONTH = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")

#: One month as the audit reads it: [post day, posts, replies_due, ..., dms_on_time].
AuditRow = list[Any]
#: An account's :data:`LATEST_TABLE` document: {"day": ISO day or None, "followers": count or
#: None}; None for an account with neither.
Latest = dict[str, Any] | None
#: A shard's months table, and its recent file's rows and latest table, as on disk (see
#: :func:`document`).
Before = tuple[Mapping[str, Any], Mapping[str, Any], Mapping[str, Any]]


class Uncovered(Exception):
    """A stored row the audit rows cannot carry exactly: the shard is read in full."""


def _moment(row: object) -> datetime | None:
    """A stored row's last-post time in Stockholm time; Uncovered for a row that is not a
    non-empty list or a time the readers refuse."""
    if type(row) is not list or not row:
        raise Uncovered()
    try:
        return post_moment(row[0])
    except BadRow:
        raise Uncovered() from None


def _day(moment: datetime | None) -> str | None:
    """The Stockholm day (ISO) of a last-post time from :func:`_moment`."""
    return moment.date().isoformat() if moment else None


def _carried(row: list[Any], moment: datetime | None) -> AuditRow:
    """A stored row (whose last-post time is ``moment``) as the recent file keeps it (every
    figure checked to be a whole number)."""
    if len(row) < 2:
        raise Uncovered()
    cut = audit_row(row)
    if not set(map(type, cut[1:])) <= _COUNTS:  # (in C: this runs for every month kept)
        raise Uncovered()
    cut[0] = _day(moment)
    return cut


def latest(rows: list[list[Any]], moments: list[datetime | None]) -> Latest:
    """What the register's table shows of an account's stats, from all its stored ``rows``
    (oldest month first) and their last-post ``moments``: the day of the latest post, and the
    follower count of the newest month that has one (Uncovered if it is not a whole number)."""
    followers = next(
        (row[FOLLOWERS_AT] for row in reversed(rows)
         if len(row) > FOLLOWERS_AT and row[FOLLOWERS_AT] is not None),
        None,
    )
    if type(followers) not in _COUNTS:
        raise Uncovered()
    known = [moment for moment in moments if moment is not None]
    if not known and followers is None:
        return None
    return {"day": _day(max(known)) if known else None, "followers": followers}


def _cutoff(keys: list[str]) -> str:
    """The oldest month kept whole ("": every one)."""
    return keys[-RECENT_MONTHS] if len(keys) > RECENT_MONTHS else ""


def account_rows(months: object) -> tuple[str, dict[str, AuditRow], Latest]:
    """The month from which on an account's months are all kept ("": every one), its rows, and
    its :func:`latest` document, in one pass over its months.

    Uncovered for a row that cannot be carried exactly (see the module's ``since``).
    """
    if type(months) is not dict:
        raise Uncovered()
    keys = sorted(months)
    stored = [months[month] for month in keys]
    moments = [_moment(row) for row in stored]  # (every row checked to be a non-empty list)
    cutoff = _cutoff(keys)
    rows = {
        month: _carried(row, moment)
        for month, row, moment in zip(
            keys[-RECENT_MONTHS:], stored[-RECENT_MONTHS:], moments[-RECENT_MONTHS:], strict=True
        )
    }
    figures = latest(stored, moments)
    if not cutoff:
        return cutoff, rows, figures
    if not _MONTH.fullmatch(cutoff):
        raise Uncovered()
    # An audit using this file judges a day on or after the cutoff month's first, so the first
    # older post before that day is the latest it can look for (the audit walks back the same).
    first = month_start(cutoff).isoformat()
    older = zip(keys[:-RECENT_MONTHS], moments[:-RECENT_MONTHS], strict=True)
    for month, moment in reversed(list(older)):
        day = _day(moment)
        if day is not None:
            rows[month] = [day]
            if day < first:
                break
    return cutoff, rows, figures


def document(
    months: Mapping[str, Any], size: int, mtime_ns: int, before: Before | None = None
) -> dict[str, Any]:
    """The recent file of a stats shard's ``months`` table, whose file has this size and time.

    ``before``: the months table of the shard on disk and the rows of its recent file, when that
    file is in step with it; an account whose stored months did not change keeps its rows (the
    same a derivation gives: a sync's batch changes a few accounts of each shard it writes).
    """
    recent: dict[str, dict[str, AuditRow]] = {}
    figures: dict[str, dict[str, Any]] = {}
    since: str | None = ""
    old_months, old_rows, old_figures = before or ({}, {}, {})
    try:
        for key, doc in months.items():
            kept = old_rows.get(key)
            if kept is not None and old_months.get(key) == doc:
                cutoff = _cutoff(sorted(doc["months"]))  # (checked when it was derived)
                found = old_figures.get(key)
            else:
                months_of = doc.get("months") if type(doc) is dict else None
                cutoff, kept, found = account_rows(months_of)
            recent[key] = kept
            if found is not None:
                figures[key] = found
            since = max(since or "", cutoff)
    except Uncovered:
        recent, figures, since = {}, {}, None
    source = {"size": size, "mtime_ns": mtime_ns, "since": since, "kept": RECENT_MONTHS,
              "format": FORMAT}
    return {RECENT_TABLE: recent, LATEST_TABLE: figures, SOURCE_TABLE: {"1": source}}


def derived(
    stats: Mapping[str, Any], size: int, mtime_ns: int, before: Before | None = None
) -> dict[str, Any]:
    """:func:`document` of a stats file's tables."""
    return document(stats.get(MONTHS_TABLE, {}), size, mtime_ns, before)


def in_step(
    stats: Mapping[str, Any], identity: tuple[int, int] | None, recent_file: Mapping[str, Any]
) -> Before | None:
    """``before`` for :func:`document`: the parsed stats file on disk (of this ``identity``) and
    its parsed recent file's tables, if that was derived from it in this :data:`FORMAT` and
    covers it; else None."""
    source = recent_file.get(SOURCE_TABLE, {}).get("1", {})
    rows, figures = recent_file.get(RECENT_TABLE), recent_file.get(LATEST_TABLE)
    if identity is None or not isinstance(rows, dict) or source.get("since") is None:
        return None
    if not isinstance(figures, dict) or source.get("format") != FORMAT:  # (an older format)
        return None
    if source.get("kept") != RECENT_MONTHS:  # (rows cut to another number of months)
        return None
    if (source.get("size"), source.get("mtime_ns")) != identity:
        return None
    return stats.get(MONTHS_TABLE, {}), rows, figures
