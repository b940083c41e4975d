"""The HTTP session of one sync: connections, the request cap, and the exchange of one request.

:func:`open_http` opens it; every platform's :class:`~governance.platforms.http.PlatformHttp`
sends through it. A given ``transport`` (the emulation in-process, a test's mock) replaces the
network entirely, which is how tests and the demo never reach a real host.
"""

from __future__ import annotations

import asyncio
import ssl
import urllib.request
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

import httpcore
import httpx

from governance.platforms.asyncio_net import AsyncioBackend
from governance.platforms.body import read_body
from governance.platforms.settings import DEFAULT_MAX_RESPONSE_MB, MB

Params = Mapping[str, str | int]

#: What a test or the demo may pass to route requests elsewhere (an ASGI or mock transport).
Transport = httpx.AsyncBaseTransport

#: Headers every request carries (what ``httpx.AsyncClient`` would add by default).
DEFAULT_HEADERS: Mapping[str, str] = {
    "Accept": "application/json",
    "Accept-Encoding": "gzip, deflate",
    "Connection": "keep-alive",
    "User-Agent": f"kontokoll python-httpx/{httpx.__version__}",
}


#: The header of an encoded form (as httpx sets it for ``data=``).
_FORM_TYPE = ((b"Content-Type", b"application/x-www-form-urlencoded"),)


class HttpSession:
    """The HTTP of one sync: keep-alive connections lent out one request at a time.

    Each "lane" is an httpx transport with a pool of exactly one connection, kept per origin on
    a last-in-first-out free list, so a request reuses the most recently used warm connection.
    One shared pool of many connections would do the same job, but httpcore scans every
    connection of its pool (with socket system calls) on each request and each response, which
    made the pool the client's biggest cost at 40 connections. With a given ``transport`` (the
    emulation in-process, a mock) every request goes through it; it manages its own connections.
    The lanes reach the network through ``backend`` (default: :class:`AsyncioBackend`, asyncio's
    sockets and TLS without anyio's layer; ``httpcore.AnyIOBackend()`` is httpx's own).
    """

    def __init__(self, transport: Transport | None, connections: int,
                 backend: httpcore.AsyncNetworkBackend | None = None) -> None:
        self._given = transport
        #: How the lanes' connections reach the network (asyncio's own, not anyio's).
        self._backend = backend or AsyncioBackend()
        self._slots = asyncio.Semaphore(max(1, connections))
        self._free: dict[tuple[bytes, bytes, int | None], list[httpx.AsyncHTTPTransport]] = {}
        self._lanes: list[httpx.AsyncHTTPTransport] = []
        self._ssl: ssl.SSLContext | None = None
        self._no_trust: ssl.SSLContext | None = None

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
        return await self._send(request, limit, timeout)

    async def post(
        self, url: str, form: str, headers: httpx.Headers, timeout: float,
        limit: int = DEFAULT_MAX_RESPONSE_MB * MB,
    ) -> tuple[int, httpx.Headers, bytes]:
        """POST a form, already encoded (a Graph batch request); the status, headers and whole
        body."""
        request = httpx.Request(
            "POST", url, content=form.encode(), headers=[*headers.raw, *_FORM_TYPE],
            extensions={"timeout": {"connect": timeout, "read": timeout, "write": timeout,
                                    "pool": timeout}},
        )
        return await self._send(request, limit, timeout)

    async def _send(
        self, request: httpx.Request, limit: int, timeout: float
    ) -> tuple[int, httpx.Headers, bytes]:
        """Send once a connection is free; ``timeout`` runs from then (waiting for a free
        connection is not the platform being slow)."""
        async with self._slots, asyncio.timeout(timeout):
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
        lane = httpx.AsyncHTTPTransport(
            verify=self._tls(url), proxy=_environment_proxy(url),
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
        )
        # httpx builds the pool (TLS, proxy, limits, keep-alive) but takes no network backend;
        # the pool does (httpcore's extension point), and reads it only when it connects.
        lane._pool._network_backend = self._backend
        self._lanes.append(lane)
        return lane

    def _tls(self, url: httpx.URL) -> ssl.SSLContext:
        """The TLS context of a lane to ``url``'s origin.

        Loading the CA certificates costs ~40 ms of CPU, so it is done once, and only when an
        https origin needs it: a plain-http lane (the emulation, a test) never starts TLS with
        its origin (a proxy's own TLS takes the proxy's context). It still gets a context that
        verifies but trusts no one, so that any TLS it were to start would fail, not go unchecked.
        """
        if url.scheme != "https":
            if self._no_trust is None:
                self._no_trust = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            return self._no_trust
        if self._ssl is None:
            # SSL_CERT_FILE/SSL_CERT_DIR are honoured.
            self._ssl = httpx.create_ssl_context()
        return self._ssl

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
