"""``kontokoll serve`` as a real process, talked to as a proxy and a browser would."""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from governance.identity import current_login
from governance.people import People
from governance.register import Register
from governance.store import Store
from tests.conftest import child_env

KULTUR, MILJO = "Kulturförvaltningen", "Miljöförvaltningen"
ME = current_login()
HEADER = "X-Forwarded-User"
#: Terminal control sequences, removed so that the text the app draws can be searched.
_ANSI = re.compile(
    r"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b[PX^_].*?\x1b\\|\x1b\][^\x07]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]",
    re.S,
)


def seed(data_dir: Path) -> None:
    """Two departments' accounts; an admin (whoever runs the tests), a lead, a viewer, and a lead
    whose login is an e-mail address."""
    store = Store(data_dir)
    try:
        register = Register(store, user=ME)
        register.create_account({"platform": "facebook", "handle": "kultur", "department": KULTUR})
        register.create_account({"platform": "facebook", "handle": "miljo", "department": MILJO})
        people = People(store, user=ME)
        people.add_user(ME, "admin")
        people.add_user("lena", "lead", [KULTUR])
        people.add_user("olle", "viewer")
        people.add_user("anna.berg@helsingborg.se", "lead", [MILJO])
    finally:
        store.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Served:
    """A running server and what a proxy in front of it knows."""

    process: subprocess.Popen[bytes]
    url: str
    secret: str
    access_log: Path
    data_dir: Path
    socket: Path | None = None
    env: dict[str, str] = field(default_factory=dict)

    def proxy_headers(self, login: str | None = "lena", **extra: str) -> dict[str, str]:
        headers = {"X-Kontokoll-Proxy-Secret": self.secret, "Origin": self.url, **extra}
        if login is not None:
            headers[HEADER] = login
        return headers

    def access_lines(self) -> list[str]:
        return self.access_log.read_text("utf-8").splitlines() if self.access_log.exists() else []


def write_secret(folder: Path, mode: int = 0o600) -> tuple[Path, str]:
    secret = secrets.token_hex(24)
    path = folder / "proxy-secret"
    path.write_text(secret + "\n", encoding="utf-8")
    path.chmod(mode)
    return path, secret


def serve_env(tmp: Path) -> dict[str, str]:
    """The server's environment: its own config directory (the signing key) under ``tmp``."""
    return child_env(XDG_CONFIG_HOME=str(tmp / "config"), XDG_STATE_HOME=str(tmp / "state"))


@contextmanager
def running_server(
    tmp: Path, *extra: str, unix: bool = False, env_extra: dict[str, str] | None = None
) -> Iterator[Served]:
    """``kontokoll serve`` behind a (pretend) proxy on 127.0.0.1, or on a Unix socket."""
    data_dir = tmp / "data"
    if not data_dir.exists():
        seed(data_dir)
    secret_file, secret = write_secret(tmp)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    sock = tmp / "kontokoll.sock" if unix else None
    where = ["--socket", str(sock)] if sock else [
        "--port", str(port), "--trusted-proxy", "127.0.0.1", "--proxy-secret-file",
        str(secret_file)]
    args = [sys.executable, "-m", "kontokoll", "--data-dir", str(data_dir), "serve",
            "--auth-header", HEADER, "--public-url", url, "--access-log",
            str(tmp / "access.log"), *where, *extra]
    env = {**serve_env(tmp), **(env_extra or {})}
    process = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        _wait_listening(process, port, sock)
        yield Served(process, url, secret, tmp / "access.log", data_dir, sock, env)
    finally:
        process.terminate()
        try:
            process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()


def _wait_listening(process: subprocess.Popen[bytes], port: int, sock: Path | None) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            out, err = process.communicate()
            raise AssertionError(f"server ended: {out.decode()} {err.decode()}")
        family = socket.AF_UNIX if sock else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            try:
                probe.connect(str(sock) if sock else ("127.0.0.1", port))
                return
            except OSError:
                time.sleep(0.05)
    raise AssertionError("the server did not start listening")


def screen_text(frames: bytes) -> str:
    """What the app drew, control sequences removed and runs of spaces made one."""
    return re.sub(r" +", " ", _ANSI.sub(" ", frames.decode("utf-8", "replace")))


class Browser:
    """One browser session over textual-serve's WebSocket protocol."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.frames = b""
        self.closed = False

    async def wait_for(self, text: str, timeout: float = 30.0) -> str:
        """Read frames until ``text`` is on screen (since the last key); the screen text."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while text not in screen_text(self.frames):
            left = deadline - loop.time()
            if left <= 0 or self.closed:
                shown = screen_text(self.frames)[-800:]
                raise AssertionError(f"{text!r} not shown; screen: {shown}")
            await self.read(left)
        return screen_text(self.frames)

    async def read(self, timeout: float) -> None:
        try:
            message = await self.ws.receive(timeout=timeout)
        except TimeoutError:
            return
        if message.type == aiohttp.WSMsgType.BINARY:
            self.frames += message.data
        elif message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED,
                              aiohttp.WSMsgType.CLOSING, aiohttp.WSMsgType.ERROR):
            self.closed = True

    async def press(self, keys: str, then: str, timeout: float = 30.0) -> str:
        """Type ``keys`` and wait until ``then`` is on screen."""
        self.frames = b""
        await self.ws.send_json(["stdin", keys])
        return await self.wait_for(then, timeout)

    async def until_closed(self, timeout: float) -> bool:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not self.closed and loop.time() < deadline:
            await self.read(deadline - loop.time())
        return self.closed


@asynccontextmanager
async def browser(served: Served, login: str) -> AsyncIterator[Browser]:
    """A browser session of ``login``, through the proxy."""
    headers = served.proxy_headers(login)
    async with aiohttp.ClientSession(connector=connector(served)) as session, session.ws_connect(
        ws_url(served), headers=headers
    ) as ws:
        yield Browser(ws)


def ws_url(served: Served) -> str:
    base = "http://localhost" if served.socket else served.url
    return f"{base}/ws?width=140&height=40"


def connector(served: Served, **kw: Any) -> aiohttp.BaseConnector:
    if served.socket is not None:
        return aiohttp.UnixConnector(path=str(served.socket))
    return aiohttp.TCPConnector(**kw)


def mode_of(path: Path) -> int:
    return os.stat(path).st_mode & 0o777


def parents() -> dict[int, int]:
    """Every process's parent, by pid."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                found[int(entry.name)] = int(fields[1])
            except (OSError, IndexError, ValueError):
                continue
    return found


def children(pid: int) -> set[int]:
    return {child for child, parent in parents().items() if parent == pid}


def descendants(pid: int) -> set[int]:
    """Every process below ``pid``."""
    tree, found, grew = parents(), set(), {pid}
    while grew:
        grew = {child for child, parent in tree.items() if parent in grew} - found
        found |= grew
    return found


def command_line(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode("utf-8", "replace").split("\0")
    except OSError:
        return []


def launcher_of(server_pid: int) -> int | None:
    """The server's launcher (the process the sessions' apps are forked from), if it runs."""
    for pid in children(server_pid):
        if alive(pid) and "kontokoll.serving.zygote" in command_line(pid):
            return pid
    return None


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, ended but not yet collected, does not)."""
    try:
        return "zombie" not in Path(f"/proc/{pid}/status").read_text().lower()
    except OSError:
        return False


def mentioning(text: str) -> set[int]:
    """Live processes whose command line mentions ``text`` (a test's own folder: none after it)."""
    return {pid for pid in parents() if alive(pid) and any(text in w for w in command_line(pid))}
