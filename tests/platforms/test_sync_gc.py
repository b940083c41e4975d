"""A sync collects garbage less often while it runs, and puts the collector back as it was."""

from __future__ import annotations

import gc
import threading
import weakref

import pytest

from governance.sync_gc import SYNC_YOUNG_THRESHOLD, sync_collections


def test_the_thresholds_are_raised_during_a_sync_and_restored_after_even_on_error() -> None:
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), sync_collections():
        assert gc.get_threshold() == (max(before[0], SYNC_YOUNG_THRESHOLD), *before[1:])
        raise RuntimeError("a sync that fails")
    assert gc.get_threshold() == before


def test_overlapping_syncs_restore_the_thresholds_only_when_the_last_ends() -> None:
    before = gc.get_threshold()
    inside, release = threading.Event(), threading.Event()

    def worker() -> None:
        with sync_collections():
            inside.set()
            release.wait(10)

    thread = threading.Thread(target=worker)
    with sync_collections():
        thread.start()
        assert inside.wait(10)
    assert gc.get_threshold()[0] == max(before[0], SYNC_YOUNG_THRESHOLD)  # the worker's runs on
    release.set()
    thread.join(10)
    assert gc.get_threshold() == before


def test_cycles_made_during_a_sync_are_still_collected() -> None:
    class Node:
        other: object = None

    collected = threading.Event()
    with sync_collections():
        first, second = Node(), Node()
        first.other, second.other = second, first
        weakref.finalize(first, collected.set)
        del first, second
        gc.collect()
    assert collected.is_set()
