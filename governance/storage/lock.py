"""An inter-process reader/writer lock on the data directory.

``flock`` gives shared locks to readers and an exclusive lock to writers, and the kernel drops a
lock when its process dies, so a ``kill -9`` never leaves a stale lock behind. Within one process
a thread lock serialises transactions, since flock locks belong to the open file, not the thread.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from governance.errors import StoreLocked

#: How long a command waits for another process before it gives up with a clear message.
DEFAULT_TIMEOUT_S = float(os.environ.get("KONTOKOLL_LOCK_TIMEOUT", "30"))
_POLL_S = 0.005


class DirectoryLock:
    """A shared/exclusive lock held on one lock file, usable by many threads of one process."""

    def __init__(self, path: Path, *, file_mode: int = 0o600, timeout_s: float | None = None):
        self.path = path
        self.file_mode = file_mode
        self.timeout_s = DEFAULT_TIMEOUT_S if timeout_s is None else timeout_s
        self._thread_lock = threading.RLock()
        self._fd: int | None = None
        self._held: int = 0  # fcntl.LOCK_SH or LOCK_EX while held, 0 otherwise
        self._depth = 0

    def _open(self) -> int:
        if self._fd is None:
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, self.file_mode)
            with contextlib.suppress(PermissionError):  # only the owner may; others need not
                os.fchmod(self._fd, self.file_mode)  # the umask must not narrow a group's mode
        return self._fd

    @contextmanager
    def hold(self, *, exclusive: bool) -> Iterator[None]:
        """Hold the lock shared (readers) or exclusive (writers) for the ``with`` block.

        Re-entry from the same thread keeps the outer lock; asking for exclusive inside a shared
        hold is a programming error, since upgrading could deadlock two readers.
        """
        if not self._thread_lock.acquire(timeout=self.timeout_s):
            raise StoreLocked(path=str(self.path), seconds=int(self.timeout_s))
        try:
            if self._depth:
                if exclusive and self._held != fcntl.LOCK_EX:
                    raise RuntimeError("cannot upgrade a shared store lock to exclusive")
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            mode = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
            self._acquire(mode)
            self._held, self._depth = mode, 1
            try:
                yield
            finally:
                self._depth, self._held = 0, 0
                fcntl.flock(self._open(), fcntl.LOCK_UN)
        finally:
            self._thread_lock.release()

    def _acquire(self, mode: int) -> None:
        fd = self._open()
        deadline = time.monotonic() + self.timeout_s
        while True:
            try:
                fcntl.flock(fd, mode | fcntl.LOCK_NB)
                return
            except OSError as error:
                if error.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
            if time.monotonic() >= deadline:
                raise StoreLocked(path=str(self.path), seconds=int(self.timeout_s))
            time.sleep(_POLL_S)

    def close(self) -> None:
        """Close the lock file (the lock must not be held)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
