"""The sync engine: fetch every account's monthly figures from its platform and store them.

Accounts are fetched concurrently, bounded per platform and overall, the longest expected
fetches first (so the sync does not end waiting on a few long ones). Results are written in
batches (records first, then the outcomes that point past them), so a killed sync loses at most
the last unwritten batch and the next sync resumes from each account's stored cursor. Each account
ends ``ok`` or ``failed: reason``; a failed account keeps its previous figures. A platform whose
token is missing, expired or out of quota stops; the others go on.

First sync: the current month and the 24 before it. Re-sync: from the month of the previous sync
(whole months, so sums stay complete), reading daily figures only once a day; with nothing new a
re-sync makes at most two requests per account. ``since`` forces a re-read from that month.

Progress is reported through a plain callback, so the CLI and the TUI can both show it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from governance.monthly import STOCKHOLM, MonthlyStats, SyncOutcome, add_months, month_of
from governance.platforms import (
    PLATFORMS,
    FetchPlan,
    Settings,
    SyncTarget,
    Throttle,
    Transport,
    load_settings,
    load_tokens,
    make_client,
    open_http,
)
from governance.platforms.common import months_between
from governance.platforms.errors import PlatformFailure, PlatformStopped, TokenMissing
from governance.platforms.http import PlatformHttp, Sleep
from governance.platforms.tokens import Redactor

log = logging.getLogger("kontokoll.sync")

#: How far a first sync reaches back, in months before the current one.
FIRST_SYNC_MONTHS = 24
#: Accounts whose results are written together.
BATCH_SIZE = 50
#: Rough requests of a first sync per account (25 months; Instagram reads insights in windows of
#: at most 30 days). Only the order of work depends on it: the longest fetches start first, so
#: that the sync does not end waiting on a few long ones. Later syncs use the last count.
FIRST_SYNC_REQUESTS: dict[str, int] = {
    "instagram": 45, "facebook": 12, "youtube": 10, "x": 8, "linkedin": 7,
}
_RECORD_FIELDS = frozenset(f.name for f in fields(MonthlyStats)) - {"account_id", "month"}


class StatsSink(Protocol):
    """Where monthly figures and sync outcomes go (``Store.stats`` is one)."""

    def save_batch(self, records: Sequence[MonthlyStats]) -> None: ...
    def for_account(self, account_id: str) -> list[MonthlyStats]: ...
    def save_outcomes(self, outcomes: Sequence[SyncOutcome]) -> None: ...
    def outcome(self, account_id: str) -> SyncOutcome | None: ...
    def outcomes(self) -> dict[str, SyncOutcome]: ...


class SyncAccount(SyncTarget, Protocol):
    """An account as the engine sees it (``governance.model.Account`` fits)."""

    @property
    def status(self) -> str: ...


@dataclass(frozen=True)
class SyncEvent:
    """One step of a sync, for progress displays."""

    kind: Literal["started", "account", "stopped"]
    done: int
    total: int
    platform: str = ""
    account_id: str = ""
    ref: str = ""
    ok: bool = True
    #: The stored reason when an account failed, or why a platform stopped (a rendered message).
    reason: str = ""


Progress = Callable[[SyncEvent], None]


@dataclass
class PlatformSummary:
    """How one platform's part of a sync went."""

    platform: str
    ok: int = 0
    failed: int = 0
    requests: int = 0
    seconds: float = 0.0
    #: Why the platform stopped (a rendered message with what to do), if it did.
    stopped: str = ""


@dataclass
class SyncReport:
    """What a sync did: per platform, and per account."""

    platforms: dict[str, PlatformSummary] = field(default_factory=dict)
    outcomes: list[SyncOutcome] = field(default_factory=list)
    #: Accounts not synced: retired, or on a platform without a client (TikTok, other).
    skipped: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failed(self) -> list[SyncOutcome]:
        return [o for o in self.outcomes if not o.ok]

    @property
    def requests(self) -> int:
        return sum(s.requests for s in self.platforms.values())


