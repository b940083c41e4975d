"""The emulation's ASGI application: routing, latency, rate-limit headers and injected faults.

Each platform is served under its own prefix (see :func:`base_urls`), with the same paths below
it as the real API. Handlers live in one module per platform and return a :class:`Answer`; this
module adds what every platform shares: token checks, latency, faults and the request log.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import urlencode

import orjson

from governance.emulation import batch
from governance.emulation.data import AccountData, AccountProfile, Post, generate
from governance.emulation.query import query

T = TypeVar("T")

PREFIXES: Mapping[str, str] = {
    "facebook": "/facebook/v26.0",
    "instagram": "/instagram/v26.0",
    "linkedin": "/linkedin/rest",
    "x": "/x/2",
    "youtube": "/youtube/youtube/v3",
}

FAULT_KINDS = (
    "timeout", "server-error", "retry-after", "rate-limit", "usage-high", "quota", "token-expired",
    "html", "truncated", "string-numbers", "nulls", "paging-loop", "forbidden",
)


def base_urls(root: str = "http://emulation") -> dict[str, str]:
    """The base URL of each platform when the emulation is served at ``root``."""
    return {platform: root.rstrip("/") + prefix for platform, prefix in PREFIXES.items()}


@dataclass(frozen=True)
class Fault:
    """A misbehaviour to inject.

    ``kind`` is one of :data:`FAULT_KINDS`. It hits requests of ``platform`` (all if None) for
    ``account`` (a platform id or handle; all if None) whose path contains ``path``, ``times``
    times (every time if None). ``wait_s`` is the reset time of rate-limit faults, ``code`` the
    Graph error code of a Meta rate limit (default 80001, or 80002 on Instagram).
    """

    kind: str
    platform: str | None = None
    account: str | None = None
    path: str = ""
    times: int | None = None
    wait_s: float = 30.0
    code: int = 0

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {self.kind!r}")


@dataclass(frozen=True)
class Seen:
    """One request as the emulation received it (tests assert on these)."""

    platform: str
    path: str
    params: dict[str, str]
    headers: dict[str, str]
    account: str | None


@dataclass
class Answer:
    """A handler's response before faults and encoding."""

    body: Any
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    #: How to make this listing loop (for the paging-loop fault), set by the handler.
    loop: Callable[[Any], Any] | None = None


@dataclass
class Request:
    """What a handler gets."""

    platform: str
    parts: list[str]
    params: dict[str, str]
    headers: dict[str, str]
    now: datetime
    url: str
    emulation: Emulation
    fault_kinds: frozenset[str] = frozenset()

    def link(self, **changes: str | int) -> str:
        """This request's URL with some query parameters changed (for ``next`` links)."""
        params = {**self.params, **{k: str(v) for k, v in changes.items()}}
        return f"{self.url}?{urlencode(params)}"


Handler = Callable[[Request, AccountData], Answer]
Router = Callable[[Request], tuple[AccountData | None, Handler | None]]


