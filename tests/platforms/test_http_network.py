"""The sync's HTTP session over real sockets: plain TCP and TLS on 127.0.0.1, no other host.

The session's lanes connect through :class:`governance.platforms.asyncio_net.AsyncioBackend`.
What a request ends in (an answer, a timeout, a broken connection, a refused certificate) must
be what httpx's own backend (anyio's) gives, so each broken case runs on both and compares.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import socket
import ssl
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import httpcore
import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from governance.platforms.asyncio_net import AsyncioBackend
from governance.platforms.body import BodyRefused
from governance.platforms.session import DEFAULT_HEADERS, HttpSession, open_http

HEADERS = httpx.Headers({**DEFAULT_HEADERS, "Authorization": "Bearer test-token"})
BACKENDS = {"asyncio": AsyncioBackend, "anyio": httpcore.AnyIOBackend}
Reply = Callable[[str, asyncio.StreamWriter], Awaitable[None]]


class Server:
    """A small HTTP/1.1 server on 127.0.0.1 that answers each request as ``reply`` says and
    counts the connections it accepted."""

    def __init__(self, reply: Reply) -> None:
        self.reply = reply
        self.connections = 0
        self.requests: list[str] = []
        self.handlers: set[asyncio.Task[object]] = set()

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        handler = asyncio.current_task()
        assert handler is not None
        self.handlers.add(handler)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                target = head.split(b" ", 2)[1].decode()
                self.requests.append(target)
                length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), 0)
                await reader.readexactly(length)
                await self.reply(target, writer)
                if writer.is_closing():
                    return
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass  # the client went, or the test is over
        finally:
            writer.close()
            self.handlers.discard(handler)


async def answer(writer: asyncio.StreamWriter, body: bytes, *extra: str) -> None:
    head = "\r\n".join(["HTTP/1.1 200 OK", "Content-Type: application/json",
                        f"Content-Length: {len(body)}", *extra, "", ""])
    writer.write(head.encode() + body)
    await writer.drain()


async def echo(target: str, writer: asyncio.StreamWriter) -> None:
    await answer(writer, b'{"target": "%s"}' % target.encode())


@asynccontextmanager
async def serving(reply: Reply, tls: ssl.SSLContext | None = None) -> AsyncIterator[
        tuple[Server, str]]:
    server = Server(reply)
    listening = await asyncio.start_server(server.serve, "127.0.0.1", 0, ssl=tls)
    port = listening.sockets[0].getsockname()[1]
    try:
        yield server, f"{'https' if tls else 'http'}://127.0.0.1:{port}"
    finally:
        listening.close()
        for handler in list(server.handlers):
            handler.cancel()
        await asyncio.gather(*server.handlers, return_exceptions=True)


T = TypeVar("T")


def run(coroutine: Awaitable[T]) -> T:
    async def main() -> T:
        return await coroutine
    return asyncio.run(main())


def session(backend: str = "asyncio") -> HttpSession:
    return HttpSession(None, connections=4, backend=BACKENDS[backend]())


def test_requests_go_over_one_kept_alive_connection_with_their_query(
        monkeypatch: pytest.MonkeyPatch) -> None:
    connected: list[tuple[str, int]] = []
    connect = AsyncioBackend.connect_tcp

    async def counted(self: AsyncioBackend, host: str, port: int,
                      **options: Any) -> httpcore.AsyncNetworkStream:
        connected.append((host, port))
        return await connect(self, host, port, **options)

    monkeypatch.setattr(AsyncioBackend, "connect_tcp", counted)

    async def scenario() -> tuple[list[tuple[int, bytes]], Server]:
        async with serving(echo) as (server, base), open_http() as opened:
            assert isinstance(opened, HttpSession)
            got = [(status, raw) for status, _, raw in [
                await opened.get(f"{base}/v1/me", {"fields": "id,name", "n": i}, HEADERS, 5)
                for i in range(3)]]
        return got, server

    got, server = run(scenario())
    assert [status for status, _ in got] == [200, 200, 200]
    assert got[2][1] == b'{"target": "/v1/me?fields=id%2Cname&n=2"}'
    assert server.connections == 1
    assert len(connected) == 1  # the session's own backend opened it


def test_a_body_larger_than_the_socket_buffers_is_written_whole() -> None:
    form = "batch=" + "x" * (8 << 20)  # past what the kernel buffers: writing waits to drain

    async def sized(target: str, writer: asyncio.StreamWriter) -> None:
        await answer(writer, b"{}")

    async def scenario() -> tuple[int, list[str]]:
        async with serving(sized) as (server, base):
            http = session()
            try:
                status, _, _ = await http.post(f"{base}/batch", form, HEADERS, 30)
                status_after, _, _ = await http.get(f"{base}/after", None, HEADERS, 5)
            finally:
                await http.aclose()
        assert status_after == 200
        return status, server.requests

    assert run(scenario()) == (200, ["/batch", "/after"])


def test_a_connection_the_server_closed_while_idle_is_not_used_again() -> None:
    async def close_after(target: str, writer: asyncio.StreamWriter) -> None:
        await answer(writer, b"{}")
        writer.close()

    async def scenario() -> tuple[list[int], int]:
        async with serving(close_after) as (server, base):
            http = session()
            try:
                first, _, _ = await http.get(f"{base}/a", None, HEADERS, 5)
                for _ in range(20):  # until the client's loop has seen the end
                    await asyncio.sleep(0.01)
                second, _, _ = await http.get(f"{base}/b", None, HEADERS, 5)
            finally:
                await http.aclose()
        return [first, second], server.connections

    assert run(scenario()) == ([200, 200], 2)


def test_tls_is_verified_against_the_trusted_certificates(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    server_tls, authority = _certificates(tmp_path)

    async def scenario() -> tuple[int, bytes]:
        async with serving(echo, server_tls) as (_, base):
            http = session()
            try:
                status, _, raw = await http.get(f"{base}/secure", None, HEADERS, 5)
            finally:
                await http.aclose()
        return status, raw

    monkeypatch.setenv("SSL_CERT_FILE", str(authority))
    assert run(scenario()) == (200, b'{"target": "/secure"}')
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "other-ca.pem"))
    _certificates(tmp_path, prefix="other-")  # a CA that did not sign the server's
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        run(scenario())


async def never(target: str, writer: asyncio.StreamWriter) -> None:
    await asyncio.sleep(3600)


async def cut_short(target: str, writer: asyncio.StreamWriter) -> None:
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n{\"partial\": ")
    await writer.drain()
    writer.close()


async def endless_gzip(target: str, writer: asyncio.StreamWriter) -> None:
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n")
    packer = zlib.compressobj(wbits=zlib.MAX_WBITS | 16)  # one gzip stream, never ending
    for _ in range(200):
        piece = packer.compress(b"0," * 500_000) + packer.flush(zlib.Z_SYNC_FLUSH)
        writer.write(b"%x\r\n%s\r\n" % (len(piece), piece))
        await writer.drain()
        # A piece this small never fills the socket, so drain() does not wait: give the client,
        # on the same loop, its turn to read (else this loop packs 200 MB first, and a loaded
        # machine ran past the client's timeout before the client had read a byte).
        await asyncio.sleep(0)


def _outcome(backend: str, reply: Reply | None, timeout: float = 5.0,
             limit: int = 1 << 20) -> str:
    """What a GET ends in on ``backend``: a status, or the exception's type."""
    async def scenario() -> str:
        http = HttpSession(None, connections=1, backend=BACKENDS[backend]())
        try:
            if reply is None:  # nobody listens on the port
                status, _, _ = await http.get(f"http://127.0.0.1:{_closed_port()}/x", None,
                                              HEADERS, timeout)
                return str(status)
            async with serving(reply) as (_, base):
                status, _, _ = await http.get(f"{base}/x", None, HEADERS, timeout, limit)
                return str(status)
        except (TimeoutError, httpx.HTTPError, BodyRefused) as error:
            return type(error).__name__
        finally:
            await http.aclose()

    return run(scenario())


