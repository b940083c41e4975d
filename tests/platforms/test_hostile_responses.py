"""Answers that try to steer the client: foreign paging links, redirects, huge bodies, gzip bombs.

Issue 16: a platform's answer must never take the token off the base URL the client was
configured with, and never fill memory. Every test asserts on what the transport was asked
(which hosts, which headers), on the stored outcome and on its reason.
"""

from __future__ import annotations

import asyncio
import gzip
import random
import tracemalloc
import zlib
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import replace
from typing import Any

import httpx
import orjson
import pytest

from governance.emulation import AccountProfile, base_urls, build_emulation
from governance.errors import InputError
from governance.i18n import set_language
from governance.platforms import PlatformSource, Settings, load_settings, make_client, open_http
from governance.platforms.errors import MalformedResponse
from governance.platforms.settings import MB
from governance.platforms.tokens import Redactor
from governance.sync import ClientTiming, SyncReport
from governance.sync_run import run_sync
from tests.platforms.conftest import (
    FAST,
    NOW,
    PROFILES,
    TOKENS,
    FakeTime,
    MemorySink,
    accounts_for,
    fetch_with,
    plan_for,
)

API = "https://api.test"
FACEBOOK_BASE = base_urls(API)["facebook"]  # https://api.test/facebook/v26.0
SECRET = "access_token=leaked-s3cr3t"
Handler = Callable[[httpx.Request], httpx.Response]

# --- helpers -----------------------------------------------------------------------------------


class Drip(httpx.AsyncByteStream):
    """A body streamed in chunks, counting how much of it the client pulled.

    ``repeat`` sends ``chunk`` that many times (a 300 MB body without holding 300 MB here).
    """

    def __init__(self, chunk: bytes, repeat: int = 1, size: int = 16 * 1024) -> None:
        self.parts = [chunk[i:i + size] for i in range(0, len(chunk), size)] * repeat
        self.pulled = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for part in self.parts:
            self.pulled += len(part)
            yield part


def streamed(stream: Drip, headers: dict[str, str] | None = None) -> httpx.Response:
    """A response read from the stream as a server's would be (not pre-read like ``json=``)."""
    return httpx.Response(200, headers=headers or {}, stream=stream)


def on_base(request: httpx.Request, base: str) -> bool:
    url, root = request.url, httpx.URL(base)
    return ((url.scheme, url.host, url.port) == (root.scheme, root.host, root.port)
            and url.path.startswith(root.path.rstrip("/") + "/"))


def get_one(handler: Handler, *, platform: str = "facebook", path: str = "1",
            settings: Settings = FAST) -> tuple[Any, int]:
    """One ``PlatformHttp.get`` against ``handler`` (base https://api.test/v); body, requests."""

    async def go() -> tuple[Any, int]:
        async with open_http(httpx.MockTransport(handler)) as session:
            fake = FakeTime()
            client = make_client(platform, session=session, token=TOKENS[platform],
                                 settings=settings.with_base_urls({platform: f"{API}/v"}),
                                 redact=Redactor(), sleep=fake.sleep, clock=fake.clock,
                                 wall=fake.wall)
            return await client.http.get(path), client.http.requests

    return asyncio.run(go())


PAD_HEAD = b'{"followers_count":5,"id":"1","pad":"'


def padded(size: int) -> bytes:
    """A JSON body of exactly ``size`` bytes."""
    return PAD_HEAD + b"x" * (size - len(PAD_HEAD) - 2) + b'"}'


# --- paging links ------------------------------------------------------------------------------