class Emulation:
    """An ASGI app serving the five APIs for a list of account profiles."""

    def __init__(
        self,
        profiles: Sequence[AccountProfile],
        *,
        now: datetime,
        latency_s: float = 0.0,
        faults: Sequence[Fault] | None = None,
        seed: int = 0,
        tokens: Mapping[str, str] | None = None,
        wall: Callable[[], float] = time.time,
        hang_s: float = 30.0,
    ) -> None:
        self.now = now
        self.latency_s = latency_s
        self.tokens = dict(tokens or {})
        self.wall = wall
        self.hang_s = hang_s
        self.seen: list[Seen] = []
        self.served: Counter[str] = Counter()
        #: The platform of each Graph batch request served.
        self.batches: list[str] = []
        self._faults = list(faults or [])
        self._used: Counter[int] = Counter()
        self._calls: Counter[tuple[str, str]] = Counter()
        self._memo: dict[tuple[Any, ...], Any] = {}
        self.accounts: dict[tuple[str, str], AccountData] = {}
        for profile in profiles:
            data = generate(profile, now=now, seed=seed)
            self.accounts[(profile.platform, profile.platform_id)] = data
            self.accounts[(profile.platform, profile.handle.lower())] = data
        #: The X account whose user-context token the emulation is given (the first X profile
        #: unless set): only its direct messages can be read (``GET /2/users/me``).
        self.x_token_owner = next((p.platform_id for p in profiles if p.platform == "x"), "")
        self.videos = {
            post.id: data
            for (platform, _), data in self.accounts.items() if platform == "youtube"
            for post in data.posts
        }
        #: (platform, post id) -> its account, for the requests that name a post.
        self.posts = {
            (platform, post.id): data
            for (platform, _), data in self.accounts.items() for post in data.posts
        }
        from governance.emulation import linkedin, meta, x, youtube

        self._routers: dict[str, Router] = {
            "facebook": meta.route, "instagram": meta.route, "linkedin": linkedin.route,
            "x": x.route, "youtube": youtube.route,
        }

    def rename(self, platform: str, handle: str, new_handle: str) -> None:
        """The account now goes by ``new_handle``; the old handle leads nowhere."""
        data = self.accounts.pop((platform, handle.lower()))
        self._replace(data, replace(data, profile=replace(data.profile, handle=new_handle)))

    def recreate(self, platform: str, handle: str, new_id: str) -> None:
        """The account behind ``handle`` is deleted and made anew: it answers to ``new_id``
        (with the same history), and its old id leads nowhere."""
        data = self.accounts.pop((platform, self.accounts[(platform, handle.lower())]
                                  .profile.platform_id))
        old = data.profile.platform_id  # a Page's post ids are {page-id}_{post-id}: new ones
        posts = tuple(replace(p, id=new_id + p.id.removeprefix(old)) if platform == "facebook"
                      else p for p in data.posts)
        new = replace(data, profile=replace(data.profile, platform_id=new_id), posts=posts)
        self._replace(data, new)
        for before, after in zip(data.posts, posts, strict=True):
            self.posts[(platform, after.id)] = self.posts.pop((platform, before.id))

    def _replace(self, old: AccountData, new: AccountData) -> None:
        profile = new.profile
        for table in (self.accounts, self.videos, self.posts):
            for key, value in list(table.items()):
                if value is old:
                    table[key] = new  # type: ignore[index]
        self.accounts[(profile.platform, profile.platform_id)] = new
        self.accounts[(profile.platform, profile.handle.lower())] = new

    def add_fault(self, fault: Fault) -> None:
        """Inject one more fault from now on."""
        self._faults.append(fault)

    def memo(self, key: tuple[Any, ...], build: Callable[[], T]) -> T:
        """``build()``, computed once per ``key``: a listing is built once and served by pages.

        Callers must not change what comes back (faults copy a body before they spoil it).
        """
        try:
            found: T = self._memo[key]
        except KeyError:
            found = self._memo[key] = build()
        return found

    def post(self, platform: str, post_id: str) -> tuple[AccountData, Post] | None:
        """The post with this id and its account (None: no such post, or not yet posted)."""
        data = self.posts.get((platform, post_id))
        found = data.by_id.get(post_id) if data else None
        return (data, found) if data and found and found.at <= self.now else None

    def account(self, platform: str, key: str) -> AccountData | None:
        """The account with this platform id or handle."""
        return self.accounts.get((platform, key)) or self.accounts.get((platform, key.lower()))

    async def __call__(
        self,
        scope: MutableMapping[str, Any],
        receive: Callable[[], Awaitable[MutableMapping[str, Any]]],
        send: Callable[[MutableMapping[str, Any]], Awaitable[None]],
    ) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        path = scope["path"]
        prefix = next((pre for p, pre in PREFIXES.items() if p in ("facebook", "instagram")
                       and batch.is_batch(scope.get("method", "GET"), path, pre)), None)
        if prefix is not None:
            status, headers, body = await self._batch(scope, prefix, await batch.form(receive))
        else:
            status, headers, body = await self._answer(scope, _headers(scope))
        await send({
            "type": "http.response.start",
            "status": status,
            "headers": [(k.encode(), v.encode()) for k, v in headers.items()],
        })
        await send({"type": "http.response.body", "body": body})

    async def _batch(self, scope: MutableMapping[str, Any], prefix: str,
                     form: bytes) -> tuple[int, dict[str, str], bytes]:
        """A Graph batch request: one latency and one request served, each call run alone."""
        if self.latency_s:
            await asyncio.sleep(self.latency_s)
        platform = next(p for p, pre in PREFIXES.items() if pre == prefix)
        self.served[platform] += 1
        self.batches.append(platform)
        shared = _headers(scope)  # every call of the batch comes with the batch's headers

        async def item(one: MutableMapping[str, Any]) -> batch.Exchange | None:
            answered: batch.Exchange | None = await self._answer(one, shared, item=True)
            return answered

        status, headers, body = await batch.answer(scope, prefix, form, item)
        # The usage headers come on the batch's own answer, as Meta sends them.
        headers["x-app-usage"] = _USAGE_LOW
        return status, headers, body

    async def _answer(self, scope: MutableMapping[str, Any], headers: dict[str, str], *,
                      item: bool = False) -> Any:
        from governance.emulation import errors

        path: str = scope["path"]
        params = query(scope.get("query_string", b"").decode())
        if self.latency_s and not item:
            await asyncio.sleep(self.latency_s)
        platform = next((p for p, pre in PREFIXES.items() if path.startswith(pre + "/")), None)
        if platform is None:
            return _json(404, {"error": "no such API"})
        host = headers.get("host", "emulation")
        request = Request(
            platform, path[len(PREFIXES[platform]) + 1:].split("/"), params, headers, self.now,
            f"{scope.get('scheme', 'http')}://{host}{path}", self,
        )
        data, handler = self._routers[platform](request)
        account = data.profile.platform_id if data else None
        shown = {k: ("***" if k in ("authorization", "x-goog-api-key") else v)
                 for k, v in headers.items()}
        self.seen.append(Seen(platform, path, params, shown, account))
        if not item:
            self.served[platform] += 1
        faults = self._matching(platform, path, data)
        kinds = frozenset(f.kind for f in faults)
        request.fault_kinds = kinds
        if "timeout" in kinds:
            if item:
                return None  # a call the batch did not finish in time: null
            await asyncio.sleep(self.hang_s)
        token = _token(platform, headers, params)
        wanted = self.tokens.get(platform)
        if not token or (wanted is not None and token != wanted) or "token-expired" in kinds:
            return self._encode(errors.denied(request, "expired" if token else "missing"))
        for fault in faults:
            early = _early(fault, request, self.wall())
            if early is not None:
                return self._encode(early)
        if handler is None or data is None:
            return self._encode(errors.not_found(request))
        answer = handler(request, data)
        self._rate_headers(platform, path, account, answer, kinds)
        return self._encode(_late(kinds, platform, answer))

    def _matching(self, platform: str, path: str, data: AccountData | None) -> list[Fault]:
        hits = []
        for index, fault in enumerate(self._faults):
            if fault.platform not in (None, platform) or fault.path not in path:
                continue
            if fault.account is not None and (
                data is None or fault.account not in (data.profile.platform_id,
                                                      data.profile.handle)
            ):
                continue
            if fault.times is not None and self._used[index] >= fault.times:
                continue
            self._used[index] += 1
            hits.append(fault)
        return hits

    def _rate_headers(
        self, platform: str, path: str, account: str | None, answer: Answer, kinds: frozenset[str]
    ) -> None:
        high = "usage-high" in kinds
        if platform == "x":
            limit = 900
            endpoint = path.rsplit("/", 1)[-1] if account else path
            self._calls[(endpoint, account or "")] += 1
            used = self._calls[(endpoint, account or "")]
            answer.headers.update({
                "x-rate-limit-limit": str(limit),
                "x-rate-limit-remaining": "1" if high else str(max(0, limit - used)),
                "x-rate-limit-reset": str(int(self.wall()) + 900),
            })
        elif platform in ("facebook", "instagram"):
            answer.headers["x-app-usage"] = _USAGE_HIGH if high else _USAGE_LOW

    def _encode(self, answer: Answer) -> tuple[int, dict[str, str], bytes]:
        headers = dict(answer.headers)
        if isinstance(answer.body, bytes):
            body = answer.body
            headers.setdefault("content-type", "text/html; charset=utf-8")
        else:
            body = orjson.dumps(answer.body)
            headers.setdefault("content-type", "application/json; charset=UTF-8")
        headers["content-length"] = str(len(body))
        return answer.status, headers, body


