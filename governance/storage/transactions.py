"""Transactions: a consistent read view, and changes to several files that land together.

A write transaction works on private copies of the files it touches, through TinyDB tables backed
by :class:`TransactionStorage`. On commit it:

1. opens every log it appends to (never through a link; it must be a regular file) and writes
   every new file's content to a durable temp file beside it, so that a file it may not write
   stops the commit before anything visible changed: first each stats shard's, then the recent
   file of each (:mod:`governance.storage.recent`), derived from it and recording the
   modification time the file system stored for it, so that both land together;
2. writes a redo journal (:mod:`governance.storage.journal`) if more than one file changes;
3. renames the temp files into place and appends the log lines at their recorded offsets;
4. deletes the journal.

Binary files (screenshots, :meth:`WriteTransaction.put_blob`) are named by their content's SHA-256
and published *before* the journal is written: until the commit lists them in the manifest they
are unreferenced leftovers that a later commit of the same content simply reuses, so a crash at
any point leaves no record pointing at a missing file. The journal carries only their checksums,
never their bytes.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import orjson
from tinydb import TinyDB
from tinydb.storages import Storage

from governance.errors import StoreCorrupt, StoreError
from governance.storage import journal, manifest, recent
from governance.storage.files import (
    ensure_directory,
    fsync_directory,
    open_store_file,
    prepare_atomic,
    publish_atomic,
    read_store_file,
    stat_store_file,
    write_atomic,
)
from governance.storage.format import META_TABLE, SCHEMA_VERSION, Tables, digest, encode
from governance.storage.layout import (
    JOURNAL,
    MANIFEST,
    is_recent_shard,
    is_stats_shard,
    recent_of,
    stats_of,
)

if TYPE_CHECKING:
    from governance.storage.database import Database

_T = TypeVar("_T")


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

    def typed(self, rel: str, decode: Callable[[Path, bytes], _T], empty: _T) -> _T | None:
        """``rel`` decoded straight from its bytes (:mod:`governance.storage.typed`); ``empty``
        if the file does not exist. None when this transaction has its own copy of the file
        (it may have changed it): then read it through :meth:`load`."""
        return self._db.typed(rel, decode, empty)

    def identity(self, rel: str) -> tuple[int, int] | None:
        """The size and modification time (ns) of ``rel`` as on disk; None if it does not exist
        or this transaction has its own copy of it (:mod:`governance.storage.recent`)."""
        return self._db.identity(rel)

    def path(self, rel: str) -> Path:
        """The full path of the store file ``rel``, for messages."""
        return self._db.root / rel

    @contextmanager
    def shaped(self, rel: str) -> Iterator[None]:
        """Report documents of ``rel`` that do not have the expected shape as a corrupt file.

        Wrap the code that turns a file's documents into objects: valid JSON of the wrong shape
        (a missing key, a number where text belongs) then stops the command with a message naming
        the file, like a file that is not JSON at all, instead of a traceback. A date outside
        the calendar (year 9999 moved to Stockholm time) is an OverflowError: that too.
        """
        try:
            yield
        except (KeyError, TypeError, ValueError, AttributeError, IndexError,
                ArithmeticError) as error:
            detail = f"unexpected content: {type(error).__name__}: {error}"
            raise StoreCorrupt(path=str(self.path(rel)), detail=detail) from None

    def exists(self, rel: str) -> bool:
        """Whether the store file ``rel`` exists (a link or special file there is refused; a
        shard the manifest does not list is none of the store's)."""
        self._db._check_parents(rel)
        return stat_store_file(self._db.root / rel) is not None and self._db.readable(rel)

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
        self._blobs: dict[str, bytes] = {}

    def load(self, rel: str) -> Tables:
        """A private, mutable copy of ``rel``; stage it to have it written on commit."""
        if rel not in self._working:
            cached = self._db._cached(rel)
            self._working[rel] = orjson.loads(cached.raw) if cached.raw else {}
        return self._working[rel]

    def typed(self, rel: str, decode: Callable[[Path, bytes], _T], empty: _T) -> _T | None:
        if rel in self._working:  # this transaction's copy, perhaps changed: not the disk's
            return None
        return self._db.typed(rel, decode, empty)

    def identity(self, rel: str) -> tuple[int, int] | None:
        if rel in self._working:  # this transaction's copy, perhaps changed: not the disk's
            return None
        return self._db.identity(rel)

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
        self._blobs.pop(rel, None)
        self._deletes.add(rel)

    def put_blob(self, rel: str, raw: bytes) -> None:
        """Write the binary file ``rel`` (its name carries its SHA-256) on commit."""
        self._blobs[rel] = raw
        self._deletes.discard(rel)

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
        return bool(self._dirty or self._appends or self._deletes or self._rewrites or self._blobs)

    def commit(self) -> None:
        """Make every staged change durable, atomically across files."""
        if not self.changed:
            return
        files = {rel: self._encoded(rel) for rel in sorted(self._dirty)}
        shards = self._recent_shards()
        self._db._check_writable_paths([*self._dirty, *map(recent_of, shards), *self._rewrites,
                                        *self._appends, *self._deletes, *self._blobs])
        rewrites = {
            rel: "".join(line + "\n" for line in [*lines, *self._appends.pop(rel, [])]).encode()
            for rel, lines in self._rewrites.items()
        }
        with PreparedCommit(self._db) as prepared:
            appends = prepared.open_logs(self._appends)
            # The stats files first: their recent files record the time the file system kept.
            times = prepared.write_stamped({rel: files[rel] for rel in shards if rel in files})
            self._keep_recent_files(shards, files, times)
            self._list_new_files(files)
            prepared.write_temps({rel: raw for rel, raw in {**files, **rewrites, **self._blobs}
                                  .items() if rel not in times})
            plan = self._plan(files, rewrites, appends)
            plan["times"] = times
            prepared.publish_blobs(self._blobs)  # unlisted until the manifest names them
            # One replaced file and nothing else is atomic by itself; more needs the journal.
            needs_journal = len(files) + len(rewrites) + len(appends) + len(self._deletes) > 1
            if needs_journal:
                content = encode(journal.document(plan))
                write_atomic(self._db.root / JOURNAL, content, mode=self._db.file_mode)
            prepared.publish(plan)
        for rel, raw in files.items():
            self._db._remember(rel, raw, self._working[rel])
        if needs_journal:
            (self._db.root / JOURNAL).unlink()
            fsync_directory(self._db.root)

    def _encoded(self, rel: str) -> bytes:
        """The staged content of ``rel``, stamped with this code's schema and the file's kind."""
        data = self._working[rel]
        meta = {"schema": SCHEMA_VERSION, "kind": self._kinds.get(rel, rel.split("/")[0])}
        data[META_TABLE] = {"1": meta}
        return encode(data)

    def _recent_shards(self) -> set[str]:
        """The stats shards whose recent file this commit writes or deletes: those it writes or
        deletes, and those whose recent file other code staged or deleted (a restore)."""
        shards = {rel for rel in [*self._dirty, *self._deletes] if is_stats_shard(rel)}
        shards |= {stats_of(rel) for rel in [*self._dirty, *self._deletes] if is_recent_shard(rel)}
        return shards

    def _keep_recent_files(
        self, shards: set[str], files: dict[str, bytes], times: dict[str, int]
    ) -> None:
        """Write or delete the recent file of each stats shard of ``shards``
        (:mod:`governance.storage.recent`): one written by this commit gets the modification
        time (ns) ``times`` gives it, which its recent file records; another is derived from the
        stats file on disk."""
        for stats_rel in sorted(shards):
            target = recent_of(stats_rel)
            if stats_rel in files:
                before = self._recent_on_disk(stats_rel)
                source = (self._working[stats_rel], len(files[stats_rel]), times[stats_rel],
                          before)
            elif stats_rel not in self._deletes and (found := self._db.identity(stats_rel)):
                source = (self.load(stats_rel), *found, None)  # the stats file as on disk
            else:
                files.pop(target, None)
                self.delete(target)
                continue
            self.stage(target, recent.derived(*source))
            files[target] = self._encoded(target)

    def _recent_on_disk(self, stats_rel: str) -> recent.Before | None:
        """The stats shard on disk and its recent file, if that is in step with it (its rows of
        the accounts this commit leaves alone are kept); None if not, or unreadable."""
        try:
            stats = self._db._cached(stats_rel).data
            found = self._db._cached(recent_of(stats_rel)).data
            return recent.in_step(stats, self._db.identity(stats_rel), found)
        except StoreError:  # (a damaged recent file is simply derived anew)
            return None

    def _list_new_files(self, files: dict[str, bytes]) -> None:
        """Add the manifest to ``files`` when this commit creates or deletes a store file."""
        listed = self._db._listed()
        before = self._db._existing_files() if listed is None else listed
        after = (before | set(files) | set(self._rewrites) | set(self._appends) | set(self._blobs))
        after -= self._deletes
        if listed is None or after != listed:
            document = manifest.document(after, SCHEMA_VERSION, META_TABLE)
            self._working[MANIFEST] = document  # the plan and the cache take it from here
            files[MANIFEST] = encode(document)

    def _plan(
        self, files: dict[str, bytes], rewrites: dict[str, bytes], appends: list[dict[str, Any]]
    ) -> dict[str, Any]:
        """The journal's plan: new contents, appends, deletes and the checksums replay checks."""
        checks: dict[str, dict[str, str | None]] = {
            rel: {"before": digest(self._db._raw_or_none(rel)), "after": digest(raw)}
            for rel, raw in {**files, **rewrites}.items()
        }
        for rel in self._deletes:
            checks[rel] = {"before": digest(self._db._raw_or_none(rel)), "after": None}
        for rel, raw in self._blobs.items():  # published before the journal: only checked
            checks[rel] = {"before": digest(raw), "after": digest(raw)}
        return {
            "files": {rel: self._working[rel] for rel in files},  # encoded as they are
            "rewrites": {rel: raw.decode() for rel, raw in rewrites.items()},
            "appends": appends,
            "deletes": sorted(self._deletes),
            "checks": checks,
        }


def writable(txn: ReadTransaction) -> WriteTransaction:
    """The transaction, if it may write; a change inside a read transaction is a bug."""
    if not isinstance(txn, WriteTransaction):
        raise RuntimeError("write outside a write transaction")
    return txn


class PreparedCommit:
    """The first phase of a commit: logs opened and temp files written, nothing yet replaced.

    Leaving the ``with`` block closes the logs and removes every temp file that was not published,
    so a commit that fails before publishing leaves the store exactly as it was.
    """

    def __init__(self, database: Database) -> None:
        self._db = database
        self._fds: dict[str, int] = {}
        self._temps: dict[str, Path] = {}

    def __enter__(self) -> PreparedCommit:
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

    def write_stamped(self, contents: dict[str, bytes]) -> dict[str, int]:
        """:meth:`write_temps`, each temp file given the time now as its modification time
        (kept by the rename that publishes it); returns each one's time as the file system
        stored it, which on a coarser one (whole seconds, FAT's two) is not the time given."""
        self.write_temps(contents)
        now, times = time.time_ns(), {}
        for rel in contents:
            os.utime(self._temps[rel], ns=(now, now), follow_symlinks=False)
            times[rel] = os.stat(self._temps[rel], follow_symlinks=False).st_mtime_ns
        return times

    def publish_blobs(self, blobs: dict[str, bytes]) -> None:
        """Rename the binary files' temp files into place (before the journal, see above)."""
        for rel in blobs:
            publish_atomic(self._temps.pop(rel), self._db.root / rel)

    def publish(self, plan: dict[str, Any]) -> None:
        """Second phase: rename the temp files into place, append, delete."""
        for rel in [*plan["files"], *plan["rewrites"]]:
            publish_atomic(self._temps.pop(rel), self._db.root / rel)
        for append in plan["appends"]:
            fd = self._fds.get(append["path"])
            self._db._append(append, fd)
        self._db._delete(plan["deletes"])
