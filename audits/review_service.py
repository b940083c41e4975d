"""Acknowledging and waiving findings, one or many at a time: the audit service's reviews.

:class:`ReviewService` is the base of :class:`~audits.service.AuditService` (which adds runs,
reads, exports and revisions); the methods are the same door for the CLI and the app. Each change
checks the user's rights on the department that answers for every finding (``responsible``: a
KC lead for Kontaktcenter's findings on shared accounts, not the owning department's lead; admin
always), happens in one transaction (a bulk change is all or nothing) and writes one change-log
entry per finding.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from audits.engine import Finding
from audits.quarters import Quarter
from audits.rules import RULE_IDS, RULES_BY_ID
from audits.runs import (
    Acknowledgement,
    AuditRun,
    RunInfo,
    Waiver,
    latest_runs,
    list_runs,
    load_reviews,
    load_run,
    save_acknowledgement,
    save_waiver,
)
from audits.settings import load_settings
from governance import access
from governance.account_refs import resolve
from governance.errors import FieldError, InputError
from governance.fields import check_day
from governance.i18n import t
from governance.model import ChangeEntry, utc_now
from governance.service import Service
from governance.storage.database import ReadTransaction, WriteTransaction
from governance.store import Store, log_change
from governance.text_safety import EMAIL_LIKE, MAX_NAME, MAX_TEXT, check_text

if TYPE_CHECKING:  # (a run and an export need no worklist: it is imported where it is built)
    from audits.worklist import Worklist

#: How many decoded runs a service keeps (the shown quarter, the one before, and a spare).
KEPT_RUNS = 4


class ReviewService(Service):
    """Acknowledgements and waivers of one data directory's audit findings, as one user."""

    def __init__(
        self, store: Store, *, user: str | None = None, clock: Callable[[], datetime] = utc_now
    ) -> None:
        super().__init__(store, user=user, clock=clock)
        self._decoded: dict[tuple[str, int, datetime], AuditRun] = {}

    def _run(self, txn: ReadTransaction, info: RunInfo) -> AuditRun:
        """A stored run, decoded once. A run never changes after it is stored, so the last few
        decoded are kept, by id, number and time (a restored store with other runs misses)."""
        key = (info.id, info.number, info.at)
        run = self._decoded.get(key)
        if run is None:
            run = load_run(txn, info)
            while len(self._decoded) >= KEPT_RUNS:
                del self._decoded[next(iter(self._decoded))]
            self._decoded[key] = run
        return run

    def run_worklist(self, quarter: Quarter | str | None = None) -> Worklist:
        """A quarter's latest run (default: the latest) as a worklist without the quarter
        before it: no resolved findings and no diff, so only one run is decoded. What a screen
        shows first; ``worklist`` (of AuditService) then finds this run decoded already."""
        from audits.worklist import build_worklist

        with self._read() as txn:
            run = self._run(txn, self._pick(txn, quarter, None))
            reviews = load_reviews(txn)
        return build_worklist(run, reviews)

    # --- acknowledgements and waivers ----------------------------------------------------------

    def acknowledge(
        self,
        rule: str,
        account: str | None = None,
        *,
        note: str,
        quarter: Quarter | str | None = None,
    ) -> Acknowledgement:
        """Acknowledge a finding of a quarter's latest run (default: the latest quarter)."""
        note = clean_text(note, "note", required=True)
        with self._write() as txn:
            run = self._run(txn, self._pick(txn, quarter, None))
            finding = self._finding(txn, run, rule, account)
            self._authorize(
                txn, access.ACKNOWLEDGE_FINDING, finding.responsible or None, finding.ref or rule
            )
            return self._acknowledge(txn, run, finding, note)

    def acknowledge_many(
        self, keys: Iterable[str], *, note: str, quarter: Quarter | str | None = None
    ) -> list[Acknowledgement]:
        """Acknowledge several findings (by key) with one note, in one transaction: all or none."""
        note = clean_text(note, "note", required=True)
        with self._write() as txn:
            run = self._run(txn, self._pick(txn, quarter, None))
            findings = self._findings(txn, run, keys, access.ACKNOWLEDGE_FINDING)
            return [self._acknowledge(txn, run, finding, note) for finding in findings]

    def _acknowledge(
        self, txn: WriteTransaction, run: AuditRun, finding: Finding, note: str
    ) -> Acknowledgement:
        ack = Acknowledgement(run.info.quarter, finding.key, note, self.user, self._clock())
        save_acknowledgement(txn, ack)
        self._log(txn, "finding-acknowledged", finding, note)
        return ack

    def waive(
        self,
        rule: str,
        account: str | None = None,
        *,
        reason: str,
        name: str,
        until: date,
        quarter: Quarter | str | None = None,
    ) -> Waiver:
        """Waive a finding from its quarter until ``until`` (inclusive): later audits carry it."""
        reason = clean_text(reason, "reason", required=True)
        name = clean_text(name, "name", required=True, limit=MAX_NAME)
        limit = self._waiver_max_days()
        with self._write() as txn:
            run = self._run(txn, self._pick(txn, quarter, None))
            finding = self._finding(txn, run, rule, account)
            self._authorize(
                txn, access.WAIVE_FINDING, finding.responsible or None, finding.ref or rule
            )
            _check_until(run, until, limit)
            return self._waive(txn, run, finding, (reason, name, until))

    def waive_many(
        self,
        keys: Iterable[str],
        *,
        reason: str,
        name: str,
        until: date,
        quarter: Quarter | str | None = None,
    ) -> list[Waiver]:
        """Waive several findings (by key) alike, in one transaction: all or none."""
        terms = (
            clean_text(reason, "reason", required=True),
            clean_text(name, "name", required=True, limit=MAX_NAME),
            until,
        )
        limit = self._waiver_max_days()
        with self._write() as txn:
            run = self._run(txn, self._pick(txn, quarter, None))
            _check_until(run, until, limit)
            findings = self._findings(txn, run, keys, access.WAIVE_FINDING)
            return [self._waive(txn, run, finding, terms) for finding in findings]

    def _waiver_max_days(self) -> int:
        """``waiver_max_days`` as settings.toml says now (checked as ``audit settings`` checks
        it: a bad value refused, naming the file and the key), not as the latest run had it."""
        return load_settings(self.store.data_dir).waiver_max_days

    def _waive(
        self,
        txn: WriteTransaction,
        run: AuditRun,
        finding: Finding,
        terms: tuple[str, str, date],
    ) -> Waiver:
        reason, name, until = terms
        waiver = Waiver(
            key=finding.key,
            rule=finding.rule,
            account_id=finding.account_id,
            ref=finding.ref,
            reason=reason,
            name=name,
            since=run.info.quarter,
            until=until,
            user=self.user,
            at=self._clock(),
        )
        save_waiver(txn, waiver)
        self._log(txn, "finding-waived", finding, t_waived(reason, name, until))
        return waiver

    def waivers(self, active_on: date | None = None) -> list[Waiver]:
        """Every waiver (or those still running on ``active_on``, :meth:`Waiver.last_day` by the
        current ``waiver_max_days``), by end date."""
        with self._read() as txn:
            reviews = load_reviews(txn)
        every = [w for ws in reviews.waivers.values() for w in ws]
        if active_on is not None:  # (one stored longer than the limit ran out at the limit)
            limit = self._waiver_max_days()
            every = [w for w in every if w.last_day(limit) >= active_on]
        return sorted(every, key=lambda w: (w.until, w.key))

    # --- helpers -----------------------------------------------------------------------------

    def _pick(
        self, txn: ReadTransaction, quarter: Quarter | str | None, run_id: str | None
    ) -> RunInfo:
        runs = list_runs(txn)
        if run_id is not None:
            for info in runs:
                if info.id == run_id:
                    return info
            raise InputError("audit.no_such_run", run=run_id)
        latest = latest_runs(runs)
        if not latest:
            raise InputError("audit.no_runs")
        wanted = as_quarter(quarter) if quarter is not None else max(latest)
        if wanted not in latest:
            raise InputError("audit.no_run_for_quarter", quarter=wanted)
        return latest[wanted]

    def _finding(
        self, txn: ReadTransaction, run: AuditRun, rule: str, account: str | None
    ) -> Finding:
        if rule not in RULES_BY_ID:
            raise FieldError("rule", "field.bad_choice", value=rule, allowed=", ".join(RULE_IDS))
        account_id = ""
        if RULES_BY_ID[rule].scope == "account":
            if not account:
                raise FieldError("account", "audit.account_needed", rule=rule)
            account_id = resolve(txn, account).id
        for finding in run.findings:
            if finding.rule == rule and finding.account_id == account_id:
                return finding
        raise _no_such_finding(rule, account or "", run.info.quarter)

    def _findings(
        self, txn: ReadTransaction, run: AuditRun, keys: Iterable[str], action: str
    ) -> list[Finding]:
        """The run's findings with these keys, each checked against the user's rights on the
        department that answers for it."""
        by_key = {f.key: f for f in run.findings}
        found: list[Finding] = []
        allowed: set[str] = set()
        for key in dict.fromkeys(keys):  # each once, in the order given
            finding = by_key.get(key)
            if finding is None:
                rule, _, account = key.partition(":")
                raise _no_such_finding(rule, account, run.info.quarter)
            if finding.responsible not in allowed:
                self._authorize(txn, action, finding.responsible or None, finding.ref or key)
                allowed.add(finding.responsible)
            found.append(finding)
        return found

    def _log(self, txn: WriteTransaction, action: str, finding: Finding, text: str) -> None:
        entry: ChangeEntry = self._entry(
            action, account_id=finding.account_id, account=finding.ref, field=finding.rule, new=text
        )
        log_change(txn, entry)


