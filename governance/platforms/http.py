"""The one HTTP layer every platform client uses: one account's calls to one platform.

It gives each request a timeout and each call an overall deadline, retries connection errors and
5xx with exponential backoff and jitter, honours rate limits (the platform's :class:`Policy` reads
its signals), slows down before a limit, counts requests and keeps tokens out of every log line
and message. Clocks, sleep and randomness are injected so that tests never really wait.

It is also where a platform's answers are kept from steering the client: every request, a
``paging.next`` link from a body included, must stay under the platform's base URL (same scheme,
host, port and path), or no request is sent and the account fails; redirects are never followed;
and a body is read as a stream and given up as soon as it (or its unpacked form) passes
``Settings.max_response_bytes``.

httpx is imported only by this layer: this module, :mod:`.session` (connections and the exchange
of one request; its sockets and TLS: :mod:`.asyncio_net`), :mod:`.body` (bounded reading),
:mod:`.scope` (where requests may go) and :mod:`.replies` (what a policy sees and decides). The
clients see none of it.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson

from governance.i18n import t
from governance.platforms.batching import BadBatchAnswer, Usage
from governance.platforms.body import BodyRefused
from governance.platforms.errors import (
    MalformedResponse,
    PlatformRefused,
    PlatformUnavailable,
    RateLimited,
    TokenExpired,
)
from governance.platforms.quota import count_quota
from governance.platforms.replies import (
    OK,
    Policy,
    Reply,
    Throttle,
    Verdict,
    credible_wait,
    generic_verdict,
    redirect_verdict,
)
from governance.platforms.scope import ABSOLUTE_URL, BaseScope, shown_url
from governance.platforms.session import DEFAULT_HEADERS, HttpSession, Params
from governance.platforms.settings import Settings
from governance.platforms.tokens import Redactor

log = logging.getLogger("kontokoll.platforms")

Sleep = Callable[[float], Awaitable[None]]
#: The platforms whose calls go in Graph API batch requests (governance.platforms.batching).
GRAPH_PLATFORMS = frozenset({"facebook", "instagram"})


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
        usage: Usage | None = None,
        batch: bool = False,
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
        #: The platform's costs in this sync, shared by its accounts (see governance.sync).
        self.usage = usage or Usage()
        #: Whether calls may be sent with other accounts' (the clients' id lookups ask this).
        self.batching = batch
        self._batcher = self.usage.graph(
            session, self.base_url, self._headers, settings.max_response_bytes
        ) if batch and platform in GRAPH_PLATFORMS else None

    def url(self, path: str) -> str:
        """``path`` under the base URL, or a full URL (a ``paging.next`` link) that is under it."""
        return str(self.target(path))

    def target(self, path: str) -> httpx.URL | str:
        """:meth:`url`, checked; raises :class:`MalformedResponse` for anything off the base.

        Checked before any request is made: a link from a body must never take the token to
        another host, scheme, port or API. A link is parsed, checked and sent as parsed, so what
        was checked is exactly what goes out.
        """
        if ABSOLUTE_URL.match(path):
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
            # A wait the platform cannot mean (inf, negative, past a day) is unknown: back off.
            wait = credible_wait(verdict.wait_s)
            delay = wait if wait is not None else self._backoff(attempt)
            if verdict.kind == "wait":
                if delay > self.settings.max_rate_wait_s:
                    raise self._rate_limited(delay, verdict)
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
        self.usage.calls += 1
        try:
            # The timeout runs from when a connection is free (HttpSession), not while this
            # call waits for one or for its batch to be sent.
            if self._batcher is not None:
                status, headers, raw = await self._batcher.get(target, params, timeout)
            else:
                self.usage.http_requests += 1
                status, headers, raw = await self._session.get(
                    target, params, self._headers, timeout, self.settings.max_response_bytes
                )
        except (BodyRefused, BadBatchAnswer) as refused:
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
        count_quota(self.usage, self.platform, url, reply)
        if log.isEnabledFor(logging.DEBUG):
            log.debug("GET %s -> %s", self._shown(url), reply.status)
        asked = self._policy.pause(reply, self._wall(), self.settings)
        pause = credible_wait(asked)
        if pause is None and asked != 0:  # a limit is near, the wait named is not credible
            pause = self.settings.slowdown_s
        if pause:
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
            raise self._rate_limited(credible_wait(verdict.wait_s), verdict)
        if verdict.kind == "refused":
            raise PlatformRefused(platform=self.platform, detail=f"{detail} ({where})")
        if verdict.kind == "malformed":
            raise MalformedResponse(platform=self.platform, detail=f"{detail} ({where})")

    def _give_up(self, verdict: Verdict, url: str) -> None:
        if verdict.kind == "wait":
            raise self._rate_limited(credible_wait(verdict.wait_s), verdict)
        raise PlatformUnavailable(
            platform=self.platform, detail=f"{self._redact(verdict.detail)} ({self._shown(url)})"
        )

    def _rate_limited(self, wait_s: float | None, verdict: Verdict) -> RateLimited:
        """The stop for a rate limit; ``wait_s`` is the credible wait, None when unknown."""
        detail = self._redact(verdict.detail)
        if wait_s is None and verdict.wait_s is not None:
            # Said so, with what was asked (bounded: "inf", "1e+300"), never as minutes.
            return RateLimited("sync.error.rate_limited_doubtful", platform=self.platform,
                               detail=f"{detail}; a wait of {verdict.wait_s:.3g} s is not credible")
        if wait_s is None:
            return RateLimited("sync.error.rate_limited_unknown", platform=self.platform,
                               detail=detail)
        minutes = max(1, round(wait_s / 60))
        return RateLimited(platform=self.platform, minutes=minutes, detail=detail)

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with jitter: half fixed, half random, so clients spread out."""
        settings = self.settings
        ceiling = min(settings.backoff_max_s, settings.backoff_base_s * 2 ** (attempt - 1))
        return float(ceiling / 2 + self._rng.uniform(0, ceiling / 2))

    def _shown(self, url: str) -> str:
        """A URL fit for logs and messages: path only (queries may hold keys), then redacted."""
        return self._redact(urlsplit(url).path)


def _reply(status: int, headers: Mapping[str, str], raw: bytes) -> Reply:
    lowered = dict(headers.items())  # httpx gives the names lower-cased, repeats joined by ", "
    try:
        return Reply(status, lowered, orjson.loads(raw), True)
    except orjson.JSONDecodeError:  # HTML error pages, truncated bodies, bad UTF-8
        return Reply(status, lowered, None, False)
