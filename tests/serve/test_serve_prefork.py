"""The launcher the sessions' apps are forked from: a forked app is its session's login only with
the server's proof, only the server may ask for one, and the launcher's death or the server's
stop leaves no session without its app and no process behind."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from governance import session_proof
from kontokoll.serving import launcher as launcher_module
from kontokoll.serving import wire
from kontokoll.serving.launcher import Launcher
from kontokoll.serving.sessions import session_environment
from tests.serve.support import (
    Served,
    alive,
    browser,
    children,
    launcher_of,
    mentioning,
    running_server,
    seed,
    serve_env,
)


def _environment(tmp_path: Path) -> dict[str, str]:
    """What the server gives every app (textual-serve's settings), with the test's own config."""
    return {**session_environment(), **serve_env(tmp_path)}


@asynccontextmanager
async def _launcher(tmp_path: Path, *app_argv: str) -> AsyncIterator[Launcher]:
    launcher = Launcher(list(app_argv), _environment(tmp_path))
    await launcher.start()
    try:
        yield launcher
    finally:
        await launcher.stop()


async def _run(launcher: Launcher, environment: dict[str, str]) -> tuple[int, str, str]:
    """A forked app run to its end: exit code, stdout, stderr."""
    process = await launcher.spawn(environment)
    assert process is not None, "the launcher refused"
    process.stdin.close()
    out, err = await asyncio.gather(process.stdout.read(), process.stderr.read())
    return await process.wait(), out.decode(), err.decode()


def _key(tmp_path: Path) -> bytes:
    seed(tmp_path / "data")
    return session_proof.load_key(
        create=True, path=tmp_path / "config" / "kontokoll" / session_proof.KEY_NAME)


def test_a_forked_app_is_the_login_only_with_the_servers_proof(tmp_path: Path) -> None:
    key = _key(tmp_path)

    async def whoami() -> list[tuple[int, str, str]]:
        async with _launcher(tmp_path, "--data-dir", str(tmp_path / "data"), "whoami") as ours:
            assert ours.process is not None
            environ = Path(f"/proc/{ours.process.pid}/environ").read_bytes()
            assert session_proof.PROOF_VARIABLE.encode() not in environ
            runs = []
            for proof in (session_proof.make_proof(key, "lena", "s"),
                          session_proof.make_proof(os.urandom(32), "olle", "s"),  # forged
                          "lena"):  # the variable alone
                environment = {**_environment(tmp_path), session_proof.PROOF_VARIABLE: proof}
                runs.append(await _run(ours, environment))
            return runs

    (code, out, err), forged, bare = asyncio.run(whoami())
    assert (code, err) == (0, "") and "lena" in out and "lead" in out
    assert forged[0] == 2 and "inte gjort av den här servern" in forged[2]
    assert "olle" not in forged[1]
    assert bare[0] == 2 and "trasigt" in bare[2] and "Traceback" not in bare[2]


def test_a_request_unlike_the_launchers_own_start_becomes_a_plain_process(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async def ask(environment: dict[str, str]) -> object:
        async with _launcher(tmp_path, "--data-dir", str(tmp_path), "whoami") as ours:
            return await ours.spawn(environment)

    changed = {**_environment(tmp_path), "TEXTUAL_FPS": "5"}  # Textual read 60 when imported
    with caplog.at_level(logging.WARNING, "kontokoll.serve"):
        assert asyncio.run(ask(changed)) is None
    assert "NO environment" in caplog.text


def test_only_the_server_that_started_it_may_ask_the_launcher() -> None:
    me = os.getuid()
    assert wire.refusal(wire.Peer(pid=42, uid=me, gid=0), uid=me, server_pid=42) is None
    assert wire.refusal(wire.Peer(pid=42, uid=me + 1, gid=0), uid=me, server_pid=42) == (
        "foreign-uid")
    assert wire.refusal(wire.Peer(pid=43, uid=me, gid=0), uid=me, server_pid=42) == (
        "not-the-server")


_ASK_AS_SOMEONE_ELSE = """
import socket, sys
from kontokoll.serving import wire
conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
conn.connect(sys.argv[1])
payload = wire.Request(["whoami"], {}, "/").encode()
wire.send_header(conn, (0, 1, 2), len(payload))
conn.sendall(payload)
print(conn.recv(100).decode().strip())
"""


def test_another_process_of_the_account_is_refused_by_its_peer_credentials(
    tmp_path: Path,
) -> None:
    async def ask_from_elsewhere() -> tuple[str, str]:
        async with _launcher(tmp_path, "--data-dir", str(tmp_path), "whoami") as ours:
            folder = ours.socket_path.parent
            modes = f"{folder.stat().st_mode & 0o777:o} {ours.socket_path.stat().st_mode & 0o777:o}"
            done = await asyncio.to_thread(
                subprocess.run, [sys.executable, "-c", _ASK_AS_SOMEONE_ELSE, str(ours.socket_path)],
                capture_output=True, text=True, env=serve_env(tmp_path), timeout=60)
            return modes, done.stdout.strip()

    modes, answer = asyncio.run(ask_from_elsewhere())
    assert modes == "700 600"
    assert answer == "NO not-the-server"


@pytest.mark.skipif(os.getuid() != 0, reason="switching to another account needs root")
def test_another_account_is_refused_even_where_the_folder_would_let_it_in(tmp_path: Path) -> None:
    async def ask_as_nobody() -> str:
        async with _launcher(tmp_path, "--data-dir", str(tmp_path), "whoami") as ours:
            ours.socket_path.parent.chmod(0o711)  # a mistake the peer check still catches
            ours.socket_path.chmod(0o666)
            return await asyncio.to_thread(_connect_as, 65534, str(ours.socket_path))

    assert asyncio.run(ask_as_nobody()) == "NO foreign-uid"


def _connect_as(uid: int, path: str) -> str:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through the pipe
        answer = b"?"
        try:
            os.setgid(uid)
            os.setuid(uid)
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
                conn.settimeout(30)
                conn.connect(path)
                answer = conn.recv(100)
        finally:
            os.write(write, answer)
            os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    with os.fdopen(read, "rb") as result:
        return result.read().decode().strip()


def test_a_launcher_that_keeps_dying_is_given_up_for_plain_processes(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(launcher_module, "MAX_RESTARTS", 0)

    async def kill_and_ask() -> tuple[object, bool]:
        async with _launcher(tmp_path, "--data-dir", str(tmp_path), "whoami") as ours:
            assert ours.process is not None
            ours.process.kill()
            await ours.process.wait()
            return await ours.spawn(_environment(tmp_path)), ours.gave_up

    with caplog.at_level(logging.WARNING, "kontokoll.serve"):
        assert asyncio.run(kill_and_ask()) == (None, True)
    assert "startas från och med nu som nya program" in caplog.text


def test_a_session_is_forked_with_the_servers_directory_and_none_of_its_sockets(
    tmp_path: Path,
) -> None:
    async def look(served: Served) -> tuple[int | None, set[int]]:
        async with browser(served, "lena") as page:
            await page.wait_for("Översikt")
            launcher = launcher_of(served.process.pid)
            return launcher, children(launcher) if launcher else set()

    with running_server(tmp_path) as served:
        launcher, apps = asyncio.run(look(served))
        assert launcher is not None and len(apps) == 1
        app = apps.pop()
        assert os.readlink(f"/proc/{app}/cwd") == os.readlink(f"/proc/{served.process.pid}/cwd")
        theirs = _sockets(served.process.pid) | _sockets(launcher)
        assert theirs and not _sockets(app) & theirs
        assert [os.readlink(f"/proc/{app}/fd/{n}").startswith("pipe:") for n in range(3)] == [
            True] * 3
    assert any("session-start" in x and "login=lena" in x and "via=fork" in x
               for x in served.access_lines())


def _sockets(pid: int) -> set[str]:
    found = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:"):
            found.add(target)
    return found


def test_when_the_launcher_dies_sessions_go_on_and_a_new_one_takes_over(tmp_path: Path) -> None:
    async def kill_in_between(served: Served) -> tuple[int | None, int | None, str]:
        server = served.process.pid
        async with browser(served, "lena") as first:
            await first.wait_for("Översikt")
            old = launcher_of(server)
            assert old is not None
            os.kill(old, signal.SIGKILL)
            while alive(old):
                await asyncio.sleep(0.05)
            shown = await first.press("2", "Plattform▲")  # its app outlives the launcher
            async with browser(served, "olle") as second:
                await second.wait_for("Översikt")
                return old, launcher_of(server), shown

    with running_server(tmp_path) as served:
        old, new, shown = asyncio.run(kill_in_between(served))
    assert "kultur" in shown
    assert new is not None and new != old
    starts = [x for x in served.access_lines() if "session-start" in x]
    assert len(starts) == 2 and all("via=fork" in x for x in starts)


def test_a_server_killed_outright_leaves_no_app_behind(tmp_path: Path) -> None:
    async def kill_while_open(served: Served) -> set[Path]:
        async with browser(served, "lena") as page:
            await page.wait_for("Översikt")
            launcher = launcher_of(served.process.pid)
            assert launcher is not None
            folders = _launcher_folders(launcher)
            served.process.kill()  # no shutdown: no one ends apps
            return folders

    with running_server(tmp_path) as served:
        folders = asyncio.run(kill_while_open(served))
        deadline = time.monotonic() + 30
        while mentioning(str(served.data_dir)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not mentioning(str(served.data_dir))
    assert folders and not [folder for folder in folders if folder.exists()]


def _launcher_folders(pid: int) -> set[Path]:
    """The folders of the Unix sockets ``pid`` listens on."""
    inodes = {target[8:-1] for target in _sockets(pid)}
    found = set()
    for line in Path("/proc/net/unix").read_text().splitlines()[1:]:
        fields = line.split()
        if len(fields) >= 8 and fields[6] in inodes:
            found.add(Path(fields[7]).parent)
    return found


def test_switched_off_every_session_is_a_new_program_and_the_check_says_so(
    tmp_path: Path,
) -> None:
    async def look(served: Served) -> bool:
        async with browser(served, "lena") as page:
            await page.wait_for("Översikt")
            return launcher_of(served.process.pid) is None

    off = {launcher_module.SWITCH_VARIABLE: "0"}
    with running_server(tmp_path, env_extra=off) as served:
        assert asyncio.run(look(served))
    assert any("via=process" in x for x in served.access_lines())
    env = {**serve_env(tmp_path), **off}
    check = subprocess.run(
        [sys.executable, "-m", "kontokoll", "--data-dir", str(served.data_dir), "serve", "--check"],
        capture_output=True, text=True, env=env, timeout=60)
    assert "ett nytt program per session (avstängd med KONTOKOLL_SERVE_PREFORK=0)" in check.stdout
