"""The per-post figures' files: ``posts/NN.json``, sharded like the stats (one document per
account, its posts by id). Part of the store's interface (``repos(txn).posts``, see
:mod:`governance.store`); :class:`PostsSink` is the sync's door, a transaction per call.

Like the monthly stats, posts are re-read from the platforms: they are in a backup of the whole
store but not in the hourly register snapshots, and the audit never reads them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from tinydb.table import Document

from governance.posts import PostFigures, PostState, prune_rows, state_of
from governance.storage.layout import POSTS_TABLE, SHARDS, posts_file, posts_shard
from governance.storage.transactions import ReadTransaction, writable

if TYPE_CHECKING:
    from governance.store import Store


def _doc_id(account_id: str) -> int:
    # The account's 12 hex digits as an integer, as for its register and stats documents.
    return int(account_id, 16)


class Posts:
    """Per-post figures of each account, over one transaction."""

    def __init__(self, txn: ReadTransaction) -> None:
        self._txn = txn

    def _rows(self, account_id: str) -> Mapping[str, Any]:
        doc = self._txn.table(posts_file(account_id), POSTS_TABLE).get(str(_doc_id(account_id)))
        return doc.get("posts", {}) if isinstance(doc, dict) else {}

    def of(self, account_id: str) -> list[PostFigures]:
        """The account's stored posts, oldest first."""
        rel = posts_file(account_id)
        with self._txn.shaped(rel):
            found = [PostFigures.from_row(pid, row) for pid, row in self._rows(account_id).items()]
        return sorted(found, key=lambda p: (p.at, p.post_id))

    def states(self, account_id: str) -> dict[str, PostState]:
        """Post id -> when it was posted, last read and its kind, for the sync's re-read rule
        (read from the rows as they are: a sync asks this of every account)."""
        with self._txn.shaped(posts_file(account_id)):
            return {pid: state_of(row) for pid, row in self._rows(account_id).items()}

    def all(self) -> Iterator[tuple[str, list[PostFigures]]]:
        """(account id, its posts oldest first) for every account with posts, shard by shard."""
        for shard in range(SHARDS):
            rel = posts_shard(shard)
            for doc in self._txn.table(rel, POSTS_TABLE).values():
                with self._txn.shaped(rel):
                    account_id = str(doc["account_id"])
                    posts = [PostFigures.from_row(pid, row) for pid, row in doc["posts"].items()]
                yield account_id, sorted(posts, key=lambda p: (p.at, p.post_id))

    def save(self, account_id: str, posts: Sequence[PostFigures], now: datetime) -> None:
        """Add or replace ``posts`` of the account; posts older than the kept months go."""
        rel = posts_file(account_id)
        rows = dict(self._rows(account_id))
        rows.update({p.post_id: p.to_row() for p in posts})
        with self._txn.shaped(rel):
            kept = prune_rows(rows, now)
        table = writable(self._txn).tinydb(rel).table(POSTS_TABLE)
        doc = {"account_id": account_id, "posts": dict(sorted(kept.items()))}
        table.upsert(Document(doc, doc_id=_doc_id(account_id)))


class PostsSink:
    """Per-post figures for the sync, each call in a transaction of its own."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def states(self, account_id: str) -> dict[str, PostState]:
        with self._store.read() as txn:
            return Posts(txn).states(account_id)

    def save_posts(self, batch: Mapping[str, Sequence[PostFigures]], now: datetime) -> None:
        """Store the posts read for each account in ``batch``, in one transaction."""
        if not any(batch.values()):
            return
        with self._store.write() as txn:
            posts = Posts(txn)
            for account_id, read in batch.items():
                if read:
                    posts.save(account_id, read, now)
