"""The app's one door to the core: the register, the stats, the sync and the audit engine.

Screens call only this module. It never imports Textual, so everything here can be tested and
reused headlessly (a test checks). Every change goes through the core's services
(:class:`~governance.register.Register`, :class:`~audits.service.AuditService`), which check the
user's rights and log refusals; the app only *asks* :meth:`Services.rights` so that it can hide or
disable what the user may not do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path

from audits.engine import AuditCancelled
from audits.quarters import Quarter
from audits.revisions import Revision
from audits.service import AuditReport, AuditService
from governance.acknowledgements import Acknowledgements, AckReport
from governance.errors import AccessRefused, FieldError
from governance.export_target import write_export
from governance.heap import settle_survivors
from governance.identity_check import Identities
from governance.lifecycle import Lifecycle
from governance.model import Account, ChangeEntry, Editor, Retirement, utc_now
from governance.monthly import month_of
from governance.register import Register
from governance.storage.format import bulk_allocation
from governance.store import Store
from screens.latest_report import LatestReport
from screens.register_rows import read_rows
from screens.run_scope import RunScope
from screens.view_models import (
    AccountDetail,
    AccountFindings,
    AccountsSnapshot,
    AccountSummary,
    AuditState,
    ChartPoint,
    GuidelineState,
    QuarterAudit,
    Rights,
    SyncResult,
    build_attention,
    build_overview,
    chart_points,
    pending_requests,
    summarize,
)

#: How many past quarters the audit screen offers, besides the current one.
PAST_QUARTERS = 5

#: Progress of a long job: ``(phase, done, total)``, phase ``"sync"`` or ``"audit"``.
PhaseProgress = Callable[[str, int, int], None]


@dataclass
class Services:
    """The register, stats and audit services of one data directory, as one user sees them."""

    data_dir: Path
    clock: Callable[[], datetime] = utc_now
    user: str | None = None
    lock_timeout_s: float | None = None
    #: The demo register: its sync reads the in-repo platform emulation, never a real platform.
    demo: bool = False
    store: Store = field(init=False)
    register: Register = field(init=False)
    #: Requests, decisions and retirements (governance.lifecycle).
    lifecycle: Lifecycle = field(init=False)
    #: Editors' acknowledgements of the guideline's revisions.
    acks: Acknowledgements = field(init=False)
    #: Renaming an account, accepting a new identity (governance.identity_check).
    identities: Identities = field(init=False)
    audits: AuditService = field(init=False)
    _latest: LatestReport = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.store = Store(self.data_dir, lock_timeout_s=self.lock_timeout_s)
        self.register = Register(self.store, user=self.user, clock=self.clock)
        self.lifecycle = Lifecycle(self.store, user=self.user, clock=self.clock)
        self.acks = Acknowledgements(self.store, user=self.user, clock=self.clock)
        self.identities = Identities(self.store, user=self.user, clock=self.clock)
        self.audits = AuditService(self.store, user=self.user, clock=self.clock)
        self._latest = LatestReport(self.store, self.audits)

    def close(self) -> None:
        """Release the store's files."""
        self.store.close()

    # --- reading -----------------------------------------------------------------------------

    def snapshot(self) -> AccountsSnapshot:
        """All accounts as table rows, the departments, the overview figures and the rights."""
        # Built in a thread while the app draws: with the cyclic collector paused, its passes
        # over the growing heap no longer hold the interpreter lock against the drawing.
        with bulk_allocation():
            snapshot = self._snapshot()
            settle_survivors()  # kept off the collector's young passes (governance.heap)
        return snapshot

    def _snapshot(self) -> AccountsSnapshot:
        report = self.latest_report()
        with self.store.read() as txn:  # the rows straight from the documents (register_rows)
            rows = read_rows(txn, RunScope.of(report) if report is not None else None)
        audit = AuditState(
            latest=report.info if report is not None else None,
            counts=dict(report.counts()) if report is not None else {},
            next_audit=self.audits.next_audit(),
            revision=self.audits.revision_status(),
        )
        rights = self.rights()
        summaries = rows.summaries
        overview = build_overview(
            summaries, self.store.stats.outcomes(), audit, build_attention(report, summaries)
        )
        requests = pending_requests(rows.requested, rights, self.today())
        return AccountsSnapshot(
            summaries=summaries,
            departments=self.register.departments(),
            overview=replace(overview, requests=requests),
            rights=rights,
        )

    def rights(self) -> Rights:
        """The current user's role and departments (a login not listed may do nothing)."""
        try:
            user = self.audits.whoami()
        except AccessRefused:
            return Rights.nobody(self.audits.user)
        return Rights(user.login, user.role, user.departments)

    def account(self, ref: str) -> Account:
        """One account, by ``PLATFORM:HANDLE`` or id."""
        return self.register.account(ref)

    def latest_report(self) -> AuditReport | None:
        """The latest run with its findings' status (kept while no run or review changes)."""
        return self._latest.get()

    def summary(self, account: Account, report: AuditReport | None = None) -> AccountSummary:
        """The table row of one account (after it changed)."""
        report = report if report is not None else self.latest_report()
        months = self.store.stats.for_account(account.id)
        if report is None:
            return summarize(account, months)
        rules = RunScope.of(report).rules_of(account.id, account.status, account.created)
        return summarize(account, months, rules)

    def chart(self, account_id: str) -> list[ChartPoint]:
        """The last CHART_MONTHS months of reach, interactions and followers; [] if no stats."""
        months = self.store.stats.for_account(account_id)
        if not months:
            return []
        return chart_points(months, month_of(self.clock()))

    def change_log(self, ref: str) -> list[ChangeEntry]:
        """The account's change history, newest first."""
        return list(reversed(self.register.change_log(ref)))

    def account_detail(self, ref: str, *, history: bool = True) -> AccountDetail:
        """One account with its table row, chart, history and findings (the detail screen).

        ``history=False`` leaves the history unread (None): the change log is read whole, a good
        part of a second in a long-used register, so the screen reads it after its first frame.
        """
        account = self.account(ref)
        revision, acknowledged = self._acknowledged(account)
        retirement = account.retirement if account.status == "retired" else None
        report = self.latest_report()
        return AccountDetail(
            account,
            self.summary(account, report),
            self.chart(account.id),
            self.change_log(account.id) if history else None,
            self.account_findings(account.id, report),
            revision=revision,
            acknowledged=acknowledged,
            open_items=retirement.open_items(self.today()) if retirement is not None else (),
        )

    def _acknowledged(self, account: Account) -> tuple[date | None, frozenset[str] | None]:
        """The current revision and which of an active account's editors acknowledged it."""
        if account.status != "active":
            return None, None
        revision, acknowledged = self.acks.acknowledged({e.email for e in account.editors})
        if revision is None:
            return None, None
        return revision, acknowledged

    # --- an account's life -------------------------------------------------------------------

    def request_account(self, ref: str, texts: Mapping[str, str], editors: list[str]) -> Account:
        """File a request for ``PLATFORM:HANDLE`` from the form's texts (the service validates)."""
        return self.lifecycle.request(
            ref,
            department=texts.get("department", ""),
            purpose=texts.get("purpose", ""),
            audience=texts.get("audience", ""),
            goals=[g for g in texts.get("goals", "").split("|") if g],
            editors=editors,
            project=texts.get("project", ""),
            project_end=texts.get("project_end", ""),
            categories=[c for c in texts.get("categories", "").split("|") if c],
            department_goals=[g for g in texts.get("department_goals", "").split("|") if g],
        )

    def approve(self, ref: str, reason: str) -> Account:
        """AKN approves a request (admins only): the account becomes active."""
        return self.lifecycle.approve(ref, reason)

    def reject(self, ref: str, reason: str) -> Account:
        """AKN rejects a request (admins only): it stays, rejected, in the register."""
        return self.lifecycle.reject(ref, reason)

    def retire(self, ref: str, answers: Mapping[str, str]) -> Retirement:
        """Retire the account (or answer more of its checklist); the checklist as stored."""
        return self.lifecycle.retire(ref, answers).retirement or Retirement()

    def rename(self, ref: str, handle: str) -> Account:
        """Take the handle the platform now shows."""
        return self.identities.rename(ref, handle)

    def accept_identity(self, ref: str) -> Account:
        """Take the id now behind the handle as the city's own (admins only)."""
        return self.identities.accept_identity(ref)

    def acknowledge_revision(self, email: str) -> AckReport:
        """Record that an editor acknowledged the guideline's current revision."""
        return self.acks.acknowledge(email=email)

    # --- changing ----------------------------------------------------------------------------

    def update_fields(
        self, ref: str, texts: Mapping[str, str], expected: Mapping[str, object] | None = None
    ) -> Account:
        """Apply typed-in field texts, validated exactly as the CSV import validates them.

        ``expected``: the value the form showed of each field; one changed since by someone else
        is refused (:class:`governance.register.EditConflict`), the others are saved.
        """
        return self.register.update_from_text(ref, texts, expected)

    def add_editor(self, ref: str, person: str) -> Editor:
        """Appoint ``Name <email>`` as an editor."""
        return self.register.add_editor(ref, person)

    def remove_editor(self, ref: str, email: str) -> Editor:
        """Remove an editor by e-mail."""
        return self.register.remove_editor(ref, email)

    def confirm_editors(self, ref: str) -> Account:
        """Record that the account's editor list is current."""
        return self.register.confirm_editors(ref)

    # --- audits ------------------------------------------------------------------------------

    def today(self) -> date:
        """Today in Stockholm, by the services' clock."""
        return self.audits.today()

    def quarters(self) -> list[Quarter]:
        """The quarters the audit screen offers, newest first: this one and PAST_QUARTERS before."""
        quarter = Quarter.of(self.today())
        found = [quarter]
        for _ in range(PAST_QUARTERS):
            quarter = quarter.previous()
            found.append(quarter)
        audited = {info.quarter for info in self.audits.runs()}
        found += sorted((q for q in audited if q not in found), reverse=True)
        return found

    def default_quarter(self) -> Quarter:
        """The quarter shown first: the next audit due if it has ended, else the latest audited."""
        due = self.audits.next_audit()
        if due.overdue or due.days_left == 0:
            return due.quarter
        runs = self.audits.runs()
        return max(info.quarter for info in runs) if runs else Quarter.of(self.today())

    def audit_view(self, quarter: Quarter) -> QuarterAudit:
        """A quarter's latest run with its findings' status, and its diff to the previous one."""
        runs = [info for info in self.audits.runs() if info.quarter == quarter]
        if not runs:
            return QuarterAudit(quarter, None, None, 0)
        before = self._latest.inputs()
        worklist = self.audits.worklist(quarter)  # the run, the one before and the diff at once
        report = AuditReport(worklist.run, worklist.report_items)
        # The latest quarter's worklist is the latest report too: kept, the snapshot that
        # follows (the overview, the rules column) need not read and judge the run again.
        self._latest.offer(before, report)
        return QuarterAudit(quarter, report, worklist.diff, len(runs), worklist)

    def audit_view_first(self, quarter: Quarter) -> QuarterAudit:
        """A quarter's latest run with its findings' status, without the quarter before it
        (``partial``): about half the reading of :meth:`audit_view`, which follows it and finds
        this run decoded already."""
        runs = [info for info in self.audits.runs() if info.quarter == quarter]
        if not runs:
            return QuarterAudit(quarter, None, None, 0)
        before = self._latest.inputs()
        worklist = self.audits.run_worklist(quarter)
        report = AuditReport(worklist.run, worklist.report_items)
        self._latest.offer(before, report)  # as in audit_view: complete without the diff
        return QuarterAudit(quarter, report, None, len(runs), worklist, partial=True)

    def run_audit(
        self,
        quarter: Quarter,
        *,
        sync_first: bool = False,
        progress: PhaseProgress | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> tuple[QuarterAudit, SyncResult | None]:
        """Optionally sync the stats, then audit ``quarter`` and store the run.

        A quarter that has not ended is judged as of today; an ended one as of its last day.
        Cancelling raises :class:`~audits.engine.AuditCancelled`; the audit stores nothing then
        (what a sync already fetched is kept, as the sync always does).
        """
        synced = self.sync(progress=progress, cancelled=cancelled) if sync_first else None
        as_of = self.today() if quarter == Quarter.of(self.today()) else None

        def audit_progress(done: int, total: int) -> None:
            if progress is not None:
                progress("audit", done, total)

        self.audits.run(quarter, as_of=as_of, progress=audit_progress, cancelled=cancelled)
        return self.audit_view(quarter), synced

    def sync(
        self,
        *,
        progress: PhaseProgress | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> SyncResult:
        """Read every active account's monthly figures from its platform (blocking).

        The demo register reads the in-repo emulation (the same source and seed as the demo
        build), never a real platform. The sync service refuses (and logs) a user without the
        right to rewrite stats. A cancel stops the sync between accounts, keeps what it already
        fetched, and raises :class:`~audits.engine.AuditCancelled`, the app's one "stopped by the
        user" error.
        """
        # Imported here: httpx and the platform clients are loaded only when the app syncs.
        from governance.sync import SyncEvent
        from governance.sync_service import SyncService
        from governance.sync_source import is_demo_store

        now = self.clock()
        accounts = [a for a in self.register.accounts() if a.status == "active"]
        # No source given: the real platforms, or the demo's emulation when the store is the
        # demo (its marker, or the demo flag: governance.sync_source).
        service = SyncService(self.store, user=self.user, clock=lambda: now, demo=self.demo)

        def on_event(event: SyncEvent) -> None:
            if progress is not None:
                progress("sync", event.done, event.total)

        report = service.sync(accounts, progress=on_event, cancelled=cancelled)
        if report.cancelled:
            raise AuditCancelled()
        stopped = tuple(s.stopped for s in report.platforms.values() if s.stopped)
        return SyncResult(
            len(report.outcomes),
            len(report.failed),
            stopped,
            report.requests,
            len(report.skipped),
            # As the source was chosen (governance.sync_source): the demo flag or its marker.
            demo=self.demo or is_demo_store(self.store.data_dir),
        )

    def export_findings(self, quarter: Quarter, *, fmt: str = "csv") -> bytes:
        """A quarter's findings (its latest run) as CSV for Swedish Excel, or Markdown."""
        return self.audits.export(quarter, fmt=fmt)

    def export_directory(self) -> Path:
        """Where the app offers to save exports: the user's Downloads if it exists, else here."""
        downloads = Path.home() / "Downloads"
        return downloads if downloads.is_dir() else Path.cwd()

    def save_export(self, directory: str, filename: str, data: bytes) -> tuple[Path, bool]:
        """Write an export as ``directory/filename`` and return its full path and whether a file
        was replaced. The folder must exist (nothing is created); never the data directory."""
        folder = Path(directory.strip() or ".").expanduser().absolute()
        if not folder.exists():
            raise FieldError("directory", "worklist.export.no_such_directory", path=str(folder))
        if not folder.is_dir():
            raise FieldError("directory", "worklist.export.not_a_directory", path=str(folder))
        target = folder / filename
        return target, write_export(target, data, data_dir=self.data_dir)

    def acknowledge_many(self, quarter: Quarter, keys: Iterable[str], note: str) -> int:
        """Acknowledge findings of ``quarter``'s latest run (by key) in one transaction."""
        return len(self.audits.acknowledge_many(keys, note=note, quarter=quarter))

    def waive_many(
        self, quarter: Quarter, keys: Iterable[str], *, reason: str, name: str, until: date
    ) -> int:
        """Waive findings of ``quarter``'s latest run (by key) alike, in one transaction."""
        waivers = self.audits.waive_many(
            keys, reason=reason, name=name, until=until, quarter=quarter
        )
        return len(waivers)

    def account_findings(
        self, account_id: str, report: AuditReport | None = None
    ) -> AccountFindings:
        """The account's findings in the latest audit."""
        report = report if report is not None else self.latest_report()
        if report is None:
            return AccountFindings(None, [])
        items = [i for i in report.items if i.finding.account_id == account_id]
        return AccountFindings(report.info, items)

    def acknowledge(self, rule: str, account_id: str, note: str) -> None:
        """Acknowledge a finding of the latest audit, with a note."""
        self.audits.acknowledge(rule, account_id or None, note=note)

    def waive(self, rule: str, account_id: str, *, reason: str, name: str, until: date) -> None:
        """Waive a finding of the latest audit until ``until`` (inclusive)."""
        self.audits.waive(rule, account_id or None, reason=reason, name=name, until=until)

    def guideline(self) -> GuidelineState:
        """The revision status, every revision (newest first) and the next four audits."""
        return GuidelineState(
            status=self.audits.revision_status(),
            revisions=list(reversed(self.audits.revisions())),
            calendar=self.audits.calendar(4),
            today=self.today(),
        )

    def record_revision(self, day: date, note: str) -> Revision:
        """Record that the guideline was revised on ``day``."""
        return self.audits.record_revision(day, note)
