"""The monthly stats CSV: one row per account and month, imported all or nothing, and exported.

    platform,handle,month,posts,last_post_at,followers,new_followers,reach,video_views,
    link_clicks,reactions,comments,shares,saves,replies_due,replies_on_time[,questions_due,
    questions_on_time,hidden,dms_due,dms_on_time,words_version]

The columns in brackets came later (issue 10) and are optional on import, so that older files
still import (their months read those figures as unknown); export always writes them.
An empty cell is *unknown*, never 0. ``last_post_at`` is the ISO time of the month's latest post
(empty if none or unknown; a time without an offset is Stockholm time) and must fall in the row's
month. An account is named by platform and handle and must be in the register. Any bad row
refuses the whole file, with every problem reported as ``file:line: field: reason``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from governance import access
from governance.csvio import RepeatedRows, read_csv, render_csv
from governance.errors import FieldError, ImportRefused, RowProblem, StoreCorrupt
from governance.fields import check_moment, parse_handle, parse_month, parse_platform
from governance.i18n import t
from governance.monthly import (
    COUNT_FIELDS,
    TEXT_FIELDS,
    MonthlyStats,
    month_of,
)
from governance.service import Service
from governance.stats_rows import BadRow, checked_row, post_moment
from governance.store import ReadTransaction, doc_id, repos, stats_file
from governance.worktime import in_stockholm

STATS_COLUMNS: tuple[str, ...] = (
    "platform",
    "handle",
    "month",
    "posts",
    "last_post_at",
    *(name for name in COUNT_FIELDS if name != "posts"),
    *TEXT_FIELDS,
)
#: Columns an import does without (added after files were first exchanged): empty if absent.
OPTIONAL_COLUMNS: tuple[str, ...] = (
    *COUNT_FIELDS[COUNT_FIELDS.index("questions_due"):],
    *TEXT_FIELDS,
)
REQUIRED_COLUMNS: tuple[str, ...] = tuple(c for c in STATS_COLUMNS if c not in OPTIONAL_COLUMNS)
#: Pairs of (due, on time) that must not say more were on time than fell due.
_DUE_PAIRS = (("replies_due", "replies_on_time"), ("questions_due", "questions_on_time"),
              ("dms_due", "dms_on_time"))
_VERSION_MAX = 40
_WORDS_VERSION = re.compile(r"builtin-[1-9][0-9]{0,5}(\+sha256:[0-9a-f]{8})?", re.ASCII)
_LIMIT = 10**15  # far above any real count; guards against pasted garbage


@dataclass
class StatsImportPlan:
    """What an import changes: months new to the store, months replaced, months unchanged."""

    records: list[MonthlyStats] = field(default_factory=list)
    new: int = 0
    replaced: int = 0
    unchanged: int = 0


def parse_count(text: str, name: str) -> int | None:
    """A non-negative whole number; empty is unknown (None)."""
    value = text.strip()
    if not value:
        return None
    if not value.isdigit() or not value.isascii() or int(value) > _LIMIT:
        raise FieldError(name, "audit.stats.bad_count", value=value)
    return int(value)


def parse_post_time(text: str, month: str) -> datetime | None:
    """An ISO time in ``month`` (Stockholm); empty is none. Naive times are Stockholm time."""
    value = text.strip()
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise FieldError("last_post_at", "audit.stats.bad_time", value=value) from None
    check_moment(moment, "last_post_at", value)  # a year we accept and a real UTC offset
    moment = in_stockholm(moment, "last_post_at", value)
    if month_of(moment) > month:  # ISO months order as text
        raise FieldError("last_post_at", "audit.stats.time_outside_month", value=value, month=month)
    return moment


def parse_stats_row(values: dict[str, str], account_id: str) -> MonthlyStats:
    """One row's record (the account already resolved); FieldError on the first bad cell."""
    try:
        month = parse_month(values["month"], "month")
    except FieldError as error:
        if error.key == "input.year_out_of_range":  # a month, but not one we accept
            raise
        raise FieldError("month", "audit.stats.bad_month", value=values["month"].strip()) from None
    counts = {name: parse_count(values.get(name, ""), name) for name in COUNT_FIELDS}
    last_post = parse_post_time(values["last_post_at"], month)
    # last_post_at is the latest post known at the month's end, as the sync stores it: in the
    # month when it had posts, before it when it had none (a platform that shows only the latest
    # post tells that much about a quiet month).
    posted_in_month = last_post is not None and month_of(last_post) == month
    if last_post is not None and counts["posts"] == 0 and posted_in_month:
        raise FieldError("posts", "audit.stats.posts_zero_with_time")
    if last_post is not None and counts["posts"] and not posted_in_month:
        raise FieldError("last_post_at", "audit.stats.posts_but_earlier_time",
                         value=values["last_post_at"].strip(), month=month)
    for due_name, on_time_name in _DUE_PAIRS:
        due, on_time = counts[due_name], counts[on_time_name]
        if (due is None) != (on_time is None):  # a share needs both: "–" would hide the half
            missing = due_name if due is None else on_time_name
            raise FieldError(missing, "audit.stats.half_pair", due=due_name, on_time=on_time_name)
        if due is not None and on_time is not None and on_time > due:
            raise FieldError(on_time_name, "audit.stats.more_on_time_than_due", due=due)
    questions, comments = counts["questions_due"], counts["replies_due"]
    if questions is not None and comments is not None and questions > comments:
        # the questions are those of the comments due that the classifier found to be questions
        raise FieldError("questions_due", "audit.stats.more_questions_than_due", due=comments)
    version = parse_words_version(values.get("words_version", ""))
    return MonthlyStats(account_id, month, last_post_at=last_post, words_version=version, **counts)


