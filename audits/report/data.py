"""What the quarterly report says, gathered headless: the store's figures and the stored audit.

    report = ReportService(store).build("2026Q4", department="Kulturförvaltningen")
    report.departments[0].accounts[0].months   # 13 months of figures, oldest first

Nothing here renders or recomputes an audit: findings, their status and what changed since the
quarter audited before come from the stored runs through :class:`audits.service.AuditService`
(and :mod:`audits.diff`). A quarter without a stored run still gets its figures; ``run`` is then
None and the report says so (see :mod:`audits.report.html`).

An account is in its department's section when it is active, or when it has stats in the
quarter or a finding in the quarter's run (a retired account's closing checklist, a pending
request). Editors are never read: the report carries no personal data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from audits.diff import AuditDiff
from audits.engine import Finding
from audits.exports import ReportItem
from audits.quarters import Quarter
from audits.report import figures
from audits.report.figures import MonthFigures, MonthTotals, Replies
from audits.report.hooks import ModerationFigures, PostFigures, moderation_figures, top_posts
from audits.responsibility import kc_answers
from audits.runs import RunInfo, latest_runs, list_runs
from audits.service import AuditService
from governance.errors import InputError
from governance.kc import load_kc_department
from governance.model import Account, department_key
from governance.monthly import add_months
from governance.service import Service
from governance.storage.database import ReadTransaction
from governance.store import repos

#: Months in the trend: the quarter's three and the ten before them.
TREND_MONTHS = 13
#: How many posts the top-posts table lists per department.
TOP_POSTS = 10

Rows = Mapping[str, Sequence[Any]]


@dataclass(frozen=True)
class AccountSection:
    """One account's part of the report."""

    account: Account
    months: tuple[MonthFigures, ...]  # the trend months, oldest first
    replies: tuple[Replies, ...]  # the quarter's reply duties
    hidden: int | None  # comments hidden in the quarter (from the platform)
    findings: tuple[ReportItem, ...]


@dataclass(frozen=True)
class Changes:
    """What changed since the quarter audited before (None: no earlier audited quarter)."""

    previous: RunInfo | None
    new: tuple[Finding, ...] = ()
    resolved: tuple[Finding, ...] = ()
    persisting: tuple[Finding, ...] = ()


@dataclass(frozen=True)
class DepartmentSection:
    """One department: its accounts, their sums, its findings and what changed."""

    name: str
    accounts: tuple[AccountSection, ...]
    totals: tuple[MonthTotals, ...]
    replies: tuple[Replies, ...]
    hidden: int | None
    moderation: ModerationFigures | None
    findings: tuple[ReportItem, ...]
    changes: Changes
    top_posts: tuple[PostFigures, ...] | None


@dataclass(frozen=True)
class QuarterReport:
    """The whole report: one department's, or the city's (``scope`` None)."""

    quarter: Quarter
    months: tuple[str, ...]
    scope: str | None
    run: RunInfo | None
    departments: tuple[DepartmentSection, ...]
    city: tuple[MonthTotals, ...]  # every section's accounts summed (city-wide reports)
    register_findings: tuple[ReportItem, ...]  # the register's own (AKN's) findings
    register_changes: Changes

    @property
    def preliminary(self) -> bool:
        """The run was made before the quarter's last day."""
        return self.run is not None and self.run.as_of < self.quarter.last_day


def trend_months(quarter: Quarter) -> tuple[str, ...]:
    """The quarter's last month and the twelve before it, oldest first."""
    last = quarter.months[-1]
    return tuple(add_months(last, -back) for back in range(TREND_MONTHS - 1, -1, -1))


class ReportService(Service):
    """Builds the quarterly report of one data directory, as one user reads it."""

    def build(self, quarter: Quarter | str | None = None, department: str | None = None) -> (
        QuarterReport
    ):
        """The report of ``quarter`` (default: the latest audited, else the last whole quarter)
        for ``department`` (any letter case; an unknown one is refused) or the whole city."""
        audits = AuditService(self.store, user=self.user, clock=self._clock)
        with self._read() as txn:
            runs = latest_runs(list_runs(txn))
            chosen = self._quarter(quarter, runs)
            names = _department_names(txn, department)
            accounts = repos(txn).accounts.all()
            rows = dict(repos(txn).stats.all_rows())
        run = runs.get(chosen)
        items = audits.report(chosen).items if run is not None else ()
        diff = audits.previous_diff(chosen) if run is not None else None
        months = trend_months(chosen)
        gather = _Gatherer(chosen, months, rows, items, diff)
        gather.kc = load_kc_department(self.store.data_dir)
        gather.answered_by_kc = tuple(a for a in accounts if a.kc_handles_comments or a.shared)
        with self._read() as txn:
            sections = tuple(
                gather.department(txn, name, _members(accounts, name, gather)) for name in names
            )
        city = figures.month_totals([a.months for s in sections for a in s.accounts], months)
        own = tuple(i for i in items if not i.finding.department) if department is None else ()
        city_wide = department is None
        return QuarterReport(
            chosen, months, None if city_wide else names[0], run, sections, city, own,
            _changes(diff, "") if city_wide else Changes(None),
        )  # fmt: skip

    def _quarter(self, wanted: Quarter | str | None, runs: Mapping[Quarter, RunInfo]) -> Quarter:
        if isinstance(wanted, Quarter):
            return wanted
        if wanted:
            return Quarter.parse(wanted)
        return max(runs) if runs else Quarter.of(self.today()).previous()


