"""Syncing stats from the platforms: what a sync reports, and what it reads and writes.

The sync fetches every account's monthly figures from its platform and stores them. Three
modules, one job each:

- this one: the vocabulary shared by every caller (:class:`SyncEvent` for progress displays,
  :class:`SyncReport`, the :class:`StatsSink` and :class:`SyncAccount` it works on, the
  :class:`ClientTiming` tests inject);
- :mod:`governance.sync_run`: the engine, :func:`~governance.sync_run.run_sync`, on any sink;
- :mod:`governance.sync_service`: :class:`~governance.sync_service.SyncService`, the service the
  CLI, the app and the demo build call. It checks the user's right (``stats.sync``) first, takes
  where to read from (a :class:`~governance.platforms.PlatformSource`) in its constructor, and
  writes into the store.

Accounts are fetched concurrently, bounded per platform and overall, the longest expected
fetches first (so the sync does not end waiting on a few long ones). Results are written in
batches (records first, then the outcomes that point past them), so a killed sync loses at most
the last unwritten batch and the next sync resumes from each account's stored cursor. Each account
ends ``ok`` or ``failed: reason``; a failed account keeps its previous figures. A platform whose
token is missing, expired or out of quota stops; the others go on. A caller's ``cancelled()`` is
asked between accounts: once it says yes, no further account starts, the fetches under way are
dropped, what finished is stored, and the report says ``cancelled``.

First sync: the current month and the 24 before it. Re-sync: from the month of the previous sync
(whole months, so sums stay complete), reading daily figures only once a day; with nothing new a
re-sync makes at most two calls per account, and far fewer HTTP requests: calls of many accounts
travel together where the platforms document batches (:mod:`governance.platforms.batching`),
and listings with no "nothing new" signal are asked again the same day only after
``Settings.relist_after_s``. ``since`` forces a re-read from that month.

What a sync cost is in :class:`PlatformSummary`: HTTP requests, the calls the platform counts,
and its quota as counted (:mod:`governance.platforms.quota`; None where unknown).

Replies (issue 10): others' top-level comments are classified as questions or not as they are
read (:mod:`governance.comment_classifier`; the text is never stored or logged), and each month
records the version of the word lists that did it (``words_version``). When the word lists in
force differ from those that classified an account last time (or it was synced before questions
were counted), a normal sync re-reads the previous quarter and the current one, the months an
audit may still judge; older months keep their counts and version until ``since`` re-reads them.
Direct messages: :mod:`governance.platforms.dms` (read once a Stockholm day; a token without the
messaging permission leaves them unknown, not the account failed).

Per-post figures (issue 12, :mod:`governance.posts`): each client reads the figures of the
posts of the last 13 months that are due (new ones; stored ones younger than 28 days at most once
a Stockholm day) and the engine writes them with the account's records, through a
:class:`PostSink` (``governance.storage.post_files.PostsSink``). A same-day re-sync reads none.

Progress is reported through a plain callback, so the CLI and the TUI can both show it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol

from governance.monthly import MonthlyStats, SyncOutcome
from governance.platforms import SyncTarget
from governance.platforms.http import Sleep
from governance.posts import PostFigures, PostState


class StatsSink(Protocol):
    """Where monthly figures and sync outcomes go (``Store.stats`` is one)."""

    def save_batch(self, records: Sequence[MonthlyStats]) -> None: ...
    def for_account(self, account_id: str) -> list[MonthlyStats]: ...
    def save_outcomes(self, outcomes: Sequence[SyncOutcome]) -> None: ...
    def outcome(self, account_id: str) -> SyncOutcome | None: ...
    def outcomes(self) -> dict[str, SyncOutcome]: ...


class PostSink(Protocol):
    """Where per-post figures go (``governance.storage.post_files.PostsSink`` is one)."""

    def states(self, account_id: str) -> Mapping[str, PostState]: ...
    def save_posts(self, batch: Mapping[str, Sequence[PostFigures]], now: datetime) -> None: ...


class SyncAccount(SyncTarget, Protocol):
    """An account as the engine sees it (``governance.model.Account`` fits)."""

    @property
    def status(self) -> str: ...


@dataclass(frozen=True)
class SyncEvent:
    """One step of a sync, for progress displays."""

    kind: Literal["started", "account", "stopped"]
    done: int
    total: int
    platform: str = ""
    account_id: str = ""
    ref: str = ""
    ok: bool = True
    #: The stored reason when an account failed, or why a platform stopped (a rendered message).
    reason: str = ""


Progress = Callable[[SyncEvent], None]
#: Asked between accounts; True stops the sync (a TUI worker's cancel, a Stop button).
Cancelled = Callable[[], bool]


@dataclass(frozen=True)
class ClientTiming:
    """The clients' sleep and clocks. ``None`` is the real ones; tests pass fakes, so that no
    test really waits for a backoff or a rate limit."""

    sleep: Sleep | None = None
    #: Monotonic seconds (deadlines, throttles, the report's times); ``None``: time.monotonic.
    clock: Callable[[], float] | None = None
    #: Unix seconds, for rate-limit reset headers; ``None``: time.time.
    wall: Callable[[], float] | None = None


@dataclass
class PlatformSummary:
    """How one platform's part of a sync went."""

    platform: str
    ok: int = 0
    failed: int = 0
    #: HTTP requests sent (a batch of many accounts' calls is one).
    requests: int = 0
    seconds: float = 0.0
    #: Calls as the platform counts them toward its limits (each call inside a batch is one).
    calls: int = 0
    #: YouTube: quota units spent (of 10,000 a day by default); None elsewhere.
    units: int | None = None
    #: X: posts read, toward the monthly post cap; None elsewhere.
    posts_read: int | None = None
    #: Meta: the highest share of a rate limit its usage headers reported (percent); None when
    #: none was reported.
    usage_percent: float | None = None
    #: Why the platform stopped (a rendered message with what to do), if it did.
    stopped: str = ""


@dataclass
class SyncReport:
    """What a sync did: per platform, and per account."""

    platforms: dict[str, PlatformSummary] = field(default_factory=dict)
    outcomes: list[SyncOutcome] = field(default_factory=list)
    #: Accounts not synced: retired, or on a platform without a client (TikTok, other).
    skipped: list[str] = field(default_factory=list)
    seconds: float = 0.0
    #: Whether the caller cancelled it: ``outcomes`` are the accounts finished (and stored) before.
    cancelled: bool = False

    @property
    def failed(self) -> list[SyncOutcome]:
        return [o for o in self.outcomes if not o.ok]

    @property
    def requests(self) -> int:
        """HTTP requests sent (a batch is one)."""
        return sum(s.requests for s in self.platforms.values())

    @property
    def calls(self) -> int:
        """Calls as the platforms count them (each call inside a batch is one)."""
        return sum(s.calls for s in self.platforms.values())