def sync_all(
    store: Any,
    accounts: Sequence[SyncAccount],
    *,
    transport: Transport | None = None,
    tokens: Mapping[str, str] | None = None,
    base_urls: Mapping[str, str] | None = None,
    settings: Settings | None = None,
    now: datetime | None = None,
    since: str | None = None,
    progress: Progress | None = None,
    user: str | None = None,
) -> SyncReport:
    """Sync ``accounts`` into ``store`` (a Store or a StatsSink) and return the report.

    Blocking; from async code (a TUI worker) await :func:`sync_accounts` instead. ``transport``
    and ``base_urls`` point the clients elsewhere (the emulation); ``tokens`` replaces the keyring
    and environment lookup. Into a Store, the sync needs the right to rewrite stats (admin);
    ``user`` is the login to check, the process's own by default.
    """
    from governance.store import Store

    if isinstance(store, Store):
        from governance.access import SYNC_STATS
        from governance.service import Service

        Service(store, user=user).require(SYNC_STATS)
    return asyncio.run(
        sync_accounts(
            getattr(store, "stats", store), accounts, transport=transport, tokens=tokens,
            base_urls=base_urls, settings=settings, now=now, since=since, progress=progress,
        )
    )


async def sync_accounts(
    sink: StatsSink,
    accounts: Sequence[SyncAccount],
    *,
    transport: Transport | None = None,
    tokens: Mapping[str, str] | None = None,
    base_urls: Mapping[str, str] | None = None,
    settings: Settings | None = None,
    now: datetime | None = None,
    since: str | None = None,
    progress: Progress | None = None,
    sleep: Sleep | None = None,
    clock: Callable[[], float] = time.monotonic,
    wall: Callable[[], float] | None = None,
    batch_size: int = BATCH_SIZE,
) -> SyncReport:
    """The sync itself; see the module docstring. ``sleep``/``clock``/``wall`` are for tests."""
    settings = settings or load_settings()
    if base_urls:
        settings = settings.with_base_urls(base_urls)
    run = _Run(sink, settings, now or datetime.now(UTC), since, progress, sleep, clock, wall)
    chosen = run.choose(accounts)
    if tokens is None:
        tokens = load_tokens({a.platform for a in chosen})
    run.redact = Redactor(tokens.values())
    started = clock()
    run.emit(SyncEvent("started", 0, len(chosen)))
    writer = _Writer(sink, batch_size)
    try:
        async with open_http(transport, connections=settings.concurrency_total) as session:
            await run.all(chosen, session, tokens, writer)
    finally:
        writer.flush()  # also on cancel (Ctrl-C): what finished is kept
    run.report.seconds = clock() - started
    return run.report


class _Writer:
    """Collects finished accounts and writes them in batches: records, then outcomes."""

    def __init__(self, sink: StatsSink, size: int) -> None:
        self._sink = sink
        self._size = size
        self._records: list[MonthlyStats] = []
        self._outcomes: list[SyncOutcome] = []
        self._lock = asyncio.Lock()

    async def add(self, records: Sequence[MonthlyStats], outcome: SyncOutcome) -> None:
        self._records.extend(records)
        self._outcomes.append(outcome)
        # While a batch is being written, later results wait for the next one (no tiny writes).
        if len(self._outcomes) >= self._size and not self._lock.locked():
            async with self._lock:
                records_now, outcomes_now = self._take()
                # Off the event loop, so that requests keep flowing while files are written.
                await asyncio.to_thread(self._write, records_now, outcomes_now)

    def flush(self) -> None:
        self._write(*self._take())

    def _take(self) -> tuple[list[MonthlyStats], list[SyncOutcome]]:
        taken = (self._records, self._outcomes)
        self._records, self._outcomes = [], []
        return taken

    def _write(self, records: list[MonthlyStats], outcomes: list[SyncOutcome]) -> None:
        # Records before outcomes: an outcome (and its cursor) never points past stored figures.
        self._sink.save_batch(records)
        self._sink.save_outcomes(outcomes)


