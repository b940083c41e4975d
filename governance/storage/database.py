"""Transactions over a directory of TinyDB files, atomic across files and safe across processes.

Every file is a TinyDB JSON document (``{table: {doc_id: doc}}``) that also holds a ``_kontokoll``
table with the schema version. A write transaction works on private copies of the files it touches,
through TinyDB tables backed by :class:`TransactionStorage`. On commit it:

1. opens every log it appends to (never through a link; it must be a regular file) and writes
   every new file's content to a durable temp file beside it, so that a file it may not write
   stops the commit before anything visible changed;
2. writes a redo journal (``journal.json``) with the full new content of every changed file, the
   lines to append to log files at the offsets of the logs it really opened, and a checksum of
   every file's content before and after;
3. renames the temp files into place and appends the log lines at their recorded offsets;
4. deletes the journal.

A process killed anywhere leaves either no journal (the old or the new state is whole) or a whole
journal, which the next process to take the lock replays before anyone reads. A replay first checks
that the journal fits the files (each file holds its before or after content; each log is exactly
as long as recorded, or continues with a prefix of the journal's own lines) and refuses it
otherwise: it never cuts a log back past lines it did not write itself. Readers hold a shared
lock, so they never see a transaction half-applied.

The manifest (``store.json``) lists every file the store has written, so that a file that
disappears is reported as missing instead of being read as empty (a missing handle index would
otherwise let a re-import double every account, and a missing core file would make everyone
admin). A store made before the manifest existed gets one on its first write, after a check that
its register is whole.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
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

from governance.errors import JournalMismatch, StoreCorrupt, StoreTooNew
from governance.i18n import t
from governance.storage import manifest
from governance.storage.files import (
    PRIVATE_DIR_MODE,
    check_directory,
    ensure_directory,
    fsync_directory,
    modes_for,
    open_store_file,
    prepare_atomic,
    publish_atomic,
    read_store_file,
    remove_stale_temp_files,
    stat_store_file,
    write_atomic,
)
from governance.storage.layout import JOURNAL, MANIFEST
from governance.storage.lock import DirectoryLock

#: The version of the file layout this code writes. A file with a higher version is refused.
#: 2: the store keeps a manifest of its files (``store.json``); an older Kontokoll, which would
#: not keep it up to date, refuses such a store.
SCHEMA_VERSION = 2
META_TABLE = "_kontokoll"

Tables = dict[str, dict[str, Any]]
_StatKey = tuple[int, int, int, int]


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


def _digest(raw: bytes | None) -> str | None:
    return None if raw is None else hashlib.sha256(raw).hexdigest()


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
    if not isinstance(data, dict) or not all(
        isinstance(table, dict) and all(isinstance(doc, dict) for doc in table.values())
        for table in data.values()
    ):
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

    def path(self, rel: str) -> Path:
        """The full path of the store file ``rel``, for messages."""
        return self._db.root / rel

    @contextmanager
    def shaped(self, rel: str) -> Iterator[None]:
        """Report documents of ``rel`` that do not have the expected shape as a corrupt file.

        Wrap the code that turns a file's documents into objects: valid JSON of the wrong shape
        (a missing key, a number where text belongs) then stops the command with a message naming
        the file, like a file that is not JSON at all, instead of a traceback.
        """
        try:
            yield
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as error:
            detail = f"unexpected content: {type(error).__name__}: {error}"
            raise StoreCorrupt(path=str(self.path(rel)), detail=detail) from None

    def exists(self, rel: str) -> bool:
        """Whether the file ``rel`` exists (a link or special file there is refused)."""
        self._db._check_parents(rel)
        return stat_store_file(self._db.root / rel) is not None

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
        self._db._check_parents(rel)
        raw = read_store_file(path)
        if raw is None:
            self._db._refuse_if_listed(rel)
            return []
        entries = []
        for number, line in enumerate(raw.split(b"\n")[:-1], start=1):
            try:  # invalid UTF-8 is a ValueError too
                entry = json.loads(line)
            except ValueError:
                raise StoreCorrupt(path=f"{path}:{number}", detail="not a JSON line") from None
            if not isinstance(entry, dict):
                raise StoreCorrupt(path=f"{path}:{number}", detail="not a log entry")
            entries.append(entry)
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
        self._db._check_writable_paths([*self._dirty, *self._rewrites, *self._appends])
        files: dict[str, bytes] = {}
        for rel in sorted(self._dirty):
            data = self._working[rel]
            meta = {"schema": SCHEMA_VERSION, "kind": self._kinds.get(rel, rel.split("/")[0])}
            data[META_TABLE] = {"1": meta}
            files[rel] = _encode(data)
        self._list_new_files(files)
        rewrites = {
            rel: "".join(line + "\n" for line in [*lines, *self._appends.pop(rel, [])]).encode()
            for rel, lines in self._rewrites.items()
        }
        with _Prepared(self._db) as prepared:
            appends = prepared.open_logs(self._appends)
            prepared.write_temps({**files, **rewrites})
            plan = self._plan(files, rewrites, appends)
            # One replaced file and nothing else is atomic by itself; more needs the journal.
            needs_journal = len(files) + len(rewrites) + len(appends) + len(self._deletes) > 1
            if needs_journal:
                journal = {
                    META_TABLE: {"1": {"schema": SCHEMA_VERSION, "kind": "journal"}},
                    "journal": {"1": {"txid": secrets.token_hex(8), "plan": plan}},
                }
                write_atomic(self._db.root / JOURNAL, _encode(journal), mode=self._db.file_mode)
            prepared.publish(plan)
        for rel, raw in files.items():
            self._db._remember(rel, raw, self._working.get(rel) or orjson.loads(raw))
        if needs_journal:
            (self._db.root / JOURNAL).unlink()
            fsync_directory(self._db.root)

    def _list_new_files(self, files: dict[str, bytes]) -> None:
        """Add the manifest to ``files`` when this commit creates or deletes a store file."""
        listed = self._db._listed()
        before = self._db._existing_files() if listed is None else listed
        after = (before | set(files) | set(self._rewrites) | set(self._appends)) - self._deletes
        if listed is None or after != listed:
            files[MANIFEST] = _encode(manifest.document(after, SCHEMA_VERSION, META_TABLE))

    def _plan(
        self, files: dict[str, bytes], rewrites: dict[str, bytes], appends: list[dict[str, Any]]
    ) -> dict[str, Any]:
        """The journal's plan: new contents, appends, deletes and the checksums replay checks."""
        checks = {
            rel: {"before": _digest(self._db._raw_or_none(rel)), "after": _digest(raw)}
            for rel, raw in {**files, **rewrites}.items()
        }
        return {
            "files": {rel: orjson.loads(raw) for rel, raw in files.items()},
            "rewrites": {rel: raw.decode() for rel, raw in rewrites.items()},
            "appends": appends,
            "deletes": sorted(self._deletes),
            "checks": checks,
        }