def parse_words_version(text: str) -> str | None:
    """The classifier version of a month, as the classifier names its lists: ``builtin-N`` or
    ``builtin-N+sha256:`` and eight lower-case hex digits (an extension list's checksum)."""
    # Imported here: the word lists are read only when a file names their version.
    from governance.comment_classifier import builtin_version

    value = text.strip()
    if not value:
        return None
    current = builtin_version()
    if len(value) > _VERSION_MAX or not _WORDS_VERSION.fullmatch(value):
        raise FieldError("words_version", "replies.stats.bad_words_version",
                         value=value[:_VERSION_MAX], limit=_VERSION_MAX, current=current)
    if int(value.removeprefix("builtin-").partition("+")[0]) > current:
        raise FieldError("words_version", "replies.stats.later_words_version", value=value,
                         current=current)
    return value


class StatsFiles(Service):
    """Import and export of the monthly stats CSV, as one user does them."""

    def plan_import(self, path: Path, data: bytes | None = None) -> StatsImportPlan:
        """Check the whole file and say what it would change; ImportRefused if any row is bad.

        ``data``, when given, is the file's content (standard input) and ``path`` only names it.
        """
        with self._read() as txn:
            return _plan(txn, path, data, self._this_month())

    def import_file(self, path: Path, data: bytes | None = None) -> StatsImportPlan:
        """Import the file: every row, or (on any problem) none."""
        with self._write() as txn:
            self._authorize(txn, access.IMPORT_STATS, target=str(path))
            plan = _plan(txn, path, data, self._this_month())
            stored = repos(txn)
            stored.stats.save(plan.records)
            stored.log.append(
                self._entry(
                    "stats-imported",
                    field="stats",
                    account=path.name,
                    new=t(
                        "audit.stats.log_summary",
                        new=plan.new,
                        replaced=plan.replaced,
                        unchanged=plan.unchanged,
                    ),
                ),
            )
        return plan

    def _this_month(self) -> str:
        """The running month in Stockholm: no month after it has figures yet."""
        return self.today().isoformat()[:7]

    def export_bytes(self, delimiter: str = ";") -> tuple[bytes, int]:
        """Every stored month of every account as CSV bytes, and how many rows."""
        with self._read() as txn:
            rows = sorted(_export_rows(txn))
        return render_csv(STATS_COLUMNS, rows, delimiter), len(rows)


def _begun(record: MonthlyStats, this_month: str) -> MonthlyStats:
    """``record`` if its month has begun (ISO months order as text), else FieldError."""
    if record.month > this_month:
        raise FieldError("month", "stats_input.future_month", month=record.month, now=this_month)
    return record