@pytest.mark.parametrize(("reply", "expected"), [
    (None, "ConnectError"),
    (never, "TimeoutError"),
    (cut_short, "RemoteProtocolError"),
    (endless_gzip, "BodyRefused"),
    (echo, "200"),
], ids=["refused", "silent", "cut-short", "too-large", "answered"])
def test_each_failure_ends_as_on_httpx_own_backend(reply: Reply | None, expected: str) -> None:
    # Only the silent server is about a timeout, and it never answers; the others end long before
    # a timeout that no loaded machine reaches.
    timeout = 0.3 if reply is never else 120.0
    outcomes = {backend: _outcome(backend, reply, timeout) for backend in BACKENDS}
    assert outcomes == {"asyncio": expected, "anyio": expected}


def test_a_read_past_its_timeout_raises_read_timeout_and_a_late_answer_is_still_read() -> None:
    async def scenario() -> tuple[str, bytes]:
        held = asyncio.Event()

        async def late(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await held.wait()
            writer.write(b"late")
            await writer.drain()
            writer.close()

        listening = await asyncio.start_server(late, "127.0.0.1", 0)
        port = listening.sockets[0].getsockname()[1]
        stream = await AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=5)
        try:
            with pytest.raises(httpcore.ReadTimeout) as raised:
                await stream.read(100, timeout=0.05)
            held.set()
            return type(raised.value).__name__, await stream.read(100, timeout=5)
        finally:
            await stream.aclose()
            listening.close()
            await listening.wait_closed()

    assert run(scenario()) == ("ReadTimeout", b"late")


def _closed_port() -> int:
    """A port nothing listens on (it was free a moment ago)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _certificates(directory: Path, prefix: str = "") -> tuple[ssl.SSLContext, Path]:
    """A certificate authority (its PEM written to ``directory``) and a server context whose
    certificate it signed, for 127.0.0.1."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{prefix}Kontokoll test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
            .issuer_name(ca_name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    authority = directory / f"{prefix}ca.pem"
    authority.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    chain = directory / f"{prefix}server.pem"
    chain.write_bytes(cert.public_bytes(serialization.Encoding.PEM) + key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(chain)
    return context, authority
