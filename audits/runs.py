"""Stored audit runs, acknowledgements and waivers: their records, decoded and checked.

The store keeps them (``repos(txn).runs``, ``.acks``, ``.waivers``; where, see
:mod:`governance.store`): a small summary per run in the run index, each run with when, who,
quarter, D, settings and all findings, acknowledged findings per quarter, and waived findings
until their end date. This module turns the stored documents into typed records and back.

A run is never changed after it is stored: a re-run of a quarter is a new run, and the latest run
of a quarter is the one that counts, except that a preliminary run (judged before the quarter's
last day) never counts over a final one (:func:`latest_runs`). Whether a finding is acknowledged
or waived is looked up when it is shown, so that a waiver granted after a run applies to that run
too.

The records are msgspec Structs (made in C, their classes made at import without a dataclass's
generated code), equal, hashed and printed as the frozen dataclasses they were.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import msgspec

from audits import run_rows, stored
from audits.engine import Finding
from audits.finding_docs import _finding as _finding
from audits.finding_docs import findings_of_rows
from audits.quarters import Quarter
from audits.schedule import finished
from audits.settings import AuditSettings
from governance.fields import check_day
from governance.i18n import t
from governance.storage.database import bulk_allocation
from governance.store import ReadTransaction, WriteTransaction, repos

#: A run's id: its quarter and number (``2026Q4-7``); also the name of its file.
_RUN_ID = re.compile(r"\d{4}Q[1-4]-\d+", re.ASCII)

_T = TypeVar("_T")

OPEN, ACKNOWLEDGED, WAIVED = "open", "acknowledged", "waived"
STATUSES = (OPEN, ACKNOWLEDGED, WAIVED)


class RunInfo(msgspec.Struct, frozen=True):
    """A stored run without its findings: what lists and the calendar need."""

    id: str
    number: int
    quarter: Quarter
    as_of: date
    at: datetime
    user: str
    accounts: int
    counts: Mapping[str, int]  # findings per severity
    #: Accounts registered after ``as_of``, not judged (they did not exist then).
    registered_later: int = 0
    #: The first few of them by ``PLATFORM:HANDLE`` (``audit run`` names them).
    registered_later_refs: tuple[str, ...] = ()

    def to_doc(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "number": self.number,
            "quarter": str(self.quarter),
            "as_of": self.as_of.isoformat(),
            "at": self.at.isoformat(),
            "user": self.user,
            "accounts": self.accounts,
            "counts": dict(self.counts),
            **({"registered_later": self.registered_later} if self.registered_later else {}),
            **(
                {"registered_later_refs": list(named)}
                if (named := self.registered_later_refs)
                else {}
            ),
        }

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any]) -> RunInfo:
        """A stored summary; :class:`stored.BadField` if any field has the wrong shape."""
        run_id = stored.text(doc, "id")
        if not _RUN_ID.fullmatch(run_id):  # also keeps the run's file name inside audit/runs/
            raise stored.BadField("id")
        counts = doc.get("counts", {})
        if not isinstance(counts, dict) or not all(
            isinstance(n, int) and not isinstance(n, bool) for n in counts.values()
        ):
            raise stored.BadField("counts")
        return cls(
            id=run_id,
            number=stored.whole(doc, "number"),
            quarter=stored.quarter(doc, "quarter"),
            as_of=stored.day(doc, "as_of"),
            at=stored.moment(doc, "at"),
            user=stored.text(doc, "user", ""),
            accounts=stored.whole(doc, "accounts", 0),
            counts=dict(counts),
            registered_later=stored.whole(doc, "registered_later", 0),
            registered_later_refs=stored.texts(doc, "registered_later_refs"),
        )


class AuditRun(msgspec.Struct, frozen=True):
    """A stored run with the settings it used and its findings."""

    info: RunInfo
    settings: AuditSettings
    findings: tuple[Finding, ...]


class Acknowledgement(msgspec.Struct, frozen=True):
    """A finding of one quarter that someone has seen and commented on."""

    quarter: Quarter
    key: str
    note: str
    user: str
    at: datetime

    def to_doc(self) -> dict[str, str]:
        return {
            "quarter": str(self.quarter),
            "key": self.key,
            "note": self.note,
            "user": self.user,
            "at": self.at.isoformat(),
        }

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any]) -> Acknowledgement:
        """A stored acknowledgement; :class:`stored.BadField` if a field has the wrong shape."""
        return cls(
            stored.quarter(doc, "quarter"),
            stored.text(doc, "key"),
            stored.text(doc, "note", ""),
            stored.text(doc, "user", ""),
            stored.moment(doc, "at"),
        )


class Waiver(msgspec.Struct, frozen=True):
    """A finding accepted for a time: it shows as waived in audits from ``since`` to ``until``."""

    key: str
    rule: str
    account_id: str
    ref: str
    reason: str
    name: str  # who decided the waiver
    since: Quarter  # the quarter whose finding was waived
    until: date  # the last day D of an audit the waiver covers (inclusive)
    user: str = ""  # who recorded it
    at: datetime | None = None

    def covers(self, quarter: Quarter, as_of: date, max_days: int) -> bool:
        """Whether the waiver applies to an audit of ``quarter`` judged as of ``as_of`` whose
        ``waiver_max_days`` is ``max_days``."""
        return self.since <= quarter and as_of <= self.last_day(max_days)

    def last_day(self, max_days: int) -> date:
        """The last day D the waiver covers: its end date, but at most ``max_days`` past its
        quarter's last day. ``audit waive`` takes no longer one, so this cuts only a waiver
        stored longer (a hand edit, or one from before the limit): a waiver is temporary."""
        return min(self.until, self.since.last_day + timedelta(days=max_days))

    def to_doc(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "rule": self.rule,
            "account_id": self.account_id,
            "ref": self.ref,
            "reason": self.reason,
            "name": self.name,
            "since": str(self.since),
            "until": self.until.isoformat(),
            "user": self.user,
            "at": self.at.isoformat() if self.at else None,
        }

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any]) -> Waiver:
        """A stored waiver; :class:`stored.BadField` if a field has the wrong shape."""
        return cls(
            key=stored.text(doc, "key"),
            rule=stored.text(doc, "rule"),
            account_id=stored.text(doc, "account_id", ""),
            ref=stored.text(doc, "ref", ""),
            reason=stored.text(doc, "reason", ""),
            name=stored.text(doc, "name", ""),
            since=stored.quarter(doc, "since"),
            until=stored.day(doc, "until"),
            user=stored.text(doc, "user", ""),
            at=stored.optional_moment(doc, "at"),
        )


class Reviews(msgspec.Struct, frozen=True):
    """The acknowledgements and waivers that decide each finding's status."""

    acks: Mapping[tuple[Quarter, str], Acknowledgement] = msgspec.field(default_factory=dict)
    waivers: Mapping[str, tuple[Waiver, ...]] = msgspec.field(default_factory=dict)

    def waiver(self, key: str, quarter: Quarter, as_of: date, max_days: int) -> Waiver | None:
        """The waiver covering this finding in this audit (the one lasting longest), if any;
        ``max_days``: the run's ``waiver_max_days``."""
        waivers = self.waivers.get(key)
        if not waivers:  # (most findings: asked for each of a run's 15,000)
            return None
        covering = [w for w in waivers if w.covers(quarter, as_of, max_days)]
        return max(covering, key=lambda w: w.until) if covering else None

    def ran_out_note(self, key: str, quarter: Quarter, as_of: date, max_days: int) -> str:
        """What an open finding says of a waiver of it whose stored end date still covers the
        audit but which ran out at ``max_days`` (:meth:`Waiver.last_day`); else nothing."""
        cut = [w for w in self.waivers.get(key, ()) if w.since <= quarter and as_of <= w.until]
        if not cut:
            return ""
        w = max(cut, key=lambda w: w.until)
        return t("waiver_limit.ran_out", reason=w.reason, name=w.name, until=w.until,
                 latest=w.last_day(max_days), days=max_days, since=w.since)  # fmt: skip


