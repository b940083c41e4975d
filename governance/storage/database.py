"""A directory of store files with atomic multi-file transactions, safe across processes.

:class:`Database` hands out transactions (:mod:`governance.storage.transactions`) under the
directory's lock: readers share it, a writer holds it alone. Before either, it finishes the work
of a writer that died (replaying its redo journal, :mod:`governance.storage.journal`, only if the
journal fits the files) and checks that the store is sound: its folders are folders, not links,
and its manifest (:mod:`governance.storage.manifest`) is there. It keeps a per-process cache of
parsed files, keyed by each file's identity, so an unchanged file is parsed once.

Files are read without following links and must be regular files; a file the manifest lists
that is gone is reported as missing, never read as empty, and a shard it does not list is never
read (:meth:`Database.readable`).
"""

from __future__ import annotations

import contextlib
import os
import stat
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from governance.storage import journal, manifest
from governance.storage.files import (
    PRIVATE_DIR_MODE,
    check_directory,
    ensure_directory,
    fsync_directory,
    modes_for,
    open_store_file,
    read_store_file,
    remove_stale_temp_files,
    stat_store_file,
    write_atomic,
)
from governance.storage.format import (
    META_TABLE,
    SCHEMA_VERSION,
    Tables,
    bulk_allocation,
    encode,
    parse_store_file,
    schema_of,
)
from governance.storage.layout import (
    JOURNAL,
    MANIFEST,
    is_recent_shard,
    is_shard,
    screenshot_digest,
)
from governance.storage.lock import DirectoryLock
from governance.storage.transactions import ReadTransaction, WriteTransaction

# What the rest of Kontokoll imports from here.
__all__ = [
    "JOURNAL",
    "META_TABLE",
    "SCHEMA_VERSION",
    "Database",
    "ReadTransaction",
    "Tables",
    "WriteTransaction",
    "bulk_allocation",
    "parse_store_file",
]

_StatKey = tuple[int, int, int, int]
_T = TypeVar("_T")


@dataclass
class _Cached:
    key: _StatKey
    raw: bytes
    data: Tables  # shared by readers; never mutated


