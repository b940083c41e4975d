"""The repositories of the TinyDB file backend: the only code that reads or writes a table.

Services never see a file, a table or a TinyDB document id; they ask a :class:`Repositories`
facade over their transaction (``repos(txn)`` in :mod:`governance.store`) for what they need.
The public methods of the classes here *are* the store's interface (described in
:mod:`governance.store`): a second backend implements the same methods over its own transaction.

Records of types defined in the store's own layer (accounts, departments, stats, change-log
entries) come back as those types. Records whose types live above it (users in
:mod:`governance.access`, audit runs, acknowledgements, waivers and revisions in :mod:`audits`)
come back as plain documents, which their modules decode and check, so the store never imports
the layers it serves.

Each file is a TinyDB database; an account's TinyDB doc id is its hex id read as a number, so a
lookup by id is a dictionary access, not a scan. Writes go through TinyDB's own tables, so files
are written exactly as before the repositories existed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from tinydb import Query
from tinydb.table import Document

from governance.errors import StoreCorrupt
from governance.model import Account, ChangeEntry, Department
from governance.monthly import MonthlyStats, SyncOutcome
from governance.stats_rows import checked_row
from governance.storage.audit_records import Records, Runs
from governance.storage.format import bulk_allocation
from governance.storage.layout import (
    ACCOUNTS_TABLE,
    ACKS,
    ACKS_TABLE,
    CHANGE_LOG,
    CORE,
    DEPARTMENTS_TABLE,
    HANDLES_TABLE,
    INDEX,
    MONTHS_TABLE,
    OUTCOMES_TABLE,
    REVISION_ACKS_TABLE,
    REVISIONS_TABLE,
    SENT,
    SENT_TABLE,
    SHARDS,
    USERS_TABLE,
    WAIVERS,
    WAIVERS_TABLE,
    account_file,
    account_shard,
    recent_shard,
    stats_file,
    stats_of,
    stats_shard,
)
from governance.storage.moderation_files import ModerationFiles
from governance.storage.post_files import Posts
from governance.storage.transactions import ReadTransaction, writable
from governance.storage.whole_files import Files, StoreListing

Doc = dict[str, Any]

__all__ = ["Files", "Repositories", "ShardDocuments", "StoreListing", "doc_id"]

_KEY_FIELDS = ("id", "platform", "handle", "department")


def typed_files() -> ModuleType:
    """:mod:`governance.storage.typed`, imported on the first bulk read (msgspec is not needed
    by the many commands that read one account, or none)."""
    from governance.storage import typed

    return typed


def doc_id(account_id: str) -> int:
    """The TinyDB document id of an account (its 12 hex digits as an integer)."""
    return int(account_id, 16)


def _account(doc: Doc) -> Account:
    """An account from its stored document, refusing one whose key fields are not text."""
    # Spelled out, not a loop over _KEY_FIELDS: this runs for each of 10,000 accounts on a load.
    if not (
        isinstance(doc.get("id"), str)
        and isinstance(doc.get("platform"), str)
        and isinstance(doc.get("handle"), str)
        and isinstance(doc.get("department"), str)
    ):
        raise TypeError(f"account fields {', '.join(_KEY_FIELDS)} must be text")
    return Account.from_doc(doc)


@dataclass(frozen=True, slots=True)
class ShardDocuments:
    """One shard's raw account documents and the stats documents of the same accounts.

    For a single pass over 10,000 accounts: the documents are the store's own (read-only) and
    keyed alike, so an account meets its stats by key. ``stats`` holds each account's stats
    document (:meth:`Accounts.shards`) or its months alone, month -> row
    (:meth:`Accounts.activity_shards`). ``accounts_at`` and
    ``stats_at`` name where they came from, for :meth:`ReadTransaction.shaped`.
    """

    accounts: Mapping[str, Doc]
    stats: Mapping[str, Doc]
    accounts_at: str
    stats_at: str


class Accounts:
    """Accounts with their editors, and the handle index that keeps ``PLATFORM:HANDLE`` unique."""

    def __init__(self, txn: ReadTransaction) -> None:
        self._txn = txn

    def all(self) -> list[Account]:
        """Every account. Scans the stored documents directly: going through TinyDB's Table would
        copy each of 10,000 documents once more for nothing."""
        accounts: list[Account] = []
        with bulk_allocation():
            for shard in range(SHARDS):
                rel = account_shard(shard)
                # Straight from the file's bytes (6x faster); a shard this transaction changed,
                # from its documents.
                typed = self._txn.typed(rel, typed_files().account_shard, ())
                if typed is not None:
                    accounts.extend(typed)
                    continue
                docs = self._txn.table(rel, ACCOUNTS_TABLE).values()
                with self._txn.shaped(rel):
                    accounts.extend(_account(doc) for doc in docs)
        return accounts

    def get(self, account_id: str) -> Account | None:
        """The account with this id, if any."""
        rel = account_file(account_id)
        doc = self._txn.tinydb(rel).table(ACCOUNTS_TABLE).get(doc_id=doc_id(account_id))
        with self._txn.shaped(rel):
            return _account(dict(doc)) if isinstance(doc, dict) else None

    def index(self) -> dict[str, str]:
        """``PLATFORM:HANDLE`` -> account id, for every account. Read-only."""
        doc = self._txn.tinydb(INDEX).table(HANDLES_TABLE).get(doc_id=1)
        if not isinstance(doc, dict):
            return {}
        refs = doc.get("refs")
        # set(map(type, ...)) runs in C: this is read on every edit, with 10,000 refs.
        if not isinstance(refs, dict) or not set(map(type, refs.values())) <= {str}:
            detail = "the handle index is not a mapping"
            raise StoreCorrupt(path=str(self._txn.path(INDEX)), detail=detail)
        return refs

    def put(self, account: Account, previous: Account | None) -> None:
        """Store ``account`` (new, or changed from ``previous``) and keep the handle index."""
        self._upsert(account)
        if previous is None or previous.ref != account.ref:
            self._write_index(self._moved(dict(self.index()), [(account, previous)]))

    def put_many(self, changes: Sequence[tuple[Account, Account | None]]) -> None:
        """Store many accounts (each with its previous state), writing the index once at the end.

        For a bulk import: one index rewrite instead of one per account.
        """
        for account, _previous in changes:
            self._upsert(account)
        self._write_index(self._moved(dict(self.index()), changes))

    def rebuild_index(self) -> int:
        """Derive the handle index anew from the shards (``doctor --repair``); how many refs.

        A shard of the wrong shape raises KeyError/TypeError for the caller to report.
        """
        refs: dict[str, str] = {}
        for shard in range(SHARDS):
            if self._txn.exists(account_shard(shard)):
                for doc in self._txn.table(account_shard(shard), ACCOUNTS_TABLE).values():
                    refs[f"{doc['platform']}:{doc['handle']}"] = doc["id"]
        document = {HANDLES_TABLE: {"1": {"refs": dict(sorted(refs.items()))}}}
        writable(self._txn).stage(INDEX, document, kind="register")
        return len(refs)

    def shards(self) -> Iterator[ShardDocuments]:
        """Each shard's raw account and stats documents, for a single pass over the register."""
        for shard in range(SHARDS):
            accounts_at, stats_at = account_shard(shard), stats_shard(shard)
            yield ShardDocuments(
                self._txn.table(accounts_at, ACCOUNTS_TABLE),
                self._txn.table(stats_at, MONTHS_TABLE),
                accounts_at,
                stats_at,
            )

    def activity_shards(self) -> Iterator[ShardDocuments]:
        """Like :meth:`shards`, but each account's stats as month -> row, the rows undecoded
        (``msgspec.Raw``: :data:`governance.storage.typed.ROW` decodes one) unless this
        transaction has its own copy of the shard (then plain rows)."""
        for shard in range(SHARDS):
            accounts_at, stats_at = account_shard(shard), stats_shard(shard)
            empty: dict[str, Any] = {}
            months: Mapping[str, Any] | None = self._txn.typed(
                stats_at, typed_files().stats_months, empty
            )
            if months is None:
                table = self._txn.table(stats_at, MONTHS_TABLE)
                with self._txn.shaped(stats_at):
                    months = {key: doc["months"] for key, doc in table.items()}
            accounts = self._txn.table(accounts_at, ACCOUNTS_TABLE)
            yield ShardDocuments(accounts, months, accounts_at, stats_at)

    def _upsert(self, account: Account) -> None:
        table = writable(self._txn).tinydb(account_file(account.id)).table(ACCOUNTS_TABLE)
        table.upsert(Document(account.to_doc(), doc_id=doc_id(account.id)))

    @staticmethod
    def _moved(
        refs: dict[str, str], changes: Iterable[tuple[Account, Account | None]]
    ) -> dict[str, str]:
        for account, previous in changes:
            if previous is not None:
                refs.pop(previous.ref, None)
            refs[account.ref] = account.id
        return refs

    def _write_index(self, refs: dict[str, str]) -> None:
        table = writable(self._txn).tinydb(INDEX).table(HANDLES_TABLE)
        table.upsert(Document({"refs": refs}, doc_id=1))