class ReportItem(msgspec.Struct, frozen=True):
    """A finding of a run with its status (open, acknowledged or waived) and the note on it.

    ``note`` is what the app shows: an acknowledgement's note, or a waiver's reason, who decided
    it and its end date. ``waiver`` is the waiver itself, from which the readable exports and
    packets write the reason and the end date but never the name
    (:func:`audits.exports.status_text`). Every run and export makes one per finding.
    """

    finding: Finding
    status: str
    note: str = ""
    waiver: Waiver | None = None


def report_items(run: AuditRun, reviews: Reviews) -> list[ReportItem]:
    """The run's findings with their current status."""
    quarter, as_of = run.info.quarter, run.info.as_of
    max_days = run.settings.waiver_max_days
    if not reviews.acks and not reviews.waivers:  # (nothing reviewed yet: every finding open)
        return [ReportItem(finding, "open") for finding in run.findings]
    items = []
    for finding in run.findings:
        key = finding.key
        waiver = reviews.waiver(key, quarter, as_of, max_days)
        ack = reviews.acks.get((quarter, key))
        if waiver is not None:
            note = t(
                "audit.waived_note", reason=waiver.reason, name=waiver.name, until=waiver.until
            )
            items.append(ReportItem(finding, "waived", note, waiver))
        elif ack is not None:
            items.append(ReportItem(finding, "acknowledged", ack.note))
        else:
            note = reviews.ran_out_note(key, quarter, as_of, max_days)
            items.append(ReportItem(finding, "open", note))
    return items


