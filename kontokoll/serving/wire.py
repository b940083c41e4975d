"""What the server and its launcher (:mod:`kontokoll.serving.zygote`) say over its socket.

One connection per session. The server sends a request: an 8-byte header (``KZ01`` and the
payload's length) carrying the app's stdin, stdout and stderr as SCM_RIGHTS, then the payload
(JSON: the app's arguments, environment and working directory). The launcher answers one line,
``OK <pid>`` with a pidfd of the app attached (so that the server can signal exactly that process,
whatever becomes of the launcher) or ``NO <reason>``; when the app ends, ``EXIT <code>``.

Only the server may ask: the launcher takes a connection only from its own account and from the
process that started it (SO_PEERCRED), on a socket in a 0700 directory of the server's.
"""

from __future__ import annotations

import array
import contextlib
import json
import os
import socket
import struct
from dataclasses import dataclass

MAGIC = b"KZ01"
_HEADER = struct.Struct("!4sI")
#: An environment and a few paths: far less than this; more is refused unread.
MAX_PAYLOAD_BYTES = 1024 * 1024
#: The app's stdin, stdout, stderr.
STDIO_FDS = 3
#: The launcher's wait for the rest of a request once a connection has been accepted.
REQUEST_TIMEOUT_S = 5.0


class BadRequest(Exception):
    """A request the launcher will not act on; the text is the reason sent back."""


@dataclass(frozen=True)
class Request:
    """What a session's app is to be: its arguments, environment and working directory."""

    argv: list[str]
    env: dict[str, str]
    cwd: str

    def encode(self) -> bytes:
        return json.dumps({"argv": self.argv, "env": self.env, "cwd": self.cwd}).encode("utf-8")


@dataclass(frozen=True)
class Peer:
    """The credentials of the process at the other end of a Unix socket."""

    pid: int
    uid: int
    gid: int


def peer_of(conn: socket.socket) -> Peer:
    raw = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    pid, uid, gid = struct.unpack("3i", raw)
    return Peer(pid, uid, gid)


def refusal(peer: Peer, *, uid: int, server_pid: int) -> str | None:
    """Why ``peer`` may not ask the launcher for an app (None: it may).

    Another account must never get a process of ours; and of our own account only the server that
    started the launcher asks (anything else of this account is a mistake, or already our equal).
    """
    if peer.uid != uid:
        return "foreign-uid"
    if peer.pid != server_pid:
        return "not-the-server"
    return None


def send_header(conn: socket.socket, stdio: tuple[int, int, int], size: int) -> None:
    """A request's header, the app's stdio attached; ``size`` bytes of payload must follow."""
    fds = array.array("i", stdio)
    conn.sendmsg([_HEADER.pack(MAGIC, size)],
                 [(socket.SOL_SOCKET, socket.SCM_RIGHTS, fds.tobytes())])


def receive_request(conn: socket.socket) -> tuple[list[int], Request]:
    """The stdio fds and the request on ``conn``; BadRequest (fds closed) if it is not one."""
    space = socket.CMSG_SPACE(STDIO_FDS * 4)
    header, ancillary, flags, _ = conn.recvmsg(_HEADER.size, space, socket.MSG_CMSG_CLOEXEC)
    fds = _fds(ancillary)
    try:
        if flags & socket.MSG_CTRUNC or len(fds) != STDIO_FDS:
            raise BadRequest("stdio")
        header += _exactly(conn, _HEADER.size - len(header))
        magic, size = _HEADER.unpack(header)
        if magic != MAGIC or size > MAX_PAYLOAD_BYTES:
            raise BadRequest("header")
        return fds, _decode(_exactly(conn, size))
    except BaseException:
        for fd in fds:
            _close(fd)
        raise


def _fds(ancillary: list[tuple[int, int, bytes]]) -> list[int]:
    found = array.array("i")
    for level, kind, data in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            found.frombytes(data[: len(data) - len(data) % found.itemsize])
    return list(found)


def _exactly(conn: socket.socket, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = conn.recv(min(left, 65536))
        if not chunk:
            raise BadRequest("short")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _decode(payload: bytes) -> Request:
    try:
        data = json.loads(payload)
        argv, env, cwd = data["argv"], data["env"], data["cwd"]
    except (ValueError, KeyError, TypeError):
        raise BadRequest("payload") from None
    texts = [*argv, *env, *env.values(), cwd] if isinstance(argv, list) and isinstance(
        env, dict) else None
    if texts is None or not all(isinstance(text, str) for text in texts):
        raise BadRequest("payload")
    return Request(argv, env, cwd)


def send_reply(conn: socket.socket, line: str, fd: int | None = None) -> None:
    """One line of the launcher's answer, with ``fd`` attached if given."""
    ancillary = [] if fd is None else [
        (socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [fd]).tobytes())]
    conn.sendmsg([line.encode("ascii") + b"\n"], ancillary)


def parse_reply(data: bytes, ancillary: list[tuple[int, int, bytes]]) -> tuple[str, int | None]:
    """The launcher's first line and the fd it carried (any further fds closed)."""
    fds = _fds(ancillary)
    for extra in fds[1:]:
        _close(extra)
    return data.decode("ascii", "replace").strip(), fds[0] if fds else None


def _close(fd: int) -> None:
    with contextlib.suppress(OSError):
        os.close(fd)
