"""The server's side of the launcher (:mod:`kontokoll.serving.zygote`).

Started with the server, asked for each session's app, restarted if it dies (at most
MAX_RESTARTS times in RESTART_WINDOW_S, then the server starts every app as a plain process
again, and says so in its log); stopped with the server. Any trouble with one request (the
launcher refuses, does not answer in time, or is gone) makes that session a plain process:
a session never fails for the launcher's sake.

``KONTOKOLL_SERVE_PREFORK=0`` turns the launcher off (``serve --check`` says which mode is on).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shlex
import shutil
import signal
import socket
import sys
import tempfile
import time
from pathlib import Path

from governance.i18n import t
from kontokoll.serving import wire
from kontokoll.serving.forked import ForkedProcess, readable
from kontokoll.serving.zygote import PER_SESSION_VARIABLES

log = logging.getLogger("kontokoll.serve")
SWITCH_VARIABLE = "KONTOKOLL_SERVE_PREFORK"
MAX_RESTARTS = 3
RESTART_WINDOW_S = 600.0
#: A session's wait for the launcher's answer (the first comes after its imports: seconds on a
#: busy machine). A launcher that does not answer in time is ended, and started again.
ANSWER_TIMEOUT_S = 30.0
#: How long the launcher has to end once the server closes its stdin.
STOP_GRACE_S = 10.0


def unsupported() -> str | None:
    """Why this server cannot fork its apps from a launcher (None: it can)."""
    if os.environ.get(SWITCH_VARIABLE, "1") == "0":
        return t("serve.prefork.switched_off", variable=SWITCH_VARIABLE)
    needed = (hasattr(os, "pidfd_open"), hasattr(signal, "pidfd_send_signal"),
              hasattr(socket, "SO_PEERCRED"), hasattr(os, "fork"))
    if not all(needed):
        return t("serve.prefork.unsupported_platform")
    try:
        os.close(os.pidfd_open(os.getpid()))
    except OSError:
        return t("serve.prefork.unsupported_platform")
    return None


def app_arguments(command: str) -> list[str] | None:
    """The ``kontokoll`` arguments of textual-serve's app command (None: not our app command)."""
    words = shlex.split(command)
    head = ["exec", sys.executable, "-m", "kontokoll"]
    return words[len(head):] if words[:len(head)] == head else None


class Launcher:
    """One server's launcher: see the module docstring."""

    def __init__(self, app_argv: list[str], environment: dict[str, str]) -> None:
        self.app_argv = app_argv
        self.environment = {k: v for k, v in environment.items() if k not in PER_SESSION_VARIABLES}
        self.process: asyncio.subprocess.Process | None = None
        self.gave_up = False
        self._folder: Path | None = None
        self._starts: list[float] = []

    @property
    def socket_path(self) -> Path:
        assert self._folder is not None
        return self._folder / "launcher.sock"

    async def start(self) -> None:
        """Start the launcher on a new socket in our own 0700 folder (never the data dir)."""
        if self._folder is None:
            self._folder = Path(tempfile.mkdtemp(prefix="kontokoll-launcher-"))
        self.socket_path.unlink(missing_ok=True)
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            listener.bind(str(self.socket_path))
            os.chmod(self.socket_path, 0o600)  # the folder is 0700 already; a second lock
            listener.listen(64)
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "kontokoll.serving.zygote", str(listener.fileno()), "--",
                *self.app_argv, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.DEVNULL,
                env=self.environment, pass_fds=(listener.fileno(),), start_new_session=True,
            )
        except OSError as error:
            self._give_up(str(error))
        finally:
            listener.close()  # the launcher has its own: once it is gone, connecting fails
        self._starts.append(time.monotonic())

    async def stop(self) -> None:
        """End the launcher (its apps have ended with their sessions) and remove its folder."""
        process, self.process = self.process, None
        if process is not None and process.returncode is None:
            assert process.stdin is not None
            process.stdin.close()
            try:
                await asyncio.wait_for(process.wait(), STOP_GRACE_S)
            except TimeoutError:
                process.kill()
                await process.wait()
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None

    async def spawn(self, environment: dict[str, str]) -> ForkedProcess | None:
        """A session's app forked by the launcher; None: start it as a plain process."""
        if not await self._running():
            return None
        request = wire.Request(self.app_argv, environment, os.getcwd())
        try:
            return await asyncio.wait_for(self._ask(request), ANSWER_TIMEOUT_S)
        except (OSError, TimeoutError, ValueError) as error:
            detail = str(error) or type(error).__name__
            log.warning(t("serve.prefork.request_failed", detail=detail))
            stuck = self.process
            if isinstance(error, TimeoutError) and stuck and stuck.returncode is None:
                stuck.kill()  # the next session starts a new one
            return None

    async def _running(self) -> bool:
        """Whether a launcher runs (restarted here if it died and may be restarted)."""
        if self.process is None or self.gave_up:
            return False
        if self.process.returncode is None:
            return True
        log.warning(t("serve.prefork.ended", code=str(self.process.returncode)))
        recent = [s for s in self._starts if time.monotonic() - s < RESTART_WINDOW_S]
        if len(recent) > MAX_RESTARTS:
            self._give_up(t("serve.prefork.too_many_restarts", times=len(recent) - 1))
            return False
        await self.start()
        return not self.gave_up

    def _give_up(self, reason: str) -> None:
        self.gave_up = True
        log.error(t("serve.prefork.gave_up", reason=reason))

    async def _ask(self, request: wire.Request) -> ForkedProcess:
        """Send ``request`` with new pipes as the app's stdio; the app's process (else raises)."""
        pipes = [os.pipe() for _ in range(3)]  # (read, write) each; ours: stdin's w, the others' r
        theirs = (pipes[0][0], pipes[1][1], pipes[2][1])
        ours = (pipes[0][1], pipes[1][0], pipes[2][0])
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.setblocking(False)
        try:
            try:
                loop = asyncio.get_running_loop()
                await loop.sock_connect(conn, str(self.socket_path))
                payload = request.encode()
                wire.send_header(conn, theirs, len(payload))
                await loop.sock_sendall(conn, payload)
            finally:
                _close_all(theirs)  # the launcher has its own copies now, or never will
            line, pidfd, rest = await _answer(conn)
            word, _, value = line.partition(" ")
            if word != "OK" or pidfd is None or not value.isdigit():
                _close_all(() if pidfd is None else (pidfd,))
                raise ValueError(line)
        except BaseException:
            _close_all(ours)
            conn.close()
            raise
        return await ForkedProcess.attach(int(value), pidfd, conn, ours, rest)


async def _answer(conn: socket.socket) -> tuple[str, int | None, bytes]:
    """The launcher's first line, the fd it carried, and whatever came after the line."""
    await readable(conn.fileno())
    data, ancillary, _, _ = conn.recvmsg(256, socket.CMSG_SPACE(4), socket.MSG_CMSG_CLOEXEC)
    first, _, rest = data.partition(b"\n")
    line, fd = wire.parse_reply(first, ancillary)
    return line, fd, rest


def _close_all(fds: tuple[int, ...]) -> None:
    for fd in fds:
        with contextlib.suppress(OSError):
            os.close(fd)
