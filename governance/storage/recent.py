"""The recent files: each stats shard's newest months as the audit reads them, kept by the commit.

A stats shard (``stats/NN.json``) holds every month of its accounts with 19 figures each: 26 MB
at 10,000 accounts x 24 months, of which an audit reads a few months and 9 figures per account.
Beside each shard, ``stats-recent/NN.json`` holds per account (document id, as in the shard):

- its :data:`RECENT_MONTHS` newest stored months (all of them if it has fewer), each cut to the
  audit's figures (:func:`governance.stats_rows.audit_row`) with the last-post time as its
  Stockholm day (``YYYY-MM-DD``), which is all the audit makes of it;
- and, for an account silent through the audit's window, the older months its latest post may
  be found in: the last-post day alone, newest first, down to the first one before those months.

A ``source`` document records what it was derived from: the stats file's size and modification
time (ns), ``kept`` (:data:`RECENT_MONTHS` when it was written), and ``since``, the oldest month
from which on every account's months are all there
(``""``: every month; ``null``: none, because a row the audit would read cannot be carried
exactly: not a list, a time outside the calendar, a figure that is not a whole number).

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
from typing import Any

from governance.monthly import month_start
from governance.stats_rows import BadRow, audit_row, post_moment
from governance.storage.layout import MONTHS_TABLE, RECENT_TABLE, SOURCE_TABLE

#: Months kept whole per account (its newest): enough for an audit of the newest quarter, or of
#: the one before it in the two months after it ends, with an inactivity window of up to about
#: two months (a longer look back reads the stats shard). Each month more costs the audit ~1/7
#: more of the recent files' decoding.
RECENT_MONTHS = 5
#: The types a figure the recent files keep may have (a bool is not a count).
_COUNTS = frozenset({int, type(None)})
_MONTH = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")

#: One month as the audit reads it: [post day, posts, replies_due, ..., dms_on_time].
AuditRow = list[Any]
#: A shard's months table and its recent rows, as on disk (see :func:`document`).
Before = tuple[Mapping[str, Any], Mapping[str, Any]]


class Uncovered(Exception):
    """A stored row the audit rows cannot carry exactly: the shard is read in full."""


def _day(stamp: object) -> str | None:
    """The Stockholm day (ISO) of a stored last-post time; Uncovered if it has none."""
    try:
        moment = post_moment(stamp)
    except BadRow:
        raise Uncovered() from None
    return moment.date().isoformat() if moment else None


def _carried(row: object) -> AuditRow:
    """A stored row as the recent file keeps it (every figure checked to be a whole number)."""
    if type(row) is not list or len(row) < 2:
        raise Uncovered()
    cut = audit_row(row)
    if not set(map(type, cut[1:])) <= _COUNTS:  # (in C: this runs for every month kept)
        raise Uncovered()
    cut[0] = _day(cut[0])
    return cut


def _cutoff(keys: list[str]) -> str:
    """The oldest month kept whole ("": every one)."""
    return keys[-RECENT_MONTHS] if len(keys) > RECENT_MONTHS else ""


def account_rows(months: object) -> tuple[str, dict[str, AuditRow]]:
    """The month from which on an account's months are all kept ("": every one), and its rows.

    Uncovered for a row the audit could read that cannot be carried exactly.
    """
    if type(months) is not dict:
        raise Uncovered()
    keys = sorted(months)
    cutoff = _cutoff(keys)
    rows = {month: _carried(months[month]) for month in keys[-RECENT_MONTHS:]}
    if not cutoff:
        return cutoff, rows
    if not _MONTH.fullmatch(cutoff):
        raise Uncovered()
    # An audit using this file judges a day on or after the cutoff month's first, so the first
    # older post before that day is the latest it can look for (the audit walks back the same).
    first = month_start(cutoff).isoformat()
    for month in reversed(keys[:-RECENT_MONTHS]):
        row = months[month]
        if type(row) is not list or not row:
            raise Uncovered()
        day = _day(row[0])
        if day is not None:
            rows[month] = [day]
            if day < first:
                break
    return cutoff, rows


def document(
    months: Mapping[str, Any], size: int, mtime_ns: int, before: Before | None = None
) -> dict[str, Any]:
    """The recent file of a stats shard's ``months`` table, whose file has this size and time.

    ``before``: the months table of the shard on disk and the rows of its recent file, when that
    file is in step with it; an account whose stored months did not change keeps its rows (the
    same a derivation gives: a sync's batch changes a few accounts of each shard it writes).
    """
    recent: dict[str, dict[str, AuditRow]] = {}
    since: str | None = ""
    old_months, old_rows = before or ({}, {})
    try:
        for key, doc in months.items():
            kept = old_rows.get(key)
            if kept is not None and old_months.get(key) == doc:
                cutoff = _cutoff(sorted(doc["months"]))  # (checked when it was derived)
            else:
                cutoff, kept = account_rows(doc.get("months") if type(doc) is dict else None)
            recent[key] = kept
            since = max(since or "", cutoff)
    except Uncovered:
        recent, since = {}, None
    source = {"size": size, "mtime_ns": mtime_ns, "since": since, "kept": RECENT_MONTHS}
    return {RECENT_TABLE: recent, SOURCE_TABLE: {"1": source}}


def derived(
    stats: Mapping[str, Any], size: int, mtime_ns: int, before: Before | None = None
) -> dict[str, Any]:
    """:func:`document` of a stats file's tables."""
    return document(stats.get(MONTHS_TABLE, {}), size, mtime_ns, before)


def in_step(
    stats: Mapping[str, Any], identity: tuple[int, int] | None, recent_file: Mapping[str, Any]
) -> Before | None:
    """``before`` for :func:`document`: the parsed stats file on disk (of this ``identity``) and
    its parsed recent file, if that was derived from it and covers it; else None."""
    source = recent_file.get(SOURCE_TABLE, {}).get("1", {})
    rows = recent_file.get(RECENT_TABLE)
    if identity is None or not isinstance(rows, dict) or source.get("since") is None:
        return None
    if source.get("kept") != RECENT_MONTHS:  # (rows cut to another number of months)
        return None
    if (source.get("size"), source.get("mtime_ns")) != identity:
        return None
    return stats.get(MONTHS_TABLE, {}), rows
