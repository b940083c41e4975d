"""Batching (issue 15): Graph batch requests, YouTube channels and X users by many ids.

Correctness only, never time: each call inside a batch fails or succeeds on its own, a batch the
platform refuses whole fails the calls in it, paging goes on inside later batches, and what the
emulation answers has the documented shapes.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
import orjson
import pytest

from governance.emulation import AccountProfile, Fault, base_urls, build_emulation
from governance.platforms import Settings, Usage, make_client, open_http
from governance.platforms.batching import GRAPH_BATCH_MOST
from governance.platforms.errors import PlatformRefused
from governance.platforms.tokens import Redactor
from tests.platforms.conftest import FAST, HANGS, NEVER_S, NOW, TOKENS, FakeTime, World

MakeWorld = Callable[..., World]


def pages(platform: str, count: int, kind: str = "active") -> list[AccountProfile]:
    return [AccountProfile(platform, f"UC{platform[:2]}{n:020d}" if platform == "youtube"
                           else f"{9100 + n}", f"{platform}{n}", kind) for n in range(count)]


def graph_posts(app: object, platform: str = "facebook") -> list[str]:
    return [s.path for s in app.seen if s.platform == platform]  # type: ignore[attr-defined]


def test_a_graph_batch_carries_many_accounts_calls_and_a_failed_item_fails_one(
    world: MakeWorld,
) -> None:
    profiles = pages("facebook", 6)
    # One Page's posts listing is refused inside a batch that otherwise succeeds.
    w = world(profiles, faults=[Fault("forbidden", "facebook", account=profiles[2].platform_id,
                                      path="published_posts")])
    report = w.sync()
    failed = {o.account_id for o in report.failed}
    assert failed == {w.accounts[2].id}
    assert report.failed[0].reason.startswith("refused")
    assert all(w.sink.for_account(a.id) for a in w.accounts if a.id not in failed)
    assert w.sink.for_account(w.accounts[2].id) == []  # nothing stored for the failed Page
    summary = report.platforms["facebook"]
    # Every call went inside a batch: many calls, few HTTP requests, each batch ≤ 50 calls.
    assert w.app.batches and set(w.app.batches) == {"facebook"}
    assert summary.requests == len(w.app.batches) == w.app.served["facebook"]
    assert summary.calls > 4 * summary.requests
    assert summary.calls == sum(o.requests for o in report.outcomes)


def test_a_call_cut_off_inside_a_batch_is_retried_alone(world: MakeWorld) -> None:
    # The emulation answers a call that would hang as null: the batch ran out of time for it.
    profiles = pages("instagram", 3)
    w = world(profiles, faults=[Fault("timeout", "instagram", account=profiles[1].platform_id,
                                      path="/media", times=1)])
    report = w.sync()
    assert not report.failed
    media = [s for s in w.app.seen if s.path.endswith("/media")
             and s.account == profiles[1].platform_id and "after" not in s.params]
    assert len(media) == 2  # asked again in a later batch


def test_a_batch_of_more_than_50_calls_is_refused_whole() -> None:
    app = build_emulation(pages("facebook", 2), now=NOW, tokens=TOKENS)
    batch = [{"method": "GET", "relative_url": "9100?fields=id"}] * (GRAPH_BATCH_MOST + 1)

    async def post(calls: list[dict[str, str]]) -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as client:
            return await client.post(base_urls()["facebook"] + "/", data={
                "batch": json.dumps(calls), "include_headers": "false"},
                headers={"Authorization": f"Bearer {TOKENS['facebook']}"})

    refused = asyncio.run(post(batch))
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == 100
    answered = asyncio.run(post(batch[:GRAPH_BATCH_MOST]))
    items = answered.json()
    assert answered.status_code == 200 and len(items) == GRAPH_BATCH_MOST
    assert {i["code"] for i in items} == {200}
    assert json.loads(items[0]["body"]) == {"id": "9100"}  # each body is the call's JSON text
    assert "headers" not in items[0] or items[0]["headers"] == []
    unknown = asyncio.run(post([{"method": "GET", "relative_url": "404404?fields=id"},
                                {"method": "GET", "relative_url": "9101?fields=id"}])).json()
    assert [i["code"] for i in unknown] == [400, 200]
    assert json.loads(unknown[0]["body"])["error"]["code"] == 100


def _batched_gets(
    handler: Callable[[httpx.Request], Any], count: int, *, return_exceptions: bool = False,
    settings: Settings = FAST,
) -> list[Any]:
    """``count`` Facebook clients sharing one session and tally, each asking for its own node at
    once (so their calls travel batched) from ``handler``; their answers, in order."""
    fake = FakeTime()
    settings = settings.with_base_urls(base_urls("https://api.test"))

    async def go() -> list[Any]:
        usage = Usage()
        async with open_http(httpx.MockTransport(handler)) as session:
            clients = [make_client("facebook", session=session, token=TOKENS["facebook"],
                                   settings=settings, redact=Redactor(), sleep=fake.sleep,
                                   clock=fake.clock, wall=fake.wall, usage=usage)
                       for _ in range(count)]
            return await asyncio.gather(*(c.http.get(f"{n}", {"fields": "id"})
                                          for n, c in enumerate(clients)),
                                        return_exceptions=return_exceptions)

    return asyncio.run(go())


def test_a_batch_refused_whole_fails_every_call_in_it() -> None:
    """A 400 for the batch itself (as Meta gives for more than 50 calls) reaches each call."""
    seen: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls = orjson.loads(dict(httpx.QueryParams(request.content.decode()))["batch"])
        seen.append(len(calls))
        return httpx.Response(400, json={"error": {"code": 100, "message": "(#100) Too many"}})

    results = _batched_gets(handler, 3, return_exceptions=True)
    assert seen == [3]  # one batch carried the three calls
    assert all(isinstance(r, PlatformRefused) for r in results)
    assert all(isinstance(r, PlatformRefused) and "Graph error 100" in r.reason
               for r in results)


def test_paging_inside_a_batch_item_is_followed_in_later_batches(world: MakeWorld) -> None:
    # Active Instagram accounts have more media than one page of 50: the next pages are asked
    # for with the paging.next link of each item, inside the following batches.
    w = world(pages("instagram", 2))
    assert not w.sync().failed
    followed = [s for s in w.app.seen if s.path.endswith("/media") and "after" in s.params]
    assert {s.account for s in followed} == {"9100", "9101"}
    assert w.app.served["instagram"] == len(w.app.batches)


def test_youtube_channels_are_read_50_ids_a_call_and_a_missing_one_fails_alone(
    world: MakeWorld,
) -> None:
    profiles = pages("youtube", 3)
    w = world(profiles)
    ghost = w.accounts[1]
    w.app.accounts.pop(("youtube", profiles[1].platform_id))  # deleted: its id answers nothing
    w.app.accounts.pop(("youtube", profiles[1].handle))
    report = w.sync()
    assert [o.account_id for o in report.failed] == [ghost.id]
    assert "channel not found" in report.failed[0].reason
    by_ids = [s for s in w.app.seen if s.path.endswith("/channels") and "id" in s.params]
    assert len(by_ids) == 1 and by_ids[0].params["id"].count(",") == 2
    assert report.platforms["youtube"].units == w.app.served["youtube"]


def test_x_users_are_read_100_ids_a_call_and_an_unknown_one_fails_alone(
    world: MakeWorld,
) -> None:
    profiles = pages("x", 3)
    w = world(profiles)
    w.app.accounts.pop(("x", profiles[0].platform_id))
    w.app.accounts.pop(("x", profiles[0].handle))
    report = w.sync()
    assert [o.account_id for o in report.failed] == [w.accounts[0].id]
    lookups = [s for s in w.app.seen if s.path.endswith("/2/users")]
    assert len(lookups) == 1 and lookups[0].params["ids"].split(",") == [
        p.platform_id for p in profiles]
    assert report.platforms["x"].posts_read  # timelines and mentions were read


def test_x_users_lookup_answers_errors_beside_data_and_refuses_over_100() -> None:
    app = build_emulation(pages("x", 2), now=NOW, tokens=TOKENS)

    async def get(ids: list[str]) -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as client:
            return await client.get(base_urls()["x"] + "/users?" + urlencode({
                "ids": ",".join(ids), "user.fields": "public_metrics,most_recent_tweet_id",
                "expansions": "most_recent_tweet_id"}),
                headers={"Authorization": f"Bearer {TOKENS['x']}"})

    mixed = asyncio.run(get(["9100", "1", "9101"]))
    body = mixed.json()
    assert mixed.status_code == 200
    assert [u["id"] for u in body["data"]] == ["9100", "9101"]
    assert [e["value"] for e in body["errors"]] == ["1"]
    assert {t["id"] for t in body["includes"]["tweets"]} == {
        u["most_recent_tweet_id"] for u in body["data"]}
    assert asyncio.run(get(["9100", *(str(n) for n in range(100))])).status_code == 400


def test_a_same_day_resync_costs_far_less_than_a_request_an_account(world: MakeWorld) -> None:
    profiles = [p for platform in ("facebook", "instagram", "x", "youtube", "linkedin")
                for p in pages(platform, 4)]
    w = world(profiles)
    assert not w.sync().failed
    stored = dict(w.sink.months)
    served = sum(w.app.served.values())
    again = w.sync(now=NOW + timedelta(minutes=5))
    assert not again.failed
    assert sum(w.app.served.values()) - served == again.requests
    assert again.requests / len(profiles) <= 0.5
    assert w.sink.months == stored
    # An hour later the listings without a "nothing new" signal are asked again.
    mentions = sum(s.path.endswith("/mentions") for s in w.app.seen)
    later = w.sync(now=NOW + timedelta(minutes=65))
    assert later.platforms["linkedin"].requests > 0
    assert sum(s.path.endswith("/mentions") for s in w.app.seen) - mentions == 4


@pytest.mark.parametrize("batching", [True, False])
def test_the_figures_are_the_same_batched_or_not(world: MakeWorld, batching: bool) -> None:
    profiles = [p for platform in ("facebook", "instagram", "x", "youtube")
                for p in pages(platform, 2)]
    reference = world(profiles)
    reference.settings = Settings(**{**FAST.__dict__, "batching": False})
    assert not reference.sync().failed
    w = world(profiles)
    w.settings = Settings(**{**FAST.__dict__, "batching": batching})
    assert not w.sync().failed
    assert w.sink.months == reference.sink.months


def test_a_batch_that_timed_out_is_retried_in_smaller_ones() -> None:
    sizes: list[int] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        calls = orjson.loads(dict(httpx.QueryParams(request.content.decode()))["batch"])
        sizes.append(len(calls))
        if len(calls) > 10:
            await asyncio.sleep(NEVER_S)  # no answer: the request timeout (HANGS) ends it
        return httpx.Response(200, json=[{"code": 200, "body": '{"id": "1"}'} for _ in calls])

    results = _batched_gets(handler, 40, settings=HANGS)
    assert results == [{"id": "1"}] * 40
    assert sizes[0] == 40 and max(sizes[1:]) <= 20  # the retries went in halves