# --- reading -------------------------------------------------------------------------------------


def list_runs(txn: ReadTransaction) -> list[RunInfo]:
    """Every stored run, oldest first."""
    runs = repos(txn).runs
    decoded = _decode(runs.where, runs.summaries, "runs", RunInfo.from_doc)
    return sorted(decoded, key=lambda r: r.number)


def _decode(
    where: Path,
    documents: Callable[[], Any],
    label: str,
    decode: Callable[[Mapping[str, Any]], _T],
) -> list[_T]:
    """Every stored record, decoded; one of the wrong shape makes the store corrupt at ``where``."""
    with stored.reading(where, label):
        docs = stored.records(documents(), label)
    decoded = []
    for doc_id, doc in docs.items():
        with stored.reading(where, f"{label} {doc_id}"):
            decoded.append(decode(doc))
    return decoded


def latest_runs(runs: Iterable[RunInfo]) -> dict[Quarter, RunInfo]:
    """The run that counts for each quarter: its latest final run (:func:`schedule.finished`);
    while it has none, the latest of its runs judged as of the latest day.

    A run judged before its quarter's last day is preliminary. ``audit run --as-of`` on a day
    already past makes one after the fact; were the latest run to count, it would replace the
    quarter's final run (or a run judged on a later day) in the calendar, the diff, the packets
    and the app, and turn findings seen since then into resolved ones.
    """
    ranked: dict[Quarter, tuple[tuple[bool, date, int], RunInfo]] = {}
    for run in runs:
        rank = (finished(run.quarter, run), run.as_of, run.number)
        kept = ranked.get(run.quarter)
        if kept is None or rank > kept[0]:
            ranked[run.quarter] = (rank, run)
    return {quarter: run for quarter, (_, run) in ranked.items()}


def _run_doc(txn: ReadTransaction, info: RunInfo) -> Mapping[str, Any]:
    """The stored document of a run the index lists; a missing or odd record is corrupt."""
    runs = repos(txn).runs
    where = runs.where_run(info.id)
    stored.require_record(runs.exists(info.id), where, runs.where)
    with stored.reading(where, info.id):
        doc = runs.document(info.id)
        if not isinstance(doc, dict):
            raise stored.BadField("run")
        findings = doc.get("findings") if "finding_rows" not in doc else _row_documents(doc)
        if not isinstance(findings, list) or not all(isinstance(f, dict) for f in findings):
            raise stored.BadField("findings")
        if not isinstance(doc.get("settings"), dict):
            raise stored.BadField("settings")
    return {**doc, "findings": findings}


