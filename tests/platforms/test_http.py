"""The HTTP layer: timeouts, retries with backoff and jitter, rate limits, slow-down, redaction."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable

import httpx
import pytest

from governance.platforms import Settings, make_client, open_http
from governance.platforms.errors import (
    MalformedResponse,
    PlatformUnavailable,
    RateLimited,
    TokenExpired,
)
from governance.platforms.http import PlatformHttp
from governance.platforms.tokens import Redactor, load_tokens
from tests.platforms.conftest import FAST, HANGS, NEVER_S, TOKENS, FakeTime

OK_BODY = {"followers_count": 5, "id": "1"}
Handler = Callable[[httpx.Request], httpx.Response]


def get(handler: Handler, platform: str = "facebook", *, settings: Settings = FAST,
        fake: FakeTime | None = None, path: str = "1") -> tuple[object, PlatformHttp, FakeTime]:
    fake = fake or FakeTime()

    async def go() -> tuple[object, PlatformHttp]:
        async with open_http(httpx.MockTransport(handler)) as session:
            client = make_client(platform, session=session, token=TOKENS[platform],
                                 settings=settings.with_base_urls({platform: "https://api.test/v"}),
                                 redact=Redactor(), sleep=fake.sleep, clock=fake.clock,
                                 wall=fake.wall)
            http: PlatformHttp = client.http
            try:
                return await http.get(path, {"fields": "followers_count"}), http
            except Exception as error:
                error.http = http  # type: ignore[attr-defined]
                raise

    body, http = asyncio.run(go())
    return body, http, fake


def sequence(*responses: httpx.Response | Exception) -> tuple[Handler, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer = responses[min(len(seen), len(responses)) - 1]
        if isinstance(answer, Exception):
            raise answer
        return answer

    return handler, seen


def test_5xx_is_retried_with_backoff_and_jitter() -> None:
    handler, seen = sequence(httpx.Response(502, text="<html>bad gateway</html>"),
                             httpx.Response(503, json={}), httpx.Response(200, json=OK_BODY))
    body, http, fake = get(handler)
    assert body == OK_BODY
    assert len(seen) == 3 and http.requests == 3
    # Attempt n waits between half and all of base * 2**(n-1).
    assert 0.5 <= fake.sleeps[0] <= 1.0
    assert 1.0 <= fake.sleeps[1] <= 2.0


def test_connection_errors_are_retried_then_reported() -> None:
    handler, seen = sequence(httpx.ConnectError("refused"))
    with pytest.raises(PlatformUnavailable) as caught:
        get(handler)
    assert len(seen) == FAST.max_attempts
    assert "ConnectError" in caught.value.reason


def test_a_hanging_request_times_out_and_is_retried() -> None:
    calls: list[int] = []

    async def slow_then_fast(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) == 1:
            await asyncio.sleep(NEVER_S)  # no answer: the request timeout (HANGS) ends it
        return httpx.Response(200, json=OK_BODY)

    class Transport(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            return await slow_then_fast(request)

    fake = FakeTime()

    async def go() -> object:
        async with open_http(Transport()) as session:
            client = make_client("x", session=session, token="t", settings=HANGS,
                                 redact=Redactor(), sleep=fake.sleep, clock=fake.clock)
            return await client.http.get("users/1")

    assert asyncio.run(go()) == OK_BODY
    assert len(calls) == 2


def test_the_overall_deadline_stops_retries() -> None:
    handler, seen = sequence(httpx.Response(500, json={}))
    with pytest.raises(PlatformUnavailable) as caught:
        get(handler, settings=Settings(call_deadline_s=1.2, max_attempts=10,
                                       backoff_base_s=1.0))
    assert caught.value.detail == "deadline"
    assert len(seen) < 10


def test_retry_after_is_honoured() -> None:
    handler, seen = sequence(httpx.Response(429, headers={"Retry-After": "7"}),
                             httpx.Response(200, json=OK_BODY))
    _, _, fake = get(handler, "linkedin")
    assert fake.sleeps == [7.0]
    assert len(seen) == 2


def test_x_rate_limit_reset_is_honoured() -> None:
    fake = FakeTime()
    reset = int(fake.wall_now) + 40
    handler, seen = sequence(
        httpx.Response(429, headers={"x-rate-limit-limit": "900", "x-rate-limit-remaining": "0",
                                     "x-rate-limit-reset": str(reset)},
                       json={"title": "Too Many Requests", "detail": "Too Many Requests",
                             "type": "about:blank", "status": 429}),
        httpx.Response(200, json={"data": {"id": "1"}}))
    get(handler, "x", fake=fake)
    assert fake.sleeps == [pytest.approx(41, abs=1)]  # until the reset, plus one second
    assert len(seen) == 2


@pytest.mark.parametrize("code", [4, 17, 32, 613, 80001, 80002])
def test_meta_rate_limit_codes_wait_the_estimated_time(code: int) -> None:
    usage = {"99": [{"type": "pages", "call_count": 100, "total_cputime": 10, "total_time": 10,
                     "estimated_time_to_regain_access": 2}]}
    handler, seen = sequence(
        httpx.Response(400, headers={"X-Business-Use-Case-Usage": json.dumps(usage)},
                       json={"error": {"message": f"(#{code}) Too many calls",
                                       "type": "OAuthException", "code": code,
                                       "fbtrace_id": "A1"}}),
        httpx.Response(200, json=OK_BODY))
    body, _, fake = get(handler)
    assert body == OK_BODY
    assert 120.0 in fake.sleeps  # 2 minutes, as Meta estimated
    assert len(seen) == 2


def test_a_rate_limit_beyond_the_wait_limit_stops_the_platform() -> None:
    handler, seen = sequence(httpx.Response(429, headers={"Retry-After": "3600"}))
    with pytest.raises(RateLimited) as caught:
        get(handler, "linkedin", settings=Settings(max_rate_wait_s=60))
    assert len(seen) == 1
    assert "60 min" in str(caught.value)


def test_youtube_quota_exceeded_is_not_retried() -> None:
    handler, seen = sequence(httpx.Response(403, json={"error": {
        "code": 403, "message": "quota", "errors": [
            {"message": "quota", "domain": "youtube.quota", "reason": "quotaExceeded"}]}}))
    with pytest.raises(RateLimited):
        get(handler, "youtube", path="channels")
    assert len(seen) == 1


def test_x_usage_cap_is_not_retried() -> None:
    handler, seen = sequence(httpx.Response(429, json={
        "title": "UsageCapExceeded", "detail": "Usage cap exceeded: Monthly product cap",
        "type": "https://api.twitter.com/2/problems/usage-capped", "period": "Monthly",
        "scope": "Product"}))
    with pytest.raises(RateLimited):
        get(handler, "x")
    assert len(seen) == 1


def test_meta_usage_at_80_percent_slows_down_before_the_limit() -> None:
    usage = json.dumps({"call_count": 85, "total_cputime": 10, "total_time": 12})
    handler, _ = sequence(httpx.Response(200, headers={"X-App-Usage": usage}, json=OK_BODY))
    fake = FakeTime()

    async def go() -> None:
        async with open_http(httpx.MockTransport(handler)) as session:
            client = make_client("facebook", session=session, token="t", settings=FAST,
                                 redact=Redactor(), sleep=fake.sleep, clock=fake.clock)
            http = client.http
            await http.get("1")
            assert fake.sleeps == []
            await http.get("1")  # held back by the slow-down the first answer asked for

    asyncio.run(go())
    assert fake.sleeps == [FAST.slowdown_s]


def test_x_low_remaining_spreads_the_rest_of_the_window() -> None:
    fake = FakeTime()
    headers = {"x-rate-limit-limit": "900", "x-rate-limit-remaining": "3",
               "x-rate-limit-reset": str(int(fake.wall_now) + 399)}
    handler, _ = sequence(httpx.Response(200, headers=headers, json={"data": {}}))

    async def go() -> None:
        async with open_http(httpx.MockTransport(handler)) as session:
            client = make_client("x", session=session, token="t", settings=FAST,
                                 redact=Redactor(), sleep=fake.sleep, clock=fake.clock,
                                 wall=fake.wall)
            http = client.http
            await http.get("users/1")
            await http.get("users/1")

    asyncio.run(go())
    assert fake.sleeps == [pytest.approx(100, abs=1)]  # 400 s left over 4 calls


@pytest.mark.parametrize(("platform", "status", "body"), [
    ("facebook", 400, {"error": {"message": "Error validating access token", "type":
                                 "OAuthException", "code": 190, "error_subcode": 463}}),
    ("linkedin", 401, {"status": 401, "serviceErrorCode": 65601, "code":
                       "EXPIRED_ACCESS_TOKEN", "message": "The token used in the request has "
                       "expired"}),
    ("x", 401, {"title": "Unauthorized", "type": "about:blank", "status": 401}),
    ("youtube", 400, {"error": {"code": 400, "message": "API key not valid.", "errors": [
        {"domain": "global", "reason": "badRequest"}], "details": [
        {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID"}]}}),
])
def test_expired_tokens_say_how_to_renew(platform: str, status: int, body: object) -> None:
    handler, seen = sequence(httpx.Response(status, json=body))
    with pytest.raises(TokenExpired) as caught:
        get(handler, platform)
    assert len(seen) == 1
    message = str(caught.value)
    assert f"keyring set kontokoll {platform}" in message
    assert TOKENS[platform] not in message


def test_html_and_truncated_bodies_are_malformed() -> None:
    for response in (httpx.Response(200, text="<!DOCTYPE html><html>oops</html>"),
                     httpx.Response(200, content=b'{"data": [{"id": "1", "crea')):
        handler, seen = sequence(response)
        with pytest.raises(MalformedResponse):
            get(handler)
        assert len(seen) == 1


def test_tokens_go_in_headers_and_never_in_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    for platform in TOKENS:
        handler, seen = sequence(httpx.ConnectError("down"), httpx.Response(200, json={}))
        get(handler, platform)
        request = seen[-1]
        assert TOKENS[platform] not in str(request.url)
        header = "x-goog-api-key" if platform == "youtube" else "authorization"
        assert TOKENS[platform] in request.headers[header]
    assert caplog.records  # something was logged (the failures, each request)
    assert not any(token in caplog.text for token in TOKENS.values())


def test_linkedin_sends_its_version_headers() -> None:
    handler, seen = sequence(httpx.Response(200, json={}))
    get(handler, "linkedin", settings=Settings(linkedin_version="202609"))
    assert seen[0].headers["LinkedIn-Version"] == "202609"
    assert seen[0].headers["X-Restli-Protocol-Version"] == "2.0.0"


def test_tokens_come_from_keyring_then_environment() -> None:
    env = {"KONTOKOLL_FACEBOOK_TOKEN": "from-env", "KONTOKOLL_YOUTUBE_KEY": "yt-key"}
    found = load_tokens(env=env, keyring_get=lambda s, n: "from-ring" if n == "x" else None)
    assert found == {"facebook": "from-env", "x": "from-ring", "youtube": "yt-key"}


def test_no_keyring_backend_falls_back_to_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import keyring
    from keyring.errors import NoKeyringError

    def broken(service: str, name: str) -> str | None:
        raise NoKeyringError("no backend")

    monkeypatch.setattr(keyring, "get_password", broken)
    assert load_tokens(["x"], env={"KONTOKOLL_X_TOKEN": "env-x"}) == {"x": "env-x"}


def test_base_urls_default_to_the_official_ones_and_can_be_overridden() -> None:
    from governance.platforms import load_settings

    settings = load_settings({})
    assert settings.base_url("facebook") == "https://graph.facebook.com/v26.0"
    assert settings.base_url("linkedin") == "https://api.linkedin.com/rest"
    assert settings.base_url("x") == "https://api.x.com/2"
    assert settings.base_url("youtube") == "https://www.googleapis.com/youtube/v3"
    custom = load_settings({"KONTOKOLL_GRAPH_VERSION": "v27.0",
                            "KONTOKOLL_X_BASE_URL": " https://proxy.local/x/2/ "})
    assert custom.base_url("instagram") == "https://graph.facebook.com/v27.0"
    assert custom.base_url("x") == "https://proxy.local/x/2"