class Departments:
    """The departments, matched by their case-insensitive name (``Department.key``)."""

    def __init__(self, txn: ReadTransaction) -> None:
        self._txn = txn

    def all(self) -> list[Department]:
        """Every department, in name order."""
        docs = self._txn.tinydb(CORE).table(DEPARTMENTS_TABLE)
        with self._txn.shaped(CORE):
            return sorted((Department.from_doc(d) for d in docs), key=lambda d: d.key)

    def put(self, department: Department) -> None:
        """Add or replace a department."""
        table = writable(self._txn).tinydb(CORE).table(DEPARTMENTS_TABLE)
        table.upsert(department.to_doc(), Query().key == department.key)


class Users:
    """The users table, as documents (``governance.access.User`` decodes and checks them)."""

    def __init__(self, txn: ReadTransaction) -> None:
        self._txn = txn

    def all(self) -> list[Doc]:
        """Every user's document. Read-only."""
        return list(self._txn.table(CORE, USERS_TABLE).values())

    @contextmanager
    def shaped(self) -> Iterator[None]:
        """Report a user document of the wrong shape as a corrupt store file."""
        with self._txn.shaped(CORE):
            yield

    def put(self, login: str, document: Doc) -> None:
        """Add or replace the user ``login``."""
        table = writable(self._txn).tinydb(CORE).table(USERS_TABLE)
        table.upsert(document, Query().login == login)

    def remove(self, login: str) -> None:
        writable(self._txn).tinydb(CORE).table(USERS_TABLE).remove(Query().login == login)