POSTS = f"{FACEBOOK_BASE}/104857600/published_posts"
#: A link that must not be followed, and how it is quoted in the reason (no query, no user info).
FOREIGN_LINKS = [
    pytest.param(f"https://evil.example/facebook/v26.0/104857600/published_posts?{SECRET}",
                 "https://evil.example/facebook/v26.0/104857600/published_posts", id="host"),
    pytest.param(f"http://api.test/facebook/v26.0/104857600/published_posts?{SECRET}",
                 "http://api.test/facebook/v26.0/104857600/published_posts", id="scheme"),
    pytest.param(f"https://api.test:8443/facebook/v26.0/104857600/published_posts?{SECRET}",
                 "https://api.test:8443/facebook/v26.0/104857600/published_posts", id="port"),
    pytest.param(f"https://api.test/instagram/v26.0/1/media?{SECRET}",
                 "https://api.test/instagram/v26.0/1/media", id="outside-base-path"),
    pytest.param(f"https://api.test/facebook/v26.0evil/1?{SECRET}",
                 "https://api.test/facebook/v26.0evil/1", id="base-path-as-prefix"),
    pytest.param(f"https://api.test/facebook/v26.0/../../admin?{SECRET}",
                 "https://api.test/admin", id="dot-segments"),
    pytest.param(f"https://api.test/facebook/v26.0/%2e%2e/%2E%2E/admin?{SECRET}",
                 "https://api.test/facebook/v26.0/%2e%2e/%2E%2E/admin", id="encoded-dots"),
    pytest.param(f"https://api.test@evil.example/facebook/v26.0/1?{SECRET}",
                 "https://evil.example/facebook/v26.0/1", id="user-info-host"),
    pytest.param(f"https://user:pw@api.test/facebook/v26.0/1?{SECRET}",
                 "https://api.test/facebook/v26.0/1", id="user-info-on-base"),
    pytest.param(f"HTTPS://EVIL.example/x?{SECRET}", "https://evil.example/x", id="upper-case"),
]


def facebook_posts(next_link: str | None, *, on_comments: bool = False) -> Handler:
    """A Page whose first posts page (or its first post's comments) links to ``next_link``."""

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("/104857600"):
            return httpx.Response(200, json={"followers_count": 1, "id": "104857600"})
        if path.endswith("/published_posts") and "after" not in request.url.params:
            comments: dict[str, Any] = {"data": [], "summary": {"total_count": 0}}
            post = {"id": "104857600_1", "created_time": "2026-11-20T09:15:00+0000",
                    "reactions": {"summary": {"total_count": 0}}, "comments": comments}
            body: dict[str, Any] = {"data": [post]}
            if on_comments:
                comments["paging"] = {"next": next_link}
            else:
                body["paging"] = {"next": next_link}
            return httpx.Response(200, json=body)
        if "after" in request.url.params or path.endswith("/comments"):
            return httpx.Response(200, json={"data": []})
        if path.endswith("/insights"):
            return httpx.Response(200, json={"data": []})
        return httpx.Response(200, json={"data": []})

    return handler


