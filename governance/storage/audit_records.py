"""The audit's records in the store: append-only tables of documents, and the stored runs.

Part of the repositories (:mod:`governance.storage.repositories`, ``repos(txn).runs``, ``.acks``,
``.waivers``, ``.sent``, ``.revisions``): the records come back as documents that :mod:`audits`
decodes and checks, so the store never imports the layer it serves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from governance.storage.layout import (
    ACCOUNTS_TABLE,
    AUDIT_INDEX,
    MONTHS_TABLE,
    RUN_TABLE,
    RUNS_TABLE,
    SHARDS,
    account_shard,
    recent_shard,
    run_file,
    stats_shard,
)
from governance.storage.transactions import ReadTransaction, writable

Doc = dict[str, Any]


class Records:
    """An append-only table of documents (acknowledgements, waivers, revisions).

    ``all`` gives the raw table (record id -> document) for the owning module to decode;
    ``where`` names it in messages about a record of the wrong shape.
    """

    def __init__(self, txn: ReadTransaction, rel: str, table: str) -> None:
        self._txn, self._rel, self._table = txn, rel, table

    @property
    def where(self) -> Path:
        return self._txn.path(self._rel)

    def all(self) -> Mapping[str, Any]:
        """Record id -> document. Read-only."""
        return self._txn.table(self._rel, self._table)

    def add(self, document: Doc) -> None:
        writable(self._txn).tinydb(self._rel).table(self._table).insert(document)


class Runs:
    """Stored audit runs: a summary of each in the run index, and each run's own document."""

    def __init__(self, txn: ReadTransaction) -> None:
        self._txn = txn

    @property
    def where(self) -> Path:
        """The run index, in messages."""
        return self._txn.path(AUDIT_INDEX)

    def where_run(self, run_id: str) -> Path:
        """One run's record, in messages."""
        return self._txn.path(run_file(run_id))

    def summaries(self) -> Mapping[str, Any]:
        """Run number -> summary document. Read-only."""
        return self._txn.table(AUDIT_INDEX, RUNS_TABLE)

    def exists(self, run_id: str) -> bool:
        return self._txn.exists(run_file(run_id))

    def decoded(self, run_id: str, decode: Callable[[Path, bytes], Any]) -> Any:
        """``decode(path, bytes)`` of the run's file as on disk (cached like parsed files); None
        if it has none, or this transaction has its own copy of it."""
        return self._txn.typed(run_file(run_id), decode, None)

    def document(self, run_id: str) -> Any:
        """The run's stored document (None if its record holds none). Read-only."""
        return self._txn.table(run_file(run_id), RUN_TABLE).get("1")

    def put(self, run_id: str, number: int, summary: Doc, document: Doc) -> None:
        """Store a new run (``run_id``, checked by the caller) and its summary in the index."""
        txn = writable(self._txn)
        txn.stage(run_file(run_id), {RUN_TABLE: {"1": document}}, kind="audit")
        index = txn.load(AUDIT_INDEX)
        index.setdefault(RUNS_TABLE, {})[str(number)] = summary
        txn.stage(AUDIT_INDEX, index, kind="audit")


class AuditShard(NamedTuple):
    """One register shard as the audit reads it: its accounts (decoded by the audit), the same
    accounts' stats (doc id -> month -> row) and both files, for messages.

    The rows are the stats shard's own, undecoded, or, when ``recent``, the audit rows of its
    recent file (:mod:`governance.storage.recent`), which ``stats_at`` then names.
    """

    accounts: Mapping[str, Any]
    stats: Mapping[str, Any]
    accounts_at: str
    stats_at: str
    recent: bool = False


def audit_shards(
    txn: ReadTransaction,
    decode: Callable[[Path, bytes], Mapping[str, Any]],
    convert: Callable[[Mapping[str, Any]], Mapping[str, Any]],
    since: str | None = None,
) -> Iterator[AuditShard]:
    """Every register shard in order: its accounts ``decode(path, bytes)``-d straight from the
    file (cached by file identity like parsed files), or ``convert(documents)`` of the copy a
    transaction that changed the shard has (a ``ValueError`` there makes the shard corrupt); its
    stats from the shard's recent file if it covers every month from ``since`` on
    (:func:`typed.recent_rows`), else as :meth:`Accounts.activity_shards` reads them
    (:func:`typed.stats_months`)."""
    from governance.storage import typed  # (msgspec: only for the bulk reads)

    no_accounts: Mapping[str, Any] = {}
    no_stats: dict[str, dict[str, Any]] = {}
    for shard in range(SHARDS):
        accounts_at, stats_at = account_shard(shard), stats_shard(shard)
        accounts = txn.typed(accounts_at, decode, no_accounts)
        if accounts is None:
            with txn.shaped(accounts_at):
                accounts = convert(txn.table(accounts_at, ACCOUNTS_TABLE))
        recent = None if since is None else typed.recent_rows(txn, shard, since)
        if recent is not None:
            yield AuditShard(accounts, recent, accounts_at, recent_shard(shard), recent=True)
            continue
        months: Mapping[str, Any] | None = txn.typed(stats_at, typed.stats_months, no_stats)
        if months is None:
            table = txn.table(stats_at, MONTHS_TABLE)
            with txn.shaped(stats_at):
                months = {key: doc["months"] for key, doc in table.items()}
        yield AuditShard(accounts, months, accounts_at, stats_at)
