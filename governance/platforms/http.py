"""The one HTTP layer every platform client uses: the only module that imports httpx.

It gives each request a timeout and each call an overall deadline, retries connection errors and
5xx with exponential backoff and jitter, honours rate limits (the platform's :class:`Policy` reads
its signals), slows down before a limit, counts requests and keeps tokens out of every log line
and message. Clocks, sleep and randomness are injected so that tests never really wait.

It is also where a platform's answers are kept from steering the client: every request, a
``paging.next`` link from a body included, must stay under the platform's base URL (same scheme,
host, port and path), or no request is sent and the account fails; redirects are never followed;
and a body is read as a stream and given up as soon as it (or its unpacked form) passes
``Settings.max_response_bytes``.
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
import ssl
import time
import urllib.request
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
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
from governance.platforms.settings import DEFAULT_MAX_RESPONSE_MB, MB, Settings
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


def redirect_verdict(reply: Reply, url: str) -> Verdict | None:
    """A 3xx fails the account, whatever its body says: it is never followed, since the token
    would go wherever ``Location`` points, and its body is not the answer asked for."""
    if not 300 <= reply.status < 400:
        return None
    location = reply.headers.get("location", "").strip()
    try:
        target = shown_url(httpx.URL(url).join(location)) if location else "nowhere"
    except httpx.InvalidURL:
        target = "an invalid URL"
    return Verdict("malformed", detail=f"HTTP {reply.status} redirect to {target} not followed")


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


#: A full URL rather than a path under the base URL (only links from bodies are full URLs).
_ABSOLUTE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
#: Longest URL quoted in a stored reason (a hostile link can be megabytes long).
SHOWN_URL_CHARS = 160


def shown_url(url: httpx.URL) -> str:
    """A URL fit for a stored reason: scheme, host, port and path, never user info or query.

    The query (where real Graph links carry ``access_token``) and user info may hold secrets;
    the host is the ASCII (punycode) form and the path stays percent-encoded, so nothing in it
    can act on a terminal.
    """
    host = url.raw_host.decode("ascii", "replace")
    host = f"[{host}]" if ":" in host else host
    port = f":{url.port}" if url.port is not None else ""
    path = url.raw_path.split(b"?", 1)[0].decode("ascii", "replace")
    text = f"{url.scheme}://{host}{port}{path}"
    return text if len(text) <= SHOWN_URL_CHARS else text[: SHOWN_URL_CHARS - 1] + "…"


@dataclass(frozen=True, slots=True)
class BaseScope:
    """Where one platform's requests may go: the scheme, host, port and path of its base URL."""

    scheme: str
    host: bytes
    port: int | None
    #: The base path, percent-encoded as sent, without a trailing "/".
    path: bytes
    #: User info of the base itself (a proxy's credentials in an override), usually empty.
    userinfo: bytes
    shown: str

    @classmethod
    def of(cls, base_url: str) -> BaseScope:
        url = httpx.URL(base_url)
        path = url.raw_path.split(b"?", 1)[0].rstrip(b"/")
        return cls(url.scheme, url.raw_host.lower(), url.port, path, url.userinfo,
                   shown_url(url))

    def holds(self, url: httpx.URL) -> bool:
        """Whether ``url`` is under the base (httpx has already lower-cased the scheme and host,
        dropped a default port and resolved literal dot segments)."""
        if (url.scheme, url.raw_host.lower(), url.port) != (self.scheme, self.host, self.port):
            return False
        if url.userinfo != self.userinfo:  # a link brings no credentials of its own
            return False
        path = url.raw_path.split(b"?", 1)[0]
        if path != self.path and not path.startswith(self.path + b"/"):
            return False
        # httpx resolves "/../" but not "/%2e%2e/" or "%2F..%2F", which a server may still read
        # as a step up and out of the base path.
        return not any(part in (".", "..") for part in url.path.split("/"))


