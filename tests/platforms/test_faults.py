"""Every fault of issue 3, driven through the emulation: keep going, lose nothing, say what."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from governance.emulation import AccountProfile, Fault
from governance.platforms import Settings
from tests.platforms.conftest import FAST, HANGS, PROFILES, World

PLATFORMS = [p.platform for p in PROFILES]
MakeWorld = Callable[..., World]


def pick(platform: str) -> list[AccountProfile]:
    """The platform's profile and one bystander on another platform (to show isolation)."""
    mine = next(p for p in PROFILES if p.platform == platform)
    other = next(p for p in PROFILES if p.platform == ("x" if platform == "linkedin"
                                                           else "linkedin"))
    return [mine, other]


def outcome_of(world: World, platform: str) -> tuple[bool, str, int]:
    account = next(a for a in world.accounts if a.platform == platform)
    outcome = world.sink.outs[account.id]
    return outcome.ok, outcome.reason, outcome.requests


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_5xx_and_a_timeout_are_retried_and_the_account_ends_ok(
    world: MakeWorld, platform: str
) -> None:
    # The first request never gets an answer and times out, the second gets a 502, the third
    # goes through.
    w = world(pick(platform), faults=[Fault("timeout", platform, times=1),
                                      Fault("server-error", platform, times=2)])
    w.settings = HANGS
    report = w.sync()
    assert not report.failed
    assert outcome_of(w, platform)[0]
    assert len(w.time.sleeps) >= 2  # backed off twice, on fake time


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_platform_down_for_good_fails_its_accounts_only(world: MakeWorld, platform: str) -> None:
    w = world(pick(platform), faults=[Fault("server-error", platform)])
    report = w.sync()
    assert [o.platform for o in report.failed] == [platform]
    ok, reason, requests = outcome_of(w, platform)
    assert not ok and reason.startswith("unavailable")
    assert requests == FAST.max_attempts


@pytest.mark.parametrize("platform", PLATFORMS)
def test_rate_limit_signals_are_waited_out(world: MakeWorld, platform: str) -> None:
    w = world(pick(platform), faults=[Fault("rate-limit", platform, times=1, wait_s=120)])
    report = w.sync()
    assert not report.failed
    if platform in ("facebook", "instagram", "x"):
        # Meta's estimated_time_to_regain_access (2 min); X's reset time (+1 s)
        assert any(s >= 119 for s in w.time.sleeps)


def test_retry_after_is_waited_out(world: MakeWorld) -> None:
    w = world(pick("linkedin"), faults=[Fault("retry-after", "linkedin", times=1, wait_s=9)])
    assert not w.sync().failed
    assert 9.0 in w.time.sleeps


@pytest.mark.parametrize("platform", ["youtube", "x"])
def test_a_daily_quota_stops_that_platform_only(world: MakeWorld, platform: str) -> None:
    profiles = [*pick(platform), AccountProfile(platform, "UCsecond0000000000000000" if platform ==
                                          "youtube" else "777", "second")]
    w = world(profiles, faults=[Fault("quota", platform)])
    report = w.sync()
    failed = {o.platform for o in report.failed}
    assert failed == {platform}
    assert len(report.failed) == 2
    assert report.platforms[platform].stopped
    assert sum(report.platforms[p].ok for p in report.platforms) == 1


def test_slowing_down_when_meta_usage_is_high(world: MakeWorld) -> None:
    w = world(pick("facebook"), faults=[Fault("usage-high", "facebook")])
    assert not w.sync().failed
    assert FAST.slowdown_s in w.time.sleeps


@pytest.mark.parametrize("platform", PLATFORMS)
def test_an_expired_token_stops_that_platform_and_says_how_to_renew(
    world: MakeWorld, platform: str
) -> None:
    twin = AccountProfile(platform, "UCtwin00000000000000000" if platform == "youtube"
                          else "31337", "twin")
    w = world([*pick(platform), twin], faults=[Fault("token-expired", platform)])
    report = w.sync()
    assert {o.platform for o in report.failed} == {platform}
    assert all(o.reason.startswith("token-expired") for o in report.failed)
    message = report.platforms[platform].stopped
    assert f"keyring set kontokoll {platform}" in message
    if platform in ("facebook", "instagram"):
        # Both first calls went in one Graph batch request, refused whole: nothing after it.
        assert report.platforms[platform].requests == 1
    else:
        # The platform stopped: the second account made no request at all.
        assert sorted(o.requests for o in report.failed)[0] == 0
    assert all(s.ok == 1 for p, s in report.platforms.items() if p != platform)


