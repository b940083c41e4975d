"""An inter-process reader/writer lock on the data directory.

``flock`` gives shared locks to readers and an exclusive lock to writers, and the kernel drops a
lock when its process dies, so a ``kill -9`` never leaves a stale lock behind. flock belongs to the
open file, not to a thread, so within one process a condition variable does the same job between
threads: any number of reader threads share the process's shared flock, and a writer thread waits
until it has the process, and then the file, to itself.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import math
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from governance.errors import InputError, StoreError, StoreLocked
from governance.os_errors import os_reason
from governance.storage.files import open_store_file

#: How long a command waits for another process before it gives up with a clear message,
#: unless KONTOKOLL_LOCK_TIMEOUT says otherwise (seconds, from 0 to MAX_TIMEOUT_S).
DEFAULT_TIMEOUT_S = 30.0
MAX_TIMEOUT_S = 86400.0


def timeout_from_environment() -> float:
    """KONTOKOLL_LOCK_TIMEOUT in seconds (unset or empty: 30), read when a lock is made.

    A value that is not a finite number from 0 to a day is refused with a message; it is never
    read at import, so a bad value cannot stop the program before it can say what is wrong.
    """
    text = os.environ.get("KONTOKOLL_LOCK_TIMEOUT", "").strip()
    if not text:
        return DEFAULT_TIMEOUT_S
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not 0 <= seconds <= MAX_TIMEOUT_S:  # also refuses nan and inf
        raise InputError("input.lock_timeout", value=text, limit=f"{MAX_TIMEOUT_S:g}")
    return seconds


_POLL_S = 0.005
#: Why the lock file may not open for writing when the store itself cannot be written.
_CANNOT_WRITE = frozenset({errno.EROFS, errno.EACCES, errno.EPERM})


class StoreReadOnly(StoreError):
    """A change was asked of a store this process cannot write (read-only mount, no rights)."""

    key = "read_only_store.refused"


class DirectoryLock:
    """A shared/exclusive lock held on one lock file, usable by many threads of one process.

    Not re-entrant: the database hands a thread that already has a transaction the same
    transaction, so a thread never asks twice.
    """

    def __init__(self, path: Path, *, file_mode: int = 0o600, timeout_s: float | None = None):
        self.path = path
        self.file_mode = file_mode
        self.timeout_s = timeout_from_environment() if timeout_s is None else timeout_s
        self._state = threading.Condition()
        self._readers = 0  # threads of this process holding the shared lock
        self._writer = False  # a thread of this process holds the exclusive lock
        self._fd: int | None = None
        #: Why the lock file cannot be opened for writing, once found: the store is read-only.
        self.read_only: OSError | None = None
        #: Called once when the store turns out to be read-only (the CLI tells the user).
        self.on_read_only: Callable[[], None] | None = None

    def _open(self) -> int | None:
        """The lock file, opened once; None on a store we cannot write that has no lock file."""
        if self._fd is None:
            try:
                # Never through a link: a planted .lock must not make us create or chmod a file
                # elsewhere with our rights.
                self._fd = open_store_file(self.path, os.O_RDWR | os.O_CREAT, self.file_mode)
            except OSError as error:
                if error.errno not in _CANNOT_WRITE:
                    raise
                self._fd = self._open_for_reading(error)
                return self._fd
            with contextlib.suppress(PermissionError):  # only the owner may; others need not
                os.fchmod(self._fd, self.file_mode)  # the umask must not narrow a group's mode
        return self._fd

    def _open_for_reading(self, error: OSError) -> int | None:
        """The lock file opened for reading, on a store this process cannot write.

        The lock file cannot be opened for writing: the file system is mounted read-only (a
        backup mount, say) or the folder and its lock file are not ours to write. Readers need
        only the shared lock, and flock takes one on a file opened for reading, so if the lock
        file exists we still wait for a writer who has the rights we lack. If there is none,
        there is nothing to lock: on a read-only file system nobody can write, so no writer can
        race our reads; in a folder we may not write, a writer with rights creates the lock file
        in its first transaction, and every later hold here looks for it again. Changes are
        refused (:class:`StoreReadOnly`): we could not write them anyway.
        """
        if self.read_only is None:
            self.read_only = error
            if self.on_read_only is not None:
                self.on_read_only()  # once: the CLI says so on standard error
        try:
            return open_store_file(self.path, os.O_RDONLY)
        except FileNotFoundError:
            return None

    @contextmanager
    def hold(self, *, exclusive: bool) -> Iterator[None]:
        """Hold the lock shared (readers) or exclusive (writers) for the ``with`` block."""
        deadline = time.monotonic() + self.timeout_s
        if exclusive:
            self._enter_exclusive(deadline)
            try:
                yield
            finally:
                with self._state:
                    self._unlock_file()
                    self._writer = False
                    self._state.notify_all()
        else:
            self._enter_shared(deadline)
            try:
                yield
            finally:
                with self._state:
                    self._readers -= 1
                    if self._readers == 0:
                        self._unlock_file()
                        self._state.notify_all()

    def _enter_shared(self, deadline: float) -> None:
        with self._state:
            self._wait(lambda: not self._writer, deadline)
            if self._readers == 0:
                self._lock_file(fcntl.LOCK_SH, deadline)
            self._readers += 1

    def _enter_exclusive(self, deadline: float) -> None:
        with self._state:
            self._wait(lambda: not self._writer and self._readers == 0, deadline)
            self._writer = True  # claimed: other threads wait while we wait for other processes
        try:
            self._lock_file(fcntl.LOCK_EX, deadline)
        except BaseException:
            with self._state:
                self._writer = False
                self._state.notify_all()
            raise

    def _wait(self, ready: Callable[[], bool], deadline: float) -> None:
        while not ready():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise self._timed_out()
            self._state.wait(remaining)

    def _lock_file(self, mode: int, deadline: float) -> None:
        fd = self._open()
        if mode == fcntl.LOCK_EX and self.read_only is not None:
            raise StoreReadOnly(path=str(self.path.parent), detail=os_reason(self.read_only))
        if fd is None:
            return  # a store nobody can write, without a lock file: see _open_for_reading
        while True:
            try:
                fcntl.flock(fd, mode | fcntl.LOCK_NB)
                return
            except OSError as error:
                if error.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
            if time.monotonic() >= deadline:
                raise self._timed_out()
            time.sleep(_POLL_S)

    def _unlock_file(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def _timed_out(self) -> StoreLocked:
        return StoreLocked(path=str(self.path), seconds=f"{self.timeout_s:g}")

    def close(self) -> None:
        """Close the lock file (the lock must not be held)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
