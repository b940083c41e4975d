"""``kontokoll doctor --repair``: fix what can be fixed without guessing, and say what was done.

- A leftover journal is replayed (what the next command would do anyway) or, if it cannot be
  replayed, discarded; either only after the caller confirmed, because discarding loses the change
  it held.
- Temp files left by a killed writer are removed, under the exclusive lock.
- The handle index is derived data: it is rebuilt from the account shards in a write transaction
  (admin only), so the change lands whole and is recorded in the change log.
- The recent files (``stats-recent/``) are derived data too: a missing, stale or mismatched one
  is written anew from its stats shard, or removed without one (admin only).

Anything else (a damaged shard, a wrong mode, a planted link) needs a person: restore from a
snapshot or backup, or fix the file system; the check after the repair still lists it.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from governance.access import REPAIR_STORE, authorize
from governance.doctor import DEMO, REPAIR_INDEX, REPAIR_MANIFEST, REPAIR_RECENT, Problem, check
from governance.errors import KontokollError, StoreError
from governance.i18n import t
from governance.model import ChangeEntry, utc_now
from governance.storage import manifest
from governance.storage.database import META_TABLE, SCHEMA_VERSION, parse_store_file
from governance.storage.files import TEMP_MARKER, read_store_file, write_atomic
from governance.storage.layout import (
    ACCOUNTS_FOLDER,
    CORE,
    INDEX,
    JOURNAL,
    LOCK,
    MANIFEST,
    RECENT_FOLDER,
)
from governance.storage.lock import DirectoryLock
from governance.store import Store, repos

#: Asked before a journal is replayed or discarded; answers True to go ahead.
Confirm = Callable[[str], bool]


@dataclass
class RepairReport:
    """What ``--repair`` did (one message each) and the problems left afterwards."""

    done: list[str] = field(default_factory=list)
    left: list[Problem] = field(default_factory=list)


def repair(store: Store, login: str, confirm: Confirm) -> RepairReport:
    """Repair what can be repaired safely, then check again."""
    root = store.data_dir
    report = RepairReport()
    problems = check(root)
    if any(p.path == str(root / JOURNAL) for p in problems):
        _journal(store, confirm, report)
    if any(TEMP_MARKER in Path(p.path).name for p in problems):
        _temp_files(store, report)
    if any(p.repair == REPAIR_MANIFEST for p in problems):
        _rebuild_manifest(store, report)
    problems = check(root)
    if any(p.repair == REPAIR_INDEX for p in problems):
        _rebuild_index(store, login, report)
    if any(p.repair == REPAIR_RECENT for p in problems):
        _rederive_recent(store, login, report)
    report.left = check(root)
    return report


def _journal(store: Store, confirm: Confirm, report: RepairReport) -> None:
    path = store.data_dir / JOURNAL
    try:
        parse_store_file(path, read_store_file(path) or b"")
    except StoreError as error:
        _discard(store, confirm, report, str(error))
        return
    if not confirm(t("doctor.ask.replay", path=str(path))):
        report.done.append(t("doctor.done.journal_kept", path=str(path)))
        return
    try:
        with store.db.write():
            pass  # taking the write lock replays the journal before anything else
    except StoreError as error:
        _discard(store, confirm, report, str(error))
        return
    report.done.append(t("doctor.done.replayed", path=str(path)))


def _discard(store: Store, confirm: Confirm, report: RepairReport, reason: str) -> None:
    path = store.data_dir / JOURNAL
    if not confirm(t("doctor.ask.discard", path=str(path), reason=reason)):
        report.done.append(t("doctor.done.journal_kept", path=str(path)))
        return
    with _exclusive(store):
        path.unlink(missing_ok=True)
    report.done.append(t("doctor.done.discarded", path=str(path)))


def _temp_files(store: Store, report: RepairReport) -> None:
    root = store.data_dir
    with _exclusive(store):
        for folder, dirs, files in os.walk(root, followlinks=False):
            if Path(folder) == root and DEMO in dirs:
                dirs.remove(DEMO)  # another store, under its own lock
            for name in files:
                path = Path(folder) / name
                if TEMP_MARKER in name and stat.S_ISREG(path.lstat().st_mode):
                    path.unlink(missing_ok=True)
                    report.done.append(t("doctor.done.temp_removed", path=str(path)))


@contextmanager
def _exclusive(store: Store) -> Iterator[None]:
    """The store's lock, held apart from its Database: a journal must not be replayed here."""
    lock = DirectoryLock(store.data_dir / LOCK, file_mode=store.db.file_mode)
    try:
        with lock.hold(exclusive=True):
            yield
    finally:
        lock.close()


def _rebuild_index(store: Store, login: str, report: RepairReport) -> None:
    """Rebuild ``register/index.json`` from the account shards (admin only)."""
    try:
        with store.db.write(rebuilding=frozenset({INDEX})) as txn:
            authorize(txn, login, REPAIR_STORE, target=INDEX)
            count = repos(txn).accounts.rebuild_index()
            repos(txn).log.append(ChangeEntry(at=utc_now(), user=login, action="index-rebuilt",
                                              field=ACCOUNTS_FOLDER, new=str(count)))
    except (KontokollError, KeyError, TypeError) as error:  # a shard of the wrong shape
        reason = str(error) if isinstance(error, KontokollError) else t("doctor.detail.shards")
        report.done.append(t("doctor.done.index_failed", path=str(store.data_dir / INDEX),
                             reason=reason))
        return
    report.done.append(t("doctor.done.index_rebuilt", path=str(store.data_dir / INDEX),
                         count=count))


def _rederive_recent(store: Store, login: str, report: RepairReport) -> None:
    """Write every recent file anew from its stats shard (admin only; the commit derives them)."""
    try:
        with store.db.write() as txn:
            authorize(txn, login, REPAIR_STORE, target=RECENT_FOLDER)
            count = repos(txn).stats.rederive_recent()
    except KontokollError as error:
        report.done.append(t("recent.rederive_failed", reason=str(error)))
        return
    report.done.append(t("recent.rederived", count=count))


def _rebuild_manifest(store: Store, report: RepairReport) -> None:
    """List the store files on disk in a new ``store.json`` (no transaction can start without it).

    Only when the register's two core files are there: the files on disk become the truth, so a
    missing core file must not be listed away. A missing index is rebuilt right after.
    """
    root = store.data_dir
    path = root / MANIFEST
    if not (root / CORE).is_file():
        report.done.append(t("doctor.done.manifest_refused", path=str(path), missing=CORE))
        return
    with _exclusive(store):
        files = manifest.scan(root)
        document = manifest.document(files, SCHEMA_VERSION, META_TABLE)
        write_atomic(path, orjson.dumps(document), mode=store.db.file_mode)
    report.done.append(t("doctor.done.manifest_rebuilt", path=str(path), count=len(files)))