def _stat_key(path: Path) -> _StatKey | None:
    st = stat_store_file(path)  # refuses a link or anything but a regular file
    if st is None:
        return None
    # Files are only ever replaced by rename, so a new inode or timestamp means new content.
    return (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


class Database:
    """A directory of TinyDB files with atomic multi-file transactions and a per-process cache."""

    def __init__(
        self,
        root: Path,
        *,
        lock_timeout_s: float | None = None,
    ) -> None:
        self.root = root
        ensure_directory(root, PRIVATE_DIR_MODE)
        # The directory's own mode says whether it is private or shared by a group.
        self.file_mode, self.dir_mode = modes_for(root)
        self._lock = DirectoryLock(
            root / ".lock", file_mode=self.file_mode, timeout_s=lock_timeout_s
        )
        self._cache: dict[str, _Cached] = {}
        # Typed reads (governance.storage.typed), by file and decoder: (file identity, result).
        self._typed: dict[tuple[str, Callable[[Path, bytes], Any]], tuple[_StatKey, Any]] = {}
        self._cache_guard = threading.Lock()
        self._local = threading.local()
        self._swept = False
        self._checked: set[str] = set()  # store folders found sound in this transaction
        self._listed_memo: tuple[_Cached, frozenset[str]] | None = None

    def on_read_only(self, report: Callable[[], None]) -> None:
        """Call ``report`` once if the store turns out to be one this process cannot write."""
        self._lock.on_read_only = report

    # --- transactions -------------------------------------------------------------------------

    @contextmanager
    def read(self) -> Iterator[ReadTransaction]:
        """A consistent read-only view for the ``with`` block (shared lock)."""
        current: ReadTransaction | None = getattr(self._local, "txn", None)
        if current is not None:
            yield current
            return
        while True:
            with self._lock.hold(exclusive=False):
                if not os.path.lexists(self.root / JOURNAL):
                    self._check_store()
                    txn = ReadTransaction(self)
                    self._local.txn = txn
                    try:
                        yield txn
                    finally:
                        self._local.txn = None
                    return
            # A writer died mid-commit: finish its work before anyone reads.
            with self._lock.hold(exclusive=True):
                self._recover()

    @contextmanager
    def write(self, *, rebuilding: frozenset[str] = frozenset()) -> Iterator[WriteTransaction]:
        """A transaction for the ``with`` block (exclusive lock); commits if the block succeeds.

        ``rebuilding`` names listed files the transaction writes anew from the others (``doctor
        --repair`` rebuilding a lost handle index): their absence does not stop it.
        """
        current: ReadTransaction | None = getattr(self._local, "txn", None)
        if current is not None:
            if not isinstance(current, WriteTransaction):
                raise RuntimeError("write transaction inside a read transaction")
            yield current
            return
        with self._lock.hold(exclusive=True):
            self._recover()
            self._check_store(rebuilding)
            txn = WriteTransaction(self)
            self._local.txn = txn
            try:
                yield txn
                txn.commit()
            finally:
                self._local.txn = None

    # --- files and cache ----------------------------------------------------------------------

    def _cached(self, rel: str) -> _Cached:
        path = self.root / rel
        self._check_parents(rel)
        key = _stat_key(path)
        with self._cache_guard:
            entry = self._cache.get(rel)
            if entry is not None and entry.key == key:
                return entry
        raw = None if key is None or not self.readable(rel) else read_store_file(path)
        if raw is None:
            if rel != MANIFEST:
                self._refuse_if_listed(rel)
            return _Cached(key=(0, 0, 0, 0), raw=b"", data={})
        entry = _Cached(key=key or (0, 0, 0, 0), raw=raw, data=parse_store_file(path, raw))
        with self._cache_guard:
            self._cache[rel] = entry
        return entry

    def typed(self, rel: str, decode: Callable[[Path, bytes], _T], empty: _T) -> _T:
        """``decode(path, bytes)`` of ``rel`` as it is on disk (``empty`` if there is no file),
        cached by file identity like parsed files; the same checks of links, folders and the
        manifest as :meth:`_cached`, without building the file's dictionaries."""
        path = self.root / rel
        self._check_parents(rel)
        key = _stat_key(path)
        with self._cache_guard:
            hit = self._typed.get((rel, decode))
            if hit is not None and hit[0] == key:
                return hit[1]  # type: ignore[no-any-return]
        raw = None if key is None or not self.readable(rel) else read_store_file(path)
        if raw is None or key is None:
            self._refuse_if_listed(rel)
            return empty
        value = decode(path, raw)
        with self._cache_guard:
            self._typed[(rel, decode)] = (key, value)
        return value

    def identity(self, rel: str) -> tuple[int, int] | None:
        """The size and modification time (ns) of ``rel`` on disk, with the same checks as a
        read (a link refused, a listed file that is gone reported); None if there is none."""
        self._check_parents(rel)
        st = stat_store_file(self.root / rel)
        if st is None or not self.readable(rel):
            if st is None:
                self._refuse_if_listed(rel)
            return None
        return st.st_size, st.st_mtime_ns

    def _raw_or_none(self, rel: str) -> bytes | None:
        """The current bytes of ``rel`` on disk, or None if it does not exist."""
        return read_store_file(self.root / rel)

    def _remember(self, rel: str, raw: bytes, data: Tables) -> None:
        key = _stat_key(self.root / rel)
        if key is not None:
            with self._cache_guard:
                self._cache[rel] = _Cached(key=key, raw=raw, data=data)

    # --- safety checks --------------------------------------------------------------------------

    def _check_parents(self, rel: str) -> None:
        """Refuse a store folder on the way to ``rel`` that is a link or not a folder.

        Checked once per transaction and folder (``_checked`` is reset when one starts).
        """
        parts = rel.split("/")[:-1]
        for depth in range(1, len(parts) + 1):
            folder = "/".join(parts[:depth])
            if folder not in self._checked:
                check_directory(self.root / folder)
                self._checked.add(folder)

    def _check_writable_paths(self, rels: list[str]) -> None:
        for rel in rels:
            self._check_parents(rel)

    def _listed(self) -> frozenset[str] | None:
        """The files the manifest lists, or None for a store without one (new or older)."""
        entry = self._cached(MANIFEST)
        if not entry.raw:
            return None
        memo = self._listed_memo  # (asked before every file read: built once per manifest)
        if memo is None or memo[0] is not entry:
            memo = self._listed_memo = (entry, manifest.listed(entry.data, self.root / MANIFEST))
        return memo[1]

    def readable(self, rel: str) -> bool:
        """Whether the file ``rel`` (if it exists) is one of this store's: a shard only if the
        manifest lists it (any shard of a store without one). A shard the manifest does not list
        (planted, a copy left behind) is never read: to every reader it does not exist, as to
        the commit that writes it; ``kontokoll doctor`` names it.
        """
        if not is_shard(rel):
            return True
        listed = self._listed()
        return listed is None or rel in listed

    def _refuse_if_listed(self, rel: str) -> None:
        """A missing file the manifest lists stops everything: it must not read as empty."""
        listed = self._listed()
        if listed is not None and rel in listed and not is_recent_shard(rel):
            raise manifest.missing(self.root / rel, self.root / MANIFEST)

    def _existing_files(self) -> set[str]:
        """The store files on disk, for the first manifest of a store made before manifests."""
        return manifest.scan(self.root)

    def _check_store(self, rebuilding: frozenset[str] = frozenset()) -> None:
        """At the start of every transaction: every file the manifest lists is there, as a
        regular file in a real folder (a link, FIFO or device in its place is refused).

        So a command that would not read the missing or planted file itself is refused too, and
        no write (nor the snapshot taken before it) ever works on an incomplete store. About one
        ``lstat`` per store file: a fraction of a millisecond at 10,000 accounts.
        """
        self._checked = set()
        listed = self._listed()
        if listed is None:
            manifest.check_unlisted_store(self.root, self._cached, schema_of)
            return
        for folder in {rel.rpartition("/")[0] for rel in listed} - {""}:
            self._check_parents(folder + "/")
        root = str(self.root)
        for rel in listed:  # plain os.lstat on strings: this runs before every transaction
            try:
                st = os.lstat(f"{root}/{rel}")
            except FileNotFoundError:
                # A lost screenshot is one record's loss, not the register's: the record says
                # so when it is sent and doctor names it; every other file stops everything.
                # A lost recent file (derived from a stats shard) only costs the audit time.
                if rel not in rebuilding and screenshot_digest(rel) is None and not (
                    is_recent_shard(rel)
                ):
                    raise manifest.missing(self.root / rel, self.root / MANIFEST) from None
                continue
            if not stat.S_ISREG(st.st_mode) or st.st_nlink > 1:
                stat_store_file(self.root / rel)  # raises the refusal naming what it is

    # --- applying a plan -------------------------------------------------------------------------

    def _append(self, append: dict[str, Any], fd: int | None) -> None:
        """Append a plan's lines to a log at the recorded offset, through an open ``fd`` if any."""
        path = self.root / append["path"]
        if fd is None:
            ensure_directory(path.parent, self.dir_mode)
            fd = open_store_file(path, os.O_WRONLY | os.O_CREAT, self.file_mode)
            own = True
        else:
            own = False
        try:
            if append["offset"] == 0:  # a new file: the umask must not change its mode
                with contextlib.suppress(PermissionError):
                    os.fchmod(fd, self.file_mode)
            payload = "".join(line + "\n" for line in append["lines"]).encode("utf-8")
            # Truncating to the recorded offset drops a partial line from a killed writer; the
            # replay checks that nothing but (a prefix of) these lines lies past it.
            os.ftruncate(fd, append["offset"])
            os.lseek(fd, append["offset"], os.SEEK_SET)
            os.write(fd, payload)
            os.fsync(fd)
        finally:
            if own:
                os.close(fd)

    def _delete(self, rels: list[str]) -> None:
        for rel in rels:
            (self.root / rel).unlink(missing_ok=True)
            with self._cache_guard:
                self._cache.pop(rel, None)

    def _replay(self, plan: dict[str, Any]) -> None:
        """Carry out a journal's plan after a crash. Idempotent, so replaying twice is safe."""
        times = plan.get("times", {})
        for rel, data in plan["files"].items():
            path = self.root / rel
            ensure_directory(path.parent, self.dir_mode)
            write_atomic(path, encode(data), mode=self.file_mode)
            # The time its recent file records (governance.storage.recent): one this file
            # system stored for the commit's temp file beside it, so it stores it unchanged.
            if rel in times:
                os.utime(path, ns=(times[rel], times[rel]), follow_symlinks=False)
        for rel, text in plan["rewrites"].items():
            path = self.root / rel
            ensure_directory(path.parent, self.dir_mode)
            write_atomic(path, text.encode(), mode=self.file_mode)
        for append in plan["appends"]:
            self._append(append, None)
        self._delete(plan["deletes"])

    def _recover(self) -> None:
        """Replay a journal left by a writer that died; call only under the exclusive lock."""
        journal_path = self.root / JOURNAL
        if not self._swept:
            remove_stale_temp_files(self.root)
            self._swept = True
        raw = read_store_file(journal_path)
        if raw is None:
            return
        plan = journal.read_plan(journal_path, raw)
        self._checked = set()
        self._check_writable_paths(journal.plan_paths(plan))  # deletes too: no link followed
        journal.JournalCheck(self._raw_or_none, journal_path).verify(plan)
        self._replay(plan)
        journal_path.unlink()
        fsync_directory(self.root)
        remove_stale_temp_files(self.root)

    def listed_files(self) -> frozenset[str]:
        """The store files the manifest lists (none for a store without a manifest)."""
        return self._listed() or frozenset()

    def rebuild_manifest(self) -> frozenset[str]:
        """List the store files on disk anew (``doctor --repair``, after the manifest was lost).

        Only for a store whose files are all present: a file that is gone is no longer listed,
        so its absence is accepted from then on.
        """
        with self._lock.hold(exclusive=True):
            paths = manifest.scan(self.root)
            document = manifest.document(paths, SCHEMA_VERSION, META_TABLE)
            write_atomic(self.root / MANIFEST, encode(document), mode=self.file_mode)
        return frozenset(paths)

    def close(self) -> None:
        """Release the lock file handle, and the parsed files (a closed store held on to by a
        reference cycle would otherwise keep 10,000 accounts alive until a full collection)."""
        self._lock.close()
        with self._cache_guard:
            self._cache.clear()
            self._typed.clear()