class Stats:
    """Monthly stats and sync outcomes per account, sharded like the accounts."""

    def __init__(self, txn: ReadTransaction) -> None:
        self._txn = txn

    def months(self, account_id: str) -> list[MonthlyStats]:
        """Every stored month of one account, oldest first."""
        rel = stats_file(account_id)
        doc = self._txn.tinydb(rel).table(MONTHS_TABLE).get(doc_id=doc_id(account_id))
        with self._txn.shaped(rel):
            if isinstance(doc, dict):  # checked as the export and the audit check a row: a sync
                for row in doc["months"].values():  # must not rewrite a damaged one as good
                    checked_row(row)
            return _months_of(account_id, doc if isinstance(doc, dict) else None)

    def rows(self, account_id: str) -> Mapping[str, list[Any]]:
        """Month -> the stored row (``MonthlyStats.to_row``) of one account. Read-only."""
        doc = self._txn.table(stats_file(account_id), MONTHS_TABLE).get(str(doc_id(account_id)))
        return doc["months"] if doc else {}

    def all(self) -> dict[str, list[MonthlyStats]]:
        """Every account's stored months, oldest first, keyed by account id."""
        result: dict[str, list[MonthlyStats]] = {}
        with bulk_allocation():
            for shard in range(SHARDS):
                rel = stats_shard(shard)
                with self._txn.shaped(rel):
                    for doc in self._txn.table(rel, MONTHS_TABLE).values():
                        result[doc["account_id"]] = _months_of(doc["account_id"], doc)
        return result

    def all_rows(self) -> Iterator[tuple[str, Mapping[str, list[Any]]]]:
        """(account id, month -> stored row) for every account with stats, shard by shard."""
        for shard in range(SHARDS):
            for doc in self._txn.table(stats_shard(shard), MONTHS_TABLE).values():
                yield doc["account_id"], doc["months"]

    def save(self, records: Sequence[MonthlyStats]) -> None:
        """Insert or replace many monthly records (by account and month)."""
        by_account: dict[str, list[MonthlyStats]] = {}
        for record in records:
            by_account.setdefault(record.account_id, []).append(record)
        txn = writable(self._txn)
        for account_id, months in by_account.items():
            table = txn.tinydb(stats_file(account_id)).table(MONTHS_TABLE)
            found = table.get(doc_id=doc_id(account_id))
            doc = dict(found) if isinstance(found, dict) else {"months": {}}
            stored = dict(doc["months"])
            for record in months:
                stored[record.month] = record.to_row()
            doc = {"account_id": account_id, "months": stored}
            table.upsert(Document(doc, doc_id=doc_id(account_id)))

    def rederive_recent(self) -> int:
        """Have the commit write every stats shard's recent file anew from the shard as it is,
        and remove one without a shard (``doctor --repair``); how many."""
        txn = writable(self._txn)
        rels = [recent_shard(n) for n in range(SHARDS)]
        found = [rel for rel in rels if txn.exists(rel) or txn.exists(stats_of(rel))]
        for rel in found:
            txn.stage(rel, {})  # (derived anew by the commit: governance.storage.recent)
        return len(found)

    def save_outcomes(self, outcomes: Sequence[SyncOutcome]) -> None:
        """Record how the last sync of each account ended."""
        txn = writable(self._txn)
        for outcome in outcomes:
            table = txn.tinydb(stats_file(outcome.account_id)).table(OUTCOMES_TABLE)
            table.upsert(Document(outcome.to_doc(), doc_id=doc_id(outcome.account_id)))

    def outcome(self, account_id: str) -> SyncOutcome | None:
        """How the last sync of this account ended, if it was ever synced."""
        rel = stats_file(account_id)
        doc = self._txn.tinydb(rel).table(OUTCOMES_TABLE).get(doc_id=doc_id(account_id))
        with self._txn.shaped(rel):
            return SyncOutcome.from_doc(dict(doc)) if isinstance(doc, dict) else None

    def outcomes(self) -> dict[str, SyncOutcome]:
        """The last sync outcome of every account that was ever synced (each stats shard's
        outcomes decoded straight from its bytes: its months only scanned, not parsed)."""
        from governance.storage import typed  # (msgspec: only for the bulk reads)

        result: dict[str, SyncOutcome] = {}
        for shard in range(SHARDS):
            rel = stats_shard(shard)
            none: dict[str, dict[str, Any]] = {}
            docs = self._txn.typed(rel, typed.stats_outcomes, none)
            if docs is None:  # this transaction's own copy of the shard
                docs = self._txn.table(rel, OUTCOMES_TABLE)
            with self._txn.shaped(rel):
                for doc in docs.values():
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


