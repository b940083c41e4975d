"""The sync's writer: finished accounts' records, posts and outcomes, written in batches."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime

from governance.monthly import MonthlyStats, SyncOutcome
from governance.posts import PostFigures
from governance.sync import PostSink, StatsSink


class Writer:
    """Collects finished accounts and writes them in batches: records, then outcomes."""

    def __init__(self, sink: StatsSink, size: int, posts: PostSink | None, now: datetime) -> None:
        self._sink = sink
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
        # stored figures.
        self._sink.save_batch(records)
        if self._post_sink is not None:
            self._post_sink.save_posts(posts, self._now)
        self._sink.save_outcomes(outcomes)
