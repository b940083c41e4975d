"""The one HTTP layer every platform client uses: the only module that imports httpx.

It gives each request a timeout and each call an overall deadline, retries connection errors and
5xx with exponential backoff and jitter, honours rate limits (the platform's :class:`Policy` reads
its signals), slows down before a limit, counts requests and keeps tokens out of every log line
and message. Clocks, sleep and randomness are injected so that tests never really wait.
"""

from __future__ import annotations

import asyncio
import logging
import random
import ssl
import time
import urllib.request
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Literal, Protocol
from urllib.parse import urlsplit

import httpx
import orjson

from governance.i18n import t
from governance.platforms.errors import (
    MalformedResponse,
    PlatformRefused,
    PlatformUnavailable,
    RateLimited,
    TokenExpired,
)
from governance.platforms.settings import Settings
from governance.platforms.tokens import Redactor

log = logging.getLogger("kontokoll.platforms")

Params = Mapping[str, str | int]
Sleep = Callable[[float], Awaitable[None]]

#: What a test or the demo may pass to route requests elsewhere (an ASGI or mock transport).
Transport = httpx.AsyncBaseTransport

Kind = Literal["ok", "retry", "wait", "token", "quota", "refused", "malformed"]


@dataclass(frozen=True, slots=True)
class Reply:
    """What came back for one request, as the policies see it (no httpx types)."""

    status: int
    headers: Mapping[str, str]
    body: Any
    #: False when the body was not JSON (an HTML page, a truncated document).
    is_json: bool


@dataclass(frozen=True, slots=True)
class Verdict:
    """A policy's reading of a reply: go on, retry, wait, or fail in a given way."""

    kind: Kind
    wait_s: float | None = None
    detail: str = ""


OK = Verdict("ok")


class Policy(Protocol):
    """A platform's reading of its own error bodies and rate-limit signals."""

    def judge(self, reply: Reply, now: float) -> Verdict:
        """What to do with a reply (``now`` is the wall clock, Unix seconds)."""
        ...

    def pause(self, reply: Reply, now: float, settings: Settings) -> float:
        """Seconds to hold the platform's next request because a limit is near (0: none)."""
        ...


def retry_after(headers: Mapping[str, str]) -> float | None:
    """The Retry-After header in seconds, if it is a number (HTTP dates are rare here)."""
    value = headers.get("retry-after", "").strip()
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


def generic_verdict(reply: Reply) -> Verdict:
    """The reading every platform shares for statuses its own policy did not claim."""
    if reply.status == 401:
        return Verdict("token", detail="HTTP 401")
    if reply.status == 429:
        return Verdict("wait", retry_after(reply.headers), "HTTP 429")
    if reply.status >= 500:
        return Verdict("retry", retry_after(reply.headers), f"HTTP {reply.status}")
    if reply.status >= 400:
        return Verdict("refused", detail=f"HTTP {reply.status}")
    if not reply.is_json:
        return Verdict("malformed", detail="body is not JSON")
    return OK


class Throttle:
    """When a platform may be called next: shared by all accounts of a platform in one sync."""

    def __init__(self) -> None:
        self.not_before = 0.0

    def hold_until(self, moment: float) -> None:
        """Let no request of the platform start before ``moment`` (monotonic seconds)."""
        self.not_before = max(self.not_before, moment)


#: Headers every request carries (what ``httpx.AsyncClient`` would add by default).
DEFAULT_HEADERS: Mapping[str, str] = {
    "Accept": "application/json",
    "Accept-Encoding": "gzip, deflate",
    "Connection": "keep-alive",
    "User-Agent": f"kontokoll python-httpx/{httpx.__version__}",
}