def _row_documents(doc: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A compact run's findings as objects, for the general (checking) path."""
    fields, rows = doc.get("finding_fields"), doc.get("finding_rows")
    if not isinstance(fields, list) or not all(type(f) is str for f in fields):
        raise stored.BadField("finding_fields")
    if not isinstance(rows, list) or not all(
        isinstance(r, list) and len(r) == len(fields) for r in rows
    ):
        raise stored.BadField("finding_rows")
    return [dict(zip(fields, row, strict=True)) for row in rows]


def load_run(txn: ReadTransaction, info: RunInfo) -> AuditRun:
    """A stored run with its settings and findings."""
    with bulk_allocation():  # 15,000 findings, none in a cycle: the collector would only walk them
        runs = repos(txn).runs
        typed = runs.decoded(info.id, run_rows.typed_run)  # a compact run, types checked in C
        if typed is not None:
            with stored.reading(runs.where_run(info.id), info.id):
                settings = AuditSettings.from_doc(typed[0])
                return AuditRun(info, settings, findings_of_rows(typed[1]))
        doc = _run_doc(txn, info)
        with stored.reading(repos(txn).runs.where_run(info.id), info.id):
            settings = AuditSettings.from_doc(doc["settings"])
            findings = tuple(_finding(f) for f in doc["findings"])
        return AuditRun(info, settings, findings)


def first_seen_days(txn: ReadTransaction, info: RunInfo) -> dict[str, date]:
    """Finding key -> first_seen of a stored run."""
    findings = load_run(txn, info).findings
    return {f.key: f.first_seen for f in findings if f.first_seen is not None}


def run_settings(txn: ReadTransaction, info: RunInfo) -> AuditSettings:
    """The settings a stored run used (read without its findings where the file allows)."""
    runs = repos(txn).runs
    typed = runs.decoded(info.id, run_rows.typed_settings)
    if typed is not None:
        with stored.reading(runs.where_run(info.id), info.id):
            return AuditSettings.from_doc(typed)
    doc = _run_doc(txn, info)
    with stored.reading(repos(txn).runs.where_run(info.id), info.id):
        return AuditSettings.from_doc(doc["settings"])


def load_reviews(txn: ReadTransaction) -> Reviews:
    kept = repos(txn)
    acks = {}
    for ack in _decode(kept.acks.where, kept.acks.all, "acks", Acknowledgement.from_doc):
        acks[(ack.quarter, ack.key)] = ack  # a later acknowledgement replaces the note
    waivers: dict[str, list[Waiver]] = {}
    for waiver in _decode(kept.waivers.where, kept.waivers.all, "waivers", Waiver.from_doc):
        waivers.setdefault(waiver.key, []).append(waiver)
    return Reviews(acks, {k: tuple(v) for k, v in waivers.items()})


# --- writing -------------------------------------------------------------------------------------


def save_run(txn: WriteTransaction, run: AuditRun) -> None:
    """Store a new run and its summary in the index, in the caller's transaction."""
    doc = {
        **run.info.to_doc(),
        "settings": run.settings.to_doc(),
        "finding_fields": list(run_rows.FINDING_FIELDS),  # compact rows (audits.run_rows)
        "finding_rows": run_rows.rows_of(run.findings),
    }
    repos(txn).runs.put(run.info.id, run.info.number, run.info.to_doc(), doc)


def next_run_number(runs: Iterable[RunInfo]) -> int:
    """One more than the highest run number of the index's runs (:func:`list_runs`: every entry
    checked)."""
    return max((run.number for run in runs), default=0) + 1


def save_acknowledgement(txn: WriteTransaction, ack: Acknowledgement) -> None:
    repos(txn).acks.add(ack.to_doc())


def save_waiver(txn: WriteTransaction, waiver: Waiver) -> None:
    """Store a waiver; its end date must lie in the accepted years (the app passes a date)."""
    check_day(waiver.until, "until")
    repos(txn).waivers.add(waiver.to_doc())
