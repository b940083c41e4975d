"""A served app is never open to the network without the proxy's identity, never loads anything
from another site, and a served demo knows it is the demo.

Without ``--auth-header`` every session is the server's own account (usually admin): such a
server is refused unless only this machine can reach it.
"""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import aiohttp
import pytest

from governance.register import Register
from governance.store import Store
from governance.sync_source import DEMO_MARKER
from kontokoll.serving.gate import origin_allowed
from kontokoll.serving.options import ServeOptions
from tests.conftest import CliResult
from tests.serve.support import (
    Browser,
    _wait_listening,
    free_port,
    running_server,
    serve_env,
)

#: Every address a page's markup would make the browser fetch or post to.
_FETCHED = re.compile(r"""(?:href|src|action)\s*=\s*["']?([^"' >]+)|url\(\s*["']?([^"')]+)""", re.I)


def external_urls(page: str, own: str) -> list[str]:
    """The addresses in ``page`` that lead anywhere but ``own`` origin."""
    found = [a or b for a, b in _FETCHED.findall(page)]
    return [u for u in found if re.match(r"(?:[a-z][a-z0-9+.-]*:)?//", u, re.I)
            and not u.startswith(own + "/")]


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.5", "kontokoll.example.se"])
def test_a_server_reachable_from_other_machines_without_the_proxys_login_is_refused(
    cli: Callable[..., CliResult], host: str
) -> None:
    for extra in (["--check"], []):
        done = cli("serve", "--host", host, "--port", str(free_port()), *extra)
        assert done.code == 2, done
        assert "--auth-header" in done.err and host in done.err and "Traceback" not in done.err


def test_a_public_url_of_another_machine_without_the_proxys_login_is_refused(
    cli: Callable[..., CliResult],
) -> None:
    done = cli("serve", "--public-url", "http://server:8616")
    assert done.code == 2 and "--auth-header" in done.err and "http://server:8616" in done.err


def test_a_bind_all_address_is_never_an_origin(
    cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    secret = tmp_path / "secret"
    secret.write_text("s" * 32 + "\n", encoding="utf-8")
    secret.chmod(0o600)
    done = cli(
        "serve", "--check", "--auth-header", "X-Forwarded-User", "--trusted-proxy", "127.0.0.1",
        "--proxy-secret-file", str(secret), "--public-url", "http://0.0.0.0:8616")
    assert done.code == 2 and "0.0.0.0" in done.err
    options = ServeOptions(host="0.0.0.0", port=8616, public_url="http://0.0.0.0:8616",
                           idle_s=60, access_log=tmp_path / "access.log")
    assert not origin_allowed(options, lambda name: ["http://0.0.0.0:8616"])
    loopback = ServeOptions(host="127.0.0.1", port=8616, public_url="http://127.0.0.1:8616",
                            idle_s=60, access_log=tmp_path / "access.log")
    assert origin_allowed(loopback, lambda name: ["http://localhost:8616"])


def _demo_like_store(directory: Path) -> None:
    store = Store(directory)
    try:
        Register(store).create_account({"platform": "facebook", "handle": "kultur",
                                        "department": "Kulturförvaltningen"})
    finally:
        store.close()
    (directory / DEMO_MARKER).write_text("5\n", encoding="ascii")


@contextmanager
def served_without_proxy(tmp: Path, data_dir: Path) -> Iterator[str]:
    """``kontokoll --data-dir DIR serve`` on 127.0.0.1, as ``serve --demo`` runs for the demo."""
    port = free_port()
    args = [sys.executable, "-m", "kontokoll", "--data-dir", str(data_dir), "serve", "--port",
            str(port), "--access-log", str(tmp / "access.log")]
    process = subprocess.Popen(args, env=serve_env(tmp), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    try:
        _wait_listening(process, port, None)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()


def test_a_served_demo_store_is_titled_the_demo_in_the_tab_and_the_app(tmp_path: Path) -> None:
    """Derived from the store's marker, not from a flag: the session runs without --demo."""
    data_dir = tmp_path / "demo"
    _demo_like_store(data_dir)

    async def visit(url: str) -> tuple[str, str]:
        async with aiohttp.ClientSession() as session:
            async with session.get(url + "/") as response:
                page = await response.text()
            async with session.ws_connect(f"{url}/ws?width=120&height=30",
                                          headers={"Origin": url}) as ws:
                screen = await Browser(ws).wait_for("påhittade konton")
        return page, screen

    with served_without_proxy(tmp_path, data_dir) as url:
        page, screen = asyncio.run(visit(url))
    assert "<title>Demoregistret</title>" in page
    assert external_urls(page, url) == []
    assert "Demoregistret — påhittade konton" in screen


def test_the_page_behind_the_proxy_loads_nothing_from_other_sites_and_signs_out_by_post(
    tmp_path: Path,
) -> None:
    async def page_of(url: str, headers: dict[str, str]) -> str:
        async with aiohttp.ClientSession() as session, session.get(url + "/",
                                                                   headers=headers) as response:
            assert response.status == 200
            return await response.text()

    import textual_serve

    original = Path(textual_serve.__file__).with_name("templates") / "app_index.html"
    assert external_urls(original.read_text("utf-8"), "http://x")  # (what is dropped)
    with running_server(tmp_path) as served:
        page = asyncio.run(page_of(served.url, served.proxy_headers("lena")))
    assert "fonts.googleapis.com" not in page
    assert external_urls(page, served.url) == []
    assert re.search(r'<form[^>]*method="post"[^>]*action="/sign-out"', page)
