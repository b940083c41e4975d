"""The app's one door to the core: the register, the stats and (later) the audit engine.

Screens call only this module. It never imports Textual, so everything here can be tested and
reused headlessly. It is also the only place that knows whether the audit engine exists yet: when
``audits`` gains its run/findings API, :func:`audit_engine_available` and the ``findings``/
``rules_broken`` parts below are what change, and no screen needs to.
"""

from __future__ import annotations

import importlib.util
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from governance.model import Account, ChangeEntry, Department, Editor, utc_now
from governance.monthly import STOCKHOLM, MonthlyStats, SyncOutcome, add_months, month_of
from governance.register import Register
from governance.store import Store

#: The module the audit engine will live in. Until it exists, the audit parts say so plainly.
AUDIT_ENGINE_MODULE = "audits.engine"

#: How many months the detail chart covers.
CHART_MONTHS = 24


def audit_engine_available() -> bool:
    """Whether the audit engine (runs, findings, revisions, calendar) is installed."""
    try:
        return importlib.util.find_spec(AUDIT_ENGINE_MODULE) is not None
    except (ImportError, ValueError):
        return False


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
    #: The rules the account breaks in the latest audit; ``None`` until there is an audit engine.
    rules: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class SyncSummary:
    """When the platforms were last read, and which accounts failed."""

    finished_at: datetime
    accounts: int
    failures: tuple[tuple[str, str], ...]  # (account ref, reason)


@dataclass(frozen=True)
class Overview:
    """The figures of the overview screen."""

    accounts: int
    per_platform: Sequence[tuple[str, int]]
    per_department: Sequence[tuple[str, int]]
    sync: SyncSummary | None
    audit_available: bool


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


@dataclass
class Services:
    """The register, stats and audit services of one data directory, as one user sees them."""

    data_dir: Path
    clock: Callable[[], datetime] = utc_now
    user: str | None = None
    lock_timeout_s: float | None = None
    store: Store = field(init=False)
    register: Register = field(init=False)

    def __post_init__(self) -> None:
        self.store = Store(self.data_dir, lock_timeout_s=self.lock_timeout_s)
        self.register = Register(self.store, user=self.user, clock=self.clock)

    def close(self) -> None:
        """Release the store's files."""
        self.store.close()

    # --- reading -----------------------------------------------------------------------------

    def snapshot(self) -> AccountsSnapshot:
        """All accounts as table rows, the departments, and the overview figures."""
        accounts = self.register.accounts()
        stats = self.store.stats.all()
        summaries = [summarize(a, stats.get(a.id, ())) for a in accounts]
        return AccountsSnapshot(
            summaries=summaries,
            departments=self.register.departments(),
            overview=build_overview(accounts, self.store.stats.outcomes()),
        )

    def account(self, ref: str) -> Account:
        """One account, by ``PLATFORM:HANDLE`` or id."""
        return self.register.account(ref)

    def summary(self, account: Account) -> AccountSummary:
        """The table row of one account (after it changed)."""
        return summarize(account, self.store.stats.for_account(account.id))

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


# --- pure helpers (tested without a store) ----------------------------------------------------


def summarize(account: Account, months: Iterable[MonthlyStats]) -> AccountSummary:
    """The table row of ``account`` given its stored months (oldest first)."""
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
        rules=None,
    )


def build_overview(accounts: Sequence[Account], outcomes: Mapping[str, SyncOutcome]) -> Overview:
    """Counts per platform and department, and the last sync's time and failures."""
    per_platform = Counter(a.platform for a in accounts)
    per_department = Counter(a.department for a in accounts)
    sync: SyncSummary | None = None
    if outcomes:
        refs = {a.id: a.ref for a in accounts}
        failures = tuple(
            sorted(
                (refs.get(o.account_id, o.account_id), o.reason) for o in outcomes.values() if not o.ok
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
        audit_available=audit_engine_available(),
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
