"""The launcher (a "zygote"): imports Python, Textual, the screens and the core once per server,
then forks each browser session's app from there, so that a session pays only its app's own start.

    python -m kontokoll.serving.zygote LISTEN_FD -- APP_ARGUMENTS...

Started by the server (:mod:`kontokoll.serving.launcher`) with a listening socket (in a 0700
directory of the server's) and exactly the environment every session's app gets but for its size
and proof. It takes requests only from the server (:mod:`kontokoll.serving.wire`) and ends when
the server does (its stdin, a pipe from the server, reaches end of file).

Forking must not weaken anything:
- the launcher is a fresh program, not a fork of the server: it never holds the signing key or
  the proxy's secret; a request's proof (made by the server) passes through to the child only;
- nothing runs before a fork but this loop: no thread (checked once the imports are done, else
  the launcher refuses to start and the server starts plain processes), no event loop;
- a child leaves the loop by an exception, so that every ``with`` on the way closes the
  launcher's socket and selector; it closes every other fd but its stdio, gets the signal
  handlers the interpreter had before the imports, and then the session's environment, working
  directory and arguments. The random module reseeds itself in a fork; ``secrets`` and
  ``uuid4`` read the OS, ``tempfile`` renews its name generator on a new pid;
- Textual reads its settings from the environment when imported, so a request whose arguments
  or environment differ from the launcher's (beyond the size and the proof) is refused: the
  server then starts that session as a plain process.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import os
import select
import selectors
import signal
import socket
import sys
import threading
import time
from typing import Any

from kontokoll.serving import wire

#: Set per session by textual-serve and the server; everything else must match the launcher's.
PER_SESSION_VARIABLES = frozenset({"COLUMNS", "ROWS", "KONTOKOLL_SESSION_PROOF"})
#: What a session's app imports before its first frame (found by comparing ``sys.modules``
#: after the app's first screen with those after these imports), and every CLI command module
#: (the app's argument parser loads them all).
PRELOAD = (
    "kontokoll.cli.main", "kontokoll.app_launch", "screens.app", "screens.services",
    "textual.drivers.web_driver", "textual.layouts.factory", "textual.layouts.horizontal",
    "textual.layouts.stream", "textual.scrollbar", "rich._emoji_codes",
    "concurrent.futures.thread",
)
#: Once the server is gone, how long its apps have to end on their own (their stdin is closed).
END_GRACE_S = 5.0
_SERVER = "server"


class ForkedChild(BaseException):
    """Raised in a new child to leave the launcher's loop; caught at the top of :func:`main`."""

    def __init__(self, stdio: list[int], request: wire.Request) -> None:
        super().__init__()
        self.stdio = stdio
        self.request = request


def main(argv: list[str]) -> int:
    """Run the launcher until the server goes; in each forked child, run the session's app."""
    if len(argv) < 2 or argv[1] != "--" or not argv[0].isdigit():
        print("usage: python -m kontokoll.serving.zygote LISTEN_FD -- APP_ARGUMENTS...",
              file=sys.stderr)
        return 2
    listen_fd, app_argv = int(argv[0]), argv[2:]
    environment = dict(os.environ)
    handlers = {number: signal.getsignal(number) for number in signal.valid_signals()}
    preload(app_argv)
    gc.freeze()  # the imports' objects: never collected, so a child's collections leave them
    # (and the pages they are on) shared with the launcher instead of copying them
    if threading.active_count() != 1:  # a fork would copy a thread's locks, not the thread
        print("kontokoll launcher: a thread runs after the imports; not forking", file=sys.stderr)
        return 3
    try:
        Zygote(listen_fd, app_argv, environment).serve()
    except ForkedChild as child:
        return become_app(child, handlers)
    return 0


def preload(app_argv: list[str]) -> None:
    """Import what every app imports, in the apps' language (in case a module translates)."""
    from governance.i18n import LANGUAGES, language_from_environment, set_language
    from kontokoll.cli.main import COMMANDS

    given = app_argv.index("--lang") + 1 if "--lang" in app_argv else len(app_argv)
    wanted = app_argv[given] if given < len(app_argv) else None
    set_language(wanted if wanted in LANGUAGES else language_from_environment())
    for name in (*PRELOAD, *(f"kontokoll.cli.{command}" for command in COMMANDS)):
        importlib.import_module(name)
    from rich._unicode_data import load

    load()  # Rich's table of character widths (by UNICODE_VERSION, the same in every app)


