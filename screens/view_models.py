"""What the screens show, as plain data: the view models and the pure functions that build them.

:mod:`screens.services` reads the store and returns these; the screens only display them. Nothing
here touches the store or imports Textual (a test checks), so every figure can be tested with
hand-made accounts and months.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from audits.diff import AuditDiff
from audits.exports import ReportItem
from audits.quarters import Quarter
from audits.revisions import Revision, RevisionStatus
from audits.rules import RULES, RULES_BY_ID
from audits.runs import RunInfo
from audits.schedule import CalendarEntry, finished
from audits.service import AuditReport
from audits.worklist import Worklist
from governance import access
from governance.i18n import t, tn
from governance.model import Account, ChangeEntry, Department
from governance.monthly import STOCKHOLM, MonthlyStats, SyncOutcome, add_months

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


@dataclass(frozen=True, slots=True)
class AttentionItem:
    """One open critical finding, as the overview lists it."""

    ref: str  # PLATFORM:HANDLE, or "" for the register
    rule: str  # the rule id (shown by its title)
    days_open: int | None  # from first seen to the day the run judged


@dataclass(frozen=True, slots=True)
class DepartmentAttention:
    """A department's open critical findings: how many, and the oldest few."""

    department: str
    count: int
    top: tuple[AttentionItem, ...]


@dataclass(frozen=True)
class Attention:
    """What needs attention now: open critical findings by department, accounts without editors."""

    #: Departments with open critical findings, most first ("" is the register itself).
    departments: tuple[DepartmentAttention, ...] = ()
    #: Active accounts with no editor in the register as it is now (refs, sorted).
    without_editors: tuple[str, ...] = ()

    @property
    def critical(self) -> int:
        """How many open critical findings in all."""
        return sum(d.count for d in self.departments)


@dataclass(frozen=True, slots=True)
class PendingRequest:
    """A request for a new account waiting for AKN's decision, as the overview lists it."""

    ref: str
    department: str
    days_waiting: int  # calendar days since it was filed
    langsiktigt: bool  # a time-limited project's request (the *Långsiktigt* warning)


@dataclass(frozen=True)
class Overview:
    """The figures of the overview screen."""

    accounts: int
    per_platform: Sequence[tuple[str, int]]
    per_department: Sequence[tuple[str, int]]
    sync: SyncSummary | None
    audit: AuditState | None = None
    attention: Attention = Attention()
    #: Requests waiting for a decision, oldest first, that the user may see (admins: all;
    #: leads: their departments'); None for a user who sees none (the panel is hidden).
    requests: tuple[PendingRequest, ...] | None = None


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
    #: The findings as a worklist (status, age, reviews, resolved ones); None before a run.
    worklist: Worklist | None = None
    #: Read without the quarter before (no diff, no resolved findings yet): the first paint.
    partial: bool = False


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
    requests: int = 0  # requests sent to the platforms
    skipped: int = 0  # accounts on platforms without an API client
    #: The figures came from the demo's emulation, not from the platforms.
    demo: bool = False

    def describe(self) -> str:
        """What the sync did, in words: accounts read, requests, failures, accounts skipped and
        why platforms stopped. Said also when nothing was new, so that a sync never passes
        silently; first, as ``kontokoll sync`` says it, that a demo's figures are made up."""
        text = t("demo_marker.sync.demo") + "\n" if self.demo else ""
        text += t(
            "tui.audit.synced",
            accounts=tn("noun.account", self.accounts),
            requests=tn("noun.request", self.requests),
            failed=tn("noun.failed", self.failed),
        )
        if self.skipped:
            text += " " + t("sync.skipped", count=self.skipped)
        return text + "".join(f"\n{reason}" for reason in self.stopped)


@dataclass(frozen=True, slots=True)
class ChartPoint:
    """One month of the detail chart. ``None`` is unknown."""

    month: str
    reach: int | None
    interactions: int | None
    followers: int | None
    #: The month's record, for the reply duties shown under the chart (None: no record).
    record: MonthlyStats | None = None


@dataclass(frozen=True)
class AccountsSnapshot:
    """Everything the overview and the accounts table need, read in one go."""

    summaries: list[AccountSummary]
    departments: list[Department]
    overview: Overview
    rights: Rights