class HttpSession:
    """The HTTP of one sync: keep-alive connections lent out one request at a time.

    Each "lane" is an httpx transport with a pool of exactly one connection, kept per origin on
    a last-in-first-out free list, so a request reuses the most recently used warm connection.
    One shared pool of many connections would do the same job, but httpcore scans every
    connection of its pool (with socket system calls) on each request and each response, which
    made the pool the client's biggest cost at 40 connections. With a given ``transport`` (the
    emulation in-process, a mock) every request goes through it; it manages its own connections.
    """

    def __init__(self, transport: Transport | None, connections: int) -> None:
        self._given = transport
        self._slots = asyncio.Semaphore(max(1, connections))
        self._free: dict[tuple[bytes, bytes, int | None], list[httpx.AsyncHTTPTransport]] = {}
        self._lanes: list[httpx.AsyncHTTPTransport] = []
        self._ssl: ssl.SSLContext | None = None

    async def get(
        self, url: str, params: Params | None, headers: httpx.Headers, timeout: float
    ) -> tuple[int, httpx.Headers, bytes]:
        """GET ``url``; the status, headers and whole (decoded) body."""
        request = httpx.Request(
            "GET", url, params=params, headers=headers,
            extensions={"timeout": {"connect": timeout, "read": timeout, "write": timeout,
                                    "pool": timeout}},
        )
        async with self._slots:
            if self._given is not None:
                return await _exchange(self._given, request)
            origin = (request.url.raw_scheme, request.url.raw_host, request.url.port)
            free = self._free.setdefault(origin, [])
            lane = free.pop() if free else self._lane(request.url)
            result = await _exchange(lane, request)
            # Only a lane whose exchange ended cleanly goes back; on an error or a cancel its
            # connection may be half-used, so it is left for aclose() and a new one is made.
            free.append(lane)
            return result

    def _lane(self, url: httpx.URL) -> httpx.AsyncHTTPTransport:
        if self._ssl is None:
            # Loading CA certificates is slow: once. SSL_CERT_FILE/SSL_CERT_DIR are honoured.
            self._ssl = httpx.create_ssl_context()
        lane = httpx.AsyncHTTPTransport(
            verify=self._ssl, proxy=_environment_proxy(url),
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
        )
        self._lanes.append(lane)
        return lane

    async def aclose(self) -> None:
        lanes, self._lanes, self._free = self._lanes, [], {}
        for lane in lanes:
            await lane.aclose()


def _environment_proxy(url: httpx.URL) -> str | None:
    """The proxy the environment sets for ``url`` (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY),
    as ``httpx.AsyncClient`` would use it."""
    proxies = urllib.request.getproxies_environment()
    if not proxies or urllib.request.proxy_bypass(url.host):
        return None
    return proxies.get(url.scheme) or proxies.get("all")


async def _exchange(
    transport: httpx.AsyncBaseTransport, request: httpx.Request
) -> tuple[int, httpx.Headers, bytes]:
    response = await transport.handle_async_request(request)
    try:
        raw = await response.aread()
    finally:
        await response.aclose()
    return response.status_code, response.headers, raw


@asynccontextmanager
async def open_http(
    transport: Transport | None = None, *, connections: int = 100
) -> AsyncIterator[object]:
    """The HTTP session of one sync, shared by every platform (an opaque handle).

    ``connections`` bounds the requests in flight at once (and so the open connections).
    """
    session = HttpSession(transport, connections)
    try:
        yield session
    finally:
        await session.aclose()


