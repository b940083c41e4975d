"""What the sync reads of the store for each account, read ahead in groups off the event loop.

Before an account is fetched its plan needs its stored months and its stored posts' states. Read
one account at a time on the event loop, each read was a transaction of its own (a lock, the
store's checks), and while the writer committed a batch in its thread the loop stopped on the
lock, holding up every request in flight. Here the accounts are read in groups, in the order the
sync starts them, each group in one read transaction (when the caller gives one) in a worker
thread, and the next group is read while the current one is fetched. What a group read is handed
out once and dropped.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass

from governance.monthly import MonthlyStats
from governance.posts import PostState
from governance.sync import PostSink, StatsSink, SyncAccount

#: Accounts read in one transaction (the writer's batch size: a group costs about what a batch
#: of results writes, and holds no more of the store in memory than that).
GROUP = 50

#: A read transaction the group's reads join (``Store.read``); None: each read is its own.
ReadTogether = Callable[[], AbstractContextManager[object]]


@dataclass(frozen=True)
class Stored:
    """One account as stored: its months, and its posts' states (None: posts are not read)."""

    previous: Mapping[str, MonthlyStats]
    posts: Mapping[str, PostState] | None


class StoredReader:
    """Hands each account its :class:`Stored`, reading whole groups ahead in a worker thread."""

    def __init__(self, sink: StatsSink, posts: PostSink | None, order: Sequence[SyncAccount],
                 together: ReadTogether | None = None, size: int = GROUP) -> None:
        self._sink, self._posts = sink, posts
        self._together = together or nullcontext
        size = max(1, size)
        self._groups = [list(order[i:i + size]) for i in range(0, len(order), size)]
        self._group_of = {account.id: i // size for i, account in enumerate(order)}
        self._reads: dict[int, asyncio.Future[dict[str, Stored]]] = {}

    async def get(self, account: SyncAccount) -> Stored:
        """``account`` as stored (read now if it was not in the order given)."""
        group = self._group_of.pop(account.id, None)
        if group is None:
            return (await asyncio.to_thread(self._read, [account]))[account.id]
        found = await self._start(group)
        self._start(group + 1)  # the next group, while this one is fetched
        stored = found.pop(account.id)
        if not found:
            self._reads.pop(group, None)
        return stored

    def _start(self, group: int) -> asyncio.Future[dict[str, Stored]]:
        read = self._reads.get(group)
        if read is None and group < len(self._groups):
            accounts, self._groups[group] = self._groups[group], []
            read = self._reads[group] = asyncio.ensure_future(
                asyncio.to_thread(self._read, accounts))
            read.add_done_callback(_retrieved)  # a group read ahead and never asked for
        return read if read is not None else _done({})

    def _read(self, accounts: Sequence[SyncAccount]) -> dict[str, Stored]:
        with self._together():
            return {
                account.id: Stored(
                    {r.month: r for r in self._sink.for_account(account.id)},
                    self._posts.states(account.id) if self._posts is not None else None)
                for account in accounts
            }


def _retrieved(read: asyncio.Future[dict[str, Stored]]) -> None:
    """Mark a read's error as seen: it is raised to each account of the group that asks."""
    if not read.cancelled():
        read.exception()


def _done(value: dict[str, Stored]) -> asyncio.Future[dict[str, Stored]]:
    future: asyncio.Future[dict[str, Stored]] = asyncio.get_running_loop().create_future()
    future.set_result(value)
    return future
