"""A session's app forked by the launcher, as textual-serve's ``AppService`` uses a process.

The app is the launcher's child, not the server's, so the server cannot wait for it; it holds
instead a pidfd of the app (which names that process and no other, even once its pid is reused)
to signal it, and the launcher's connection, on which ``EXIT <code>`` arrives when the app ends.
If the launcher dies first, the pidfd still says when the app has ended (its code is then
unknown: UNKNOWN_EXIT).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
from collections.abc import Callable

#: The exit code of an app whose launcher died before it (nobody can tell the real one).
UNKNOWN_EXIT = 255


class ForkedProcess:
    """The pipes, pid and end of a forked app: what ``AppService`` needs of a process."""

    def __init__(self, pid: int, pidfd: int, conn: socket.socket, pipes: tuple[
            asyncio.StreamWriter, asyncio.StreamReader, asyncio.StreamReader], rest: bytes) -> None:
        self.pid = pid
        self.stdin, self.stdout, self.stderr = pipes
        self.returncode: int | None = None
        self._pidfd = pidfd
        self._conn = conn
        self._ended = asyncio.create_task(self._watch(rest))

    @classmethod
    async def attach(cls, pid: int, pidfd: int, conn: socket.socket, fds: tuple[int, int, int],
                     rest: bytes = b"") -> ForkedProcess:
        """The process for the app ``pid``, its stdin, stdout and stderr ends given as ``fds``."""
        loop = asyncio.get_running_loop()
        stdin_fd, stdout_fd, stderr_fd = fds
        readers = []
        for fd in (stdout_fd, stderr_fd):
            reader = asyncio.StreamReader(limit=2**16)  # as asyncio.subprocess
            await loop.connect_read_pipe(_protocol_of(reader), os.fdopen(fd, "rb", 0))
            readers.append(reader)
        transport, protocol = await loop.connect_write_pipe(
            _protocol_of(asyncio.StreamReader()), os.fdopen(stdin_fd, "wb", 0))
        writer = asyncio.StreamWriter(transport, protocol, None, loop)
        return cls(pid, pidfd, conn, (writer, readers[0], readers[1]), rest)

    def send_signal(self, number: int) -> None:
        if self.returncode is None:
            with contextlib.suppress(ProcessLookupError):  # ended, and not yet reported
                signal.pidfd_send_signal(self._pidfd, number)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    async def wait(self) -> int:
        await asyncio.shield(self._ended)
        assert self.returncode is not None
        return self.returncode

    async def _watch(self, data: bytes) -> None:
        """Read the launcher's ``EXIT`` line; without one (launcher gone), wait on the pidfd."""
        loop = asyncio.get_running_loop()
        try:
            while b"\n" not in data:
                chunk = await loop.sock_recv(self._conn, 64)
                if not chunk:
                    break
                data += chunk
        except OSError:
            pass
        line = data.split(b"\n", 1)[0].decode("ascii", "replace")
        code = _exit_code(line)
        if code is None:
            await readable(self._pidfd)
        self.returncode = UNKNOWN_EXIT if code is None else code
        self._conn.close()
        os.close(self._pidfd)
        self.stdin.close()


def _exit_code(line: str) -> int | None:
    word, _, number = line.partition(" ")
    if word != "EXIT":
        return None
    try:
        return int(number)
    except ValueError:
        return None


def _protocol_of(reader: asyncio.StreamReader) -> Callable[[], asyncio.StreamReaderProtocol]:
    return lambda: asyncio.StreamReaderProtocol(reader)


async def readable(fd: int) -> None:
    """Wait until ``fd`` is readable (a pidfd: its process has ended)."""
    loop = asyncio.get_running_loop()
    ready: asyncio.Future[None] = loop.create_future()

    def mark() -> None:
        if not ready.done():
            ready.set_result(None)

    loop.add_reader(fd, mark)
    try:
        await ready
    finally:
        loop.remove_reader(fd)