class ChangeLog:
    """The append-only change log."""

    def __init__(self, txn: ReadTransaction) -> None:
        self._txn = txn

    def append(self, entry: ChangeEntry) -> None:
        """Append one entry (lands with the transaction)."""
        writable(self._txn).append(CHANGE_LOG, entry.to_doc())

    def read(self) -> list[ChangeEntry]:
        """The whole change log, oldest first."""
        entries = []
        for number, doc in enumerate(self._txn.lines(CHANGE_LOG), start=1):
            try:
                entries.append(ChangeEntry.from_doc(doc))
            except (KeyError, TypeError, ValueError):
                with self._txn.shaped(f"{CHANGE_LOG}:{number}"):  # names the line
                    raise
        return entries

    def documents(self) -> list[Doc]:
        """Every entry as stored (for rewriting the whole log)."""
        return self._txn.lines(CHANGE_LOG)

    def rewrite(self, entries: list[Doc]) -> None:
        """Replace the whole log (only to erase personal data, or to restore a backup)."""
        writable(self._txn).rewrite_lines(CHANGE_LOG, entries)


class Repositories:
    """Everything a service reads or changes, over one transaction."""

    def __init__(self, txn: ReadTransaction) -> None:
        self.accounts = Accounts(txn)
        self.departments = Departments(txn)
        self.users = Users(txn)
        self.stats = Stats(txn)
        self.runs = Runs(txn)
        self.acks = Records(txn, ACKS, ACKS_TABLE)
        self.waivers = Records(txn, WAIVERS, WAIVERS_TABLE)
        self.sent = Records(txn, SENT, SENT_TABLE)  # packets mailed (audits.packet_service)
        self.revisions = Records(txn, CORE, REVISIONS_TABLE)
        # Editors' acknowledgements of a revision (governance.acknowledgements), by address.
        self.revision_acks = Records(txn, CORE, REVISION_ACKS_TABLE)
        self.log = ChangeLog(txn)
        self.files = Files(txn)
        self.moderation = ModerationFiles(txn)  # records and screenshots (governance.moderation)
        self.posts = Posts(txn)  # per-post figures (governance.posts)
