"""What the emulation serves, held to its rules where the serving code took a quicker way.

Times are written as each platform writes them; LinkedIn's daily statistics are the rule's
figures for UTC days; X timelines hold exactly the posts and replies in their window; the calls
of a Graph batch are logged with the batch's own headers, tokens masked.
"""

from __future__ import annotations

import asyncio
import random
import zlib
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlencode

import httpx
import orjson

from governance.emulation import AccountProfile, base_urls, build_emulation
from governance.emulation.meta import graph_time
from governance.emulation.x import x_time
from governance.emulation.youtube import rfc3339

NOW = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)
TOKENS = {p: f"tok-{p}" for p in ("facebook", "instagram", "linkedin", "x", "youtube")}
LINKEDIN = {"Authorization": f"Bearer {TOKENS['linkedin']}", "LinkedIn-Version": "202611",
            "X-Restli-Protocol-Version": "2.0.0"}


def get(app: Any, platform: str, path: str, params: dict[str, str],
        headers: dict[str, str]) -> httpx.Response:
    async def go() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as client:
            return await client.get(f"{base_urls()[platform]}{path}?{urlencode(params)}",
                                    headers=headers)
    return asyncio.run(go())


def test_times_are_written_as_the_platforms_write_them() -> None:
    rng = random.Random(15)
    zones = [UTC, timezone(timedelta(hours=1)), timezone(timedelta(hours=-7, minutes=-30))]
    for _ in range(2_000):
        moment = datetime(2020, 1, 1, tzinfo=UTC) + timedelta(
            seconds=rng.randrange(10**9), microseconds=rng.choice((0, rng.randrange(10**6))))
        moment = moment.astimezone(rng.choice(zones))
        utc = moment.astimezone(UTC)
        assert graph_time(moment) == utc.strftime("%Y-%m-%dT%H:%M:%S+0000")
        assert x_time(moment) == utc.strftime("%Y-%m-%dT%H:%M:%S.000Z")
        assert rfc3339(moment) == utc.strftime("%Y-%m-%dT%H:%M:%SZ")


def rule(key: str, day: str, metric: str, low: int, high: int) -> int:
    return low + zlib.crc32(f"{key}|{day}|{metric}".encode()) % (high - low + 1)


def test_linkedin_daily_statistics_are_the_rules_figures_for_utc_days() -> None:
    app = build_emulation([AccountProfile("linkedin", "4711", "helsingborg")], now=NOW,
                          tokens=TOKENS, seed=9)
    key = "9:linkedin:4711"
    start = datetime(2026, 8, 1, tzinfo=UTC)
    window = {"q": "organizationalEntity", "organizationalEntity": "urn:li:organization:4711",
              "timeIntervals": f"(timeRange:(start:{int(start.timestamp() * 1000)},"
                               f"end:{int(NOW.timestamp() * 1000)}),timeGranularityType:DAY)"}
    shares = get(app, "linkedin", "/organizationalEntityShareStatistics", window, LINKEDIN)
    follows = get(app, "linkedin", "/organizationalEntityFollowerStatistics", window, LINKEDIN)
    assert shares.status_code == follows.status_code == 200
    days = [start + timedelta(days=n) for n in range((NOW - start).days)]
    served = {e["timeRange"]["start"]: e for e in shares.json()["elements"]}
    for day in days:
        text, ms = day.date().isoformat(), int(day.timestamp() * 1000)
        impressions = rule(key, text, "impressions", 0, 900)
        if not impressions:
            assert ms not in served  # days without activity are left out
            continue
        element = served.pop(ms)
        assert element["timeRange"]["end"] == int((day + timedelta(days=1)).timestamp() * 1000)
        stats = element["totalShareStatistics"]
        assert stats["impressionCount"] == impressions
        assert stats["uniqueImpressionsCount"] == rule(key, text, "unique", 0, impressions)
        assert stats["clickCount"] == rule(key, text, "clicks", 0, 40)
        assert stats["likeCount"] == rule(key, text, "likes", 0, 30)
        assert stats["commentCount"] == rule(key, text, "cm", 0, 5)
        assert stats["shareCount"] == rule(key, text, "shares", 0, 4)
    assert served == {}
    gains = follows.json()["elements"]
    assert [g["timeRange"]["start"] for g in gains] == [int(d.timestamp() * 1000) for d in days]
    assert [g["timeRange"]["end"] - g["timeRange"]["start"] for g in gains] == [86_400_000] * len(
        days)
    assert [g["followerGains"]["organicFollowerGain"] for g in gains] == [
        rule(key, d.date().isoformat(), "gain", -2, 9) for d in days]


def test_an_x_timeline_holds_exactly_the_posts_and_replies_in_its_window() -> None:
    profile = AccountProfile("x", "8001", "helsingborgstad")
    app = build_emulation([profile], now=NOW, tokens=TOKENS, seed=4)
    data = app.account("x", "8001")
    assert data is not None
    start, end = NOW - timedelta(days=200), NOW - timedelta(days=20)
    params = {"start_time": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
              "end_time": end.strftime("%Y-%m-%dT%H:%M:%SZ"), "max_results": "100"}
    ids: list[str] = []
    while True:
        page = get(app, "x", "/users/8001/tweets", params,
                   {"Authorization": f"Bearer {TOKENS['x']}"}).json()
        ids += [doc["id"] for doc in page.get("data", [])]
        if "next_token" not in page["meta"]:
            break
        params["pagination_token"] = page["meta"]["next_token"]
    moments = [(p.at, p.id) for p in data.posts] + [
        (c.reply_at, c.reply_id) for p in data.posts for c in p.comments
        if c.reply_at and c.reply_id]
    expected = {i for at, i in moments if start <= at < end and at <= NOW}
    assert expected and set(ids) == expected and len(ids) == len(expected)


def test_the_calls_of_a_batch_are_logged_with_the_batchs_headers() -> None:
    app = build_emulation([AccountProfile("facebook", "7001", "kulturhuset")], now=NOW,
                          tokens=TOKENS)
    form = urlencode({"batch": orjson.dumps([
        {"method": "GET", "relative_url": "7001?fields=id,followers_count"},
        {"method": "GET", "relative_url": "7999?fields=id"},
    ]).decode(), "include_headers": "false"})

    async def go() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as client:
            return await client.post(base_urls()["facebook"] + "/", content=form, headers={
                "Authorization": f"Bearer {TOKENS['facebook']}", "User-Agent": "kontokoll-test",
                "Content-Type": "application/x-www-form-urlencoded"})

    answer = asyncio.run(go())
    assert answer.status_code == 200
    assert [item["code"] for item in answer.json()] == [200, 400]
    assert [s.path for s in app.seen] == ["/facebook/v26.0/7001", "/facebook/v26.0/7999"]
    for seen in app.seen:
        assert seen.headers["authorization"] == "***"
        assert seen.headers["user-agent"] == "kontokoll-test"
    assert app.served["facebook"] == 1 and app.batches == ["facebook"]