class _Run:
    """The state of one sync."""

    def __init__(
        self,
        sink: StatsSink,
        settings: Settings,
        now: datetime,
        since: str | None,
        progress: Progress | None,
        sleep: Sleep | None,
        clock: Callable[[], float],
        wall: Callable[[], float] | None,
    ) -> None:
        if now.tzinfo is None:
            raise ValueError("now must be aware")
        self.sink = sink
        self.settings = settings
        self.now = now
        self.today = now.astimezone(STOCKHOLM).date().isoformat()
        self.current = month_of(now)
        self.since = since
        self.progress = progress
        self.sleep = sleep
        self.clock = clock
        self.wall = wall
        self.redact = Redactor()
        self.report = SyncReport()
        self.previous: dict[str, SyncOutcome] = {}
        self.total = 0
        self.done = 0
        self.throttles: dict[str, Throttle] = {}
        self.stopped: dict[str, PlatformStopped] = {}
        self.first_start: dict[str, float] = {}

    def choose(self, accounts: Sequence[SyncAccount]) -> list[SyncAccount]:
        chosen = []
        for account in accounts:
            if account.status == "retired" or account.platform not in PLATFORMS:
                self.report.skipped.append(account.id)
            else:
                chosen.append(account)
        self.previous = self.sink.outcomes() if chosen else {}
        for platform in sorted({a.platform for a in chosen}, key=PLATFORMS.index):
            self.report.platforms[platform] = PlatformSummary(platform)
            self.throttles[platform] = Throttle()
        self.total = len(chosen)
        return chosen

    def emit(self, event: SyncEvent) -> None:
        if self.progress is not None:
            self.progress(event)

    def plan(self, account: SyncAccount) -> FetchPlan:
        before = self.previous.get(account.id)
        cursor = dict(before.cursor or {}) if before else {}
        synced_on = cursor.pop("synced_on", None)
        if self.since:
            first, same_day, cursor = self.since, False, {}
        elif isinstance(synced_on, str) and synced_on[:7] <= self.current:
            first, same_day = min(synced_on[:7], self.current), synced_on == self.today
        else:
            first, same_day = add_months(self.current, -FIRST_SYNC_MONTHS), False
        previous = {r.month: r for r in self.sink.for_account(account.id)}
        return FetchPlan(account, self.now, months_between(first, self.current), cursor,
                         same_day, previous)

    def expected_requests(self, account: SyncAccount) -> int:
        """About how many requests the account will take: the last sync's count, or a guess."""
        before = self.previous.get(account.id)
        if before is not None and before.requests:
            return before.requests
        return FIRST_SYNC_REQUESTS.get(account.platform, 1)

    async def all(
        self,
        accounts: Sequence[SyncAccount],
        session: object,
        tokens: Mapping[str, str],
        writer: _Writer,
    ) -> None:
        """Fetch every account: at most ``concurrency_total`` at once, and at most
        ``concurrency_per_platform`` of one platform; the longest expected fetches first.

        Whenever a fetch ends, the first waiting accounts whose platform has room start, so a
        slot never idles while an account waits behind another platform's accounts, and the
        sync does not end waiting on a few long fetches that started last.
        """
        waiting = sorted(accounts, key=self.expected_requests, reverse=True)
        loop = asyncio.get_running_loop()
        gates = [loop.create_future() for _ in waiting]
        queue = list(zip(waiting, gates, strict=True))
        running: Counter[str] = Counter()
        room = max(1, self.settings.concurrency_total)
        per_platform = max(1, self.settings.concurrency_per_platform)

        def admit() -> None:
            nonlocal room
            index = 0
            while index < len(queue) and room > 0:
                account, gate = queue[index]
                if gate.done():  # cancelled while waiting
                    del queue[index]
                elif running[account.platform] < per_platform:
                    del queue[index]
                    running[account.platform] += 1
                    room -= 1
                    gate.set_result(None)
                else:
                    index += 1

        async def one(account: SyncAccount, gate: asyncio.Future[None]) -> None:
            nonlocal room
            await gate
            try:
                outcome, records = await self._fetch_timed(account, session, tokens)
            finally:
                running[account.platform] -= 1
                room += 1
                admit()
            await self._finish(account, outcome, records, writer)

        admit()
        await asyncio.gather(*(one(a, g) for a, g in zip(waiting, gates, strict=True)))

    async def _fetch_timed(
        self, account: SyncAccount, session: object, tokens: Mapping[str, str]
    ) -> tuple[SyncOutcome, list[MonthlyStats]]:
        self.first_start.setdefault(account.platform, self.clock())
        return await self._fetch(account, session, tokens.get(account.platform))

    async def _finish(
        self,
        account: SyncAccount,
        outcome: SyncOutcome,
        records: list[MonthlyStats],
        writer: _Writer,
    ) -> None:
        platform = account.platform
        summary = self.report.platforms[platform]
        summary.requests += outcome.requests
        summary.seconds = self.clock() - self.first_start[platform]
        if outcome.ok:
            summary.ok += 1
        else:
            summary.failed += 1
        self.report.outcomes.append(outcome)
        await writer.add(records, outcome)
        self.done += 1
        self.emit(SyncEvent("account", self.done, self.total, platform, account.id,
                            f"{platform}:{account.handle}", outcome.ok, outcome.reason))

    async def _fetch(
        self, account: SyncAccount, session: object, token: str | None
    ) -> tuple[SyncOutcome, list[MonthlyStats]]:
        platform = account.platform
        before = self.previous.get(account.id)
        kept_cursor = before.cursor if before else None
        if token is None:
            self._stop(platform, TokenMissing(platform=platform, env=_env_name(platform)))
        if platform in self.stopped:
            return self._failed(account, self.stopped[platform].reason, 0, kept_cursor), []
        client = make_client(
            platform, session=session, token=token or "", settings=self.settings,
            redact=self.redact, throttle=self.throttles[platform], sleep=self.sleep,
            clock=self.clock, wall=self.wall,
        )
        http = client.http
        plan = self.plan(account)
        try:
            result = await client.fetch(plan)
        except PlatformStopped as error:
            self._stop(platform, error)
            return self._failed(account, error.reason, _count(http), kept_cursor), []
        except PlatformFailure as error:
            return self._failed(account, error.reason, _count(http), kept_cursor), []
        except Exception as error:  # a bug or surprise in one account must not stop the rest
            log.exception("sync of %s failed unexpectedly", account.id)
            reason = self.redact(f"internal-error: {type(error).__name__}")
            return self._failed(account, reason, _count(http), kept_cursor), []
        records = merge(account.id, plan.previous, result.patches)
        cursor = {**result.cursor, "synced_on": self.today}
        outcome = SyncOutcome(account.id, platform, True, "ok", self.now, _count(http), cursor)
        return outcome, records

    def _failed(
        self, account: SyncAccount, reason: str, requests: int, cursor: dict[str, Any] | None
    ) -> SyncOutcome:
        # The cursor of the last good sync stays, so the next sync resumes from there.
        return SyncOutcome(account.id, account.platform, False, self.redact(reason), self.now,
                           requests, cursor)

    def _stop(self, platform: str, error: PlatformStopped) -> None:
        if platform in self.stopped:
            return
        self.stopped[platform] = error
        message = self.redact(str(error))
        self.report.platforms[platform].stopped = message
        log.warning("%s stopped: %s", platform, error.reason)
        self.emit(SyncEvent("stopped", self.done, self.total, platform, reason=message))


def merge(
    account_id: str, previous: Mapping[str, MonthlyStats], patches: Mapping[str, Mapping[str, Any]]
) -> list[MonthlyStats]:
    """The records to store: each patched month over its stored record (or a blank one)."""
    records = []
    for month, patch in sorted(patches.items()):
        base = previous.get(month) or MonthlyStats(account_id, month)
        changes = {k: v for k, v in patch.items() if k in _RECORD_FIELDS}
        records.append(replace(base, **changes))
    return records


def _count(http: PlatformHttp) -> int:
    return http.requests


def _env_name(platform: str) -> str:
    from governance.platforms.tokens import TOKEN_ENV

    return TOKEN_ENV[platform]


def platforms_in(outcomes: Sequence[SyncOutcome]) -> dict[str, list[SyncOutcome]]:
    """Outcomes grouped by platform, in the report order."""
    grouped: dict[str, list[SyncOutcome]] = defaultdict(list)
    for outcome in outcomes:
        grouped[outcome.platform].append(outcome)
    return dict(sorted(grouped.items(), key=lambda kv: PLATFORMS.index(kv[0])))