_USAGE_LOW = json.dumps({"call_count": 3, "total_cputime": 1, "total_time": 1})
_USAGE_HIGH = json.dumps({"call_count": 85, "total_cputime": 1, "total_time": 1})


def _headers(scope: MutableMapping[str, Any]) -> dict[str, str]:
    return {k.decode().lower(): v.decode() for k, v in scope["headers"]}


def _token(platform: str, headers: Mapping[str, str], params: Mapping[str, str]) -> str:
    if platform == "youtube":
        return headers.get("x-goog-api-key") or params.get("key", "")
    auth = headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return params.get("access_token", "")


def _json(status: int, body: Any) -> tuple[int, dict[str, str], bytes]:
    raw = json.dumps(body).encode()
    return status, {"content-type": "application/json", "content-length": str(len(raw))}, raw


HTML_PAGE = (
    b"<!DOCTYPE html><html><head><title>Error</title></head><body><h1>Sorry, something went"
    b" wrong.</h1><p>We're working on it and we'll get it fixed as soon as we can.</p>"
    b"</body></html>"
)


def _early(fault: Fault, request: Request, wall: float) -> Answer | None:
    """Faults that replace the whole answer."""
    from governance.emulation import errors

    if fault.kind == "server-error":
        return Answer(HTML_PAGE, 502)
    if fault.kind == "retry-after":
        return Answer({"message": "Too Many Requests"}, 429,
                      {"retry-after": str(int(fault.wait_s))})
    if fault.kind == "rate-limit":
        return errors.rate_limit(request, fault, wall)
    if fault.kind == "quota":
        return errors.quota(request)
    if fault.kind == "html":
        return Answer(HTML_PAGE, 200)
    if fault.kind == "forbidden":
        return errors.forbidden(request)
    return None