def recording(handler: Handler) -> tuple[Handler, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.host != "api.test":
            # Answer like a willing thief would; the assertion is that this is never reached.
            return httpx.Response(200, json={"data": []})
        return handler(request)

    return record, seen


def assert_never_left(seen: Sequence[httpx.Request], base: str, token: str) -> None:
    """Every request stayed under ``base``: so the token (in a header) never went elsewhere."""
    assert seen, "the client made no request at all"
    strays = [str(r.url) for r in seen if not on_base(r, base)]
    assert strays == []
    assert all(token not in str(r.url) for r in seen)


@pytest.mark.parametrize("on_comments", [False, True], ids=["posts", "comments"])
@pytest.mark.parametrize(("link", "shown"), FOREIGN_LINKS)
def test_a_facebook_paging_link_off_the_base_is_never_followed(
    link: str, shown: str, on_comments: bool
) -> None:
    handler, seen = recording(facebook_posts(link, on_comments=on_comments))
    with pytest.raises(MalformedResponse) as caught:
        asyncio.run(fetch_with(handler, "facebook", plan_for("facebook", "104857600")))
    reason = caught.value.reason
    assert reason == f"malformed-response: paging link outside {FACEBOOK_BASE}: {shown}"
    assert "s3cr3t" not in reason and "pw" not in reason
    assert_never_left(seen, FACEBOOK_BASE, TOKENS["facebook"])


@pytest.mark.parametrize("link", [
    f"https://evil.example/instagram/v26.0/1784/media?{SECRET}",
    f"http://api.test/instagram/v26.0/1784/media?{SECRET}",
    f"https://api.test:8443/instagram/v26.0/1784/media?{SECRET}",
    f"https://api.test/facebook/v26.0/1784/media?{SECRET}",
], ids=["host", "scheme", "port", "outside-base-path"])
def test_an_instagram_paging_link_off_the_base_is_never_followed(link: str) -> None:
    base = base_urls(API)["instagram"]

    def media(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/media"):
            return httpx.Response(200, json={"data": [
                {"id": "m1", "timestamp": "2026-11-10T12:00:00+0000"}], "paging": {"next": link}})
        return httpx.Response(200, json={"followers_count": 9, "id": "1784", "data": []})

    handler, seen = recording(media)
    with pytest.raises(MalformedResponse) as caught:
        asyncio.run(fetch_with(handler, "instagram", plan_for("instagram", "1784")))
    shown = link.split("?")[0]
    assert caught.value.reason == f"malformed-response: paging link outside {base}: {shown}"
    assert_never_left(seen, base, TOKENS["instagram"])


def test_a_paging_link_with_terminal_controls_is_refused_without_quoting_it() -> None:
    handler, seen = recording(facebook_posts("https://evil.example/\x1b[2J\x1b]0;owned\x07"))
    with pytest.raises(MalformedResponse) as caught:
        asyncio.run(fetch_with(handler, "facebook", plan_for("facebook", "104857600")))
    assert caught.value.reason == "malformed-response: paging link is not a valid URL"
    assert_never_left(seen, FACEBOOK_BASE, TOKENS["facebook"])


@pytest.mark.parametrize("link", [
    f"{POSTS}?after=c1",
    "https://api.test:443/facebook/v26.0/104857600/published_posts?after=c1",
    "HTTPS://API.TEST/facebook/v26.0/104857600/published_posts?after=c1",
], ids=["as-given", "default-port", "upper-case-host"])
def test_a_paging_link_on_the_base_is_followed(link: str) -> None:
    handler, seen = recording(facebook_posts(link))
    result, _ = asyncio.run(fetch_with(handler, "facebook", plan_for("facebook", "104857600")))
    assert result.patches["2026-11"]["posts"] == 1
    followed = [r for r in seen if r.url.params.get("after") == "c1"]
    assert len(followed) == 1
    assert followed[0].headers["authorization"] == f"Bearer {TOKENS['facebook']}"
    assert_never_left(seen, FACEBOOK_BASE, TOKENS["facebook"])


def test_a_full_url_passed_as_a_path_is_checked_too() -> None:
    """The check is in the HTTP layer, so no client can forget it."""
    handler, seen = recording(lambda request: httpx.Response(200, json={}))
    for platform in TOKENS:
        with pytest.raises(MalformedResponse) as caught:
            get_one(handler, platform=platform, path=f"https://evil.example/steal?{SECRET}")
        assert caught.value.reason == (
            f"malformed-response: paging link outside {API}/v: https://evil.example/steal")
        with pytest.raises(MalformedResponse) as caught:
            get_one(handler, platform=platform, path="../../other/x")
        assert caught.value.reason == f"malformed-response: path outside {API}/v: {API}/other/x"
        with pytest.raises(MalformedResponse) as caught:
            get_one(handler, platform=platform, path="%2e%2E/x")
        assert caught.value.reason == f"malformed-response: path outside {API}/v: {API}/v/%2e%2E/x"
        with pytest.raises(MalformedResponse) as caught:
            get_one(handler, platform=platform, path="x\x1b[2J")
        assert caught.value.reason == "malformed-response: path is not a valid URL"
    assert seen == []
    # A path with a dot that stays under the base is fine (a Page handle may have dots).
    assert get_one(handler, path="helsingborg.stad")[1] == 1
    assert [r.url.path for r in seen] == ["/v/helsingborg.stad"]


def test_the_scope_is_the_configured_base_url_not_the_official_one() -> None:
    """With a proxy configured, even the official host is off the base (the token is meant for
    the proxy); a proxy's own credentials in the override are kept for its own links."""
    proxy = "http://kk:pw@proxy.local:8080/fb"
    settings = replace(FAST, base_url_overrides={"facebook": proxy})
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"data": [], "id": "1"})

    async def go() -> None:
        async with open_http(httpx.MockTransport(handler)) as session:
            client = make_client("facebook", session=session, token=TOKENS["facebook"],
                                 settings=settings, redact=Redactor())
            await client.http.get("1/published_posts")
            await client.http.get("http://kk:pw@proxy.local:8080/fb/1/published_posts?after=a")
            with pytest.raises(MalformedResponse) as caught:
                await client.http.get("https://graph.facebook.com/v26.0/1/published_posts")
            assert caught.value.reason == (
                "malformed-response: paging link outside http://proxy.local:8080/fb: "
                "https://graph.facebook.com/v26.0/1/published_posts")

    asyncio.run(go())
    assert [r.url.path for r in seen] == ["/fb/1/published_posts"] * 2
    assert all(r.url.host == "proxy.local" and r.url.port == 8080 for r in seen)


