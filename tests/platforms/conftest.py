"""Shared fixtures for the platform tests: an in-memory sink, fake time, the emulation.

No test here touches the network: clients talk to ``httpx.MockTransport`` or to the emulation
through ``httpx.ASGITransport``. Sleeps are recorded, never slept. Correctness only, never time:
no request of a test that is not about timeouts can time out (:data:`FAST`), and one that is
about them waits for a server that never answers (:data:`HANGS`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from governance.emulation import AccountProfile, Emulation, Fault, base_urls, build_emulation
from governance.monthly import MonthlyStats, SyncOutcome
from governance.platforms import PlatformSource, Settings, make_client, open_http
from governance.platforms.common import FetchPlan, FetchResult, months_between
from governance.platforms.tokens import Redactor
from governance.sync import ClientTiming, SyncReport
from governance.sync_run import run_sync

NOW = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)  # a Wednesday afternoon
TOKENS = {p: f"tok-{p}-s3cr3t" for p in ("facebook", "instagram", "linkedin", "x", "youtube")}
#: The settings of tests that are not about time: a request timeout no loaded machine reaches
#: (an emulated request that took 50 ms on a busy CI machine once failed a batch test), and no
#: real sleeps (the clients' sleeps go to :class:`FakeTime`).
FAST = Settings(request_timeout_s=120.0, call_deadline_s=600.0, max_rate_wait_s=900.0)
#: The settings of tests about a request that times out. What should time out never gets an
#: answer (the emulation's hang, NEVER_S, or a handler that never returns), so the outcome does
#: not hang on the machine's speed; what should be answered is answered in milliseconds, far
#: within the timeout even on a loaded machine, and costs a test a second of waiting per timeout.
HANGS = replace(FAST, request_timeout_s=1.0)
#: How long the emulation's "timeout" fault holds a request: longer than any test lives.
NEVER_S = 3600.0


@pytest.fixture(autouse=True)
def _swedish(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KONTOKOLL_LANG", "sv")
    for name in ("FACEBOOK", "INSTAGRAM", "LINKEDIN", "X", "YOUTUBE"):
        monkeypatch.delenv(f"KONTOKOLL_{name}_BASE_URL", raising=False)


@dataclass
class Acc:
    """An account as the sync engine needs it."""

    id: str
    platform: str
    handle: str
    platform_id: str
    status: str = "active"

    @property
    def ref(self) -> str:
        return f"{self.platform}:{self.handle}"


class MemorySink:
    """The StatsSink protocol in memory, counting writes."""

    def __init__(self) -> None:
        self.months: dict[tuple[str, str], MonthlyStats] = {}
        self.outs: dict[str, SyncOutcome] = {}
        self.batches: list[int] = []
        self.outcome_writes = 0

    def save_batch(self, records: Sequence[MonthlyStats]) -> None:
        if records:
            self.batches.append(len(records))
        for record in records:
            self.months[(record.account_id, record.month)] = record

    def for_account(self, account_id: str) -> list[MonthlyStats]:
        found = [r for (a, _), r in self.months.items() if a == account_id]
        return sorted(found, key=lambda r: r.month)

    def save_outcomes(self, outcomes: Sequence[SyncOutcome]) -> None:
        self.outcome_writes += 1
        for outcome in outcomes:
            self.outs[outcome.account_id] = outcome

    def outcome(self, account_id: str) -> SyncOutcome | None:
        return self.outs.get(account_id)

    def outcomes(self) -> dict[str, SyncOutcome]:
        return dict(self.outs)

    def month(self, account_id: str, month: str) -> MonthlyStats:
        return self.months[(account_id, month)]


@dataclass
class FakeTime:
    """A monotonic clock that only moves when something sleeps."""

    now: float = 1000.0
    wall_now: float = 1_795_000_000.0
    sleeps: list[float] = field(default_factory=list)

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        self.wall_now += seconds
        await asyncio.sleep(0)

    def clock(self) -> float:
        return self.now

    def wall(self) -> float:
        return self.wall_now


def accounts_for(profiles: Sequence[AccountProfile]) -> list[Acc]:
    return [Acc(f"{i + 1:012x}", p.platform, p.handle, p.platform_id)
            for i, p in enumerate(profiles)]


PROFILES = [
    AccountProfile("facebook", "104857600", "helsingborgsstad"),
    AccountProfile("instagram", "17841400000000001", "helsingborg", "slow-replies"),
    AccountProfile("linkedin", "2414183", "helsingborgs-stad"),
    AccountProfile("x", "2244994945", "hbgstad", "quiet"),
    AccountProfile("youtube", "UCabcdefghijklmnopqrstuv", "helsingborgsstad"),
]


@dataclass
class World:
    """The emulation, a sink and fake time, and a way to sync against them."""

    profiles: list[AccountProfile]
    app: Emulation
    sink: MemorySink
    time: FakeTime
    accounts: list[Acc]
    settings: Settings = FAST

    @property
    def timing(self) -> ClientTiming:
        return ClientTiming(self.time.sleep, self.time.clock, self.time.wall)

    def source(self, tokens: Mapping[str, str] | None = TOKENS) -> PlatformSource:
        """The emulation as the sync's source (``tokens=None``: looked up as in production)."""
        return PlatformSource(transport=httpx.ASGITransport(app=self.app), tokens=tokens,
                              base_urls=base_urls(), settings=self.settings)

    def sync(self, **kwargs: Any) -> SyncReport:
        source = self.source(kwargs.pop("tokens", TOKENS))
        accounts = kwargs.pop("accounts", self.accounts)
        return asyncio.run(run_sync(
            self.sink, accounts, source, now=kwargs.pop("now", NOW), timing=self.timing,
            **kwargs,
        ))


def emulated(app: Any, settings: Settings = FAST) -> PlatformSource:
    """``app`` (an emulation, or a middleware around one) as a sync's source, with TOKENS."""
    return PlatformSource(transport=httpx.ASGITransport(app=app), tokens=TOKENS,
                          base_urls=base_urls(), settings=settings)


@pytest.fixture
def world() -> Callable[..., World]:
    def make(profiles: Sequence[AccountProfile] = PROFILES, faults: Sequence[Fault] = (),
             **kwargs: Any) -> World:
        fake = FakeTime()
        app = build_emulation(list(profiles), now=NOW, faults=list(faults), tokens=TOKENS,
                              wall=fake.wall, hang_s=NEVER_S, **kwargs)
        return World(list(profiles), app, MemorySink(), fake, accounts_for(profiles))
    return make


async def fetch_with(
    handler: Callable[[httpx.Request], httpx.Response],
    platform: str,
    plan: FetchPlan,
    *,
    settings: Settings = FAST,
    fake: FakeTime | None = None,
) -> tuple[FetchResult, int]:
    """Run one client's fetch against a MockTransport; returns the result and request count."""
    fake = fake or FakeTime()
    settings = settings.with_base_urls(base_urls("https://api.test"))
    async with open_http(httpx.MockTransport(handler)) as session:
        client = make_client(platform, session=session, token=TOKENS[platform], settings=settings,
                             redact=Redactor(), sleep=fake.sleep, clock=fake.clock,
                             wall=fake.wall)
        result = await client.fetch(plan)
        return result, client.http.requests


def plan_for(platform: str, platform_id: str, handle: str = "stad", *, first: str = "2026-10",
             now: datetime = NOW, **kwargs: Any) -> FetchPlan:
    account = Acc("0000000000aa", platform, handle, platform_id)
    return FetchPlan(account, now, months_between(first, "2026-11"), **kwargs)
