"""The sync engine: fetch the chosen accounts concurrently and write their figures in batches.

:func:`run_sync` works on any :class:`~governance.sync.StatsSink` and checks no rights: callers
go through :class:`~governance.sync_service.SyncService`, which does. Tests call it directly on an
in-memory sink. See :mod:`governance.sync` for what a sync does and promises.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import fields, replace
from datetime import datetime
from typing import Any

from governance.comment_classifier import load_classifier
from governance.fields import API_PLATFORMS
from governance.monthly import STOCKHOLM, MonthlyStats, SyncOutcome, add_months, month_of
from governance.platforms import (
    PLATFORMS,
    FetchPlan,
    PlatformSource,
    Settings,
    Throttle,
    Usage,
    make_client,
    open_http,
)
from governance.platforms.common import CommentClassifier, FetchResult, months_between
from governance.platforms.errors import PlatformFailure, PlatformStopped, TokenMissing
from governance.platforms.identity import CHECKED, handle_check_due
from governance.platforms.tokens import TOKEN_ENV, Redactor
from governance.posts import PostBook, PostFigures
from governance.sync import (
    Cancelled,
    ClientTiming,
    PlatformSummary,
    PostSink,
    Progress,
    StatsSink,
    SyncAccount,
    SyncEvent,
    SyncReport,
)
from governance.sync_gc import sync_collections
from governance.sync_stored import Stored, StoredReader
from governance.sync_writer import Together, Writer

log = logging.getLogger("kontokoll.sync")

#: How far a first sync reaches back, in months before the current one.
FIRST_SYNC_MONTHS = 24
#: Accounts whose results are written together.
BATCH_SIZE = 50
#: Rough requests of a first sync per account (25 months; Instagram reads insights in windows of
#: at most 30 days, and one media insights request per post of the last 13 months). Only the
#: order of work depends on it: the longest fetches start first, so that the sync does not end
#: waiting on a few long ones. Later syncs use the last count. The means of bench/sync.py's
#: city mix (calls per account); LinkedIn, at 7 before, started last and ended the sync alone.
FIRST_SYNC_REQUESTS: dict[str, int] = {
    "instagram": 115, "facebook": 14, "linkedin": 11, "youtube": 10, "x": 9,
}
_RECORD_FIELDS = frozenset(f.name for f in fields(MonthlyStats)) - {"account_id", "month"}
#: Platforms whose comments are classified as questions or not (their clients read the texts).
CLASSIFYING = frozenset(API_PLATFORMS) - {"linkedin"}  # LinkedIn's comments are not read
#: The cursor's note of the word lists that classified the account's months.
WORDS = "words_version"


def reread_from(current: str) -> str:
    """The first month of the quarter before the one ``current`` is in."""
    year, month = (int(part) for part in current.split("-"))
    return add_months(f"{year:04d}-{(month - 1) // 3 * 3 + 1:02d}", -3)


async def run_sync(
    sink: StatsSink,
    accounts: Sequence[SyncAccount],
    source: PlatformSource,
    *,
    now: datetime,
    since: str | None = None,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
    timing: ClientTiming | None = None,
    batch_size: int = BATCH_SIZE,
    classifier: CommentClassifier | None = None,
    posts: PostSink | None = None,
    together: Together | None = None,
) -> SyncReport:
    """Sync ``accounts`` from ``source`` into ``sink`` as of ``now``; see :mod:`governance.sync`.

    ``classifier`` tells questions from other comments (default: the built-in word lists);
    ``posts`` keeps per-post figures (None: none are read). ``together`` (``Store``: both sinks'
    store) joins reads of many accounts in one read transaction, and each batch's records, posts
    and outcomes in one write transaction (None: each read and write is its own).
    Whatever ends it (done, ``cancelled()``, an exception, a task cancel), the accounts that
    finished are written before it returns or raises.
    """
    settings = source.resolved_settings()
    run = _Run(sink, settings, now, since, progress, cancelled, timing or ClientTiming())
    run.classifier = classifier or load_classifier(None)
    run.post_sink = posts
    chosen = run.choose(accounts)
    tokens = source.resolved_tokens({a.platform for a in chosen})
    run.redact = Redactor(tokens.values())
    started = run.clock()
    run.emit(SyncEvent("started", 0, len(chosen)))
    run.together = together
    writer = Writer(sink, batch_size, posts, now, together)
    try:
        with sync_collections():
            async with open_http(source.transport,
                                 connections=settings.concurrency_total) as session:
                await run.all(chosen, session, tokens, writer)
    finally:
        writer.flush()  # also on cancel (Ctrl-C): what finished is kept
        run.count_costs()
    run.report.seconds = run.clock() - started
    return run.report


class _Slots:
    """Which waiting account may start: at most ``accounts_at_once`` at once, and at most
    ``concurrency_per_platform`` of one platform, in the order given (longest first).

    Whenever a fetch ends, the first waiting accounts whose platform has room start, so a slot
    never idles while an account waits behind another platform's accounts. Each account waits on
    its gate: True to start, False when the sync was cancelled before its turn.
    """

    def __init__(
        self, accounts: Sequence[SyncAccount], settings: Settings, cancelled: Cancelled
    ) -> None:
        loop = asyncio.get_running_loop()
        self.entries: list[tuple[SyncAccount, asyncio.Future[bool]]] = [
            (account, loop.create_future()) for account in accounts
        ]
        #: The fetches under way, dropped when the sync is cancelled.
        self.fetching: set[asyncio.Future[Any]] = set()
        self._queue = list(self.entries)
        self._running: Counter[str] = Counter()
        self._room = max(1, settings.accounts_at_once)
        self._per_platform = max(1, settings.concurrency_per_platform)
        self._cancelled = cancelled

    def admit(self) -> None:
        """Start the first waiting accounts that have room (none once cancelled)."""
        if self._cancelled():
            self._drop()
            return
        index = 0
        while index < len(self._queue) and self._room > 0:
            account, gate = self._queue[index]
            if gate.done():  # its task was cancelled while waiting
                del self._queue[index]
            elif self._running[account.platform] < self._per_platform:
                del self._queue[index]
                self._running[account.platform] += 1
                self._room -= 1
                gate.set_result(True)
            else:
                index += 1

    def release(self, account: SyncAccount) -> None:
        """``account``'s fetch ended (or was dropped): its slot goes to the next in line."""
        self._running[account.platform] -= 1
        self._room += 1
        self.admit()

    def dropped(self, fetch: asyncio.Future[Any]) -> bool:
        """Whether ``fetch`` ended because the sync was cancelled (not because the task running
        it was, as on Ctrl-C: that must go on propagating)."""
        task = asyncio.current_task()
        return fetch.cancelled() and task is not None and task.cancelling() == 0

    def _drop(self) -> None:
        for _, gate in self._queue:
            if not gate.done():
                gate.set_result(False)
        self._queue.clear()
        for fetch in self.fetching:
            fetch.cancel()


