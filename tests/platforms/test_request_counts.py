"""The requests and calls a sync sends, pinned: a change made for speed must send the same.

A mixed set of accounts (every platform, every kind of history the emulation makes) is synced
with per-post figures, as the sync bench does (bench/sync.py), then again the same day and again
the next day. The numbers below are what the clients send today; a change that alters them
changes what the platforms are asked (and what they count toward their limits), and must say so
here on purpose, not by accident.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from governance.emulation import AccountProfile
from governance.fields import API_PLATFORMS
from governance.platforms import Settings
from governance.sync import SyncReport
from tests.platforms.conftest import NOW, World
from tests.platforms.test_post_figures import MemoryPosts

KINDS = ("active", "active", "quiet", "dormant", "never", "slow-replies")

#: Calls per platform of the first sync, the same-day re-sync and the next day's (each call
#: inside a Graph batch is one, as Meta counts them).
FIRST = {"facebook": 85, "instagram": 642, "linkedin": 63, "x": 49, "youtube": 57}
SAME_DAY = {"facebook": 12, "instagram": 12, "linkedin": 0, "x": 1, "youtube": 1}
NEXT_DAY = {"facebook": 24, "instagram": 51, "linkedin": 28, "x": 20, "youtube": 17}
#: The platforms whose calls ride in Graph batches: how many calls share a batch depends on
#: which accounts' calls meet in the same turn of the event loop (the store is read and written
#: in worker threads), so their HTTP requests are bounded, not pinned.
GRAPH = ("facebook", "instagram")


def profiles() -> list[AccountProfile]:
    found = []
    for index, kind in enumerate(KINDS):
        for platform in API_PLATFORMS:
            ident = f"UC{index:022d}" if platform == "youtube" else f"{7300 + index}"
            found.append(AccountProfile(platform, ident, f"{platform}{index}", kind))
    return found


def calls(report: SyncReport) -> dict[str, int]:
    return {p: s.calls for p, s in report.platforms.items()}


def test_a_mixed_sync_sends_the_pinned_requests_and_calls(world: Callable[..., World]) -> None:
    made = world(profiles())
    # The default timeouts: the fast ones of the other tests would let a busy machine time a
    # batch out now and then, and a retried call is one more.
    made.settings = Settings()
    posts = MemoryPosts()
    reports = [made.sync(posts=posts), made.sync(posts=posts, now=NOW + timedelta(minutes=1)),
               made.sync(posts=posts, now=NOW + timedelta(days=1))]
    assert not any(r.failed for r in reports)
    assert [calls(r) for r in reports] == [FIRST, SAME_DAY, NEXT_DAY]
    for report in reports:
        for platform, summary in report.platforms.items():
            if platform in GRAPH:  # at most 50 calls a batch, and at least one call in each
                assert -(-summary.calls // 50) <= summary.requests <= summary.calls
            else:  # one HTTP request a call
                assert summary.requests == summary.calls
    # What the emulation served is what the reports count: each HTTP request once.
    sent = {p: sum(r.platforms[p].requests for r in reports) for p in FIRST}
    assert made.app.served == {p: n for p, n in sent.items() if n}