# --- the same through a whole sync: one account fails, the rest go on --------------------------

HOSTILE = AccountProfile("facebook", "666000666", "kapad")
EVIL = f"https://evil.example/steal?{SECRET}"
Rewrite = Callable[[httpx.Request, Any], httpx.Response | None]


class Tampering(httpx.AsyncBaseTransport):
    """The emulation behind a man in the middle: records every request, may rewrite answers.

    ``rewrite`` gets each request and the emulation's JSON body, and returns a replacement
    response (or None to pass the answer on unchanged).
    """

    def __init__(self, rewrite: Rewrite, profiles: Sequence[AccountProfile]) -> None:
        self.inner = httpx.ASGITransport(app=build_emulation(list(profiles), now=NOW,
                                                             tokens=TOKENS))
        self.rewrite = rewrite
        self.seen: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        if request.url.host != "emulation":
            return httpx.Response(200, json={"data": []})  # must never be reached
        response = await self.inner.handle_async_request(request)
        raw = await response.aread()
        replaced = self.rewrite(request, orjson.loads(raw)) if raw[:1] == b"{" else None
        if replaced is not None:
            return replaced
        return httpx.Response(response.status_code, headers=response.headers, content=raw)


def sync_through(transport: Tampering, profiles: Sequence[AccountProfile],
                 settings: Settings = FAST) -> tuple[SyncReport, MemorySink]:
    sink, fake = MemorySink(), FakeTime()
    # The man in the middle rewrites single answers, so each call goes alone here; the same
    # answers inside a Graph batch are tested in test_batching.py.
    source = PlatformSource(transport=transport, tokens=TOKENS, base_urls=base_urls(),
                            settings=replace(settings, batching=False))
    report = asyncio.run(run_sync(
        sink, accounts_for(profiles), source, now=NOW,
        timing=ClientTiming(fake.sleep, fake.clock, fake.wall)))
    return report, sink


def reasons(report: SyncReport) -> dict[str, str]:
    return {o.account_id: o.reason for o in report.outcomes}


def assert_all_on_base(seen: Sequence[httpx.Request]) -> None:
    bases = base_urls()
    strays = [str(r.url) for r in seen if not any(on_base(r, b) for b in bases.values())]
    assert strays == []


def test_a_foreign_paging_link_fails_that_account_and_the_others_go_on() -> None:
    profiles = [*PROFILES, HOSTILE]

    def rewrite(request: httpx.Request, body: Any) -> httpx.Response | None:
        if request.url.path.endswith(f"/{HOSTILE.platform_id}/published_posts"):
            body["paging"] = {"next": EVIL}
            return httpx.Response(200, json=body)
        return None

    transport = Tampering(rewrite, profiles)
    report, sink = sync_through(transport, profiles)
    hostile = accounts_for(profiles)[-1].id
    assert reasons(report)[hostile] == (
        "malformed-response: paging link outside http://emulation/facebook/v26.0: "
        "https://evil.example/steal")
    assert [o.account_id for o in report.failed] == [hostile]
    assert sink.for_account(hostile) == []  # nothing of the hostile answer was stored
    assert_all_on_base(transport.seen)


def hostile_paging(request: httpx.Request, body: Any) -> httpx.Response | None:
    """Every way each platform says "next page", pointed at a foreign host."""
    if not isinstance(body, dict):
        return None
    if isinstance(body.get("data"), list):
        body["paging"] = {"next": EVIL, "links": [{"rel": "next", "href": EVIL}]}
        for item in body["data"]:
            if isinstance(item, dict) and isinstance(item.get("comments"), dict):
                item["comments"]["paging"] = {"next": EVIL}
        body["meta"] = {**body.get("meta", {}), "next_token": EVIL}
    if isinstance(body.get("elements"), list):
        body["paging"] = {"links": [{"rel": "next", "href": EVIL}]}
    if isinstance(body.get("items"), list):
        body["nextPageToken"] = EVIL
    return httpx.Response(200, json=body)


def test_no_client_sends_a_request_off_its_base_whatever_the_answers_say() -> None:
    transport = Tampering(hostile_paging, PROFILES)
    report, _ = sync_through(transport, PROFILES)
    assert_all_on_base(transport.seen)
    assert len(transport.seen) > len(PROFILES)
    by_platform = {o.platform: o.reason for o in report.outcomes}
    for platform in ("facebook", "instagram"):  # the clients that follow links
        assert by_platform[platform].startswith("malformed-response: paging link outside")
    # A next-page token is sent back as a parameter, only ever to the platform's own base.
    x_tokens = [r.url.params.get("pagination_token") for r in transport.seen]
    assert EVIL in x_tokens