@dataclass(frozen=True)
class AccountDetail:
    """Everything the account detail screen shows of one account, read in one go."""

    account: Account
    #: The account's row in the accounts table (sent back to the table after a change).
    summary: AccountSummary
    chart: list[ChartPoint]
    #: The change history, newest first; None while it is not read yet (it is read after the
    #: screen's first frame).
    history: list[ChangeEntry] | None
    findings: AccountFindings
    #: The guideline's current revision (None if none is recorded), and which of the account's
    #: editors (by address) have acknowledged it; None when that is not judged (not active).
    revision: date | None = None
    acknowledged: frozenset[str] | None = None
    #: Items of the closing checklist still open today (retired accounts with a checklist).
    open_items: tuple[str, ...] = ()


def request_departments(snapshot: AccountsSnapshot | None) -> list[str]:
    """The departments the user may request accounts for (none: the "Nytt konto" form is not
    offered). Here, not with the form: the footer asks as soon as the register is read, and
    importing the form's module (and its dialogs) then was a tenth of the first paint."""
    if snapshot is None:
        return []
    rights = snapshot.rights
    return [d.name for d in snapshot.departments if rights.may(access.REQUEST_ACCOUNT, d.name)]


def pending_requests(
    accounts: Iterable[Account], rights: Rights, today: date
) -> tuple[PendingRequest, ...] | None:
    """The requests ``rights`` may see (oldest first), or None for a user who sees none."""
    if rights.role not in ("admin", "lead"):
        return None
    found = []
    for account in accounts:
        sees = rights.may(access.APPROVE_REQUEST) or rights.may(
            access.REQUEST_ACCOUNT, account.department
        )
        if account.status != "requested" or not sees:
            continue
        filed = account.requested_at or account.created
        days = (today - filed.astimezone(STOCKHOLM).date()).days
        found.append((filed, account.ref, account, max(days, 0)))
    found.sort(key=lambda item: (item[0], item[1]))
    return tuple(
        PendingRequest(ref, a.department, days, bool(a.request_warnings))
        for _, ref, a, days in found
    )


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


def rule_choices() -> list[tuple[str, str]]:
    """(title, id) of every account rule, for the rule quick filter, in the rules' order."""
    return [(f"{rule.title}", rule.id) for rule in RULES if rule.scope == "account"]


def rule_title(rule: str) -> str:
    """A rule's short name in the current language (the id if it is unknown)."""
    found = RULES_BY_ID.get(rule)
    return found.title if found is not None else rule


def build_overview(
    accounts: Sequence[Account | AccountSummary],
    outcomes: Mapping[str, SyncOutcome],
    audit: AuditState | None = None,
    attention: Attention | None = None,
) -> Overview:
    """Counts per platform and department, the last sync's time and failures, what needs
    attention."""
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
        attention=attention if attention is not None else Attention(),
    )


def quarter_label(quarter: Quarter, *, preliminary: bool) -> str:
    """``2026Q4``, or ``2026Q4 (preliminär)`` while its audit was judged before its last day."""
    return t("calendar.preliminary", quarter=str(quarter)) if preliminary else str(quarter)


def run_label(info: RunInfo) -> str:
    """The quarter of a run, marked preliminary if it was judged before the quarter ended."""
    return quarter_label(info.quarter, preliminary=not finished(info.quarter, info))


def calendar_label(entry: CalendarEntry) -> str:
    """The quarter of a calendar entry, marked preliminary if it has a run that is not final."""
    return quarter_label(entry.quarter, preliminary=entry.preliminary)


#: How many findings the overview lists per department.
ATTENTION_TOP = 2


def build_attention(
    report: AuditReport | None, accounts: Iterable[Account | AccountSummary]
) -> Attention:
    """Open critical findings by department (oldest first), and active accounts without editors."""
    without = tuple(sorted(a.ref for a in accounts if a.status == "active" and not a.editors))
    if report is None:
        return Attention((), without)
    as_of = report.info.as_of
    found: dict[str, list[AttentionItem]] = {}
    for item in report.items:
        finding = item.finding
        if finding.severity != "critical" or item.status != "open":
            continue
        days = (as_of - finding.first_seen).days if finding.first_seen is not None else None
        found.setdefault(finding.department, []).append(
            AttentionItem(finding.ref, finding.rule, days)
        )
    departments = []
    for department, items in found.items():
        items.sort(key=lambda i: (-(i.days_open or 0), i.ref, i.rule))
        departments.append(
            DepartmentAttention(department, len(items), tuple(items[:ATTENTION_TOP]))
        )
    departments.sort(key=lambda d: (-d.count, d.department.casefold()))
    return Attention(tuple(departments), without)


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
                record=record,
            )
        )
    return points
