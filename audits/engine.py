"""The audit engine: evaluate every active account and the register against the rules.

:func:`evaluate` reads one consistent snapshot of the store (a read transaction) and returns the
findings; it stores nothing (see :mod:`audits.runs`). It reads raw documents shard by shard: the
register and the stats are sharded alike, so each shard's accounts meet their stats in one pass,
and progress and cancellation are checked between shards.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

import msgspec
import msgspec.structs

from audits.quarters import Quarter
from audits.responsibility import RULE_DUTIES, kc_answers, register_spelling, responsible
from audits.rules import (
    JUDGED_STATUSES,
    RULE_ORDER,
    RULES,
    RULES_BY_ID,
    Activity,
    Hit,
    Judgement,
    Subject,
    check_account,
    check_register,
    severity_of,
)
from audits.rules import render_message as _render
from audits.settings import AuditSettings
from governance.errors import KontokollError
from governance.registration_day import next_day_starts
from governance.storage.database import ReadTransaction, bulk_allocation
from governance.store import repos

if TYPE_CHECKING:  # what only an evaluation needs is imported by it (not by readers of runs)
    from audits.activity import ActivityReader
    from governance.acknowledgements import RevisionAcks
    from governance.moderation.facts import ModerationFacts

#: ``progress(done, total)``: accounts evaluated so far, of all accounts in the register.
Progress = Callable[[int, int], None]
#: Returns True when the caller wants the run stopped (for example a TUI worker's is_cancelled).
Cancelled = Callable[[], bool]

SEVERITY_ORDER = {"critical": 0, "warning": 1}
#: How many of the accounts registered after D a run names (the rest it counts).
LATER_NAMED = 5


class AuditCancelled(KontokollError):
    """The audit run was cancelled before it finished; nothing was stored."""

    key = "audit.cancelled"


class Finding(msgspec.Struct, frozen=True):
    """One rule broken by one account (or by the register, with an empty account).

    A msgspec Struct rather than a frozen dataclass: a run makes one per finding (15,000 a
    quarter) and every reader of a run as many again, and a Struct is made in C, at under half
    the cost; its class is made at import without a dataclass's generated code (1 ms apiece).
    Equal, printed and never changed once made, as the frozen dataclass it was.
    """

    rule: str
    severity: str
    account_id: str = ""
    platform: str = ""
    handle: str = ""
    department: str = ""
    variant: str = "message"
    params: Mapping[str, Any] = msgspec.field(default_factory=dict)
    #: The as-of day of the first run in an unbroken series of quarters that had this finding.
    first_seen: date | None = None
    #: The department that answers for it: the account's, or KC's for a duty KC holds
    #: (:mod:`audits.responsibility`); "" (AKN's own) for a register-level finding.
    responsible: str = ""
    #: True when the finding is KC's by duty but the register had no KC department when it was
    #: judged, so the account's department answers for it (``audit run`` says so).
    kc_absent: bool = False

    @property
    def key(self) -> str:
        """What identifies the finding across runs: the rule and the account id."""
        return f"{self.rule}:{self.account_id}"

    @property
    def ref(self) -> str:
        """``PLATFORM:HANDLE`` of the account, or empty for a register-level finding."""
        return f"{self.platform}:{self.handle}" if self.account_id else ""

    @property
    def guideline(self) -> str:
        """The guideline section the rule enforces, as the guideline names it (Swedish)."""
        return RULES_BY_ID[self.rule].guideline

    @property
    def message(self) -> str:
        """What is wrong, in the current language."""
        return _render(self.rule, self.variant, self.params)

    def first_seen_on(self, day: date) -> Finding:
        """This finding, first seen on ``day``."""
        return msgspec.structs.replace(self, first_seen=day)

    def sort_key(self) -> tuple[int, str, str, int]:
        return (
            SEVERITY_ORDER.get(self.severity, 9),
            self.department,
            self.ref,
            RULE_ORDER[self.rule],
        )

    def to_doc(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "account_id": self.account_id,
            "platform": self.platform,
            "handle": self.handle,
            "department": self.department,
            "variant": self.variant,
            "params": dict(self.params),
            "first_seen": self.first_seen.isoformat() if self.first_seen else None,
            "responsible": self.responsible,
            **({"kc_absent": True} if self.kc_absent else {}),  # (rare: not on every finding)
        }

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any]) -> Finding:
        seen = doc.get("first_seen")
        department = doc.get("department", "")
        return cls(
            rule=doc["rule"],
            severity=doc["severity"],
            account_id=doc.get("account_id", ""),
            platform=doc.get("platform", ""),
            handle=doc.get("handle", ""),
            department=department,
            variant=doc.get("variant", "message"),
            params=doc.get("params", {}),
            first_seen=date.fromisoformat(seen) if seen else None,
            # A run stored before findings had one: the account's department answered for all.
            responsible=doc.get("responsible", department),
            kc_absent=doc.get("kc_absent") is True,
        )


class Evaluation(msgspec.Struct, frozen=True):
    """The outcome of evaluating one quarter as of one day, before it is stored."""

    quarter: Quarter
    as_of: date
    settings: AuditSettings
    accounts: int  # active accounts audited
    findings: tuple[Finding, ...]  # each first seen on as_of (storing it carries earlier days)
    #: Accounts registered after D: they did not exist on the judged day, so nothing is judged.
    registered_later: int = 0
    #: The first few of them (``PLATFORM:HANDLE``, sorted), for the run to name.
    registered_later_refs: tuple[str, ...] = ()


def judgement_day(quarter: Quarter | None, as_of: date | None, today: date) -> tuple[Quarter, date]:
    """The quarter and its day D: a finished quarter's last day, the quarter of ``as_of``, or
    today. Never a day after today: the figures of days to come are unknown, and an audit judged
    on them would drop every finding that needs them (a quarter not yet over is judged as of
    today, and is preliminary)."""
    from governance.errors import FieldError

    if as_of is not None and as_of > today:
        raise FieldError("as_of", "audit.as_of_future", day=as_of.isoformat(), today=today)
    if quarter is not None and quarter.first_day > today:
        raise FieldError("quarter", "audit.quarter_future", quarter=quarter, today=today)
    if quarter is not None and as_of is not None:
        if Quarter.of(as_of) != quarter:
            raise FieldError("as_of", "audit.as_of_outside", day=as_of.isoformat(), quarter=quarter)
        return quarter, as_of
    if quarter is not None:
        return quarter, min(quarter.last_day, today)
    day = as_of or today
    return Quarter.of(day), day


def evaluate(
    txn: ReadTransaction,
    quarter: Quarter,
    as_of: date,
    settings: AuditSettings,
    *,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> Evaluation:
    """Judge every active account and the register for ``quarter`` as of ``as_of``."""
    from audits import subjects  # (here: readers of runs need Finding, not the evaluation)

    total = _started(txn, progress)
    judged, acks = _judgement(txn, quarter, as_of, settings)
    severities = {rule.id: severity_of(rule.id, settings) for rule in RULES}  # once per run
    findings, later, audited, done = list[Finding](), list[str](), 0, 0  # (later: after D)
    day_starts = next_day_starts(as_of)  # (registered at or after it: after D, not judged)
    readers, kc = activity_readers(quarter, as_of, settings), kc_department(txn, settings)
    with bulk_allocation():
        for shard in subjects.shards(txn, readers.earliest()):
            if cancelled is not None and cancelled():
                raise AuditCancelled()
            accounts, stats, accounts_at, stats_at, recent = shard  # (once, not per account)
            for doc_id, doc in accounts.items():
                done += 1
                if (status := doc.status) not in JUDGED_STATUSES:
                    continue
                rel = accounts_at
                try:  # (a try costs nothing in the loop; a ``with`` per account would)
                    if subjects.registered_after(doc, day_starts):  # not in the register on D
                        later.append(f"{doc.platform}:{doc.handle}")
                        continue
                    subject = subjects.subject_of(doc, acks)
                    activity = _NOT_ACTIVE  # requests and retired accounts: no stats judged
                    if status == "active":
                        rel = stats_at
                        read = readers[subject.platform]  # its platform's limit, or the default
                        found = stats.get(doc_id)  # (its recent file's: audit rows)
                        activity = read.recent(found) if recent else read.undecoded(found)
                except (KeyError, TypeError, ValueError, AttributeError, IndexError):
                    with txn.shaped(rel):
                        raise
                audited += status == "active"
                for hit in check_account(subject, activity, judged):
                    findings.append(_finding(hit, severities[hit.rule], subject, kc, as_of))
            if progress:
                progress(done, total)
    findings += _register_findings(txn, judged, severities)
    return Evaluation(quarter, as_of, settings, audited, _sorted(findings), *_named(later))


def _named(later: list[str]) -> tuple[int, tuple[str, ...]]:
    """How many accounts were registered after D, and the first few of them (sorted) to name."""
    return len(later), tuple(sorted(later)[:LATER_NAMED])


def _started(txn: ReadTransaction, progress: Progress | None) -> int:
    """How many accounts the register holds (the run's total), told to ``progress`` as none
    done yet."""
    total = len(repos(txn).accounts.index())
    if progress:
        progress(0, total)
    return total


def _register_findings(
    txn: ReadTransaction, judged: Judgement, severities: Mapping[str, str]
) -> list[Finding]:
    """What the register as a whole breaks: the guideline's revision deadline as of D."""
    from audits.revisions import deadline_as_of, load_revisions

    deadline = deadline_as_of(load_revisions(txn), judged.as_of, judged.settings)
    hits = check_register(deadline, judged)
    return [_finding(hit, severities[hit.rule], None, "", judged.as_of) for hit in hits]


def _sorted(findings: list[Finding]) -> tuple[Finding, ...]:
    """The findings in :meth:`Finding.sort_key` order, sorted by one string per finding.

    The key's parts joined by NUL (below every other character, so that a name sorts before its
    own extensions, as in the tuple) and the numbers zero-padded: the same order as the tuples,
    compared in C instead of element by element, for 15,000 findings. A name that holds a NUL
    itself (a damaged register) is sorted by the tuples.
    """
    rank = {severity: str(n) for severity, n in SEVERITY_ORDER.items()}  # (each one digit)
    place = {rule: f"{n:04d}" for rule, n in RULE_ORDER.items()}
    keys = [  # (the ref spelled out: ``Finding.ref`` is a call per finding)
        f"{rank.get(f.severity, '9')}\0{f.department}\0{f.platform}:{f.handle}\0{place[f.rule]}"
        if f.account_id
        else f"{rank.get(f.severity, '9')}\0{f.department}\0\0{place[f.rule]}"
        for f in findings
    ]
    if "".join(keys).count("\0") != 3 * len(keys):
        return tuple(sorted(findings, key=Finding.sort_key))
    return tuple(map(findings.__getitem__, sorted(range(len(findings)), key=keys.__getitem__)))


_NOT_ACTIVE = Activity(has_rows=False)


class _Readers(dict[str, "ActivityReader"]):
    """Platform -> its stats reader; a platform without a limit of its own gets the default's."""

    def __missing__(self, platform: str) -> ActivityReader:
        reader = self[platform] = self[""]  # (kept: the next account of it finds it directly)
        return reader

    def earliest(self) -> str:
        """The oldest month any of them looks up by name: a recent file must cover it."""
        return min(reader.earliest for reader in self.values())


def activity_readers(quarter: Quarter, as_of: date, settings: AuditSettings) -> _Readers:
    """The stats reader of each platform with a limit of its own, and the default's under ""
    (one per limit, built once per run: each works out its window's months up front)."""
    from audits.activity import ActivityReader

    readers = _Readers({"": ActivityReader(quarter, as_of, settings.inactive_days)})
    for platform, days in settings.inactive_days_per_platform.items():
        readers[platform] = ActivityReader(quarter, as_of, days)
    return readers


def _judgement(
    txn: ReadTransaction, quarter: Quarter, as_of: date, settings: AuditSettings
) -> tuple[Judgement, RevisionAcks]:
    """What every account is judged against, with the quarter's moderation records and each
    department's own goals (read once per run: :mod:`audits.moderation_rules` and
    :mod:`audits.purpose_rules` judge them); and the revision editors must have acknowledged
    as of D, with who did."""
    from governance.acknowledgements import acks_as_of

    acks = acks_as_of(txn, as_of)
    moderation: Mapping[str, ModerationFacts] = {}
    if repos(txn).moderation.all():  # (no records: no facts, and no moderation service to load)
        from governance.moderation.facts import quarter_facts

        moderation = quarter_facts(txn, quarter.first_day, quarter.last_day)
    goals = {d.name: frozenset(d.goal_ids) for d in repos(txn).departments.all() if d.goals}
    return Judgement(as_of, settings, str(quarter), acks.revision, moderation, goals), acks


def kc_department(txn: ReadTransaction, settings: AuditSettings) -> str:
    """KC's department as the register spells it, or "" if the register has none of that name."""
    names = (d.name for d in repos(txn).departments.all())
    return register_spelling(settings.kc_department, names)


def _finding(hit: Hit, severity: str, subject: Subject | None, kc: str, day: date) -> Finding:
    """A finding of this run, first seen on its day D until the run is stored (then a finding
    an earlier quarter's run had keeps the day that run first saw it)."""
    if subject is None:
        return Finding(hit.rule, severity, variant=hit.variant, params=hit.params, first_seen=day)
    rule, department = hit.rule, subject.department
    answers, kc_absent = department, False  # a rule about no duty KC may hold: most findings
    if rule in RULE_DUTIES:
        shared, kc_comments = subject.shared, subject.kc_handles_comments
        answers = responsible(rule, department, shared, kc_comments, kc)
        kc_absent = not kc and kc_answers(rule, shared, kc_comments)  # KC's, but KC is missing
    return Finding(
        rule,
        severity,
        subject.id,
        subject.platform,
        subject.handle,
        department,
        hit.variant,
        hit.params,
        day,
        answers,
        kc_absent,
    )
