"""The emulation's daily figures: the same numbers however, and in whatever order, they are asked.

A figure is ``low + CRC32("{key}|{ISO day}|{metric}") % (high - low + 1)``: that is what made the
emulated history deterministic across runs and machines. The emulation computes each metric's
days once and extends its series as requests reach further (a sync may ask newest first); these
tests hold every way of reading them to that one rule.
"""

from __future__ import annotations

import random
import zlib
from datetime import UTC, date, datetime, timedelta

from governance.emulation import AccountProfile
from governance.emulation.data import AccountData, generate

NOW = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)
METRICS = ("reach", "views", "likes", "impressions", "unique", "gain", "page_media_view")


def rule(data: AccountData, day: date, metric: str, low: int, high: int) -> int:
    digest = zlib.crc32(f"{data.key}|{day.isoformat()}|{metric}".encode())
    return low + digest % (high - low + 1)


def account(activity: str = "active", platform: str = "instagram") -> AccountData:
    return generate(AccountProfile(platform, "7001", "stadsbiblioteket", activity), now=NOW,
                    seed=3)


def test_figures_follow_the_rule_whatever_order_they_are_asked_in() -> None:
    rng = random.Random(15)
    for order in ("newest first", "oldest first", "scattered"):
        data = account()
        starts = [NOW.date() - timedelta(days=30 * n) for n in range(26)]
        if order == "oldest first":
            starts.reverse()
        elif order == "scattered":
            rng.shuffle(starts)
        for first in starts:
            metric = rng.choice(METRICS)
            low = rng.randint(-3, 50)
            high = low + rng.randint(0, 1_500)
            days = rng.randint(1, 90)
            expected = [rule(data, first + timedelta(days=i), metric, low, high)
                        for i in range(days)]
            assert data.dailies(first, days, metric, low, high) == expected, (order, first)
            assert data.daily_total(first, days, metric, low, high) == sum(expected)
            one = first + timedelta(days=rng.randrange(days))
            assert data.daily(one, metric, low, high) == rule(data, one, metric, low, high)


def test_single_days_far_apart_and_ranges_that_change_per_day() -> None:
    """LinkedIn asks one metric's range from another's figure of the day (unique ≤ impressions):
    one digest series serves every range."""
    data = account(platform="linkedin")
    rng = random.Random(7)
    days = [NOW.date() - timedelta(days=rng.randint(0, 800)) for _ in range(300)]
    for day in days:
        impressions = data.daily(day, "impressions", 0, 900)
        assert impressions == rule(data, day, "impressions", 0, 900)
        assert data.daily(day, "unique", 0, impressions) == rule(data, day, "unique", 0,
                                                                 impressions)


def test_an_account_that_never_posted_has_only_zeros() -> None:
    data = account("never")
    first = NOW.date() - timedelta(days=40)
    assert data.dailies(first, 5, "reach", 30, 1_200) == [0] * 5
    assert data.daily_total(first, 5, "reach", 30, 1_200) == 0
    assert data.daily(first, "reach", 30, 1_200) == 0
    assert data.dailies(first, 0, "reach", 30, 1_200) == []


def test_posts_by_id_are_the_accounts_posts() -> None:
    data = account()
    assert data.posts
    assert data.by_id == {post.id: post for post in data.posts}