MALFORMED = [
    (kind, platform)
    for kind in ("html", "truncated", "string-numbers", "nulls", "paging-loop")
    for platform in PLATFORMS
    # YouTube documents its counts as strings: that is its normal shape (see test_clients_docs).
    if (kind, platform) != ("string-numbers", "youtube")
]


@pytest.mark.parametrize(("kind", "platform"), MALFORMED)
def test_malformed_bodies_fail_the_account_and_keep_its_stats(
    world: MakeWorld, platform: str, kind: str
) -> None:
    w = world(pick(platform))
    assert not w.sync().failed
    account = next(a for a in w.accounts if a.platform == platform)
    before = w.sink.for_account(account.id)
    cursor_before = w.sink.outs[account.id].cursor
    # The listing endpoints page; the others answer once.
    listing = {"facebook": "published_posts", "instagram": "media", "linkedin": "posts",
               "x": "tweets", "youtube": "commentThreads"}[platform]
    w.app.add_fault(Fault(kind, platform, path=listing if kind == "paging-loop" else ""))
    # Reaching far back makes every listing need more than one page.
    report = w.sync(since="2025-01")
    ok, reason, _ = outcome_of(w, platform)
    assert not ok
    assert reason.startswith("malformed-response"), reason
    assert w.sink.for_account(account.id) == before  # nothing of the bad answer was stored
    assert w.sink.outs[account.id].cursor == cursor_before  # the next sync resumes from here
    assert [o.platform for o in report.failed] == [platform]


def test_a_bug_in_one_account_does_not_stop_the_sync(
    world: MakeWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    from governance.platforms import x

    async def broken(self: object, plan: object) -> object:
        raise KeyError("surprise")

    monkeypatch.setattr(x.XClient, "fetch", broken)
    w = world(pick("linkedin"))
    report = w.sync()
    assert [(o.platform, o.reason) for o in report.failed] == [("x", "internal-error: KeyError")]
    assert len(report.outcomes) == 2


def test_a_missing_token_fails_that_platform_without_requests(world: MakeWorld) -> None:
    from tests.platforms.conftest import TOKENS

    w = world(pick("linkedin"))
    tokens = {k: v for k, v in TOKENS.items() if k != "linkedin"}
    report = w.sync(tokens=tokens)
    assert [(o.platform, o.reason, o.requests) for o in report.failed] == [
        ("linkedin", "token-missing", 0)]
    assert "KONTOKOLL_LINKEDIN_TOKEN" in report.platforms["linkedin"].stopped
    assert w.app.served["linkedin"] == 0


def test_an_unknown_account_is_refused(world: MakeWorld) -> None:
    from tests.platforms.conftest import Acc

    w = world(pick("linkedin"))
    report = w.sync(accounts=[*w.accounts, Acc("0000000000ff", "facebook", "gone", "404404")])
    assert [o.account_id for o in report.failed] == ["0000000000ff"]
    assert report.failed[0].reason.startswith("refused")


def test_deprecated_meta_metrics_are_an_error_in_the_emulation(world: MakeWorld) -> None:
    """The emulation refuses removed metrics, as Meta does, so a regression cannot pass."""
    import asyncio

    import httpx

    w = world(pick("facebook"))

    async def ask() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=w.app),
                                     base_url="http://emulation") as client:
            return await client.get(
                "/facebook/v26.0/104857600/insights",
                params={"metric": "page_impressions_unique", "period": "day",
                        "since": "2026-11-01", "until": "2026-11-02"},
                headers={"Authorization": "Bearer tok-facebook-s3cr3t"})

    response = asyncio.run(ask())
    assert response.status_code == 400
    assert response.json()["error"]["code"] == 100
    assert Settings().graph_version == "v26.0"
