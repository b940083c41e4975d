"""The sync's writer: finished accounts' records, posts and outcomes, written in batches."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime
from typing import Protocol

from governance.monthly import MonthlyStats, SyncOutcome
from governance.posts import PostFigures
from governance.sync import PostSink, StatsSink


class Together(Protocol):
    """Transactions that the sinks' own reads and writes join (``Store``, when both sinks are
    its): one per batch instead of one per sink, and per group of accounts read."""

    def read(self) -> AbstractContextManager[object]: ...
    def write(self) -> AbstractContextManager[object]: ...


class Writer:
    """Collects finished accounts and writes them in batches: records, posts, then outcomes
    (in one transaction when ``together`` is given, else in one each)."""

    def __init__(self, sink: StatsSink, size: int, posts: PostSink | None, now: datetime,
                 together: Together | None = None) -> None:
        self._sink = sink
        self._together = together
        self._size = size
        self._records: list[MonthlyStats] = []
        self._outcomes: list[SyncOutcome] = []
        self._lock = asyncio.Lock()
        self._post_sink, self._now = posts, now
        self._posts: dict[str, list[PostFigures]] = {}

    async def add(
        self, records: Sequence[MonthlyStats], outcome: SyncOutcome, posts: list[PostFigures]
    ) -> None:
        self._records.extend(records)
        self._outcomes.append(outcome)
        self._posts[outcome.account_id] = posts
        # While a batch is being written, later results wait for the next one (no tiny writes).
        if len(self._outcomes) >= self._size and not self._lock.locked():
            async with self._lock:
                # Off the event loop, so that requests keep flowing while files are written.
                await asyncio.to_thread(self._write, *self._take())

    def flush(self) -> None:
        self._write(*self._take())

    def _take(
        self,
    ) -> tuple[list[MonthlyStats], list[SyncOutcome], dict[str, list[PostFigures]]]:
        taken = (self._records, self._outcomes, self._posts)
        self._records, self._outcomes, self._posts = [], [], {}
        return taken

    def _write(self, records: list[MonthlyStats], outcomes: list[SyncOutcome],
               posts: dict[str, list[PostFigures]]) -> None:
        # Records and posts before outcomes: an outcome (and its cursor) never points past
        # stored figures. In one transaction the stats shards, which hold both the records and
        # the outcomes, are written once per batch, not twice.
        if not outcomes:
            return
        with self._together.write() if self._together is not None else nullcontext():
            self._sink.save_batch(records)
            if self._post_sink is not None:
                self._post_sink.save_posts(posts, self._now)
            self._sink.save_outcomes(outcomes)