class PlatformHttp:
    """HTTP for one account's calls to one platform; the :class:`Throttle` is the platform's."""

    def __init__(
        self,
        platform: str,
        *,
        session: object,
        auth_headers: Mapping[str, str],
        policy: Policy,
        settings: Settings,
        redact: Redactor,
        extra_headers: Mapping[str, str] | None = None,
        throttle: Throttle | None = None,
        sleep: Sleep | None = None,
        clock: Callable[[], float] | None = None,
        wall: Callable[[], float] | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.platform = platform
        self.base_url = settings.base_url(platform)
        self.settings = settings
        self.requests = 0
        if not isinstance(session, HttpSession):
            raise TypeError("session must come from open_http()")
        self._session = session
        self._headers = httpx.Headers({**DEFAULT_HEADERS, **(extra_headers or {}), **auth_headers})
        self._policy = policy
        self._redact = redact
        self._sleep = sleep or asyncio.sleep
        self._clock = clock or time.monotonic
        self._wall = wall or time.time
        self._rng = rng or random.Random()
        self._throttle = throttle or Throttle()

    def url(self, path: str) -> str:
        """``path`` under the base URL; a full URL (a ``paging.next`` link) is used as given."""
        if path.startswith(("http://", "https://")):
            return path
        return f"{self.base_url}/{path.lstrip('/')}"

    async def get(self, path: str, params: Params | None = None) -> Any:
        """GET a JSON document, retrying and waiting as the platform asks; raise on failure."""
        url = self.url(path)
        started = self._clock()
        deadline = started + self.settings.call_deadline_s
        attempt = 0
        while True:
            attempt += 1
            await self._wait_turn(deadline)
            remaining = deadline - self._clock()
            timeout = max(0.001, min(self.settings.request_timeout_s, remaining))
            verdict, body = await self._attempt(url, params, timeout)
            if verdict.kind == "ok":
                return body
            self._raise_unless_retryable(verdict, url)
            if attempt >= self.settings.max_attempts:
                self._give_up(verdict, url)
            delay = verdict.wait_s if verdict.wait_s is not None else self._backoff(attempt)
            if verdict.kind == "wait":
                if delay > self.settings.max_rate_wait_s:
                    raise self._rate_limited(delay, verdict.detail)
                # A rate limit holds the whole platform, not only this account.
                self._throttle.hold_until(self._clock() + delay)
            elif self._clock() + delay > deadline:
                raise PlatformUnavailable(platform=self.platform, detail="deadline")
            else:
                await self._sleep(delay)

    async def _wait_turn(self, deadline: float) -> None:
        """Sleep while the platform is held by a rate limit or a slow-down."""
        hold = self._throttle.not_before - self._clock()
        if hold <= 0:
            return
        if self._clock() + hold > deadline:
            raise PlatformUnavailable(platform=self.platform, detail="deadline")
        await self._sleep(hold)

    async def _attempt(
        self, url: str, params: Params | None, timeout: float
    ) -> tuple[Verdict, Any]:
        """Send one request; return the verdict on what came back, and its body."""
        self.requests += 1
        try:
            async with asyncio.timeout(timeout):
                status, headers, raw = await self._session.get(url, params, self._headers, timeout)
        except (TimeoutError, httpx.TimeoutException):
            log.info("GET %s timed out", self._shown(url))
            return Verdict("retry", detail="timeout"), None
        except httpx.TransportError as error:
            log.info("GET %s failed: %s", self._shown(url), type(error).__name__)
            return Verdict("retry", detail=type(error).__name__), None
        reply = _reply(status, headers, raw)
        if log.isEnabledFor(logging.DEBUG):
            log.debug("GET %s -> %s", self._shown(url), reply.status)
        pause = self._policy.pause(reply, self._wall(), self.settings)
        if pause > 0:
            log.info("%s: limit near, holding requests for %.1f s", self.platform, pause)
            self._throttle.hold_until(self._clock() + pause)
        verdict = self._policy.judge(reply, self._wall())
        return (generic_verdict(reply) if verdict is OK else verdict), reply.body

    def _raise_unless_retryable(self, verdict: Verdict, url: str) -> None:
        detail = self._redact(verdict.detail)
        where = self._shown(url)
        if verdict.kind == "token":
            raise TokenExpired(
                platform=self.platform,
                renew=t(f"sync.renew.{self.platform}"),
                detail=detail,
            )
        if verdict.kind == "quota":
            raise self._rate_limited(verdict.wait_s, detail)
        if verdict.kind == "refused":
            raise PlatformRefused(platform=self.platform, detail=f"{detail} ({where})")
        if verdict.kind == "malformed":
            raise MalformedResponse(platform=self.platform, detail=f"{detail} ({where})")

    def _give_up(self, verdict: Verdict, url: str) -> None:
        if verdict.kind == "wait":
            raise self._rate_limited(verdict.wait_s, verdict.detail)
        raise PlatformUnavailable(
            platform=self.platform, detail=f"{self._redact(verdict.detail)} ({self._shown(url)})"
        )

    def _rate_limited(self, wait_s: float | None, detail: str) -> RateLimited:
        if wait_s is None:
            return RateLimited("sync.error.rate_limited_unknown", platform=self.platform,
                               detail=self._redact(detail))
        minutes = max(1, round(wait_s / 60))
        return RateLimited(platform=self.platform, minutes=minutes, detail=self._redact(detail))

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with jitter: half fixed, half random, so clients spread out."""
        settings = self.settings
        ceiling = min(settings.backoff_max_s, settings.backoff_base_s * 2 ** (attempt - 1))
        return float(ceiling / 2 + self._rng.uniform(0, ceiling / 2))

    def _shown(self, url: str) -> str:
        """A URL fit for logs and messages: path only (queries may hold keys), then redacted."""
        return self._redact(urlsplit(url).path)


def _reply(status: int, headers: httpx.Headers, raw: bytes) -> Reply:
    lowered = dict(headers.items())  # httpx gives the names lower-cased, repeats joined by ", "
    try:
        return Reply(status, lowered, orjson.loads(raw), True)
    except orjson.JSONDecodeError:  # HTML error pages, truncated bodies, bad UTF-8
        return Reply(status, lowered, None, False)
