"""Typed reads of whole store files: straight from the file's bytes to the records a command needs.

The general path parses a file into dictionaries
(:func:`governance.storage.format.parse_store_file`) and the repositories turn each document into
a record. For the bulk reads that a person waits
for (10,000 accounts on every register load) that is done twice over; msgspec decodes the bytes
into the records themselves in one pass in C, checking every field's type as it goes, and builds
nothing for the parts of a file the command does not ask for. Here are the file shapes those reads
decode; :meth:`governance.storage.database.Database.typed` caches the results by file identity
like parsed files.

A file that is not JSON, has a field of the wrong type or lacks the schema version is refused
as corrupt, naming the file and where in it, exactly as the general path refuses it; a newer
schema is refused as too new.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import msgspec

from governance.errors import StoreCorrupt, StoreTooNew
from governance.i18n import t
from governance.model import Account
from governance.storage.corrupt_detail import json_problem
from governance.storage.format import META_TABLE, SCHEMA_VERSION
from governance.storage.layout import (
    ACCOUNTS_TABLE,
    MONTHS_TABLE,
    SHARDS,
    recent_shard,
    stats_shard,
)
from governance.storage.layout import (
    account_shard as account_shard_file,
)
from governance.storage.recent import FORMAT as RECENT_FORMAT

if TYPE_CHECKING:
    from governance.storage.transactions import ReadTransaction

_T = TypeVar("_T")

#: Decodes one file's bytes (named by its path, for messages) into what a read needs.
Decode = Callable[[Path, bytes], _T]


class _Meta(msgspec.Struct):
    """The ``_kontokoll`` table's document: the schema version (and kind) of the file."""

    schema: int


class _AccountShard(msgspec.Struct):
    """An account shard (``register/accounts/NN.json``): its ``accounts`` table, typed."""

    accounts: dict[str, Account] = {}
    meta: dict[str, _Meta] = msgspec.field(default_factory=dict, name=META_TABLE)


_ACCOUNT_SHARD = msgspec.json.Decoder(_AccountShard)


def decoded(path: Path, raw: bytes, decoder: msgspec.json.Decoder[Any]) -> Any:
    """``raw`` decoded by ``decoder``; a corrupt or too new file refused, naming ``path``.

    The decoder's type must have a ``meta`` field read from the ``_kontokoll`` table.
    """
    try:
        data = decoder.decode(raw)
    # ValidationError (a wrong type) is a DecodeError; invalid UTF-8 is a UnicodeDecodeError.
    except (msgspec.DecodeError, ValueError) as error:
        raise StoreCorrupt(path=str(path), detail=json_problem(raw, error)) from None
    meta = data.meta.get("1")
    if meta is None:
        raise StoreCorrupt(path=str(path), detail=t("f9d_store.no_schema"))
    if meta.schema > SCHEMA_VERSION:
        raise StoreTooNew(path=str(path), found=meta.schema, supported=SCHEMA_VERSION)
    return data


def account_shard(path: Path, raw: bytes) -> tuple[Account, ...]:
    """Every account of one shard file, checked like :meth:`Account.from_doc` checks them."""
    shard: _AccountShard = decoded(path, raw, _ACCOUNT_SHARD)
    return tuple(shard.accounts.values())


class EditorRow(msgspec.Struct, gc=False):
    """An editor as an account row counts it: the fields checked, the appointment as stored."""

    name: str
    email: str
    appointed: str


class AccountRow(msgspec.Struct, gc=False):
    """What the accounts table shows of an account document, and nothing else of it.

    The defaults are :class:`Account`'s. Not tracked by the cyclic collector (``gc=False``):
    ten thousand of them, and never a cycle among them.
    """

    id: str
    platform: str
    handle: str
    department: str
    status: str = "active"
    visibility: str = "open"
    editors: tuple[EditorRow, ...] = ()
    #: When it was registered (the rules column: was it there when the latest audit judged?).
    created: datetime | None = None


class _AccountRowShard(msgspec.Struct):
    """An account shard read for the table's rows (:func:`account_rows`)."""

    accounts: dict[str, AccountRow] = {}
    meta: dict[str, _Meta] = msgspec.field(default_factory=dict, name=META_TABLE)


_ACCOUNT_ROW_SHARD = msgspec.json.Decoder(_AccountRowShard)


def account_rows(path: Path, raw: bytes) -> dict[str, AccountRow]:
    """Document key -> the row's fields of every account of one shard file, their types checked
    (an editor's appointment is left to the caller); the rest of each document only scanned."""
    shard: _AccountRowShard = decoded(path, raw, _ACCOUNT_ROW_SHARD)
    return shard.accounts