class _Prepared:
    """The first phase of a commit: logs opened and temp files written, nothing yet replaced.

    Leaving the ``with`` block closes the logs and removes every temp file that was not published,
    so a commit that fails before publishing leaves the store exactly as it was.
    """

    def __init__(self, database: Database) -> None:
        self._db = database
        self._fds: dict[str, int] = {}
        self._temps: dict[str, Path] = {}

    def __enter__(self) -> _Prepared:
        return self

    def __exit__(self, *exc: object) -> None:
        for fd in self._fds.values():
            os.close(fd)
        for temp in self._temps.values():
            temp.unlink(missing_ok=True)

    def open_logs(self, appends: dict[str, list[str]]) -> list[dict[str, Any]]:
        """Open each log to append to and record its real length as the append's offset."""
        records = []
        for rel, lines in appends.items():
            path = self._db.root / rel
            try:
                fd = open_store_file(path, os.O_WRONLY, self._db.file_mode)
            except FileNotFoundError:
                self._db._refuse_if_listed(rel)
                offset = 0  # a new log, created when the lines are appended
            else:
                self._fds[rel] = fd
                offset = os.fstat(fd).st_size
            records.append({"path": rel, "offset": offset, "lines": lines})
        return records

    def write_temps(self, contents: dict[str, bytes]) -> None:
        """Write every new file content to a durable temp file beside its target."""
        for rel, raw in contents.items():
            path = self._db.root / rel
            ensure_directory(path.parent, self._db.dir_mode)
            self._temps[rel] = prepare_atomic(path, raw, mode=self._db.file_mode)

    def publish(self, plan: dict[str, Any]) -> None:
        """Second phase: rename the temp files into place, append, delete."""
        for rel in [*plan["files"], *plan["rewrites"]]:
            publish_atomic(self._temps.pop(rel), self._db.root / rel)
        for append in plan["appends"]:
            fd = self._fds.get(append["path"])
            self._db._append(append, fd)
        self._db._delete(plan["deletes"])


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
        self._checked: set[str] = set()  # store folders found sound in this transaction

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
            self._check_store()
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
        raw = None if key is None else read_store_file(path)
        if raw is None:
            if rel != MANIFEST:
                self._refuse_if_listed(rel)
            return _Cached(key=(0, 0, 0, 0), raw=b"", data={})
        entry = _Cached(key=key or (0, 0, 0, 0), raw=raw, data=parse_store_file(path, raw))
        with self._cache_guard:
            self._cache[rel] = entry
        return entry

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
        return manifest.listed(entry.data, self.root / MANIFEST)

    def _refuse_if_listed(self, rel: str) -> None:
        """A missing file the manifest lists stops everything: it must not read as empty."""
        listed = self._listed()
        if listed is not None and rel in listed:
            raise manifest.missing(self.root / rel, self.root / MANIFEST)

    def _existing_files(self) -> set[str]:
        """The store files on disk, for the first manifest of a store made before manifests."""
        return manifest.scan(self.root)

    def _check_store(self) -> None:
        """At the start of every transaction: the store's folders and manifest are sound."""
        self._checked = set()
        if self._listed() is None:
            manifest.check_unlisted_store(self.root, self._cached, _schema_of)

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
        for rel, data in plan["files"].items():
            path = self.root / rel
            ensure_directory(path.parent, self.dir_mode)
            write_atomic(path, _encode(data), mode=self.file_mode)
        for rel, text in plan.get("rewrites", {}).items():
            path = self.root / rel
            ensure_directory(path.parent, self.dir_mode)
            raw = text.encode() if isinstance(text, str) else _legacy_lines(text)
            write_atomic(path, raw, mode=self.file_mode)
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
        journal = parse_store_file(journal_path, raw)
        plan = journal.get("journal", {}).get("1", {}).get("plan")
        if not isinstance(plan, dict) or not _plan_shaped(plan):
            raise StoreCorrupt(path=str(journal_path), detail="no plan")
        self._checked = set()
        self._check_writable_paths(
            [*plan["files"], *plan.get("rewrites", {}), *(a["path"] for a in plan["appends"])]
        )
        _JournalCheck(self, journal_path).verify(plan)
        self._replay(plan)
        journal_path.unlink()
        fsync_directory(self.root)
        remove_stale_temp_files(self.root)

    def rebuild_manifest(self) -> frozenset[str]:
        """List the store files on disk anew (``doctor --repair``, after the manifest was lost).

        Only for a store whose files are all present: a file that is gone is no longer listed,
        so its absence is accepted from then on.
        """
        with self._lock.hold(exclusive=True):
            paths = manifest.scan(self.root)
            document = manifest.document(paths, SCHEMA_VERSION, META_TABLE)
            write_atomic(self.root / MANIFEST, _encode(document), mode=self.file_mode)
        return frozenset(paths)

    def close(self) -> None:
        """Release the lock file handle."""
        self._lock.close()


