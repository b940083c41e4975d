"""The app's one door to the core: the register, the stats, the sync and the audit engine.

Screens call only this module. It never imports Textual, so everything here can be tested and
reused headlessly (a test checks). Every change goes through the core's services
(:class:`~governance.register.Register`, :class:`~audits.service.AuditService`), which check the
user's rights and log refusals; the app only *asks* :meth:`Services.rights` so that it can hide or
disable what the user may not do.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from audits.diff import AuditDiff
from audits.engine import AuditCancelled
from audits.exports import ReportItem
from audits.quarters import Quarter
from audits.revisions import Revision, RevisionStatus
from audits.rules import RULES, RULES_BY_ID
from audits.runs import RunInfo
from audits.schedule import CalendarEntry
from audits.service import AuditReport, AuditService
from governance import access
from governance.errors import AccessRefused
from governance.model import Account, ChangeEntry, Department, Editor, utc_now
from governance.monthly import STOCKHOLM, MonthlyStats, SyncOutcome, add_months, month_of
from governance.register import Register
from governance.store import Store

#: How many past quarters the audit screen offers, besides the current one.
PAST_QUARTERS = 5

#: Progress of a long job: ``(phase, done, total)``, phase ``"sync"`` or ``"audit"``.
PhaseProgress = Callable[[str, int, int], None]

#: How many months the detail chart covers.
CHART_MONTHS = 24


@dataclass(frozen=True, slots=True)
class AccountSummary:
    """One row of the accounts table. ``None`` is unknown, never zero."""

    id: str
    ref: str
    platform: str
    handle: str
    department: str
    visibility: str
    status: str
    editors: int
    last_post: date | None
    followers: int | None
    #: The rules the account breaks in the latest audit; ``None`` if it was not audited (yet).
    rules: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class SyncSummary:
    """When the platforms were last read, and which accounts failed."""

    finished_at: datetime
    accounts: int
    failures: tuple[tuple[str, str], ...]  # (account ref, reason)


@dataclass(frozen=True)
class AuditState:
    """The latest audit, the next one due, and the guideline's revision, for the overview."""

    latest: RunInfo | None
    #: Findings of the latest run per (severity, status); empty before the first audit.
    counts: Mapping[tuple[str, str], int]
    next_audit: CalendarEntry
    revision: RevisionStatus


@dataclass(frozen=True)
class Overview:
    """The figures of the overview screen."""

    accounts: int
    per_platform: Sequence[tuple[str, int]]
    per_department: Sequence[tuple[str, int]]
    sync: SyncSummary | None
    audit: AuditState | None = None


@dataclass(frozen=True, slots=True)
class Rights:
    """What the current user may do, so the app can hide or disable the rest.

    Only a mirror: the services check again, and refuse (and log) whatever the app lets through.
    """

    login: str
    role: str
    departments: tuple[str, ...] = ()

    def may(self, action: str, department: str | None = None) -> bool:
        """Whether the user may do ``action`` (on an account of ``department``)."""
        return access.User(self.login, self.role, self.departments).may(action, department)

    @classmethod
    def nobody(cls, login: str) -> Rights:
        """A login the register does not know: it may do nothing."""
        return cls(login, "")


@dataclass(frozen=True)
class QuarterAudit:
    """What the audit screen shows for one quarter: its latest run (if any) and the diff."""

    quarter: Quarter
    report: AuditReport | None
    diff: AuditDiff | None
    runs: int  # how many runs the quarter has


@dataclass(frozen=True)
class GuidelineState:
    """What the guideline screen shows: the revision status, the revisions and the calendar."""

    status: RevisionStatus
    revisions: list[Revision]
    calendar: list[CalendarEntry]
    today: date


@dataclass(frozen=True)
class AccountFindings:
    """One account's findings in the latest audit (empty if it broke no rule)."""

    run: RunInfo | None
    items: list[ReportItem]


@dataclass(frozen=True, slots=True)
class SyncResult:
    """What a sync before an audit did."""

    accounts: int
    failed: int
    stopped: tuple[str, ...]  # why platforms stopped (rendered messages)


@dataclass(frozen=True, slots=True)
class ChartPoint:
    """One month of the detail chart. ``None`` is unknown."""

    month: str
    reach: int | None
    interactions: int | None
    followers: int | None


