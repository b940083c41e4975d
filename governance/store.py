"""The store: Kontokoll's data directory, and the one interface through which services use it.

The store layer is this module and :mod:`governance.storage` (nothing else imports tinydb, calls
``txn.table``/``txn.tinydb`` or spells a store file's name; ``tests/governance/test_layers.py``
checks it). Services open a transaction and ask its repositories for what they need:

    with store.read() as txn:               # a consistent view (shared lock)
        accounts = repos(txn).accounts.all()
    with store.write() as txn:              # lands whole or not at all (exclusive lock)
        r = repos(txn)
        r.accounts.put(after, before)       # also keeps the PLATFORM:HANDLE index
        r.log.append(entry)

The interface (:class:`~governance.storage.repositories.Repositories`, ``repos(txn)``):

- ``accounts``: ``all()`` (the fast bulk read), ``get(id)``, ``index()`` (``PLATFORM:HANDLE`` ->
  id), ``put(account, previous)``, ``put_many([(account, previous), ...])`` (index written once),
  ``rebuild_index()`` (doctor), ``shards()`` (raw documents with their stats, for one pass over
  the register), ``activity_shards()`` (the same with each month's stats row left undecoded
  until read: the audit engine's pass). ``all()`` and ``activity_shards()`` decode the files'
  bytes straight into records (:mod:`governance.storage.typed`, msgspec), cached like files.
- ``departments``: ``all()``, ``put(department)``.
- ``users``: ``all()``, ``put(login, doc)``, ``remove(login)``, ``shaped()`` (as documents:
  :class:`governance.access.User` decodes them).
- ``stats``: ``months(id)``, ``rows(id)``, ``all()``, ``all_rows()``, ``save(records)``,
  ``save_outcomes(outcomes)``, ``outcome(id)``, ``outcomes()``, ``rederive_recent()`` (doctor).
  Whatever writes a stats shard, the commit writes its recent file with it
  (:mod:`governance.storage.recent`).
- ``posts``: ``of(id)``, ``states(id)``, ``all()``, ``save(id, posts, now)`` (per-post figures
  of 13 months, :mod:`governance.posts`; the sync writes them through
  :class:`~governance.storage.post_files.PostsSink`).
- ``runs``: ``summaries()``, ``exists(id)``, ``document(id)``, ``decoded(id, decode)`` (the
  run's file decoded by the caller's typed decoder, :mod:`audits.run_rows`),
  ``put(id, number, summary, doc)``;
  ``acks``, ``waivers``, ``revisions``, ``revision_acks``, ``sent`` (packets mailed): ``all()``,
  ``add(doc)`` (documents: :mod:`audits` and :mod:`governance.acknowledgements` decode them;
  ``where`` names them in messages).
- ``log``: ``append(entry)``, ``read()``, ``documents()``, ``rewrite(docs)``.
- ``moderation``: ``all()``, ``get(id)``, ``put(id, doc)`` (records, as documents:
  :mod:`governance.moderation` decodes them), ``put_screenshot(sha, ext, raw)``,
  ``screenshot(sha, ext)``, ``delete_screenshot(sha, ext)`` (binary files named by their SHA-256).
- ``files``: whole documents for what treats every record alike (forget, restore): ``listing()``,
  ``raw(rel)``, ``documents(rel)``, ``replace(rel, data)``, ``delete(rel)``,
  ``remove_temp_files()``.

Besides, ``txn.shaped(where)`` turns a record of the wrong shape into a "corrupt store" message
naming where it was read. :attr:`Store.stats` reads and writes stats in a transaction of its own.
Backup, restore, snapshots and ``doctor`` work on the file backend's files themselves (with the
names from :mod:`governance.storage.layout`), as a database's own dump and check tools would.

A second backend (PostgreSQL, for a region sharing one register) is a new module with a ``Store``
whose ``read()``/``write()`` yield transactions and a ``Repositories`` with the same methods; the
services stay as they are.

The data directory, as :mod:`governance.storage.layout` defines it:

    DATA_DIR/
      .lock                       the inter-process lock
      store.json                  the manifest: every store file the store has written
      journal.json                a redo journal, only while a multi-file commit is under way
      settings.toml               the audit's thresholds and [backup] (optional; not a store file)
      register/core.json          tables departments, users, revisions, revision_acks
      register/index.json         table handles: PLATFORM:HANDLE -> account id
      register/accounts/NN.json   table accounts: accounts with their editors, in 32 shards by id
      stats/NN.json               tables months, outcomes: sharded like the accounts
      stats-recent/NN.json        tables recent, source: each stats shard's newest months as the
                                  audit reads them, written by the commit that writes the shard
      posts/NN.json               table posts: per-post figures of 13 months, sharded likewise
      audit/index.json            table runs: one summary per audit run (doc id = run number)
      audit/runs/<id>.json        table run: one run with its settings and findings
      audit/acks.json             table acks: acknowledged findings
      audit/waivers.json          table waivers: waived findings
      audit/sent.json             table sent: the packets mailed to departments (no addresses)
      moderation/records.json     table records: the moderation register
      moderation/screenshots/     screenshots of removed comments, SHA256.EXT (binary, not TinyDB)
      log/changes.jsonl           the append-only change log (one JSON object a line)
      snapshots/                  automatic register snapshots (governance.snapshots)
      .restore-previous-TIME/     the files a restore replaced (governance.backup)
      demo/                       the demo register, a whole store of its own

The register lives apart from the bulky stats, and both are sharded, so one editor change rewrites
one file of a few hundred kilobytes even with 10,000 accounts. Every change goes through a
:class:`~governance.storage.database.WriteTransaction`, atomic across files.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from governance.model import Account, ChangeEntry, Department
from governance.monthly import MonthlyStats, SyncOutcome
from governance.storage.database import Database, ReadTransaction, WriteTransaction
from governance.storage.layout import (
    CHANGE_LOG,
    CORE,
    INDEX,
    SHARDS,
    account_file,
    shard_of,
    stats_file,
)
from governance.storage.repositories import Repositories, doc_id

__all__ = [
    "CHANGE_LOG",
    "CORE",
    "INDEX",
    "SHARDS",
    "ReadTransaction",
    "Repositories",
    "Store",
    "WriteTransaction",
    "account_file",
    "doc_id",
    "repos",
    "shard_of",
    "stats_file",
]


class Store:
    """One data directory. Open it, then read or change it in transactions."""

    def __init__(self, data_dir: Path, *, lock_timeout_s: float | None = None) -> None:
        self.data_dir = data_dir
        self.db = Database(data_dir, lock_timeout_s=lock_timeout_s)
        self.stats = StatsRepository(self)

    @contextmanager
    def read(self) -> Iterator[ReadTransaction]:
        """A consistent, read-only view of the whole store."""
        with self.db.read() as txn:
            _check_register_files(txn)
            yield txn

    @contextmanager
    def write(self) -> Iterator[WriteTransaction]:
        """A transaction: everything in the block lands together, or nothing does."""
        with self.db.write() as txn:
            _check_register_files(txn)
            yield txn
            # Before anything changes on disk (the commit follows), and only when something
            # will: the hourly register snapshot (one stat() when none is due).
            if txn.changed:
                # Imported here: the snapshot's tar machinery is for writes, not every command.
                from governance.snapshots import snapshot_if_due

                snapshot_if_due(self.data_dir, self.db.file_mode, self.db.dir_mode)

    def close(self) -> None:
        self.db.close()


def repos(txn: ReadTransaction) -> Repositories:
    """The repositories over ``txn``: everything a service reads or changes goes through them."""
    return Repositories(txn)


def _check_register_files(txn: ReadTransaction) -> None:
    """Refuse a damaged or too new register before any command works on it.

    The two small files every command depends on are parsed (and thereby checked) up front; they
    are cached by file identity, so this costs nothing after the first transaction. Shards are
    checked when they are read.
    """
    txn.load(CORE)
    txn.load(INDEX)


# --- shorthands, for the callers that predate the repositories ----------------------------------


def load_accounts(txn: ReadTransaction) -> list[Account]:
    """Every account in the register (``repos(txn).accounts.all()``)."""
    return Repositories(txn).accounts.all()


def get_account(txn: ReadTransaction, account_id: str) -> Account | None:
    return Repositories(txn).accounts.get(account_id)


def handle_index(txn: ReadTransaction) -> dict[str, str]:
    return Repositories(txn).accounts.index()


def put_account(txn: WriteTransaction, account: Account, previous: Account | None) -> None:
    Repositories(txn).accounts.put(account, previous)


def load_departments(txn: ReadTransaction) -> list[Department]:
    return Repositories(txn).departments.all()


def put_department(txn: WriteTransaction, department: Department) -> None:
    Repositories(txn).departments.put(department)


def log_change(txn: WriteTransaction, entry: ChangeEntry) -> None:
    """Append one entry to the change log (lands with the transaction)."""
    Repositories(txn).log.append(entry)


def read_change_log(txn: ReadTransaction) -> list[ChangeEntry]:
    return Repositories(txn).log.read()


# --- stats --------------------------------------------------------------------------------------


class StatsRepository:
    """Monthly stats and sync outcomes, each call in a transaction of its own (or the caller's,
    when one is open in this thread)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def save_batch(self, records: Sequence[MonthlyStats]) -> None:
        """Insert or replace many monthly records (by account and month) in one transaction."""
        if not records:
            return
        with self._store.write() as txn:
            repos(txn).stats.save(records)

    def save_outcomes(self, outcomes: Sequence[SyncOutcome]) -> None:
        """Record how the last sync of each account ended."""
        if not outcomes:
            return
        with self._store.write() as txn:
            repos(txn).stats.save_outcomes(outcomes)

    def for_account(self, account_id: str) -> list[MonthlyStats]:
        """Every stored month of one account, oldest first."""
        with self._store.read() as txn:
            return repos(txn).stats.months(account_id)

    def all(self) -> dict[str, list[MonthlyStats]]:
        """Every account's stored months, oldest first, keyed by account id."""
        with self._store.read() as txn:
            return repos(txn).stats.all()

    def outcome(self, account_id: str) -> SyncOutcome | None:
        """How the last sync of this account ended, if it was ever synced."""
        with self._store.read() as txn:
            return repos(txn).stats.outcome(account_id)

    def outcomes(self) -> dict[str, SyncOutcome]:
        """The last sync outcome of every account that was ever synced."""
        with self._store.read() as txn:
            return repos(txn).stats.outcomes()