def _department_names(txn: ReadTransaction, wanted: str | None) -> list[str]:
    """The department named (as the register spells it), or every department, in name order."""
    known = {d.key: d.name for d in repos(txn).departments.all()}
    for account in repos(txn).accounts.all():
        known.setdefault(department_key(account.department), account.department)
    if wanted is None:
        return sorted(known.values(), key=department_key)
    name = known.get(department_key(wanted))
    if name is None:
        listed = ", ".join(sorted(known.values(), key=department_key)) or "–"
        raise InputError("report.unknown_department", name=wanted, known=listed)
    return [name]


class _Gatherer:
    """Everything that is the same for every department: the quarter, months, rows, audit."""

    def __init__(
        self,
        quarter: Quarter,
        months: tuple[str, ...],
        rows: Mapping[str, Rows],
        items: Sequence[ReportItem],
        diff: AuditDiff | None,
    ) -> None:
        self.quarter = quarter
        self.months = months
        self.rows = rows
        self.diff = diff
        #: Kontaktcenter's name, and the accounts where it answers comments or direct messages
        self.kc = ""
        self.answered_by_kc: tuple[Account, ...] = ()
        self.items: dict[str, list[ReportItem]] = {}
        self.answered: dict[str, list[ReportItem]] = {}  # by the department that answers
        for item in items:
            self.items.setdefault(item.finding.account_id, []).append(item)
            if item.finding.account_id:
                answering = department_key(_answering(item.finding))
                self.answered.setdefault(answering, []).append(item)

    def included(self, account: Account) -> bool:
        """Active, or with stats in the quarter, or with a finding in its run."""
        if account.status == "active" or account.id in self.items:
            return True
        rows = self.rows.get(account.id, {})
        return any(month in rows for month in self.quarter.months)

    def account(self, account: Account) -> AccountSection:
        rows = self.rows.get(account.id, {})
        return AccountSection(
            account,
            figures.account_months(rows, self.months),
            figures.quarter_replies(rows, self.quarter.months),
            figures.quarter_hidden(rows, self.quarter.months),
            tuple(sorted(self.items.get(account.id, ()), key=lambda i: i.finding.sort_key())),
        )

    def department(
        self, txn: ReadTransaction, name: str, members: Sequence[Account]
    ) -> DepartmentSection:
        sections = tuple(self.account(a) for a in members)
        hidden = [s.hidden for s in sections if s.hidden is not None]
        return DepartmentSection(
            name,
            sections,
            figures.month_totals([s.months for s in sections], self.months),
            self._replies(name, sections),
            sum(hidden) if hidden else None,
            moderation_figures(txn, members, self.quarter),
            # the findings it answers for: Kontaktcenter's are KC's, not the account's department's
            tuple(sorted(self.answered.get(department_key(name), ()),
                         key=lambda i: i.finding.sort_key())),
            _changes(self.diff, name),
            top_posts(txn, members, self.quarter, TOP_POSTS),
        )


    def _replies(self, name: str, sections: Sequence[AccountSection]) -> tuple[Replies, ...]:
        """The department's accounts' reply duties; Kontaktcenter's are those it answers on
        other departments' accounts (:mod:`audits.responsibility`): comments and questions where
        it handles the comments, direct messages on the shared accounts."""
        if not self.kc or department_key(name) != department_key(self.kc):
            return figures.sum_replies(s.replies for s in sections)
        answered = []
        for account in self.answered_by_kc:
            duties = figures.quarter_replies(self.rows.get(account.id, {}), self.quarter.months)
            answered.append([r for r in duties if kc_answers(_REPLY_RULES[r.kind],
                                                             account.shared,
                                                             account.kc_handles_comments)])
        return figures.sum_replies(answered)


#: The rule that judges each reply duty, to ask :func:`kc_answers` whose duty it is.
_REPLY_RULES = {"replies": "slow-replies", "questions": "slow-replies", "dms": "slow-dm-replies"}


def _members(accounts: Sequence[Account], name: str, gather: _Gatherer) -> list[Account]:
    """The department's accounts in the report, by platform and handle."""
    key = department_key(name)
    chosen = [a for a in accounts if department_key(a.department) == key and gather.included(a)]
    return sorted(chosen, key=lambda a: (a.platform, a.handle.casefold(), a.id))


def _answering(finding: Finding) -> str:
    """The department that answers for ``finding`` (:mod:`audits.responsibility`)."""
    return finding.responsible or finding.department


def _changes(diff: AuditDiff | None, department: str) -> Changes:
    """The diff's share of one department ("" for the register's own findings)."""
    if diff is None:
        return Changes(None)
    key = department_key(department)

    def own(found: Sequence[Finding]) -> tuple[Finding, ...]:
        return tuple(f for f in found if department_key(_answering(f)) == key)

    return Changes(diff.old, own(diff.new), own(diff.resolved), own(diff.persisting))
