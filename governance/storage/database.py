"""Transactions over a directory of TinyDB files, atomic across files and safe across processes.

Every file is a TinyDB JSON document (``{table: {doc_id: doc}}``) that also holds a ``_kontokoll``
table with the schema version. A write transaction works on private copies of the files it touches,
through TinyDB tables backed by :class:`TransactionStorage`. On commit it:

1. writes a redo journal (``journal.json``) with the full new content of every changed file and the
   lines to append to log files, atomically;
2. replaces each changed file atomically and appends the log lines at their recorded offsets;
3. deletes the journal.

A process killed anywhere leaves either no journal (the old or the new state is whole) or a whole
journal, which the next process to take the lock replays before anyone reads. Readers hold a shared
lock, so they never see a transaction half-applied.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from tinydb import TinyDB
from tinydb.storages import Storage

from governance.errors import StoreCorrupt, StoreTooNew
from governance.storage.files import (
    PRIVATE_DIR_MODE,
    ensure_directory,
    fsync_directory,
    modes_for,
    remove_stale_temp_files,
    write_atomic,
)
from governance.storage.lock import DirectoryLock

#: The version of the file layout this code writes. A file with a higher version is refused.
SCHEMA_VERSION = 1
META_TABLE = "_kontokoll"
JOURNAL = "journal.json"

Tables = dict[str, dict[str, Any]]
_StatKey = tuple[int, int, int, int]


@dataclass
class _Cached:
    key: _StatKey
    raw: bytes
    data: Tables  # shared by readers; never mutated


def _stat_key(path: Path) -> _StatKey | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    # Files are only ever replaced by rename, so a new inode or timestamp means new content.
    return (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


@contextmanager
def bulk_allocation() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many acyclic objects.

    Loading 10,000 accounts allocates hundreds of thousands of objects without cycles; left on,
    the collector would walk the growing heap again and again for nothing.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _encode(data: Any) -> bytes:
    return orjson.dumps(data)


def parse_store_file(path: Path, raw: bytes) -> Tables:
    """Parse and check one store file; raise a clear error naming the file if it is unusable."""
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise StoreCorrupt(path=str(path), detail=str(error)) from None
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise StoreCorrupt(path=str(path), detail="not a TinyDB document")
    meta = data.get(META_TABLE, {}).get("1")
    if not isinstance(meta, dict) or not isinstance(meta.get("schema"), int):
        raise StoreCorrupt(path=str(path), detail="no Kontokoll schema version")
    if meta["schema"] > SCHEMA_VERSION:
        raise StoreTooNew(path=str(path), found=meta["schema"], supported=SCHEMA_VERSION)
    return data


class TransactionStorage(Storage):
    """TinyDB storage that reads and writes a transaction's copy of one file, never the disk."""

    def __init__(self, txn: ReadTransaction, rel: str) -> None:
        self._txn = txn
        self._rel = rel

    def read(self) -> Tables | None:
        return self._txn.load(self._rel)

    def write(self, data: Tables) -> None:
        self._txn.stage(self._rel, data)

    def close(self) -> None:
        pass


class ReadTransaction:
    """A consistent view of the store, taken under the shared lock."""

    writable = False

    def __init__(self, database: Database) -> None:
        self._db = database

    def load(self, rel: str) -> Tables:
        """The content of ``rel`` (empty if it does not exist). Read-only: do not mutate it."""
        return self._db._cached(rel).data

    def exists(self, rel: str) -> bool:
        """Whether the file ``rel`` exists."""
        return (self._db.root / rel).exists()

    def table(self, rel: str, name: str) -> dict[str, Any]:
        """The raw documents of one table, keyed by TinyDB doc id. Read-only."""
        return self.load(rel).get(name, {})

    def tinydb(self, rel: str) -> TinyDB:
        """A TinyDB database over ``rel`` as this transaction sees it."""
        return TinyDB(storage=TransactionStorage, txn=self, rel=rel)

    def stage(self, rel: str, data: Tables) -> None:
        raise RuntimeError("write outside a write transaction")

    def lines(self, rel: str) -> list[dict[str, Any]]:
        """Every complete JSON line of an append-only log file."""
        path = self._db.root / rel
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return []
        entries = []
        for number, line in enumerate(raw.split(b"\n")[:-1], start=1):
            try:
                entries.append(json.loads(line))
            except json.JSONDecodeError:
                raise StoreCorrupt(path=f"{path}:{number}", detail="not a JSON line") from None
        return entries