class BodyRefused(Exception):
    """A response body that was not (fully) read: too large, or not unpackable."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


#: Most bytes one unpacking step produces at once, so that a gzip bomb is never unpacked whole.
_PIECE = 64 * 1024


class _Unpacker:
    """One ``Content-Encoding`` step (gzip or deflate), giving at most :data:`_PIECE` at a time.

    httpx's own decoders unpack a whole network chunk at once, and a 64 KB chunk of a gzip bomb
    is 64 MB unpacked: that is why the body is read raw and unpacked here.
    """

    def __init__(self, encoding: str) -> None:
        self._encoding = encoding
        # gzip: a gzip header; deflate: a zlib header, or (as some servers send it) raw deflate.
        wbits = zlib.MAX_WBITS | 16 if encoding == "gzip" else zlib.MAX_WBITS
        self._inflate = zlib.decompressobj(wbits)
        self._started = False

    def feed(self, data: bytes) -> Iterator[bytes]:
        if not self._started and data and self._encoding == "deflate":
            self._started = True
            try:
                self._inflate.copy().decompress(data[:2])
            except zlib.error:
                self._inflate = zlib.decompressobj(-zlib.MAX_WBITS)
        # Keep asking while input is left or the last piece came out full: zlib may still hold
        # output for input it has already taken.
        while True:
            try:
                piece = self._inflate.decompress(data, _PIECE)
            except zlib.error:
                raise BodyRefused(f"body is not valid {self._encoding}") from None
            data = self._inflate.unconsumed_tail
            if piece:
                yield piece
            if not data and len(piece) < _PIECE:
                return


def _unpackers(headers: httpx.Headers) -> list[_Unpacker]:
    """The unpacking steps of a response, in the order to apply them.

    Unknown encodings (we ask only for gzip and deflate) are left as they are, as httpx does;
    such a body is then not JSON and fails as malformed.
    """
    named = [e.strip().lower() for e in headers.get("content-encoding", "").split(",")]
    return [_Unpacker(e) for e in reversed(named) if e in ("gzip", "deflate")]


def _through(steps: list[_Unpacker], data: bytes) -> Iterator[bytes]:
    """``data`` passed through every step, piece by piece (a step never sees more than a piece)."""
    if not steps:
        yield data
        return
    for piece in steps[0].feed(data):
        yield from _through(steps[1:], piece)


async def read_body(response: httpx.Response, limit: int) -> bytes:
    """The whole unpacked body, or :class:`BodyRefused` once it (or what was sent) passes
    ``limit`` bytes; memory stays near ``limit`` whatever the server sends."""
    declared = response.headers.get("content-length", "").strip()
    if declared.isascii() and declared.isdigit() and int(declared) > limit:
        raise BodyRefused(f"response larger than {_size(limit)} (Content-Length {declared})")
    if response.is_stream_consumed:
        # Built in memory with its content (a test's mock): httpx has already read and unpacked
        # it, so there is nothing left to bound, only to measure.
        if len(response.content) > limit:
            raise BodyRefused(f"response larger than {_size(limit)}")
        return response.content
    steps = _unpackers(response.headers)
    pieces: list[bytes] = []
    received = size = 0
    async for raw in response.aiter_raw():
        received += len(raw)
        if received > limit:  # sent packed but still too large (Content-Length absent or false)
            raise BodyRefused(f"response larger than {_size(limit)}")
        for piece in _through(steps, raw) if steps else (raw,):
            size += len(piece)
            if size > limit:
                raise BodyRefused(f"response larger than {_size(limit)}")
            pieces.append(piece)
    return pieces[0] if len(pieces) == 1 else b"".join(pieces)


def _size(limit: int) -> str:
    mb = limit / (1 << 20)
    return f"{mb:g} MB" if mb >= 1 else f"{limit} bytes"


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
        self, url: httpx.URL | str, params: Params | None, headers: httpx.Headers,
        timeout: float, limit: int = DEFAULT_MAX_RESPONSE_MB * MB,
    ) -> tuple[int, httpx.Headers, bytes]:
        """GET ``url``; the status, headers and whole (unpacked) body.

        Raises :class:`BodyRefused` when the body passes ``limit`` bytes. Redirects are never
        followed: a transport does not follow them, and nothing here does.
        """
        request = httpx.Request(
            "GET", url, params=params, headers=headers,
            extensions={"timeout": {"connect": timeout, "read": timeout, "write": timeout,
                                    "pool": timeout}},
        )
        async with self._slots:
            if self._given is not None:
                return await _exchange(self._given, request, limit)
            origin = (request.url.raw_scheme, request.url.raw_host, request.url.port)
            free = self._free.setdefault(origin, [])
            lane = free.pop() if free else self._lane(request.url)
            result = await _exchange(lane, request, limit)
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
    transport: httpx.AsyncBaseTransport, request: httpx.Request, limit: int
) -> tuple[int, httpx.Headers, bytes]:
    response = await transport.handle_async_request(request)
    try:
        # Closing a response that was not read to its end closes its connection too, so a
        # refused body is never drained (that would be the download the limit is there to stop).
        raw = await read_body(response, limit)
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
        self.scope = BaseScope.of(self.base_url)
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
        """``path`` under the base URL, or a full URL (a ``paging.next`` link) that is under it."""
        return str(self.target(path))

    def target(self, path: str) -> httpx.URL | str:
        """:meth:`url`, checked; raises :class:`MalformedResponse` for anything off the base.

        Checked before any request is made: a link from a body must never take the token to
        another host, scheme, port or API. A link is parsed, checked and sent as parsed, so what
        was checked is exactly what goes out.
        """
        if _ABSOLUTE.match(path):
            return self._checked(path, "paging link")
        full = f"{self.base_url}/{path.lstrip('/')}"
        # A plain path appended to the base cannot leave it unless it steps up ("..", "%2e%2e")
        # or is not a valid URL: only those pay for a parse (this runs for every request).
        if path.isascii() and path.isprintable() and "." not in path and (
            "%2e" not in path.lower()
        ):
            return full
        return self._checked(full, "path")

    def _checked(self, full: str, what: str) -> httpx.URL:
        try:
            parsed = httpx.URL(full)
        except httpx.InvalidURL:
            # Not quoted: it may hold control characters meant for a terminal.
            raise MalformedResponse(platform=self.platform,
                                    detail=f"{what} is not a valid URL") from None
        if not self.scope.holds(parsed):
            shown = self._redact(shown_url(parsed))
            raise MalformedResponse(
                platform=self.platform, detail=f"{what} outside {self.scope.shown}: {shown}"
            )
        return parsed

    async def get(self, path: str, params: Params | None = None) -> Any:
        """GET a JSON document, retrying and waiting as the platform asks; raise on failure."""
        target = self.target(path)
        url = str(target)  # for logs and messages
        started = self._clock()
        deadline = started + self.settings.call_deadline_s
        attempt = 0
        while True:
            attempt += 1
            await self._wait_turn(deadline)
            remaining = deadline - self._clock()
            timeout = max(0.001, min(self.settings.request_timeout_s, remaining))
            verdict, body = await self._attempt(url, target, params, timeout)
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
        self, url: str, target: httpx.URL | str, params: Params | None, timeout: float
    ) -> tuple[Verdict, Any]:
        """Send one request; return the verdict on what came back, and its body."""
        self.requests += 1
        try:
            async with asyncio.timeout(timeout):
                status, headers, raw = await self._session.get(
                    target, params, self._headers, timeout, self.settings.max_response_bytes
                )
        except BodyRefused as refused:
            # Not retried: the same request would bring the same body.
            log.info("GET %s: %s", self._shown(url), refused.detail)
            return Verdict("malformed", detail=refused.detail), None
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
        verdict = redirect_verdict(reply, url) or self._policy.judge(reply, self._wall())
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
