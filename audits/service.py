"""The audit service: the one door through which the CLI and the TUI run, read and change audits.

Every change of audit state (a run, an acknowledgement, a waiver, a revision) is a method here,
checks the user's rights first (:mod:`governance.access`), happens in one transaction and writes
the change log. Reads return plain values; exports return bytes.

    service = AuditService(store)
    report = service.run(Quarter.parse("2026Q4"), progress=bar.update, cancelled=worker_cancelled)
    report.by_department(); service.diff("2026Q3", "2026Q4"); service.export(fmt="csv")
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec

from audits.engine import (
    Cancelled,
    Evaluation,
    Finding,
    Progress,
    evaluate,
    judgement_day,
)
from audits.quarters import Quarter
from audits.review_service import ReviewService, as_quarter, clean_text
from audits.rules import RULE_IDS
from audits.runs import (
    AuditRun,
    ReportItem,
    RunInfo,
    first_seen_days,
    latest_runs,
    list_runs,
    load_reviews,
    next_run_number,
    report_items,
    run_settings,
    save_run,
)
from audits.settings import SETTINGS_FILE, AuditSettings, load_settings
from governance import access
from governance.errors import FieldError, InputError
from governance.heap import settle_survivors
from governance.model import utc_now
from governance.storage.database import WriteTransaction, bulk_allocation
from governance.store import Store, log_change

if TYPE_CHECKING:  # imported where they are used: a run or an export needs none of them
    from audits import schedule
    from audits.diff import AuditDiff
    from audits.revisions import Revision, RevisionStatus
    from audits.worklist import Worklist


class AuditReport(msgspec.Struct, frozen=True):
    """One stored run as people read it: the findings with their status."""

    run: AuditRun
    items: tuple[ReportItem, ...]

    @property
    def info(self) -> RunInfo:
        return self.run.info

    def by_rule(self) -> dict[str, list[ReportItem]]:
        """Findings grouped by rule, in the rules' order."""
        groups: dict[str, list[ReportItem]] = {rule: [] for rule in RULE_IDS}
        for item in self.items:
            groups[item.finding.rule].append(item)
        return {rule: items for rule, items in groups.items() if items}

    def by_department(self) -> dict[str, list[ReportItem]]:
        """Findings grouped by department ("" for the register), in name order."""
        groups: dict[str, list[ReportItem]] = {}
        for item in sorted(self.items, key=lambda i: i.finding.department):
            groups.setdefault(item.finding.department, []).append(item)
        return groups

    def counts(self) -> Counter[tuple[str, str]]:
        """How many findings per (severity, status)."""
        return Counter((i.finding.severity, i.status) for i in self.items)

    def rules_of(self, account_id: str) -> tuple[str, ...]:
        """The rules one account breaks in this run (for the accounts table)."""
        return tuple(i.finding.rule for i in self.items if i.finding.account_id == account_id)