class WriteTransaction(ReadTransaction):
    """Changes to several files that land together or not at all."""

    writable = True

    def __init__(self, database: Database) -> None:
        super().__init__(database)
        self._working: dict[str, Tables] = {}
        self._dirty: set[str] = set()
        self._kinds: dict[str, str] = {}
        self._appends: dict[str, list[str]] = {}
        self._rewrites: dict[str, list[str]] = {}
        self._deletes: set[str] = set()

    def load(self, rel: str) -> Tables:
        """A private, mutable copy of ``rel``; stage it to have it written on commit."""
        if rel not in self._working:
            cached = self._db._cached(rel)
            self._working[rel] = orjson.loads(cached.raw) if cached.raw else {}
        return self._working[rel]

    def stage(self, rel: str, data: Tables, kind: str | None = None) -> None:
        """Mark ``data`` as the new content of ``rel``."""
        self._working[rel] = data
        self._dirty.add(rel)
        self._deletes.discard(rel)
        if kind:
            self._kinds[rel] = kind

    def delete(self, rel: str) -> None:
        """Remove the file ``rel`` on commit."""
        self._working.pop(rel, None)
        self._dirty.discard(rel)
        self._deletes.add(rel)

    def append(self, rel: str, entry: dict[str, Any]) -> None:
        """Append one JSON line to the log file ``rel`` on commit."""
        line = json.dumps(entry, ensure_ascii=False, separators=(",", ":"))
        self._appends.setdefault(rel, []).append(line)

    def rewrite_lines(self, rel: str, entries: list[dict[str, Any]]) -> None:
        """Replace a whole append-only log on commit (only to erase personal data from it).

        Lines appended in this same transaction are kept after the rewritten ones.
        """
        self._rewrites[rel] = [
            json.dumps(entry, ensure_ascii=False, separators=(",", ":")) for entry in entries
        ]

    @property
    def changed(self) -> bool:
        """Whether committing would write anything."""
        return bool(self._dirty or self._appends or self._deletes or self._rewrites)

    def commit(self) -> None:
        """Make every staged change durable, atomically across files."""
        if not self.changed:
            return
        files: dict[str, bytes] = {}
        for rel in sorted(self._dirty):
            data = self._working[rel]
            meta = {"schema": SCHEMA_VERSION, "kind": self._kinds.get(rel, rel.split("/")[0])}
            data[META_TABLE] = {"1": meta}
            files[rel] = _encode(data)
        rewrites = {
            rel: lines + self._appends.pop(rel, []) for rel, lines in self._rewrites.items()
        }
        appends = []
        for rel, lines in self._appends.items():
            path = self._db.root / rel
            offset = path.stat().st_size if path.exists() else 0
            appends.append({"path": rel, "offset": offset, "lines": lines})
        plan = {
            "files": {rel: self._working[rel] for rel in files},
            "rewrites": rewrites,
            "appends": appends,
            "deletes": sorted(self._deletes),
        }
        # One replaced file and nothing else is atomic by itself; anything more needs the journal.
        needs_journal = len(files) + len(rewrites) + len(appends) + len(self._deletes) > 1
        if needs_journal:
            journal = {
                META_TABLE: {"1": {"schema": SCHEMA_VERSION, "kind": "journal"}},
                "journal": {"1": {"txid": secrets.token_hex(8), "plan": plan}},
            }
            write_atomic(self._db.root / JOURNAL, _encode(journal), mode=self._db.file_mode)
        self._db._apply(plan, encoded=files)
        for rel, raw in files.items():
            self._db._remember(rel, raw, self._working[rel])
        if needs_journal:
            (self._db.root / JOURNAL).unlink()
            fsync_directory(self._db.root)


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
        self._cache_guard = threading.Lock()
        self._local = threading.local()
        self._swept = False

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
                if not (self.root / JOURNAL).exists():
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
    def write(self) -> Iterator[WriteTransaction]:
        """A transaction for the ``with`` block (exclusive lock); commits if the block succeeds."""
        current: ReadTransaction | None = getattr(self._local, "txn", None)
        if current is not None:
            if not isinstance(current, WriteTransaction):
                raise RuntimeError("write transaction inside a read transaction")
            yield current
            return
        with self._lock.hold(exclusive=True):
            self._recover()
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
        key = _stat_key(path)
        with self._cache_guard:
            entry = self._cache.get(rel)
            if entry is not None and entry.key == key:
                return entry
        if key is None:
            return _Cached(key=(0, 0, 0, 0), raw=b"", data={})
        raw = path.read_bytes()
        entry = _Cached(key=key, raw=raw, data=parse_store_file(path, raw))
        with self._cache_guard:
            self._cache[rel] = entry
        return entry

    def _remember(self, rel: str, raw: bytes, data: Tables) -> None:
        key = _stat_key(self.root / rel)
        if key is not None:
            with self._cache_guard:
                self._cache[rel] = _Cached(key=key, raw=raw, data=data)

    def _apply(self, plan: dict[str, Any], encoded: dict[str, bytes] | None = None) -> None:
        """Carry out a commit plan. Idempotent, so a replay after a crash is safe."""
        for rel, data in plan["files"].items():
            path = self.root / rel
            ensure_directory(path.parent, self.dir_mode)
            raw = encoded[rel] if encoded else _encode(data)
            write_atomic(path, raw, mode=self.file_mode)
        for rel, lines in plan.get("rewrites", {}).items():
            path = self.root / rel
            ensure_directory(path.parent, self.dir_mode)
            write_atomic(path, "".join(line + "\n" for line in lines).encode(), mode=self.file_mode)
        for append in plan["appends"]:
            path = self.root / append["path"]
            ensure_directory(path.parent, self.dir_mode)
            payload = "".join(line + "\n" for line in append["lines"]).encode("utf-8")
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, self.file_mode)
            try:
                if append["offset"] == 0:  # a new file: the umask must not change its mode
                    with contextlib.suppress(PermissionError):
                        os.fchmod(fd, self.file_mode)
                # Truncating to the recorded offset drops a partial line from a killed writer.
                os.ftruncate(fd, append["offset"])
                os.lseek(fd, append["offset"], os.SEEK_SET)
                os.write(fd, payload)
                os.fsync(fd)
            finally:
                os.close(fd)
        for rel in plan["deletes"]:
            (self.root / rel).unlink(missing_ok=True)
            with self._cache_guard:
                self._cache.pop(rel, None)

    def _recover(self) -> None:
        """Replay a journal left by a writer that died; call only under the exclusive lock."""
        journal_path = self.root / JOURNAL
        if not self._swept:
            remove_stale_temp_files(self.root)
            self._swept = True
        if not journal_path.exists():
            return
        raw = journal_path.read_bytes()
        journal = parse_store_file(journal_path, raw)
        plan = journal.get("journal", {}).get("1", {}).get("plan")
        if not isinstance(plan, dict):
            raise StoreCorrupt(path=str(journal_path), detail="no plan")
        self._apply(plan)
        journal_path.unlink()
        fsync_directory(self.root)
        remove_stale_temp_files(self.root)

    def close(self) -> None:
        """Release the lock file handle."""
        self._lock.close()
