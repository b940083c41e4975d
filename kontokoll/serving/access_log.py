"""The server's access log: refused requests, and sessions opened and ended.

A log of its own, not the register's change log: whoever can reach the port can cause refusals,
and must not be able to grow the change log or hold its lock. Refusals are rate-limited per peer
and in total; what is dropped is counted and said in the next line that is written. One line per
event, ISO time first, values escaped so that a header cannot forge a line.
"""

from __future__ import annotations

import os
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

from governance.text_safety import visible

#: Refusal lines per peer and per minute, and in total per minute.
PER_PEER_PER_MINUTE = 10
TOTAL_PER_MINUTE = 120
#: The log is moved to ``.1`` beyond this size (one old file is kept).
MAX_BYTES = 10 * 1024 * 1024
_MAX_VALUE_CHARS = 200


class AccessLog:
    """Appends lines to ``path`` (created 0600, never through a link)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._window = -1
        self._per_peer: dict[str, int] = defaultdict(int)
        self._total = 0
        self._dropped = 0
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)

    def refused(self, peer: str, reason: str, path: str) -> None:
        """Record a refusal, unless this peer or everyone has refused too often this minute."""
        window = int(time.monotonic() // 60)
        if window != self._window:
            self._window, self._total = window, 0
            self._per_peer.clear()
        if self._per_peer[peer] >= PER_PEER_PER_MINUTE or self._total >= TOTAL_PER_MINUTE:
            self._dropped += 1
            return
        self._per_peer[peer] += 1
        self._total += 1
        self._write("refused", peer=peer, reason=reason, path=path)

    def session(self, event: str, *, login: str, session: str, peer: str, reason: str = "",
                via: str = "") -> None:
        """Record a session's start (``via``: how its app was started) or end (authenticated,
        so never rate-limited)."""
        self._write(f"session-{event}", peer=peer, login=login, session=session, reason=reason,
                    via=via)

    def _write(self, event: str, **fields: str) -> None:
        parts = [datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), event]
        parts += [f"{name}={_value(text)}" for name, text in fields.items() if text]
        if self._dropped:
            parts.append(f"dropped-before={self._dropped}")
            self._dropped = 0
        self._append(" ".join(parts) + "\n")

    def _append(self, line: str) -> None:
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
        try:
            if self.path.stat().st_size > MAX_BYTES:
                os.replace(self.path, self.path.with_name(self.path.name + ".1"))
        except FileNotFoundError:
            pass
        fd = os.open(self.path, flags, 0o600)
        try:
            os.write(fd, line.encode("utf-8"))
        finally:
            os.close(fd)


def _value(text: str) -> str:
    """One token: control characters escaped, spaces as %20, at most 200 characters."""
    shown = visible(text[:_MAX_VALUE_CHARS]).replace("%", "%25").replace(" ", "%20")
    return shown or "-"