@dataclass(frozen=True)
class AccountsSnapshot:
    """Everything the overview and the accounts table need, read in one go."""

    summaries: list[AccountSummary]
    departments: list[Department]
    overview: Overview
    rights: Rights


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

    audits: AuditService = field(init=False)

    def __post_init__(self) -> None:
        self.store = Store(self.data_dir, lock_timeout_s=self.lock_timeout_s)
        self.register = Register(self.store, user=self.user, clock=self.clock)
        self.audits = AuditService(self.store, user=self.user, clock=self.clock)

    def close(self) -> None:
        """Release the store's files."""
        self.store.close()

    # --- reading -----------------------------------------------------------------------------

    def snapshot(self) -> AccountsSnapshot:
        """All accounts as table rows, the departments, the overview figures and the rights."""
        accounts = self.register.accounts()
        stats = self.store.stats.all()
        report = self.audits.latest_report()
        rules = rules_by_account(report)
        summaries = [
            summarize(a, stats.get(a.id, ()), rules.get(a.id, ()) if a.status == "active" else None)
            if report is not None
            else summarize(a, stats.get(a.id, ()))
            for a in accounts
        ]
        audit = AuditState(
            latest=report.info if report is not None else None,
            counts=dict(report.counts()) if report is not None else {},
            next_audit=self.audits.next_audit(),
            revision=self.audits.revision_status(),
        )
        return AccountsSnapshot(
            summaries=summaries,
            departments=self.register.departments(),
            overview=build_overview(accounts, self.store.stats.outcomes(), audit),
            rights=self.rights(),
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

    def summary(self, account: Account) -> AccountSummary:
        """The table row of one account (after it changed)."""
        report = self.audits.latest_report()
        months = self.store.stats.for_account(account.id)
        if report is None or account.status != "active":
            return summarize(account, months)
        return summarize(account, months, report.rules_of(account.id))

    def chart(self, account_id: str) -> list[ChartPoint]:
        """The last CHART_MONTHS months of reach, interactions and followers; [] if no stats."""
        months = self.store.stats.for_account(account_id)
        if not months:
            return []
        return chart_points(months, month_of(self.clock()))

    def change_log(self, ref: str) -> list[ChangeEntry]:
        """The account's change history, newest first."""
        return list(reversed(self.register.change_log(ref)))

    # --- changing ----------------------------------------------------------------------------

    def update_fields(self, ref: str, texts: Mapping[str, str]) -> Account:
        """Apply typed-in field texts, validated exactly as the CSV import validates them."""
        return self.register.update_from_text(ref, texts)

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
        report = self.audits.report(quarter)
        return QuarterAudit(quarter, report, self.audits.previous_diff(quarter), len(runs))

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

        The sync engine takes no cancellation callback, so a cancel is raised from its progress
        callback; the engine keeps what it already fetched.
        """
        from governance.sync import SyncEvent, sync_all

        accounts = [a for a in self.register.accounts() if a.status == "active"]

        def on_event(event: SyncEvent) -> None:
            if cancelled is not None and cancelled():
                raise AuditCancelled()
            if progress is not None:
                progress("sync", event.done, event.total)

        # sync_all itself refuses (and logs) a user without the right to rewrite stats.
        report = sync_all(
            self.store, accounts, progress=on_event, user=self.user, **self.sync_options()
        )
        stopped = tuple(s.stopped for s in report.platforms.values() if s.stopped)
        return SyncResult(len(report.outcomes), len(report.failed), stopped)

    def sync_options(self) -> dict[str, Any]:
        """Extra arguments for the sync engine: the demo syncs from the in-repo emulation."""
        if not self.demo:
            return {"now": self.clock()}
        import httpx

        from governance.demo import demo_activity
        from governance.emulation import DEMO_TOKENS, AccountProfile, base_urls, build_emulation

        activity = demo_activity()
        profiles = [
            AccountProfile(a.platform, a.platform_id, a.handle, activity.get(a.ref, "active"))
            for a in self.register.accounts()
            if a.platform in DEMO_TOKENS and a.platform_id
        ]
        emulation = build_emulation(profiles, now=self.clock())
        return {
            "transport": httpx.ASGITransport(app=emulation),
            "tokens": DEMO_TOKENS,
            "base_urls": base_urls(),
            "now": self.clock(),
        }

    def export_findings(self, quarter: Quarter, *, fmt: str = "csv") -> bytes:
        """A quarter's findings (its latest run) as CSV for Swedish Excel, or Markdown."""
        return self.audits.export(quarter, fmt=fmt)

    def account_findings(self, account_id: str) -> AccountFindings:
        """The account's findings in the latest audit."""
        report = self.audits.latest_report()
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


# --- pure helpers (tested without a store) ----------------------------------------------------


def summarize(
    account: Account, months: Iterable[MonthlyStats], rules: tuple[str, ...] | None = None
) -> AccountSummary:
    """The table row of ``account`` given its stored months (oldest first) and broken rules."""
    last_post: datetime | None = None
    followers: int | None = None
    for month in months:
        if month.last_post_at is not None and (last_post is None or month.last_post_at > last_post):
            last_post = month.last_post_at
        if month.followers is not None:
            followers = month.followers  # months are oldest first: the latest known wins
    return AccountSummary(
        id=account.id,
        ref=account.ref,
        platform=account.platform,
        handle=account.handle,
        department=account.department,
        visibility=account.visibility,
        status=account.status,
        editors=len(account.editors),
        last_post=last_post.astimezone(STOCKHOLM).date() if last_post else None,
        followers=followers,
        rules=rules,
    )


def rules_by_account(report: AuditReport | None) -> dict[str, tuple[str, ...]]:
    """Account id -> the rules it breaks in ``report`` (accounts without findings are absent)."""
    found: dict[str, list[str]] = {}
    if report is not None:
        for item in report.items:
            if item.finding.account_id:
                found.setdefault(item.finding.account_id, []).append(item.finding.rule)
    return {key: tuple(rules) for key, rules in found.items()}


def rule_choices() -> list[tuple[str, str]]:
    """(title, id) of every account rule, for the rule quick filter, in the rules' order."""
    return [(f"{rule.title}", rule.id) for rule in RULES if rule.scope == "account"]


def rule_title(rule: str) -> str:
    """A rule's short name in the current language (the id if it is unknown)."""
    found = RULES_BY_ID.get(rule)
    return found.title if found is not None else rule


def build_overview(
    accounts: Sequence[Account],
    outcomes: Mapping[str, SyncOutcome],
    audit: AuditState | None = None,
) -> Overview:
    """Counts per platform and department, and the last sync's time and failures."""
    per_platform = Counter(a.platform for a in accounts)
    per_department = Counter(a.department for a in accounts)
    sync: SyncSummary | None = None
    if outcomes:
        refs = {a.id: a.ref for a in accounts}
        failures = tuple(
            sorted(
                (refs.get(o.account_id, o.account_id), o.reason)
                for o in outcomes.values()
                if not o.ok
            )
        )
        sync = SyncSummary(
            finished_at=max(o.finished_at for o in outcomes.values()),
            accounts=len(outcomes),
            failures=failures,
        )
    return Overview(
        accounts=len(accounts),
        per_platform=sorted(per_platform.items(), key=lambda item: (-item[1], item[0])),
        per_department=sorted(per_department.items(), key=lambda item: (-item[1], item[0])),
        sync=sync,
        audit=audit,
    )


def interactions(month: MonthlyStats) -> int | None:
    """Reactions + comments + shares + saves: the sum of the known parts; None if none is known."""
    parts = [month.reactions, month.comments, month.shares, month.saves]
    known = [p for p in parts if p is not None]
    return sum(known) if known else None


def chart_points(months: Sequence[MonthlyStats], current: str) -> list[ChartPoint]:
    """One point per month for the CHART_MONTHS months up to ``current``; gaps are unknown."""
    by_month = {m.month: m for m in months}
    points = []
    for offset in range(CHART_MONTHS - 1, -1, -1):
        key = add_months(current, -offset)
        record = by_month.get(key)
        points.append(
            ChartPoint(
                month=key,
                reach=record.reach if record else None,
                interactions=interactions(record) if record else None,
                followers=record.followers if record else None,
            )
        )
    return points
