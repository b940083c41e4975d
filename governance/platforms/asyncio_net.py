"""httpcore's network layer on plain asyncio: sockets as a protocol, TLS by the event loop.

httpcore reads and writes through a network backend (``httpcore.AsyncNetworkBackend``, its
documented extension point). Its default on asyncio goes through anyio, which opens a cancel
scope (and asks sniffio which event loop runs) around every read and write: a quarter of the
HTTP stack's CPU in a sync. This backend does the same work on the event loop directly: a read
that finds data already received returns it at once, and only a read that must wait arms a
timer. Timeouts, errors and TLS are httpcore's own: a read or write past its timeout raises
``ReadTimeout``/``WriteTimeout``, a connection that fails ``ConnectError``/``ConnectTimeout``,
and TLS is ``loop.start_tls`` with the context and server name httpcore gives (verification is
the context's, unchanged).
"""

from __future__ import annotations

import asyncio
import select
import socket
import ssl
from collections import deque
from collections.abc import Iterable
from typing import Any

import httpcore

#: Bytes received but not yet read past which the socket is not read further (flow control):
#: memory stays bounded however fast a server sends and however slowly a body is read.
_HIGH_WATER = 256 * 1024
#: What anyio waits before trying a host's next address (RFC 8305, "Happy Eyeballs").
_HAPPY_EYEBALLS_DELAY_S = 0.25


class _Receiver(asyncio.Protocol):
    """What the connection received, kept until read; and whether writing must wait."""

    def __init__(self) -> None:
        self.chunks: deque[bytes] = deque()
        self.buffered = 0
        self.eof = False
        #: Why the connection was lost (None: closed cleanly, or not lost).
        self.error: Exception | None = None
        self.lost = False
        self.transport: asyncio.Transport | None = None
        self._waiter: asyncio.Future[None] | None = None
        self._drained: asyncio.Future[None] | None = None
        self._reading_paused = False
        self.writing_paused = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.chunks.append(data)
        self.buffered += len(data)
        if self.buffered > _HIGH_WATER and not self._reading_paused and self.transport:
            self._reading_paused = True
            self.transport.pause_reading()
        self._wake()

    def eof_received(self) -> bool:
        self.eof = True
        self._wake()
        return False  # let the transport close itself

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost, self.error = True, exc
        self._wake()
        self.resume_writing()

    def pause_writing(self) -> None:
        self.writing_paused = True

    def resume_writing(self) -> None:
        self.writing_paused = False
        drained, self._drained = self._drained, None
        if drained is not None and not drained.done():
            drained.set_result(None)

    def take(self, most: int) -> bytes:
        """Up to ``most`` of the bytes received (whole chunks when they fit, as they came)."""
        chunk = self.chunks.popleft()
        if len(chunk) > most:
            chunk, rest = chunk[:most], chunk[most:]
            self.chunks.appendleft(rest)
        self.buffered -= len(chunk)
        if self._reading_paused and self.buffered <= _HIGH_WATER // 4 and self.transport:
            self._reading_paused = False
            self.transport.resume_reading()
        return chunk

    def waiter(self) -> asyncio.Future[None]:
        self._waiter = asyncio.get_running_loop().create_future()
        return self._waiter

    def drained(self) -> asyncio.Future[None]:
        self._drained = asyncio.get_running_loop().create_future()
        return self._drained

    def _wake(self) -> None:
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)


def _expire(future: asyncio.Future[None], error: type[Exception]) -> None:
    if not future.done():
        future.set_exception(error("timed out"))


async def _wait(future: asyncio.Future[None], timeout: float | None,
                error: type[Exception]) -> None:
    """Wait for ``future``, or raise ``error`` when ``timeout`` seconds pass first."""
    if timeout is None:
        await future
        return
    timer = asyncio.get_running_loop().call_later(timeout, _expire, future, error)
    try:
        await future
    finally:
        timer.cancel()


class AsyncioStream(httpcore.AsyncNetworkStream):
    """One connection (plain or TLS) as httpcore reads and writes it."""

    def __init__(self, transport: asyncio.Transport, receiver: _Receiver) -> None:
        self._transport = transport
        self._receiver = receiver

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        receiver = self._receiver
        if not receiver.chunks:
            if receiver.eof or receiver.lost:
                return self._after_end()
            await _wait(receiver.waiter(), timeout, httpcore.ReadTimeout)
            if not receiver.chunks:
                return self._after_end()
        return receiver.take(max_bytes)

    def _after_end(self) -> bytes:
        """What a read gets once nothing more will come: b"" (the end), or the error."""
        if self._receiver.error is not None:
            raise httpcore.ReadError(str(self._receiver.error))
        return b""

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        receiver = self._receiver
        if receiver.lost or self._transport.is_closing():
            raise httpcore.WriteError(str(receiver.error or "connection closed"))
        self._transport.write(buffer)
        if receiver.writing_paused:
            await _wait(receiver.drained(), timeout, httpcore.WriteTimeout)
            if receiver.lost and receiver.error is not None:
                raise httpcore.WriteError(str(receiver.error))

    async def aclose(self) -> None:
        # At once, as anyio's stream ends: no TLS goodbye to wait for, and a body left unread
        # (refused for its size) is not read on.
        self._transport.abort()

    async def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                upgraded = await loop.start_tls(self._transport, self._receiver, ssl_context,
                                                server_hostname=server_hostname)
        except TimeoutError:
            self._transport.abort()
            raise httpcore.ConnectTimeout("TLS handshake timed out") from None
        except (OSError, ssl.SSLError) as error:
            self._transport.abort()
            raise httpcore.ConnectError(str(error)) from error
        if upgraded is None:  # the connection closed during the handshake
            raise httpcore.ConnectError("connection closed during the TLS handshake")
        assert isinstance(upgraded, asyncio.Transport)
        self._receiver.transport = upgraded
        return AsyncioStream(upgraded, self._receiver)

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":
            return self._is_readable()
        if info == "ssl_object":
            return self._transport.get_extra_info("ssl_object")
        if info in ("client_addr", "server_addr"):
            return self._transport.get_extra_info(
                "sockname" if info == "client_addr" else "peername")
        if info == "socket":
            return self._transport.get_extra_info("socket")
        return None

    def _is_readable(self) -> bool:
        """Whether something (data, the end, an error) came that nobody asked for: a kept-alive
        connection the server closed, or wrote to, while it was idle is not used again."""
        receiver = self._receiver
        if receiver.chunks or receiver.eof or receiver.lost:
            return True
        raw = self._transport.get_extra_info("socket")
        if raw is None:
            return True
        poller = select.poll()
        poller.register(raw.fileno(), select.POLLIN)
        return bool(poller.poll(0))


class AsyncioBackend(httpcore.AsyncNetworkBackend):
    """Opens :class:`AsyncioStream` connections; what httpcore's pools are given."""

    async def connect_tcp(
        self, host: str, port: int, timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[tuple[int, int, Any] | tuple[int, int, None, int]] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                transport, receiver = await loop.create_connection(
                    _Receiver, host, port, happy_eyeballs_delay=_HAPPY_EYEBALLS_DELAY_S,
                    local_addr=(local_address, 0) if local_address else None)
        except TimeoutError:
            raise httpcore.ConnectTimeout("connection timed out") from None
        except OSError as error:
            raise httpcore.ConnectError(str(error)) from error
        raw: socket.socket = transport.get_extra_info("socket")
        for option in socket_options or ():
            raw.setsockopt(*option)
        return AsyncioStream(transport, receiver)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
