"""The records a sync stores: each patched month over its stored record, or a new one."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime

from governance.monthly import MonthlyStats
from governance.sync_run import merge


def test_a_month_not_stored_before_holds_the_patch_and_unknowns_elsewhere() -> None:
    at = datetime(2026, 10, 2, 14, 5, tzinfo=UTC)
    records = merge("a1", {}, {"2026-11": {"posts": 3}, "2026-10": {"posts": 0, "last_post_at": at,
                                                                   "not_a_field": 7}})
    assert [r.month for r in records] == ["2026-10", "2026-11"]  # oldest first
    assert records[0] == MonthlyStats("a1", "2026-10", posts=0, last_post_at=at)
    assert records[1] == MonthlyStats("a1", "2026-11", posts=3)
    assert records[1].followers is None  # not read: unknown, never 0


def test_a_stored_month_keeps_what_the_patch_leaves_out() -> None:
    stored = MonthlyStats("a1", "2026-10", posts=5, followers=900, reach=None)
    [record] = merge("a1", {"2026-10": stored}, {"2026-10": {"posts": 6, "reach": 40}})
    assert record == replace(stored, posts=6, reach=40)


def test_merge_is_the_patch_over_a_blank_or_stored_record_on_random_patches() -> None:
    rng = random.Random(9)
    names = ["posts", "followers", "reach", "replies_due", "hidden", "words_version", "other"]
    for _ in range(300):
        patch = {n: rng.choice([None, 0, rng.randrange(10**6)]) for n in rng.sample(names, 3)}
        if "words_version" in patch:
            patch["words_version"] = rng.choice([None, "builtin-3"])
        stored = MonthlyStats("a", "2026-01", posts=rng.randrange(9), followers=None)
        previous = {"2026-01": stored} if rng.random() < 0.5 else {}
        [record] = merge("a", previous, {"2026-01": patch})
        known = {k: v for k, v in patch.items() if k != "other"}
        assert record == replace(previous.get("2026-01") or MonthlyStats("a", "2026-01"),
                                 **known)