class Zygote:
    """The launcher's loop: take requests, fork apps, report their ends."""

    def __init__(self, listen_fd: int, app_argv: list[str], environment: dict[str, str]) -> None:
        self.listen_fd = listen_fd
        self.app_argv = app_argv
        self.environment = environment
        self.server_pid = os.getppid()
        #: Each running app by its pidfd: its pid and the server's connection for it.
        self.children: dict[int, tuple[int, socket.socket]] = {}

    def serve(self) -> None:
        """Until the server closes our stdin; raises ForkedChild in a new child."""
        with socket.socket(fileno=self.listen_fd) as listener, \
                selectors.DefaultSelector() as selector:
            selector.register(listener, selectors.EVENT_READ, None)
            selector.register(sys.stdin.fileno(), selectors.EVENT_READ, _SERVER)
            while True:
                for key, _ in selector.select():
                    if key.data is None:
                        self._accept(listener, selector)
                    elif key.data == _SERVER:
                        if not os.read(key.fd, 4096):
                            _remove_socket(listener)
                            self._end()
                            return
                    else:
                        self._reap(key.data, selector)

    def _accept(self, listener: socket.socket, selector: selectors.BaseSelector) -> None:
        try:
            conn, _ = listener.accept()
        except OSError:  # out of file descriptors, or the peer gave up: the server falls back
            return
        try:
            refused = wire.refusal(wire.peer_of(conn), uid=os.getuid(), server_pid=self.server_pid)
            if refused is not None:
                raise wire.BadRequest(refused)
            conn.settimeout(wire.REQUEST_TIMEOUT_S)
            stdio, request = wire.receive_request(conn)
        except (OSError, wire.BadRequest) as error:
            _answer_and_close(conn, f"NO {error if isinstance(error, wire.BadRequest) else 'io'}")
            return
        mismatch = self._mismatch(request)
        if mismatch is not None:
            for fd in stdio:
                os.close(fd)
            _answer_and_close(conn, f"NO {mismatch}")
            return
        self._fork(conn, stdio, request, selector)

    def _mismatch(self, request: wire.Request) -> str | None:
        """Why this launcher's imports do not fit the request (None: they do)."""
        if request.argv != self.app_argv:
            return "arguments"
        mine = {k: v for k, v in self.environment.items() if k not in PER_SESSION_VARIABLES}
        theirs = {k: v for k, v in request.env.items() if k not in PER_SESSION_VARIABLES}
        return None if mine == theirs else "environment"

    def _fork(self, conn: socket.socket, stdio: list[int], request: wire.Request,
              selector: selectors.BaseSelector) -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        try:
            pid = os.fork()
        except OSError:  # out of memory or processes: the server starts a plain one, or fails
            for fd in stdio:
                os.close(fd)
            _answer_and_close(conn, "NO fork")
            return
        if pid == 0:
            for pidfd, (_, other) in self.children.items():
                other.close()
                os.close(pidfd)
            conn.close()
            raise ForkedChild(stdio, request)
        for fd in stdio:
            os.close(fd)
        pidfd = os.pidfd_open(pid)
        with contextlib.suppress(OSError):  # the server went away; the app ends with its stdin
            wire.send_reply(conn, f"OK {pid}", pidfd)
        self.children[pidfd] = (pid, conn)
        selector.register(pidfd, selectors.EVENT_READ, pidfd)

    def _reap(self, pidfd: int, selector: selectors.BaseSelector) -> None:
        pid, conn = self.children.pop(pidfd)
        selector.unregister(pidfd)
        os.close(pidfd)
        _, status = os.waitpid(pid, 0)
        _answer_and_close(conn, f"EXIT {os.waitstatus_to_exitcode(status)}")

    def _end(self) -> None:
        """The server is gone: its apps end on their own (stdin closed), else SIGKILL."""
        poll = select_poll(self.children)  # poll, not select: no limit on fd numbers
        deadline = time.monotonic() + END_GRACE_S
        while self.children and time.monotonic() < deadline:
            for pidfd, _ in poll.poll(max(0.0, deadline - time.monotonic()) * 1000):
                poll.unregister(pidfd)
                pid, conn = self.children.pop(pidfd)
                os.waitpid(pid, 0)
                conn.close()
        for pidfd, (pid, _) in self.children.items():
            signal.pidfd_send_signal(pidfd, signal.SIGKILL)
            os.waitpid(pid, 0)


def select_poll(fds: dict[int, Any]) -> select.poll:
    """A poll object on ``fds`` (pidfds: readable once their process has ended)."""
    poll = select.poll()
    for fd in fds:
        poll.register(fd, select.POLLIN)
    return poll


def _remove_socket(listener: socket.socket) -> None:
    """Remove our socket and its folder: a server killed outright could not (folder: if empty)."""
    path = listener.getsockname()
    if isinstance(path, str) and path:
        with contextlib.suppress(OSError):
            os.unlink(path)
            os.rmdir(os.path.dirname(path))


def _answer_and_close(conn: socket.socket, line: str) -> None:
    with contextlib.suppress(OSError):
        wire.send_reply(conn, line)
    conn.close()


def become_app(child: ForkedChild, handlers: dict[signal.Signals, Any]) -> int:
    """In the forked child: take the session's stdio, environment and directory; run the app."""
    for target, fd in enumerate(child.stdio):
        os.dup2(fd, target)
    os.closerange(3, os.sysconf("SC_OPEN_MAX"))
    for number, handler in handlers.items():
        if handler is not None and signal.getsignal(number) is not handler:
            signal.signal(number, handler)
    os.environ.clear()
    os.environ.update(child.request.env)
    try:
        os.chdir(child.request.cwd)
    except OSError as error:
        print(f"kontokoll: {child.request.cwd}: {error.strerror}", file=sys.stderr)
        return 2
    sys.argv = [sys.argv[0], *child.request.argv]
    from kontokoll.cli.main import main as kontokoll_main

    return kontokoll_main(child.request.argv)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
