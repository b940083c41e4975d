"""Stored audit runs, acknowledgements and waivers, under ``DATA_DIR/audit/``.

    audit/index.json        table ``runs``: one small summary per run (doc id = run number)
    audit/runs/<id>.json    one file per run: when, who, quarter, D, settings and all findings
    audit/acks.json         table ``acks``: acknowledged findings, per quarter
    audit/waivers.json      table ``waivers``: waived findings, until their end date

A run is never changed after it is stored: a re-run of a quarter is a new run, and the latest run
of a quarter is the one that counts. Whether a finding is acknowledged or waived is looked up when
it is shown, so that a waiver granted after a run applies to that run too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from audits.engine import Finding
from audits.quarters import Quarter
from audits.settings import AuditSettings
from governance.storage.database import ReadTransaction, WriteTransaction

INDEX = "audit/index.json"
ACKS = "audit/acks.json"
WAIVERS = "audit/waivers.json"

OPEN, ACKNOWLEDGED, WAIVED = "open", "acknowledged", "waived"
STATUSES = (OPEN, ACKNOWLEDGED, WAIVED)


def run_file(run_id: str) -> str:
    return f"audit/runs/{run_id}.json"


@dataclass(frozen=True, slots=True)
class RunInfo:
    """A stored run without its findings: what lists and the calendar need."""

    id: str
    number: int
    quarter: Quarter
    as_of: date
    at: datetime
    user: str
    accounts: int
    counts: Mapping[str, int]  # findings per severity

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
        }

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any]) -> RunInfo:
        return cls(
            id=doc["id"],
            number=int(doc["number"]),
            quarter=Quarter.parse(doc["quarter"]),
            as_of=date.fromisoformat(doc["as_of"]),
            at=datetime.fromisoformat(doc["at"]),
            user=doc.get("user", ""),
            accounts=int(doc.get("accounts", 0)),
            counts=dict(doc.get("counts", {})),
        )


@dataclass(frozen=True)
class AuditRun:
    """A stored run with the settings it used and its findings."""

    info: RunInfo
    settings: AuditSettings
    findings: tuple[Finding, ...]


@dataclass(frozen=True, slots=True)
class Acknowledgement:
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
    def from_doc(cls, doc: Mapping[str, str]) -> Acknowledgement:
        return cls(
            Quarter.parse(doc["quarter"]),
            doc["key"],
            doc.get("note", ""),
            doc.get("user", ""),
            datetime.fromisoformat(doc["at"]),
        )


@dataclass(frozen=True, slots=True)
class Waiver:
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

    def covers(self, quarter: Quarter, as_of: date) -> bool:
        """Whether the waiver applies to an audit of ``quarter`` judged as of ``as_of``."""
        return self.since <= quarter and as_of <= self.until

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
        return cls(
            key=doc["key"],
            rule=doc["rule"],
            account_id=doc.get("account_id", ""),
            ref=doc.get("ref", ""),
            reason=doc.get("reason", ""),
            name=doc.get("name", ""),
            since=Quarter.parse(doc["since"]),
            until=date.fromisoformat(doc["until"]),
            user=doc.get("user", ""),
            at=datetime.fromisoformat(doc["at"]) if doc.get("at") else None,
        )


@dataclass(frozen=True)
class Reviews:
    """The acknowledgements and waivers that decide each finding's status."""

    acks: Mapping[tuple[Quarter, str], Acknowledgement] = field(default_factory=dict)
    waivers: Mapping[str, tuple[Waiver, ...]] = field(default_factory=dict)

    def waiver(self, key: str, quarter: Quarter, as_of: date) -> Waiver | None:
        """The waiver covering this finding in this audit (the one lasting longest), if any."""
        covering = [w for w in self.waivers.get(key, ()) if w.covers(quarter, as_of)]
        return max(covering, key=lambda w: w.until) if covering else None

    def status(self, key: str, quarter: Quarter, as_of: date) -> str:
        if self.waiver(key, quarter, as_of) is not None:
            return WAIVED
        return ACKNOWLEDGED if (quarter, key) in self.acks else OPEN


# --- reading -------------------------------------------------------------------------------------


def list_runs(txn: ReadTransaction) -> list[RunInfo]:
    """Every stored run, oldest first."""
    docs = txn.table(INDEX, "runs").values()
    return sorted((RunInfo.from_doc(d) for d in docs), key=lambda r: r.number)


def latest_runs(runs: Iterable[RunInfo]) -> dict[Quarter, RunInfo]:
    """The run that counts for each quarter: its latest."""
    latest: dict[Quarter, RunInfo] = {}
    for run in runs:
        if run.quarter not in latest or run.number > latest[run.quarter].number:
            latest[run.quarter] = run
    return latest


def load_run(txn: ReadTransaction, info: RunInfo) -> AuditRun:
    doc = txn.table(run_file(info.id), "run")["1"]
    return AuditRun(
        info,
        AuditSettings.from_doc(doc["settings"]),
        tuple(Finding.from_doc(f) for f in doc["findings"]),
    )


def first_seen_days(txn: ReadTransaction, info: RunInfo) -> dict[str, date]:
    """Finding key -> first_seen of a stored run, read without building its findings."""
    seen = {}
    for doc in txn.table(run_file(info.id), "run")["1"]["findings"]:
        if doc.get("first_seen"):
            key = f"{doc['rule']}:{doc.get('account_id', '')}"
            seen[key] = date.fromisoformat(doc["first_seen"])
    return seen


def run_settings(txn: ReadTransaction, info: RunInfo) -> AuditSettings:
    """The settings a stored run used."""
    return AuditSettings.from_doc(txn.table(run_file(info.id), "run")["1"]["settings"])


def load_reviews(txn: ReadTransaction) -> Reviews:
    acks = {}
    for doc in txn.table(ACKS, "acks").values():
        ack = Acknowledgement.from_doc(doc)
        acks[(ack.quarter, ack.key)] = ack  # a later acknowledgement replaces the note
    waivers: dict[str, list[Waiver]] = {}
    for doc in txn.table(WAIVERS, "waivers").values():
        waiver = Waiver.from_doc(doc)
        waivers.setdefault(waiver.key, []).append(waiver)
    return Reviews(acks, {k: tuple(v) for k, v in waivers.items()})


# --- writing -------------------------------------------------------------------------------------


def save_run(txn: WriteTransaction, run: AuditRun) -> None:
    """Store a new run and its summary in the index, in the caller's transaction."""
    doc = {
        **run.info.to_doc(),
        "settings": run.settings.to_doc(),
        "findings": [f.to_doc() for f in run.findings],
    }
    txn.stage(run_file(run.info.id), {"run": {"1": doc}}, kind="audit")
    index = txn.load(INDEX)
    index.setdefault("runs", {})[str(run.info.number)] = run.info.to_doc()
    txn.stage(INDEX, index, kind="audit")


def next_run_number(txn: ReadTransaction) -> int:
    return max((int(n) for n in txn.table(INDEX, "runs")), default=0) + 1


def save_acknowledgement(txn: WriteTransaction, ack: Acknowledgement) -> None:
    txn.tinydb(ACKS).table("acks").insert(ack.to_doc())


def save_waiver(txn: WriteTransaction, waiver: Waiver) -> None:
    txn.tinydb(WAIVERS).table("waivers").insert(waiver.to_doc())