@dataclass(frozen=True, slots=True)
class RowShard:
    """One shard's account rows and the stats of the same accounts, keyed alike.

    ``rows`` are decoded straight from the file (:func:`account_rows`), or None when the
    transaction has its own copy of the shard (it may have changed it): then ``docs`` holds its
    documents. ``latest`` is what each row shows of the stats, from the stats shard's recent
    file (:func:`latest_figures`), or None when ``stats`` holds the stats shard's documents
    instead. ``accounts_at`` and ``stats_at`` name the files, for messages.
    """

    rows: Mapping[str, AccountRow] | None
    docs: Mapping[str, Any]
    latest: Mapping[str, Latest] | None
    stats: Mapping[str, Any]
    accounts_at: str
    stats_at: str


_NO_ROWS: Mapping[str, AccountRow] = {}


def row_shards(txn: ReadTransaction) -> Iterator[RowShard]:
    """Each shard's account rows and stats, for one pass over the register."""
    for shard in range(SHARDS):
        accounts_at, stats_at = account_shard_file(shard), stats_shard(shard)
        latest = latest_figures(txn, shard)
        stats = txn.table(stats_at, MONTHS_TABLE) if latest is None else {}
        rows = txn.typed(accounts_at, account_rows, _NO_ROWS)
        docs = txn.table(accounts_at, ACCOUNTS_TABLE) if rows is None else {}
        yield RowShard(rows, docs, latest, stats, accounts_at, stats_at)


def registered_before(txn: ReadTransaction, moment: datetime) -> bool:
    """Whether any account was registered (``created``) before ``moment``: shard by shard,
    stopping at the first found (in a register older than ``moment``, the first shard). A stamp
    without a UTC offset, damage that the audit refuses naming its file, is passed over here."""
    for shard in range(SHARDS):
        rel = account_shard_file(shard)
        rows = txn.typed(rel, account_rows, _NO_ROWS)  # (the accounts table's rows: cached)
        if rows is None:  # this transaction's own copy of the shard
            with txn.shaped(rel):
                created = [datetime.fromisoformat(doc["created"])
                           for doc in txn.table(rel, ACCOUNTS_TABLE).values()]
        else:
            created = [row.created for row in rows.values() if row.created is not None]
        if any(stamp.utcoffset() is not None and stamp < moment for stamp in created):
            return True
    return False


def accounts_with_ids(txn: ReadTransaction, rel: str, ids: set[str]) -> list[Account]:
    """The full accounts of shard file ``rel`` whose ids are in ``ids``, checked as ever."""
    no_accounts: tuple[Account, ...] = ()
    accounts = txn.typed(rel, account_shard, no_accounts)
    if accounts is None:  # this transaction's own copy of the shard
        docs = txn.table(rel, ACCOUNTS_TABLE).values()
        with txn.shaped(rel):
            return [Account.from_doc(doc) for doc in docs if doc.get("id") in ids]
    return [account for account in accounts if account.id in ids]


class _StatsDoc(msgspec.Struct):
    """One account's stats document; each month's row kept as its undecoded JSON text."""

    months: dict[str, msgspec.Raw]


class _StatsShard(msgspec.Struct):
    """A stats shard (``stats/NN.json``): the ``months`` table, the sync outcomes skipped."""

    months: dict[str, _StatsDoc] = {}
    meta: dict[str, _Meta] = msgspec.field(default_factory=dict, name=META_TABLE)


_STATS_SHARD = msgspec.json.Decoder(_StatsShard)
#: A stored month row: a JSON array (``MonthlyStats.to_row``).
ROW = msgspec.json.Decoder(list[Any])


def stats_months(path: Path, raw: bytes) -> dict[str, dict[str, msgspec.Raw]]:
    """Account doc id -> month -> that month's row, undecoded (:data:`ROW` decodes one).

    An audit reads a few months of 24 for each of 10,000 accounts: the rest are only scanned,
    never built (a quarter of the time of parsing them all).
    """
    shard: _StatsShard = decoded(path, raw, _STATS_SHARD)
    return {doc_id: doc.months for doc_id, doc in shard.months.items()}


class _OutcomesShard(msgspec.Struct):
    """A stats shard read for its ``outcomes`` table: each month row only checked to be a
    document (as the general read checks every table), not decoded."""

    outcomes: dict[str, dict[str, Any]] = {}
    months: dict[str, dict[str, msgspec.Raw]] = {}
    meta: dict[str, _Meta] = msgspec.field(default_factory=dict, name=META_TABLE)