def _schema_of(data: Tables) -> int:
    """The schema version recorded in a parsed (and thereby checked) store file."""
    return int(data[META_TABLE]["1"]["schema"])


def _legacy_lines(lines: list[str]) -> bytes:
    """A rewrite as journals before checksums recorded it: a list of lines."""
    return "".join(line + "\n" for line in lines).encode()


def _plan_shaped(plan: dict[str, Any]) -> bool:
    """Whether a journal's plan has the shape this code writes (or wrote before checksums)."""
    return (
        isinstance(plan.get("files"), dict)
        and isinstance(plan.get("rewrites", {}), dict)
        and isinstance(plan.get("appends"), list)
        and all(
            isinstance(a, dict)
            and isinstance(a.get("path"), str)
            and isinstance(a.get("offset"), int)
            and isinstance(a.get("lines"), list)
            for a in plan["appends"]
        )
        and isinstance(plan.get("deletes"), list)
        and isinstance(plan.get("checks", {}), dict)
    )


class _JournalCheck:
    """Whether a leftover journal fits the files it would change; refuses it with a reason if not.

    A file must hold either its content from before the commit or the journal's new content; a
    log must be exactly as long as when the journal was written, or continue past that with a
    prefix of the journal's own lines (a killed append). Anything else means the files changed
    after the journal was written, and applying it would destroy data.
    """

    def __init__(self, database: Database, journal_path: Path) -> None:
        self._db = database
        self._path = journal_path

    def verify(self, plan: dict[str, Any]) -> None:
        for rel, check in plan.get("checks", {}).items():
            current = _digest(self._db._raw_or_none(rel))
            if current not in (check.get("before"), check.get("after")):
                self._refuse(t("store.journal_file_changed", path=rel))
        for append in plan["appends"]:
            self._verify_append(append)

    def _verify_append(self, append: dict[str, Any]) -> None:
        raw = self._db._raw_or_none(append["path"]) or b""
        offset = append["offset"]
        payload = "".join(line + "\n" for line in append["lines"]).encode("utf-8")
        if len(raw) < offset:
            self._refuse(t("store.journal_log_shorter", path=append["path"], size=len(raw),
                           offset=offset))
        if not payload.startswith(raw[offset:]):
            self._refuse(t("store.journal_log_other", path=append["path"], offset=offset))

    def _refuse(self, detail: str) -> None:
        raise JournalMismatch(path=str(self._path), detail=detail)
