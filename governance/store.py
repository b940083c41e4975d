"""The store: Kontokoll's data directory, laid out so that small edits stay small.

    DATA_DIR/
      .lock                     the inter-process lock
      register/core.json        departments (and later users, revisions)
      register/index.json       PLATFORM:HANDLE -> account id, for quick lookups and uniqueness
      register/accounts/NN.json accounts with their editors, in SHARDS files by account id
      stats/NN.json             monthly stats and sync outcomes, sharded the same way
      log/changes.jsonl         the append-only change log
      demo/                     the demo register, a whole store of its own

The register lives apart from the bulky stats, and both are sharded, so one editor change rewrites
one file of a few hundred kilobytes even with 10,000 accounts. Every change goes through a
:class:`~governance.storage.database.WriteTransaction`, atomic across files.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tinydb import Query
from tinydb.table import Document

from governance.errors import StoreCorrupt
from governance.model import Account, ChangeEntry, Department
from governance.monthly import MonthlyStats, SyncOutcome
from governance.snapshots import snapshot_if_due
from governance.storage.database import (
    Database,
    ReadTransaction,
    WriteTransaction,
    bulk_allocation,
)
from governance.storage.layout import (
    CHANGE_LOG,
    CORE,
    INDEX,
    SHARDS,
    account_file,
    account_shard,
    shard_of,
    stats_file,
    stats_shard,
)

__all__ = [
    "CHANGE_LOG",
    "CORE",
    "INDEX",
    "SHARDS",
    "Store",
    "account_file",
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
                snapshot_if_due(self.data_dir, self.db.file_mode, self.db.dir_mode)

    def close(self) -> None:
        self.db.close()


def _check_register_files(txn: ReadTransaction) -> None:
    """Refuse a damaged or too new register before any command works on it.

    The two small files every command depends on are parsed (and thereby checked) up front; they
    are cached by file identity, so this costs nothing after the first transaction. Shards are
    checked when they are read.
    """
    txn.load(CORE)
    txn.load(INDEX)


# --- register tables, used inside a transaction --------------------------------------------------
# Each file is a TinyDB database; an account's TinyDB doc id is its hex id read as a number, so a
# lookup by id is a dictionary access, not a scan.

ACCOUNT_ID_DIGITS = 12


def doc_id(account_id: str) -> int:
    """The TinyDB document id of an account (its 12 hex digits as an integer)."""
    return int(account_id, 16)


def load_accounts(txn: ReadTransaction) -> list[Account]:
    """Every account in the register.

    A bulk read scans the TinyDB tables' documents directly: going through TinyDB's Table would
    copy each of 10,000 documents once more for nothing.
    """
    accounts: list[Account] = []
    with bulk_allocation():
        for shard in range(SHARDS):
            rel = account_shard(shard)
            with txn.shaped(rel):
                accounts.extend(_account(doc) for doc in txn.table(rel, "accounts").values())
    return accounts


def _account(doc: dict[str, Any]) -> Account:
    """An account from its stored document, refusing one whose key fields are not text."""
    if not all(isinstance(doc.get(name), str) for name in _KEY_FIELDS):
        raise TypeError(f"account fields {', '.join(_KEY_FIELDS)} must be text")
    return Account.from_doc(doc)


_KEY_FIELDS = ("id", "platform", "handle", "department")


def get_account(txn: ReadTransaction, account_id: str) -> Account | None:
    """The account with this id, if any."""
    rel = account_file(account_id)
    doc = txn.tinydb(rel).table("accounts").get(doc_id=doc_id(account_id))
    with txn.shaped(rel):
        return _account(dict(doc)) if isinstance(doc, dict) else None


def handle_index(txn: ReadTransaction) -> dict[str, str]:
    """``PLATFORM:HANDLE`` -> account id, for every account. Read-only."""
    doc = txn.tinydb(INDEX).table("handles").get(doc_id=1)
    if not isinstance(doc, dict):
        return {}
    refs = doc.get("refs")
    if not isinstance(refs, dict) or not all(isinstance(v, str) for v in refs.values()):
        raise StoreCorrupt(path=str(txn.path(INDEX)), detail="the handle index is not a mapping")
    return refs


def put_account(
    txn: WriteTransaction,
    account: Account,
    previous: Account | None,
    *,
    update_index: bool = True,
) -> None:
    """Store ``account`` (new or changed) and keep the handle index in step.

    A bulk import passes ``update_index=False`` and writes the index once at the end.
    """
    table = txn.tinydb(account_file(account.id)).table("accounts")
    table.upsert(Document(account.to_doc(), doc_id=doc_id(account.id)))
    if update_index and (previous is None or previous.ref != account.ref):
        refs = dict(handle_index(txn))
        if previous is not None:
            refs.pop(previous.ref, None)
        refs[account.ref] = account.id
        txn.tinydb(INDEX).table("handles").upsert(Document({"refs": refs}, doc_id=1))


def load_departments(txn: ReadTransaction) -> list[Department]:
    """Every department, in name order."""
    docs = txn.tinydb(CORE).table("departments")
    with txn.shaped(CORE):
        return sorted((Department.from_doc(d) for d in docs), key=lambda d: d.key)


def put_department(txn: WriteTransaction, department: Department) -> None:
    """Add or replace a department (matched by its case-insensitive name)."""
    table = txn.tinydb(CORE).table("departments")
    table.upsert(department.to_doc(), Query().key == department.key)


def log_change(txn: WriteTransaction, entry: ChangeEntry) -> None:
    """Append one entry to the change log (lands with the transaction)."""
    txn.append(CHANGE_LOG, entry.to_doc())


def read_change_log(txn: ReadTransaction) -> list[ChangeEntry]:
    """The whole change log, oldest first."""
    entries = []
    for number, doc in enumerate(txn.lines(CHANGE_LOG), start=1):
        try:
            entries.append(ChangeEntry.from_doc(doc))
        except (KeyError, TypeError, ValueError):
            with txn.shaped(f"{CHANGE_LOG}:{number}"):  # names the line, like a bad JSON line
                raise
    return entries


# --- stats --------------------------------------------------------------------------------------


class StatsRepository:
    """Monthly stats and sync outcomes, per account, beside the register."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def save_batch(self, records: Sequence[MonthlyStats]) -> None:
        """Insert or replace many monthly records (by account and month) in one transaction."""
        if not records:
            return
        by_account: dict[str, list[MonthlyStats]] = {}
        for record in records:
            by_account.setdefault(record.account_id, []).append(record)
        with self._store.write() as txn:
            for account_id, months in by_account.items():
                table = txn.tinydb(stats_file(account_id)).table("months")
                found = table.get(doc_id=doc_id(account_id))
                doc = dict(found) if isinstance(found, dict) else {"months": {}}
                stored = dict(doc["months"])
                for record in months:
                    stored[record.month] = record.to_row()
                doc = {"account_id": account_id, "months": stored}
                table.upsert(Document(doc, doc_id=doc_id(account_id)))

    def save_outcomes(self, outcomes: Sequence[SyncOutcome]) -> None:
        """Record how the last sync of each account ended."""
        if not outcomes:
            return
        with self._store.write() as txn:
            for outcome in outcomes:
                table = txn.tinydb(stats_file(outcome.account_id)).table("outcomes")
                table.upsert(Document(outcome.to_doc(), doc_id=doc_id(outcome.account_id)))

    def for_account(self, account_id: str) -> list[MonthlyStats]:
        """Every stored month of one account, oldest first."""
        rel = stats_file(account_id)
        with self._store.read() as txn:
            doc = txn.tinydb(rel).table("months").get(doc_id=doc_id(account_id))
            with txn.shaped(rel):
                return _months_of(account_id, doc if isinstance(doc, dict) else None)

    def all(self) -> dict[str, list[MonthlyStats]]:
        """Every account's stored months, oldest first, keyed by account id."""
        result: dict[str, list[MonthlyStats]] = {}
        with self._store.read() as txn, bulk_allocation():
            for shard in range(SHARDS):
                rel = stats_shard(shard)
                with txn.shaped(rel):
                    for doc in txn.table(rel, "months").values():
                        result[doc["account_id"]] = _months_of(doc["account_id"], doc)
        return result

    def outcome(self, account_id: str) -> SyncOutcome | None:
        """How the last sync of this account ended, if it was ever synced."""
        rel = stats_file(account_id)
        with self._store.read() as txn:
            doc = txn.tinydb(rel).table("outcomes").get(doc_id=doc_id(account_id))
            with txn.shaped(rel):
                return SyncOutcome.from_doc(dict(doc)) if isinstance(doc, dict) else None

    def outcomes(self) -> dict[str, SyncOutcome]:
        """The last sync outcome of every account that was ever synced."""
        result: dict[str, SyncOutcome] = {}
        with self._store.read() as txn:
            for shard in range(SHARDS):
                rel = stats_shard(shard)
                with txn.shaped(rel):
                    for doc in txn.tinydb(rel).table("outcomes"):
                        outcome = SyncOutcome.from_doc(dict(doc))
                        result[outcome.account_id] = outcome
        return result


def _months_of(account_id: str, doc: Mapping[str, Any] | None) -> list[MonthlyStats]:
    if not doc:
        return []
    return [
        MonthlyStats.from_row(account_id, month, row)
        for month, row in sorted(doc["months"].items())
    ]