class AuditService(ReviewService):
    """Audits of one data directory, as one user runs and reads them."""

    def __init__(
        self,
        store: Store,
        *,
        user: str | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        super().__init__(store, user=user, clock=clock)

    # --- settings and calendar -------------------------------------------------------------

    @property
    def settings_path(self) -> Path:
        return self.store.data_dir / SETTINGS_FILE

    def settings(self) -> AuditSettings:
        """The settings the next run will use (``DATA_DIR/settings.toml``, else the defaults)."""
        return load_settings(self.store.data_dir)

    def calendar(self, count: int = 4) -> list[schedule.CalendarEntry]:
        """The next quarterly audits due, the first being the next (possibly overdue) one."""
        from audits import schedule

        runs = latest_runs(self.runs())
        return schedule.upcoming(runs, self.today(), count, self._first_due(runs))

    def next_audit(self) -> schedule.CalendarEntry:
        """The next quarterly audit due."""
        from audits import schedule

        runs = latest_runs(self.runs())
        return schedule.next_audit(runs, self.today(), self._first_due(runs))

    def _first_due(self, runs: Mapping[Quarter, RunInfo]) -> Quarter:
        """The earliest quarter that can be due (:func:`audits.schedule.first_due`). The register
        is read only if the quarter before today's has no final run: otherwise the calendar
        starts after it whenever the register began."""
        from audits import schedule

        today = self.today()
        previous = Quarter.of(today).previous()
        if schedule.finished(previous, runs.get(previous)):
            return previous
        from governance.storage.typed import registered_before

        with self._read() as txn:
            return schedule.first_due(today, lambda moment: registered_before(txn, moment))

    # --- runs --------------------------------------------------------------------------------

    def run(
        self,
        quarter: Quarter | str | None = None,
        *,
        as_of: date | None = None,
        progress: Progress | None = None,
        cancelled: Cancelled | None = None,
    ) -> AuditReport:
        """Audit a quarter (as of its last day, or ``as_of``; default: today) and store the run.

        ``progress(done, total)`` is called as accounts are evaluated; if ``cancelled()`` turns
        true, :class:`~audits.engine.AuditCancelled` is raised and nothing is stored.
        """
        wanted = Quarter.parse(quarter) if isinstance(quarter, str) else quarter
        label, day = judgement_day(wanted, as_of, self.today())
        settings = self.settings()
        # Judging, stamping, storing and reporting 15,000 findings builds no cycles (see
        # bulk_allocation), and what is kept is kept off the collector's young passes
        # (governance.heap): resumed between the evaluation and the storing, the collector
        # would walk everything the evaluation made once more.
        with bulk_allocation():
            with self._read() as txn:
                self._authorize(txn, access.RUN_AUDIT, target=str(label))
                evaluation = evaluate(
                    txn, label, day, settings, progress=progress, cancelled=cancelled
                )
            with self._write() as txn:
                self._authorize(txn, access.RUN_AUDIT, target=str(label))
                run = self._store_run(txn, evaluation)
                reviews = load_reviews(txn)
            report = AuditReport(run, tuple(report_items(run, reviews)))
            settle_survivors()
        return report

    def _store_run(self, txn: WriteTransaction, evaluation: Evaluation) -> AuditRun:
        runs = list_runs(txn)
        latest = latest_runs(runs)
        earlier = [q for q in latest if q < evaluation.quarter]
        seen = first_seen_days(txn, latest[max(earlier)]) if earlier else {}
        findings = _first_seen(evaluation.findings, seen, evaluation.as_of)
        number = next_run_number(runs)
        info = RunInfo(
            id=f"{evaluation.quarter}-{number}",
            number=number,
            quarter=evaluation.quarter,
            as_of=evaluation.as_of,
            at=self._clock(),
            user=self.user,
            accounts=evaluation.accounts,
            counts=dict(Counter(f.severity for f in findings)),
            registered_later=evaluation.registered_later,
            registered_later_refs=evaluation.registered_later_refs,
        )
        run = AuditRun(info, evaluation.settings, findings)
        save_run(txn, run)
        counts = ", ".join(f"{k} {v}" for k, v in sorted(info.counts.items())) or "0"
        log_change(
            txn, self._entry("audit-run", field=str(info.quarter), new=f"{info.id}: {counts}")
        )
        if runs:
            self._log_settings_changes(txn, run_settings(txn, runs[-1]), evaluation.settings)
        return run

    def _log_settings_changes(
        self, txn: WriteTransaction, before: AuditSettings, after: AuditSettings
    ) -> None:
        """A changed threshold is a change like any other: the log says when it took effect."""
        old, new = before.to_doc(), after.to_doc()
        for key, value in new.items():
            if old.get(key) != value:
                entry = self._entry(
                    "audit-settings-changed", field=key, old=str(old.get(key)), new=str(value)
                )
                log_change(txn, entry)

    def runs(self) -> list[RunInfo]:
        """Every stored run, oldest first."""
        with self._read() as txn:
            return list_runs(txn)

    def report(
        self, quarter: Quarter | str | None = None, *, run_id: str | None = None
    ) -> AuditReport:
        """A run and its findings' status: a quarter's latest run, a given run, or the latest."""
        with self._read() as txn:
            run = self._run(txn, self._pick(txn, quarter, run_id))
            reviews = load_reviews(txn)
        return AuditReport(run, tuple(report_items(run, reviews)))

    def latest_report(self) -> AuditReport | None:
        """The latest quarter's latest run, or None before the first audit."""
        try:
            return self.report()
        except InputError:
            return None

    def diff(self, old: Quarter | str, new: Quarter | str) -> AuditDiff:
        """New, resolved and persisting findings from ``old``'s latest run to ``new``'s."""
        from audits.diff import diff_findings

        with self._read() as txn:
            first = self._run(txn, self._pick(txn, old, None))
            second = self._run(txn, self._pick(txn, new, None))
        return diff_findings(first.info, first.findings, second.info, second.findings)

    def previous_diff(self, quarter: Quarter | str | None = None) -> AuditDiff | None:
        """The diff of a quarter (default: the latest) against the quarter audited before it."""
        with self._read() as txn:
            latest = latest_runs(list_runs(txn))
        if not latest:
            return None
        current = as_quarter(quarter) if quarter is not None else max(latest)
        earlier = [q for q in latest if q < current]
        return self.diff(max(earlier), current) if earlier else None

    def worklist(self, quarter: Quarter | str | None = None) -> Worklist:
        """A quarter's latest run (default: the latest) as a worklist, read in one go: each
        finding's status, first seen and days open, the resolved findings of the quarter
        audited before it, and the diff to that quarter."""
        from audits.worklist import build_worklist

        with self._read() as txn:
            info = self._pick(txn, quarter, None)
            latest = latest_runs(list_runs(txn))
            earlier = [q for q in latest if q < info.quarter]
            run = self._run(txn, info)
            previous = self._run(txn, latest[max(earlier)]) if earlier else None
            reviews = load_reviews(txn)
        return build_worklist(run, reviews, previous)

    def export(
        self,
        quarter: Quarter | str | None = None,
        *,
        fmt: str = "csv",
        delimiter: str = ";",
        run_id: str | None = None,
    ) -> bytes:
        """A quarter's findings (its latest run) as CSV, Markdown or Excel (xlsx) bytes."""
        # Imported here: a run (and the app's reading of one) writes no file.
        from audits.exports import FORMATS, findings_csv, findings_markdown, findings_xlsx

        if fmt not in FORMATS:
            raise FieldError("format", "field.bad_choice", value=fmt, allowed=", ".join(FORMATS))
        if delimiter not in (";", ","):
            raise FieldError("delimiter", "field.bad_choice", value=delimiter, allowed="; ,")
        with bulk_allocation():  # a run's findings and their rows: many objects, no cycles
            report = self.report(quarter, run_id=run_id)
            if fmt == "md":
                data = findings_markdown(report.run, report.items)
            elif fmt == "xlsx":
                data = findings_xlsx(report.run, report.items)
            else:
                data = findings_csv(report.run, report.items, delimiter)
            settle_survivors()  # what the store keeps of the run: off the young passes
        return data

    # --- the guideline's revision --------------------------------------------------------------

    def revisions(self) -> list[Revision]:
        """Every recorded revision, oldest first."""
        from audits.revisions import load_revisions

        with self._read() as txn:
            return load_revisions(txn)

    def revision_status(self) -> RevisionStatus:
        """The last revision, the next deadline and the days left or overdue, today."""
        from audits.revisions import revision_status

        return revision_status(self.revisions(), self.today(), self.settings())

    def record_revision(self, day: date, note: str = "") -> Revision:
        """Record that the guideline was revised on ``day`` (not in the future)."""
        from audits.revisions import Revision, add_revision

        note = clean_text(note, "note")
        if day > self.today():
            raise FieldError("date", "audit.revision_in_future", day=day, today=self.today())
        with self._write() as txn:
            self._authorize(txn, access.RECORD_REVISION, target=day.isoformat())
            revision = Revision(day, note, self.user, self._clock())
            add_revision(txn, revision)
            log_change(
                txn,
                self._entry(
                    "revision-recorded", field="revision", new=f"{day.isoformat()} {note}".strip()
                ),
            )
        return revision


def _first_seen(
    findings: tuple[Finding, ...], seen: Mapping[str, date], as_of: date
) -> tuple[Finding, ...]:
    """Each finding first seen when the earlier quarter's run first saw it, else on D; only the
    findings not already stamped so are made anew (a run's new findings come stamped with D)."""
    if not seen:  # (no earlier quarter's run: the run's findings came stamped with D)
        return findings
    stamped = []
    for finding in findings:
        day = seen.get(finding.key) or as_of
        stamped.append(finding if finding.first_seen == day else finding.first_seen_on(day))
    return tuple(stamped)