def _check_until(run: AuditRun, until: date, days: int) -> None:
    """A waiver must last at least to the day the run judged, and at most ``days``
    (``waiver_max_days``) past it (AKN's: a waiver is temporary)."""
    as_of = run.info.as_of
    check_day(until, "until")  # (a day outside the years Kontokoll takes: that, first)
    if until < as_of:
        raise FieldError("until", "audit.until_before_audit", until=until, as_of=as_of)
    if (until - as_of).days > days:
        latest = as_of + timedelta(days=days)
        raise FieldError("until", "waiver_limit.too_long", until=until, as_of=as_of, count=days,
                         latest=latest)  # fmt: skip


def _no_such_finding(rule: str, account: str, quarter: Quarter) -> InputError:
    """The run has no such finding: of the account, or (none named) of the register."""
    if account:
        return InputError("audit.no_such_finding", rule=rule, account=account, quarter=quarter)
    return InputError("review_words.no_such_register_finding", rule=rule, quarter=quarter)


def t_waived(reason: str, name: str, until: date) -> str:
    return t("audit.waived_note", reason=reason, name=name, until=until)


def as_quarter(value: Quarter | str) -> Quarter:
    return Quarter.parse(value) if isinstance(value, str) else value


def clean_text(value: str, field: str, *, required: bool = False, limit: int = MAX_TEXT) -> str:
    """A note, reason or name: one trimmed line, not too long, and without e-mail addresses
    (they would reach the findings exports, which must not carry any)."""
    text = " ".join(value.split())
    if required and not text:
        raise FieldError(field, "field.required")
    check_text(text, field, limit=limit)  # no control or invisible characters either
    if EMAIL_LIKE.search(text):
        raise FieldError(field, "audit.no_email")
    return text