# --- redirects ---------------------------------------------------------------------------------


@pytest.mark.parametrize("platform", sorted(TOKENS))
@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_is_never_followed(platform: str, status: int) -> None:
    def redirect(request: httpx.Request) -> httpx.Response:
        # A JSON body a careless client might take for the answer.
        return httpx.Response(status, headers={"Location": f"https://evil.example/steal?{SECRET}"},
                              json={"followers_count": 5, "data": {"id": "1"}, "items": []})

    handler, seen = recording(redirect)
    with pytest.raises(MalformedResponse) as caught:
        get_one(handler, platform=platform, path="1")
    assert caught.value.reason == (f"malformed-response: HTTP {status} redirect to "
                                   "https://evil.example/steal not followed (/v/1)")
    assert len(seen) == 1  # not retried, not followed
    assert_never_left(seen, f"{API}/v", TOKENS[platform])


def test_a_relative_redirect_is_named_in_full() -> None:
    handler, _ = recording(lambda r: httpx.Response(302, headers={"Location": "/elsewhere?q=1"}))
    with pytest.raises(MalformedResponse) as caught:
        get_one(handler)
    assert "redirect to https://api.test/elsewhere not followed" in caught.value.reason


def test_a_redirect_fails_that_account_only() -> None:
    profiles = [*PROFILES, HOSTILE]

    def rewrite(request: httpx.Request, body: Any) -> httpx.Response | None:
        if request.url.path.endswith(f"/{HOSTILE.platform_id}"):
            return httpx.Response(307, headers={"Location": EVIL}, json=body)
        return None

    transport = Tampering(rewrite, profiles)
    report, _ = sync_through(transport, profiles)
    hostile = accounts_for(profiles)[-1].id
    assert [o.account_id for o in report.failed] == [hostile]
    assert reasons(report)[hostile].startswith(
        "malformed-response: HTTP 307 redirect to https://evil.example/steal not followed")
    assert_all_on_base(transport.seen)


# --- response size -----------------------------------------------------------------------------

SMALL = replace(FAST, max_response_bytes=256 * 1024)


def test_the_default_cap_is_20_mb_and_it_can_be_set() -> None:
    assert Settings().max_response_bytes == 20 * MB
    assert load_settings({}).max_response_bytes == 20 * MB
    assert load_settings({"KONTOKOLL_MAX_RESPONSE_MB": " 5 "}).max_response_bytes == 5 * MB


@pytest.mark.parametrize("value", ["0", "-1", "abc", "1.5", "1e3", "²", "1025", "\x1b[2J"])
@pytest.mark.parametrize("language", ["sv", "en"])
def test_a_bad_cap_setting_is_refused_with_a_message(value: str, language: str) -> None:
    set_language(language)
    with pytest.raises(InputError) as caught:
        load_settings({"KONTOKOLL_MAX_RESPONSE_MB": value})
    message = str(caught.value)
    assert "KONTOKOLL_MAX_RESPONSE_MB" in message and "1024" in message
    assert "\x1b" not in message  # the value is quoted escaped


def test_a_body_over_the_cap_is_refused_by_its_content_length_before_reading() -> None:
    stream = Drip(b"0" * 1024, repeat=300)
    handler, _ = recording(lambda r: streamed(stream, {"Content-Length": str(300 * 1024)}))
    with pytest.raises(MalformedResponse) as caught:
        get_one(handler, settings=SMALL)
    assert caught.value.reason == ("malformed-response: response larger than 262144 bytes "
                                   "(Content-Length 307200) (/v/1)")
    assert stream.pulled == 0


def test_a_300_mb_body_is_given_up_just_past_the_default_cap() -> None:
    stream = Drip(b" " * MB, repeat=300, size=64 * 1024)  # no Content-Length: chunked
    handler, seen = recording(lambda r: streamed(stream))
    with pytest.raises(MalformedResponse) as caught:
        get_one(handler, settings=replace(FAST, max_response_bytes=Settings().max_response_bytes))
    assert caught.value.reason == "malformed-response: response larger than 20 MB (/v/1)"
    assert stream.pulled <= 20 * MB + 64 * 1024
    assert len(seen) == 1  # not retried