def _plan(
    txn: ReadTransaction, path: Path, data: bytes | None, this_month: str
) -> StatsImportPlan:
    table = read_csv(path, required=REQUIRED_COLUMNS, optional=OPTIONAL_COLUMNS, data=data)
    problems = list(table.problems)
    index = repos(txn).accounts.index()
    plan = StatsImportPlan()
    repeated = RepeatedRows[tuple[str, str]]("month", "audit.stats.duplicate_row")
    for line, values in table.rows:
        try:
            ref = f"{parse_platform(values['platform'])}:{parse_handle(values['handle'])}"
        except FieldError as error:
            problems.append(RowProblem(line, error.field, error.reason))
            continue
        account_id = index.get(ref)
        if account_id is None:
            problems.append(RowProblem(line, "handle", t("audit.stats.unknown_account", ref=ref)))
            continue
        try:
            record = _begun(parse_stats_row(values, account_id), this_month)
        except FieldError as error:
            problems.append(RowProblem(line, error.field, error.reason))
            continue
        repeat = repeated.check((account_id, record.month), line, ref=ref, month=record.month)
        if repeat is not None:
            problems.append(repeat)
            continue
        plan.records.append(record)
    if problems:
        raise ImportRefused(table.path, sorted(problems, key=lambda p: p.line))
    stats = repos(txn).stats
    absent = [c for c in OPTIONAL_COLUMNS if c not in {h.strip() for h in table.header}]
    if absent:
        months: dict[str, dict[str, MonthlyStats]] = {}
        for index_, record in enumerate(plan.records):
            if record.account_id not in months:
                months[record.account_id] = {m.month: m for m in stats.months(record.account_id)}
            plan.records[index_] = _keeping(record, absent, months[record.account_id])
    for record in plan.records:
        stored = stats.rows(record.account_id).get(record.month)
        if stored is None:
            plan.new += 1
        elif _same(stored, record.to_row()):
            plan.unchanged += 1
        else:
            plan.replaced += 1
    return plan


def _keeping(
    record: MonthlyStats, absent: list[str], stored: dict[str, MonthlyStats]
) -> MonthlyStats:
    """``record`` with the figures of the columns its file lacks taken from the stored month.

    A file in the older layout says nothing about questions or direct messages: that is not
    "unknown", so what the sync counted for that month stays.
    """
    before = stored.get(record.month)
    if before is None:
        return record
    return replace(record, **{name: getattr(before, name) for name in absent})


def _same(stored: list[object], row: list[object]) -> bool:
    """Whether two stored rows say the same (the post time compared as an instant)."""
    padded = list(stored[1:]) + [None] * (len(row) - len(stored))  # an older, shorter row
    if padded != row[1:] or (stored[0] is None) != (row[0] is None):
        return False
    return stored[0] is None or datetime.fromisoformat(str(stored[0])) == datetime.fromisoformat(
        str(row[0])
    )


def _export_rows(txn: ReadTransaction) -> Iterator[tuple[str, ...]]:
    stored = repos(txn)
    refs = {account_id: ref for ref, account_id in stored.accounts.index().items()}
    names = (*COUNT_FIELDS, *TEXT_FIELDS)
    for account_id, months in stored.stats.all_rows():
        ref = refs.get(account_id)
        if ref is None:
            continue
        platform, handle = ref.split(":", 1)
        for month, row in months.items():
            moment = _export_moment(txn, account_id, month, row)
            # A row stored before fields were appended is shorter: those cells are unknown.
            values = list(row[1:len(names) + 1]) + [None] * (len(names) + 1 - len(row))
            counts = dict(zip(names, values, strict=True))
            yield (
                platform,
                handle,
                month,
                _cell(counts["posts"]),
                moment.isoformat() if moment else "",
                *(_cell(counts[name]) for name in STATS_COLUMNS[5:]),
            )


def _export_moment(
    txn: ReadTransaction, account_id: str, month: str, row: object
) -> datetime | None:
    """The row's last-post time in Stockholm time; a row of the wrong shape (hand-edited, a time
    outside the calendar) refuses the export as a corrupt file naming the account, month and field.
    """
    try:
        return post_moment(checked_row(row)[0])
    except BadRow as error:
        rel = stats_file(account_id)
        detail = t("storecheck.stats_row", key=doc_id(account_id), month=month,
                   field=error.field, reason=t(f"storecheck.reason.{error.field}"))
        raise StoreCorrupt(path=str(txn.path(rel)), detail=detail) from None


def _cell(value: object) -> str:
    return "" if value is None else str(value)