def _late(kinds: frozenset[str], platform: str, answer: Answer) -> Answer:
    """Faults that spoil a good answer."""
    if "paging-loop" in kinds and answer.loop is not None:
        answer.body = answer.loop(answer.body)
    if "string-numbers" in kinds:
        answer.body = _walk(answer.body, lambda v: str(v))
    if "nulls" in kinds:
        answer.body = _walk(answer.body, lambda v: None, strings=platform == "youtube")
    if "truncated" in kinds:
        raw = json.dumps(answer.body).encode()
        answer.body = raw[: max(1, len(raw) // 2)]
        answer.headers["content-type"] = "application/json; charset=UTF-8"
    return answer


def _walk(value: Any, change: Callable[[int], Any], *, strings: bool = False) -> Any:
    """``value`` with every number (and, for YouTube, every numeric string) changed."""
    if isinstance(value, dict):
        return {k: _walk(v, change, strings=strings) for k, v in value.items()}
    if isinstance(value, list):
        return [_walk(v, change, strings=strings) for v in value]
    if isinstance(value, int) and not isinstance(value, bool):
        return change(value)
    if strings and isinstance(value, str) and value.isdigit():
        return change(int(value))
    return value


async def _lifespan(
    receive: Callable[[], Awaitable[MutableMapping[str, Any]]],
    send: Callable[[MutableMapping[str, Any]], Awaitable[None]],
) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
