"""The sync as a service: who is asking first, then the platforms' figures into the store.

Like the register and the audits, the sync is a :class:`~governance.service.Service`: the user is
identified and must hold the right to rewrite stats (``stats.sync``, admins) before anything is
fetched, and a refusal lands in the change log whichever front end asked. Where the figures come
from is fixed when the service is made (a :class:`~governance.platforms.PlatformSource`: the
real platforms by default, the emulation for tests), so a caller never passes transports or
tokens through each call. A demo store reads the demo's emulation whatever source was given
(:func:`~governance.sync_source.sync_source`: its marker file decides, not the caller)::

    service = SyncService(store, source=demo_source(accounts, now), clock=lambda: now)
    report = service.sync(accounts, progress=show, cancelled=worker_cancelled)

A cancelled sync returns normally with ``report.cancelled`` set; the accounts finished before the
cancel are stored, as with every sync. What the platforms said of each account's id and username
then goes into the register (:mod:`governance.identity_check`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import datetime

from governance.access import SYNC_STATS
from governance.comment_classifier import load_classifier
from governance.identity_check import Identities
from governance.model import utc_now
from governance.platforms import PlatformSource
from governance.service import Service
from governance.storage.post_files import PostsSink
from governance.store import Store
from governance.sync import Cancelled, ClientTiming, Progress, SyncAccount, SyncReport
from governance.sync_run import run_sync
from governance.sync_source import sync_source


class SyncService(Service):
    """A user's syncs of platform stats into the store, from one :class:`PlatformSource`."""

    def __init__(
        self,
        store: Store,
        *,
        source: PlatformSource | None = None,
        user: str | None = None,
        clock: Callable[[], datetime] = utc_now,
        timing: ClientTiming | None = None,
        demo: bool = False,
    ) -> None:
        """``clock`` gives the moment a sync is as of (which months are current, the outcomes'
        time); ``timing`` is the clients' sleep and clocks, for tests. Without ``source``: the
        real platforms. A demo store (or with ``demo``) always reads the demo's emulation."""
        super().__init__(store, user=user, clock=clock)
        self.source = source
        self.demo = demo
        self._timing = timing

    def sync(
        self,
        accounts: Sequence[SyncAccount],
        *,
        since: str | None = None,
        progress: Progress | None = None,
        cancelled: Cancelled | None = None,
    ) -> SyncReport:
        """Sync ``accounts`` into the store and return the report (blocking).

        Refuses (and logs) a user without the right to rewrite stats before any request; refuses
        a store that cannot be written (StoreReadOnly) before any request too.
        ``since`` (``YYYY-MM``) re-reads from that month; ``cancelled()`` is asked between
        accounts. Runs its own event loop, so call it from a thread, never from async code.
        """
        self.require(SYNC_STATS)
        # A store this process cannot write (StoreReadOnly) is refused before any request: the
        # figures could not be kept, and fetching them would only spend the platforms' quota.
        with self.store.write():
            pass
        # The word lists AKN may extend (DATA_DIR/comment-words.toml): a bad file is refused
        # here, naming it, before any request.
        classifier = load_classifier(self.store.data_dir)
        now = self._clock()
        source = sync_source(self.store.data_dir, accounts, now, self.source, demo=self.demo)
        report = asyncio.run(
            run_sync(
                self.store.stats, accounts, source, now=now, since=since,
                progress=progress, cancelled=cancelled, timing=self._timing,
                classifier=classifier, posts=PostsSink(self.store), together=self.store,
            )
        )
        # What the platforms said about each account's id and username, into the register.
        Identities(self.store, user=self.user, clock=self._clock).record(report.outcomes)
        return report
