"""``kontokoll serve`` behind a proxy: who gets in (HTTP and WebSocket, TCP and Unix socket), who
gets a 403, and what the access log says."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from tests.serve.support import HEADER, Served, connector, mode_of, running_server, ws_url


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with running_server(tmp_path_factory.mktemp("serve")) as server:
        yield server


async def _get(served: Served, headers: dict[str, str], *, local: str = "127.0.0.1",
               path: str = "/") -> tuple[int, str]:
    async with aiohttp.ClientSession(
        connector=connector(served, local_addr=(local, 0))
    ) as session:
        base = "http://localhost" if served.socket else served.url
        async with session.get(base + path, headers=headers) as response:
            return response.status, await response.text()


async def _ws_status(served: Served, headers: dict[str, str], local: str = "127.0.0.1") -> int:
    """The HTTP status of a WebSocket upgrade (101 if it was accepted; closed at once)."""
    async with aiohttp.ClientSession(
        connector=connector(served, local_addr=(local, 0))
    ) as session:
        try:
            async with session.ws_connect(ws_url(served), headers=headers) as ws:
                await ws.close()
                return 101
        except aiohttp.WSServerHandshakeError as error:
            return error.status


def test_the_proxy_with_secret_and_login_gets_the_page_titled_with_the_register(
    served: Served,
) -> None:
    status, page = asyncio.run(_get(served, served.proxy_headers("lena")))
    assert status == 200
    assert "<title>Kontokoll</title>" in page
    assert str(served.data_dir) not in page and "python" not in page
    assert f'data-session-websocket-url="ws://127.0.0.1:{served.url.rsplit(":", 1)[1]}/ws"' in page


@pytest.mark.parametrize(
    ("local", "drop", "replace", "reason"),
    [
        ("127.0.0.2", None, {}, "untrusted-peer"),  # a local user, not the proxy
        ("127.0.0.1", "X-Kontokoll-Proxy-Secret", {}, "no-secret"),
        ("127.0.0.1", None, {"X-Kontokoll-Proxy-Secret": "guessed-guessed-guessed"}, "bad-secret"),
        ("127.0.0.1", HEADER, {}, "no-login"),
        ("127.0.0.1", None, {HEADER: "lena boss"}, "bad-login"),
    ],
)
def test_anything_but_the_proxy_with_secret_and_login_is_refused_and_logged(
    served: Served, local: str, drop: str | None, replace: dict[str, str], reason: str
) -> None:
    headers = {**served.proxy_headers("lena"), **replace}
    if drop:
        del headers[drop]
    status, text = asyncio.run(_get(served, headers, local=local, path=f"/?probe={reason}"))
    assert status == 403 and reason in text
    assert asyncio.run(_ws_status(served, headers, local)) == 403
    line = next(x for x in served.access_lines() if f"probe={reason}" in x)
    assert f"reason={reason}" in line and f"peer={local}" in line and " refused " in line


def test_two_login_headers_are_refused(served: Served) -> None:
    async def twice() -> int:
        async with aiohttp.ClientSession() as session:
            headers = [(k, v) for k, v in served.proxy_headers("lena").items()]
            headers.append((HEADER, "boss"))
            async with session.get(served.url + "/", headers=headers) as response:
                return response.status

    assert asyncio.run(twice()) == 403
    assert any("reason=ambiguous-login" in line for line in served.access_lines())


def test_the_websocket_must_come_from_the_served_page(served: Served) -> None:
    good = served.proxy_headers("olle")
    assert asyncio.run(_ws_status(served, good)) == 101
    evil = {**good, "Origin": "https://evil.example"}
    assert asyncio.run(_ws_status(served, evil)) == 403
    missing = {k: v for k, v in good.items() if k != "Origin"}
    assert asyncio.run(_ws_status(served, missing)) == 403
    assert any("reason=bad-origin" in line for line in served.access_lines())


def test_refusals_are_rate_limited_per_peer(served: Served) -> None:
    async def flood() -> None:
        async with aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(local_addr=("127.0.0.3", 0))
        ) as session:
            for n in range(40):
                async with session.get(f"{served.url}/?flood={n}") as response:
                    assert response.status == 403

    asyncio.run(flood())
    logged = [line for line in served.access_lines() if "flood=" in line]
    assert 1 <= len(logged) <= 20  # 10 a minute (a minute may turn mid-test)


def test_the_unix_socket_is_0660_and_takes_the_login_without_a_secret(tmp_path: Path) -> None:
    with running_server(tmp_path, unix=True) as served:
        assert served.socket is not None and mode_of(served.socket) == 0o660
        status, _ = asyncio.run(_get(served, {HEADER: "lena", "Origin": served.url}))
        assert status == 200
        status, text = asyncio.run(_get(served, {"Origin": served.url}, path="/?nologin"))
        assert status == 403 and "no-login" in text
        assert asyncio.run(_ws_status(served, {HEADER: "olle", "Origin": served.url})) == 101
    assert any("peer=unix" in line and "no-login" in line for line in served.access_lines())