@pytest.fixture(scope="module")
def bombs() -> dict[str, bytes]:
    """64 MB of zeros packed three ways: each well under 100 KB on the wire."""
    zeros = bytes(64 * MB)
    raw = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    return {"gzip": gzip.compress(zeros, 9), "deflate": zlib.compress(zeros, 9),
            "raw-deflate": raw.compress(zeros) + raw.flush()}


@pytest.mark.parametrize("kind", ["gzip", "deflate", "raw-deflate"])
def test_a_compression_bomb_fails_the_call_with_memory_bounded(
    bombs: dict[str, bytes], kind: str
) -> None:
    bomb = bombs[kind]
    assert len(bomb) < 100 * 1024
    encoding = "gzip" if kind == "gzip" else "deflate"
    handler, _ = recording(lambda r: streamed(Drip(bomb), {"Content-Encoding": encoding,
                                                           "Content-Length": str(len(bomb))}))
    settings = replace(FAST, max_response_bytes=2 * MB)
    tracemalloc.start()
    try:
        with pytest.raises(MalformedResponse) as caught:
            get_one(handler, settings=settings)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert caught.value.reason == "malformed-response: response larger than 2 MB (/v/1)"
    # Unpacked whole it is 64 MB; read in bounded pieces it stays near the 2 MB cap.
    assert peak < 8 * MB, f"peak {peak / MB:.1f} MB"


def packed_handler(body: bytes, encoding: str) -> Handler:
    """Serves ``body`` packed with ``encoding`` (steps in the order they were applied)."""
    for step in encoding.split(", "):
        body = {"identity": body, "gzip": gzip.compress(body),
                "deflate": zlib.compress(body)}[step]
    return lambda request: streamed(Drip(body), {"Content-Encoding": encoding})


@pytest.mark.parametrize("encoding", ["identity", "gzip", "deflate", "gzip, gzip"])
def test_a_body_at_the_cap_is_read_and_one_byte_more_is_not(encoding: str) -> None:
    cap = SMALL.max_response_bytes
    body, _ = get_one(packed_handler(padded(cap), encoding), settings=SMALL)
    assert body["followers_count"] == 5 and len(body["pad"]) == cap - len(PAD_HEAD) - 2
    with pytest.raises(MalformedResponse) as caught:
        get_one(packed_handler(padded(cap + 1), encoding), settings=SMALL)
    assert caught.value.reason == "malformed-response: response larger than 262144 bytes (/v/1)"


def test_a_packed_body_too_large_as_sent_is_given_up_while_streaming() -> None:
    noise = random.Random(16).randbytes(2 * SMALL.max_response_bytes)  # does not pack smaller
    stream = Drip(gzip.compress(noise, 1))
    handler, _ = recording(lambda r: streamed(stream, {"Content-Encoding": "gzip"}))
    with pytest.raises(MalformedResponse) as caught:
        get_one(handler, settings=SMALL)
    assert caught.value.reason == "malformed-response: response larger than 262144 bytes (/v/1)"
    assert stream.pulled <= SMALL.max_response_bytes + 16 * 1024


def test_a_corrupt_gzip_body_is_malformed_not_a_traceback() -> None:
    broken = b"PK\x03\x04 a zip file, not gzip"
    handler, _ = recording(lambda r: streamed(Drip(broken), {"Content-Encoding": "gzip"}))
    with pytest.raises(MalformedResponse) as caught:
        get_one(handler)
    assert caught.value.reason == "malformed-response: body is not valid gzip (/v/1)"


def test_a_gzip_bomb_fails_that_account_only(bombs: dict[str, bytes]) -> None:
    profiles = [*PROFILES, HOSTILE]

    def rewrite(request: httpx.Request, body: Any) -> httpx.Response | None:
        if request.url.path.endswith(f"/{HOSTILE.platform_id}"):
            return streamed(Drip(bombs["gzip"]), {"Content-Encoding": "gzip"})
        return None

    transport = Tampering(rewrite, profiles)
    report, sink = sync_through(transport, profiles, replace(FAST, max_response_bytes=MB))
    hostile = accounts_for(profiles)[-1].id
    assert [o.account_id for o in report.failed] == [hostile]
    assert reasons(report)[hostile] == (
        "malformed-response: response larger than 1 MB (/facebook/v26.0/666000666)")
    assert sink.for_account(hostile) == []