class _Run:
    """The state of one sync."""

    def __init__(
        self,
        sink: StatsSink,
        settings: Settings,
        now: datetime,
        since: str | None,
        progress: Progress | None,
        cancelled: Cancelled | None,
        timing: ClientTiming,
    ) -> None:
        if now.tzinfo is None:
            raise ValueError("now must be aware")
        self.sink = sink
        self.settings = settings
        self.now = now
        self.now_day = now.astimezone(STOCKHOLM).date()
        self.today = self.now_day.isoformat()
        self.current = month_of(now)
        self.since = since
        self.progress = progress
        self.cancelled = cancelled
        self.timing = timing
        self.clock = timing.clock or time.monotonic
        self.redact = Redactor()
        self.report = SyncReport()
        self.previous: dict[str, SyncOutcome] = {}
        self.total = 0
        self.done = 0
        self.throttles: dict[str, Throttle] = {}
        self.usage: dict[str, Usage] = {}
        self.stopped: dict[str, PlatformStopped] = {}
        self.first_start: dict[str, float] = {}
        self.classifier: CommentClassifier | None = None
        self.post_sink: PostSink | None = None
        self.posts_read: dict[str, list[PostFigures]] = {}
        self.together: Together | None = None
        self.stored: StoredReader | None = None

    def choose(self, accounts: Sequence[SyncAccount]) -> list[SyncAccount]:
        chosen = []
        for account in accounts:
            # Only active accounts are read: a request, a rejection or a retired account
            # has no figures to fetch (and may not even exist on the platform).
            if account.status != "active" or account.platform not in PLATFORMS:
                self.report.skipped.append(account.id)
            else:
                chosen.append(account)
        self.previous = self.sink.outcomes() if chosen else {}
        for platform in sorted({a.platform for a in chosen}, key=PLATFORMS.index):
            self.report.platforms[platform] = PlatformSummary(platform)
            self.throttles[platform] = Throttle()
            self.usage[platform] = Usage()
        self.total = len(chosen)
        return chosen

    def count_costs(self) -> None:
        """Each platform's HTTP requests and quota figures, into the report."""
        for platform, usage in self.usage.items():
            summary = self.report.platforms[platform]
            summary.requests, summary.calls = usage.http_requests, usage.calls
            summary.units, summary.posts_read = usage.units, usage.posts_read
            summary.usage_percent = usage.usage_percent

    def emit(self, event: SyncEvent) -> None:
        if self.progress is not None:
            self.progress(event)

    def cancel_requested(self) -> bool:
        """Whether the caller has cancelled (asked between accounts; once yes, always yes)."""
        if not self.report.cancelled and self.cancelled is not None and self.cancelled():
            self.report.cancelled = True
            log.info("sync cancelled after %d of %d accounts", self.done, self.total)
        return self.report.cancelled

    def plan(self, account: SyncAccount, stored: Stored) -> FetchPlan:
        before = self.previous.get(account.id)
        cursor = dict(before.cursor or {}) if before else {}
        synced_on = cursor.pop("synced_on", None)
        if self.since:
            first, same_day, cursor = self.since, False, {}
        elif isinstance(synced_on, str) and synced_on[:7] <= self.current:
            first, same_day = min(synced_on[:7], self.current), synced_on == self.today
        else:
            first, same_day = add_months(self.current, -FIRST_SYNC_MONTHS), False
        if self._words_changed(account.platform, before, cursor):
            # Re-classify what an audit may still judge: the previous quarter and this one.
            first, same_day = min(first, reread_from(self.current)), False
        check = handle_check_due(account.handle, account.platform_id, cursor, self.now_day)
        posts = PostBook(self.now, stored.posts) if stored.posts is not None else None
        return FetchPlan(account, self.now, months_between(first, self.current), cursor,
                         same_day, stored.previous, check, self.classifier, posts)

    def _words_changed(
        self, platform: str, before: SyncOutcome | None, cursor: Mapping[str, Any]
    ) -> bool:
        """Whether the account's comments were last classified by other word lists (or before
        questions were counted at all), so that its recent months are to be read again."""
        if self.since or before is None or not before.ok or self.classifier is None:
            return False
        return platform in CLASSIFYING and cursor.get(WORDS) != self.classifier.version

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
        writer: Writer,
    ) -> None:
        """Fetch every account through :class:`_Slots`, the longest expected fetches first."""
        waiting = sorted(accounts, key=self.expected_requests, reverse=True)
        slots = _Slots(waiting, self.settings, self.cancel_requested)
        self.stored = StoredReader(self.sink, self.post_sink, waiting,
                                   self.together.read if self.together else None)

        async def one(account: SyncAccount, gate: asyncio.Future[bool]) -> None:
            if not await gate:
                return  # cancelled before its turn
            fetch = asyncio.ensure_future(self._fetch_timed(account, session, tokens))
            slots.fetching.add(fetch)
            try:
                outcome, records = await fetch
            except asyncio.CancelledError:
                if slots.dropped(fetch):
                    return  # cancelled under way: not synced, its stored cursor stays
                raise
            finally:
                slots.fetching.discard(fetch)
                slots.release(account)
            await self._finish(account, outcome, records, writer)

        slots.admit()
        await asyncio.gather(*(one(account, gate) for account, gate in slots.entries))

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
        writer: Writer,
    ) -> None:
        platform = account.platform
        summary = self.report.platforms[platform]
        summary.requests = self.usage[platform].http_requests  # so far; final in count_costs
        summary.seconds = self.clock() - self.first_start[platform]
        if outcome.ok:
            summary.ok += 1
        else:
            summary.failed += 1
        self.report.outcomes.append(outcome)
        await writer.add(records, outcome, self.posts_read.pop(account.id, []))
        self.done += 1
        self.emit(SyncEvent("account", self.done, self.total, platform, account.id,
                            f"{platform}:{account.handle}", outcome.ok, outcome.reason))

    async def _fetch(
        self, account: SyncAccount, session: object, token: str | None
    ) -> tuple[SyncOutcome, list[MonthlyStats]]:
        platform = account.platform
        before = self.previous.get(account.id)
        kept_cursor = before.cursor if before else None
        assert self.stored is not None  # made by all()
        # Read first: a platform stopped while this account waited for its group is seen below.
        stored = await self.stored.get(account)
        if token is None:
            self._stop(platform, TokenMissing(platform=platform, env=TOKEN_ENV[platform]))
        if platform in self.stopped:
            return self._failed(account, self.stopped[platform].reason, 0, kept_cursor), []
        client = make_client(
            platform, session=session, token=token or "", settings=self.settings,
            redact=self.redact, throttle=self.throttles[platform], sleep=self.timing.sleep,
            clock=self.clock, wall=self.timing.wall, usage=self.usage[platform],
        )
        http = client.http
        plan = self.plan(account, stored)
        try:
            result = await client.fetch(plan)
        except PlatformStopped as error:
            self._stop(platform, error)
            return self._failed(account, error.reason, http.requests, kept_cursor), []
        except PlatformFailure as error:
            return self._failed(account, error.reason, http.requests, kept_cursor), []
        except Exception as error:  # a bug or surprise in one account must not stop the rest
            log.exception("sync of %s failed unexpectedly", account.id)
            reason = self.redact(f"internal-error: {type(error).__name__}")
            return self._failed(account, reason, http.requests, kept_cursor), []
        return self._outcome(account, plan, result, http.requests)

    def _outcome(
        self, account: SyncAccount, plan: FetchPlan, result: FetchResult, requests: int
    ) -> tuple[SyncOutcome, list[MonthlyStats]]:
        """The outcome and records of a fetch; none of its figures when the registered handle
        leads to another id than the registered one, or such a mismatch awaits an admin."""
        identity = result.identity
        seen = identity.to_doc() if identity else None
        # getattr: an engine's account need not carry the register's marker (tests' do not).
        mismatch = (identity.mismatch(account.platform_id) if identity else "") or str(
            getattr(account, "identity_mismatch", "") or "")
        if mismatch:
            before = self.previous.get(account.id)
            return replace(self._failed(account, f"identity-mismatch: {mismatch}", requests,
                                        before.cursor if before else None), identity=seen), []
        cursor = {**result.cursor, "synced_on": self.today}
        if account.platform in CLASSIFYING and self.classifier is not None:
            cursor[WORDS] = self.classifier.version
        if identity is not None and identity.handle_id is not None:
            cursor[CHECKED] = {"handle": account.handle, "on": self.today}
        elif CHECKED in plan.cursor:
            cursor[CHECKED] = plan.cursor[CHECKED]
        records = merge(account.id, plan.previous, result.patches)
        self.posts_read[account.id] = list(plan.posts.read.values()) if plan.posts else []
        return SyncOutcome(account.id, account.platform, True, "ok", self.now, requests, cursor,
                           seen), records

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
        base = previous.get(month)
        changes = {k: v for k, v in patch.items() if k in _RECORD_FIELDS}
        # A month not stored before (every month of a first sync) is made once, not made blank
        # and then copied with the changes.
        records.append(replace(base, **changes) if base is not None
                       else MonthlyStats(account_id, month, **changes))
    return records

