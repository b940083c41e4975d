"""What keeps the sync fast: connection lanes, longest-first scheduling, cheap month lookups."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, date, datetime, timedelta, timezone

import httpx
import pytest

from governance.emulation import AccountProfile, build_emulation
from governance.emulation.data import generate
from governance.monthly import month_of
from governance.platforms import Settings, open_http
from governance.platforms.common import MonthBook, month_start_utc, months_between
from governance.platforms.session import HttpSession
from governance.sync_run import run_sync
from tests.platforms.conftest import NOW, TOKENS, MemorySink, accounts_for, emulated
from tests.platforms.test_sync import InFlight

HEADERS = httpx.Headers({"Accept": "application/json"})


class Lane(httpx.AsyncBaseTransport):
    """A stand-in for one single-connection transport, counting what it carries."""

    made = 0

    def __init__(self, fail: bool = False) -> None:
        Lane.made += 1
        self.fail = fail
        self.busy = False
        self.closed = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        assert not self.busy, "a lane carries one request at a time"
        self.busy = True
        try:
            await asyncio.sleep(0.001)
            if "fail" in str(request.url):
                raise httpx.ReadError("reset")
            return httpx.Response(200, json={"ok": True})
        finally:
            self.busy = False

    async def aclose(self) -> None:
        self.closed = True


def test_lanes_are_reused_one_request_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[Lane] = []

    def lane(self: HttpSession, url: httpx.URL) -> Lane:
        made.append(Lane())
        self._lanes.append(made[-1])  # type: ignore[arg-type]
        return made[-1]

    monkeypatch.setattr(HttpSession, "_lane", lane)

    async def go() -> None:
        async with open_http(connections=3) as session:
            assert isinstance(session, HttpSession)
            for _ in range(5):  # one after another: one warm lane
                await session.get("https://a.test/x", {"n": 1}, HEADERS, 1.0)
            assert len(made) == 1
            # Ten at once, at most three in flight: three lanes, none shared.
            await asyncio.gather(*(session.get("https://a.test/x", None, HEADERS, 1.0)
                                   for _ in range(10)))
            assert len(made) == 3
            # Another origin gets its own lane.
            await session.get("https://b.test/x", None, HEADERS, 1.0)
            assert len(made) == 4
            # A lane whose exchange failed is not lent out again.
            with pytest.raises(httpx.ReadError):
                await session.get("https://b.test/fail", None, HEADERS, 1.0)
            await session.get("https://b.test/x", None, HEADERS, 1.0)
            assert len(made) == 5
        assert all(lane.closed for lane in made)

    asyncio.run(go())


def test_lanes_use_the_proxy_the_environment_sets(monkeypatch: pytest.MonkeyPatch) -> None:
    from governance.platforms.session import _environment_proxy

    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY",
                 "all_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    url = httpx.URL("https://graph.facebook.com/v26.0/1")
    assert _environment_proxy(url) is None
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.stad.test:8080")
    assert _environment_proxy(url) == "http://proxy.stad.test:8080"
    assert _environment_proxy(httpx.URL("http://127.0.0.1:9/x")) is None  # no HTTP_PROXY
    monkeypatch.setenv("NO_PROXY", "facebook.com")
    assert _environment_proxy(url) is None


def test_a_given_transport_carries_every_request_within_the_bound() -> None:
    now = most = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal now, most
        now += 1
        most = max(most, now)
        await asyncio.sleep(0.001)
        now -= 1
        return httpx.Response(200, json={})

    async def go() -> None:
        async with open_http(httpx.MockTransport(handler), connections=4) as session:
            assert isinstance(session, HttpSession)
            await asyncio.gather(*(session.get("https://a.test/x", None, HEADERS, 1.0)
                                   for _ in range(20)))

    asyncio.run(go())
    assert most == 4


def test_the_longest_expected_fetches_start_first() -> None:
    profiles = [AccountProfile(p, f"UC{i}{n:021d}" if p == "youtube" else f"{i}{n}", f"{p}{n}",
                               "quiet")
                for n in range(2) for i, p in enumerate(("linkedin", "x", "youtube",
                                                          "facebook", "instagram"))]
    app = build_emulation(profiles, now=NOW, tokens=TOKENS)
    settings = Settings(concurrency_total=1, concurrency_per_platform=1, accounts_at_once=1)
    report = asyncio.run(run_sync(
        MemorySink(), accounts_for(profiles), emulated(app, settings), now=NOW))
    assert not report.failed
    started: list[str] = []
    for seen in app.seen:
        if not started or started[-1] != seen.platform:
            started.append(seen.platform)
    # One at a time: Instagram (about 115 requests on a first sync), then Facebook, and so on.
    assert started == ["instagram", "facebook", "linkedin", "youtube", "x"]


def test_no_slot_idles_while_a_platform_is_full() -> None:
    profiles = [AccountProfile("linkedin", f"5{i}", f"org{i}", "quiet") for i in range(6)]
    profiles += [AccountProfile("x", f"6{i}", f"user{i}", "quiet") for i in range(2)]
    app = InFlight(build_emulation(profiles, now=NOW, latency_s=0.005, tokens=TOKENS))
    settings = Settings(concurrency_per_platform=2, concurrency_total=3)
    report = asyncio.run(run_sync(
        MemorySink(), accounts_for(profiles), emulated(app, settings), now=NOW))
    assert not report.failed and len(report.outcomes) == 8
    assert app.most["linkedin"] == 2 and app.most["all"] == 3


def test_month_book_places_moments_as_month_of_does() -> None:
    book = MonthBook(months_between("2024-10", "2026-11"))
    rng = random.Random(3)
    start = datetime(2024, 8, 1, tzinfo=UTC)
    moments = [start + timedelta(seconds=rng.randint(0, 86_400 * 900)) for _ in range(5_000)]
    moments += [month_start_utc(m) + d for m in book.months
                for d in (timedelta(0), timedelta(microseconds=-1))]
    for index, moment in enumerate(moments):
        if index % 2:
            moment = moment.astimezone(timezone(timedelta(hours=-7)))
        expected = month_of(moment)
        assert book.holds(moment) == (expected if expected in book.patches else None)
    with pytest.raises(ValueError):
        book.holds(datetime(2026, 1, 1))  # naive, as month_of refuses


def test_daily_series_agree_with_daily_figures() -> None:
    data = generate(AccountProfile("instagram", "1", "a"), now=NOW, seed=0)
    first = date(2024, 11, 3)
    values = data.dailies(first, 45, "reach", 30, 1_200)
    assert values == [data.daily(first + timedelta(days=i), "reach", 30, 1_200)
                      for i in range(45)]
    assert data.daily_total(first, 30, "likes", 2, 120) == sum(
        data.daily(first + timedelta(days=i), "likes", 2, 120) for i in range(30))
    # Outside what was computed so far, and before it: still the same figures.
    later, earlier = date(2027, 6, 1), date(2022, 1, 1)
    assert data.dailies(later, 3, "reach", 30, 1_200) == [
        data.daily(later + timedelta(days=i), "reach", 30, 1_200) for i in range(3)]
    assert data.daily_total(earlier, 2, "reach", 30, 1_200) == sum(
        data.daily(earlier + timedelta(days=i), "reach", 30, 1_200) for i in range(2))
    silent = generate(AccountProfile("instagram", "2", "b", "never"), now=NOW, seed=0)
    assert silent.dailies(first, 3, "reach", 30, 1_200) == [0, 0, 0]
    assert silent.daily_total(first, 3, "reach", 30, 1_200) == 0