_OUTCOMES_SHARD = msgspec.json.Decoder(_OutcomesShard)


def stats_outcomes(path: Path, raw: bytes) -> dict[str, dict[str, Any]]:
    """Doc id -> sync outcome document of one stats shard (a corrupt file refused, naming it)."""
    shard: _OutcomesShard = decoded(path, raw, _OUTCOMES_SHARD)
    return shard.outcomes


class _Source(msgspec.Struct):
    size: int
    mtime_ns: int
    since: str | None
    format: int = 1  # (a file written before the format was recorded)


class RecentFile(msgspec.Struct):
    """A recent file (:mod:`governance.storage.recent`): doc id -> month -> audit row, the day
    decoded as a ``date``, every value's type checked; and what it was derived from."""

    recent: dict[str, dict[str, list[date | int | None]]] = {}
    source: dict[str, _Source] = {}
    meta: dict[str, _Meta] = msgspec.field(default_factory=dict, name=META_TABLE)


_RECENT_FILE = msgspec.json.Decoder(RecentFile)


def recent_file(path: Path, raw: bytes) -> RecentFile:
    """A recent file's bytes, decoded (a corrupt or too new file refused, naming it)."""
    found: RecentFile = decoded(path, raw, _RECENT_FILE)
    return found


def usable_recent_file(path: Path, raw: bytes) -> RecentFile | None:
    """:func:`recent_file`, or None for one that does not decode (cut short, garbage, the wrong
    types): derived data, not worth stopping the audit for, which reads the stats shard instead;
    ``kontokoll doctor`` names it and ``--repair`` derives it anew. A newer schema is refused."""
    try:
        return recent_file(path, raw)
    except StoreCorrupt:
        return None


def recent_rows(
    txn: ReadTransaction, shard: int, since: str
) -> Mapping[str, Mapping[str, list[Any]]] | None:
    """Doc id -> month -> audit row of one stats shard, from its recent file; None when the
    shard must be read instead: no stats file or no usable recent file, one derived from another
    stats file than the one on disk, or one that does not cover every month from ``since`` on."""
    found = _in_step(txn, shard, usable_recent_file)
    covered = None if found is None else found.source["1"].since
    if found is None or covered is None or covered > since:
        return None
    return found.recent


class Latest(msgspec.Struct, gc=False):
    """What an account's row shows of its stats (:func:`governance.storage.recent.latest`)."""

    day: date | None
    followers: int | None


class _LatestFile(msgspec.Struct):
    """A recent file read for the register's rows: its latest table (the audit rows skipped)."""

    latest: dict[str, Latest] = {}
    source: dict[str, _Source] = {}
    meta: dict[str, _Meta] = msgspec.field(default_factory=dict, name=META_TABLE)


_LATEST_FILE = msgspec.json.Decoder(_LatestFile)


def latest_file(path: Path, raw: bytes) -> _LatestFile:
    """A recent file's latest table, decoded (a corrupt or too new file refused, naming it)."""
    found: _LatestFile = decoded(path, raw, _LATEST_FILE)
    return found


def _usable_latest_file(path: Path, raw: bytes) -> _LatestFile | None:
    """:func:`latest_file`, or None for one that does not decode (as :func:`usable_recent_file`)."""
    try:
        return latest_file(path, raw)
    except StoreCorrupt:
        return None


def latest_figures(txn: ReadTransaction, shard: int) -> Mapping[str, Latest] | None:
    """Doc id -> what the register's row shows of the account's stats, from the shard's recent
    file (an account absent: no post and no follower count known); None when the stats shard
    must be read instead: as for :func:`recent_rows`, and for a file of an older format."""
    found = _in_step(txn, shard, _usable_latest_file)
    if found is None or found.source["1"].format != RECENT_FORMAT:
        return None
    return found.latest


_File = TypeVar("_File", RecentFile, _LatestFile)


def _in_step(
    txn: ReadTransaction, shard: int, decode: Callable[[Path, bytes], _File | None]
) -> _File | None:
    """The shard's recent file ``decode``-d, if it is usable, covers some months (``since`` not
    None) and was derived from the stats file on disk; else None."""
    identity = txn.identity(stats_shard(shard))
    if identity is None:  # (no stats file, or this transaction's own copy: nothing to decode)
        return None
    found = txn.typed(recent_shard(shard), decode, None)
    source = None if found is None else found.source.get("1")
    if found is None or source is None or source.since is None:
        return None
    if identity != (source.size, source.mtime_ns):
        return None
    return found
