"""Keeping the cyclic garbage collector from walking the same objects again and again in a sync.

A sync allocates millions of short-lived objects (each response's parsed JSON, the futures and
tasks of its requests) while the objects it started with (the register, the store's caches, the
imported modules) stay. With Python's default thresholds the young generation is collected every
700 allocations, its survivors are walked again in the middle generation, and full passes walk
the whole heap: about a seventh of a first sync's CPU on the main thread, stalling every request
in flight while it ran. During a sync the young generation is collected less often (parsed bodies
die by reference counting long before, and hold no cycles), and what was there before the sync
is moved to the oldest generation first (``gc.freeze`` then ``gc.unfreeze``: nothing walked),
so that the full passes, which are due only when the oldest generation has grown by a quarter,
come rarely. Nothing is kept from the collector: cycles made during the sync are still found,
and the thresholds are put back when the last sync ends.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from governance.heap import settle_survivors

#: Allocations between young-generation collections while a sync runs (Python's default: 700).
#: A young collection walks what is alive at that moment, about the same whenever it runs (the
#: bodies of the requests in flight), so fewer of them walk less: at 100,000 the collector took
#: about half the CPU of 20,000 in bench/sync.py (0.25 s against 0.5 s over its three syncs).
#: Garbage that is not a cycle is freed at once whatever the threshold.
SYNC_YOUNG_THRESHOLD = 100_000


class _Collections:
    """The thresholds to put back, and how many syncs run (a sync may run in a worker thread)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.running = 0
        self.saved: tuple[int, int, int] = gc.get_threshold()


_STATE = _Collections()


@contextmanager
def sync_collections() -> Iterator[None]:
    """Collect less often for the duration of the block; the thresholds are restored after."""
    with _STATE.lock:
        if _STATE.running == 0:
            settle_survivors()  # what was there before the sync: to the oldest generation
            _STATE.saved = gc.get_threshold()
            young, middle, old = _STATE.saved
            gc.set_threshold(max(young, SYNC_YOUNG_THRESHOLD), middle, old)
        _STATE.running += 1
    try:
        yield
    finally:
        with _STATE.lock:
            _STATE.running -= 1
            if _STATE.running == 0:
                gc.set_threshold(*_STATE.saved)
