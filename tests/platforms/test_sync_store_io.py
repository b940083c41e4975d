"""The sync's reads and writes of the store: accounts read in groups off the event loop, each
batch written in one transaction, comment texts judged a page at a time."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from governance.comment_classifier import load_classifier
from governance.emulation import build_emulation
from governance.monthly import MonthlyStats
from governance.platforms.common import MonthBook, ReplyTally
from governance.posts import PostFigures
from governance.storage.post_files import PostsSink
from governance.store import Store
from governance.sync_run import run_sync
from governance.sync_stored import StoredReader
from tests.platforms.conftest import NOW, PROFILES, MemorySink, accounts_for, emulated
from tests.platforms.test_sync import real_store


class Together:
    """Read and write transactions as a store's, counted, with the thread each ran on."""

    def __init__(self) -> None:
        self.reads: list[int] = []
        self.writes = 0

    @contextmanager
    def read(self) -> Iterator[None]:
        self.reads.append(threading.get_ident())
        yield

    @contextmanager
    def write(self) -> Iterator[None]:
        self.writes += 1
        yield


class CountingSink(MemorySink):
    def __init__(self) -> None:
        super().__init__()
        self.asked: list[str] = []

    def for_account(self, account_id: str) -> list[MonthlyStats]:
        self.asked.append(account_id)
        return super().for_account(account_id)


def test_accounts_are_read_in_groups_in_a_worker_thread_each_once() -> None:
    accounts = accounts_for(PROFILES * 5)  # 25 accounts
    sink, together = CountingSink(), Together()
    sink.save_batch([MonthlyStats(accounts[7].id, "2026-09", followers=12)])

    async def read_all() -> dict[str, Any]:
        reader = StoredReader(sink, None, accounts, together.read, size=10)
        return {a.id: await reader.get(a) for a in accounts}

    found = asyncio.run(read_all())
    assert len(together.reads) == 3  # 10 + 10 + 5, one transaction each
    assert threading.get_ident() not in together.reads  # never on the event loop's thread
    assert sorted(sink.asked) == sorted(a.id for a in accounts)  # each account read once
    assert found[accounts[7].id].previous["2026-09"].followers == 12
    assert all(stored.posts is None for stored in found.values())


def test_an_account_outside_the_order_is_read_alone() -> None:
    accounts = accounts_for(PROFILES)
    sink, together = CountingSink(), Together()

    async def read_one() -> Any:
        reader = StoredReader(sink, None, accounts[:2], together.read)
        return await reader.get(accounts[4])

    assert asyncio.run(read_one()).previous == {}
    assert sink.asked == [accounts[4].id] and len(together.reads) == 1


class FailingPosts(PostsSink):
    """The store's post sink, failing on its second batch (as a full disk would)."""

    def __init__(self, store: Store) -> None:
        super().__init__(store)
        self.batches = 0

    def save_posts(self, batch: Mapping[str, Sequence[PostFigures]], now: datetime) -> None:
        self.batches += 1
        if self.batches == 2:
            raise OSError("disk full")
        super().save_posts(batch, now)


def test_a_batch_is_one_transaction_records_and_outcomes_stand_or_fall_together(
    tmp_path: Path,
) -> None:
    store, accounts = real_store(tmp_path)
    posts = FailingPosts(store)
    app = build_emulation(PROFILES, now=NOW)
    with pytest.raises(OSError, match="disk full"):
        asyncio.run(run_sync(store.stats, accounts, emulated(app), now=NOW, batch_size=1,
                             posts=posts, together=store))
    fresh = Store(tmp_path / "data")
    synced = [a.id for a in accounts if fresh.stats.outcome(a.id) is not None]
    # The first batch is stored; the failing one left nothing of itself, not even its records.
    assert 1 <= len(synced) < len(accounts)
    for account in accounts:
        assert bool(fresh.stats.for_account(account.id)) == (account.id in synced)
    later = NOW + timedelta(minutes=3)
    again = asyncio.run(run_sync(fresh.stats, accounts, emulated(app), now=later,
                                 posts=PostsSink(fresh), together=fresh))
    assert not again.failed
    assert all(fresh.stats.outcome(a.id) is not None for a in accounts)


class Judge:
    """A classifier that records how it was asked (the built-in one's labels)."""

    def __init__(self, many: bool) -> None:
        self._real = load_classifier(None)
        self.version = self._real.version
        self.calls: list[list[str]] = []
        if many:
            self.classify_many = self._many

    def classify(self, text: str) -> str:
        self.calls.append([text])
        return self._real.classify(text)

    def _many(self, texts: Sequence[str]) -> list[str]:
        self.calls.append(list(texts))
        return list(self._real.classify_many(texts))


@pytest.mark.parametrize("many", [True, False])
def test_a_pages_comment_texts_are_judged_together_and_counted_once_settled(many: bool) -> None:
    book = MonthBook(["2026-09", "2026-10"])
    judge = Judge(many)
    tally = ReplyTally(book, NOW, judge, hidden_known=True)
    arrived = datetime(2026, 9, 10, 9, 0, tzinfo=NOW.tzinfo)
    answered = arrived + timedelta(hours=1)
    tally.comment_text(arrived, answered, "När öppnar badet igen efter renoveringen?")
    tally.comment_text(arrived, answered, "Så fint det blev!")
    tally.comment_text(arrived, None, "Hur ansöker man om plats i förskolan?", hidden=True)
    tally.comment_text(arrived, answered, None)  # a sticker: no words, no question
    assert judge.calls == []  # nothing judged before the page is settled
    assert book.patches["2026-09"]["replies_due"] == 2  # counted at once: hidden, no words
    tally.settle()
    texts = ["När öppnar badet igen efter renoveringen?", "Så fint det blev!"]
    assert judge.calls == ([texts] if many else [[t] for t in texts])
    september = book.patches["2026-09"]
    assert september["replies_due"] == 4 and september["hidden"] == 1
    assert september["questions_due"] == 1 and september["questions_on_time"] == 1
    tally.settle()  # nothing left: judged once
    assert len(judge.calls) == (1 if many else 2) and september["replies_due"] == 4


LINKEDIN_STATS: list[Any] = [
    {"likeCount": 3, "commentCount": 0, "shareCount": 1, "uniqueImpressionsCount": 40},
    {"uniqueImpressionsCounts": 7}, {}, {"likeCount": True}, {"likeCount": -1},
    {"shareCount": "2"}, {"commentCount": 1.0}, {"uniqueImpressionsCount": None}, None, [], "x",
]
GAINS: list[Any] = [{"organicFollowerGain": 2, "paidFollowerGain": -1}, {}, None, [],
                    {"organicFollowerGain": True}, {"paidFollowerGain": "1"},
                    {"organicFollowerGain": 1.5}]


def _day(start: Any, **more: Any) -> dict[str, Any]:
    return {"timeRange": {"start": start, "end": 0}, **more}


@pytest.mark.parametrize("stats", LINKEDIN_STATS)
def test_linkedins_quick_share_reader_is_the_strict_one_or_leaves_it_to_it(stats: Any) -> None:
    from governance.platforms import linkedin
    from governance.platforms.errors import MalformedResponse

    element = _day(1_780_000_000_000, totalShareStatistics=stats)
    quick = linkedin._quick_shares(element)
    try:
        strict = linkedin._strict_shares(element, "e[0]")
    except MalformedResponse:
        assert quick is None
    else:
        assert quick == strict


@pytest.mark.parametrize("gain", GAINS)
@pytest.mark.parametrize("start", [1_780_000_000_000, True, 1.78e12, "1780000000000", None])
def test_linkedins_quick_gain_reader_is_the_strict_one_or_leaves_it_to_it(
    gain: Any, start: Any
) -> None:
    from governance.platforms import linkedin
    from governance.platforms.common import signed
    from governance.platforms.errors import MalformedResponse

    linkedin._MONTHS.clear()
    element = _day(start, followerGains=gain)
    assert linkedin._quick_gain(element) is None  # a day's month not yet known: strict first
    try:
        month = linkedin._element_month(element, "e[0]")
        body = gain if isinstance(gain, dict) else {}
        if not isinstance(gain, dict):
            raise MalformedResponse(detail="not an object")
        total = (signed(body.get("organicFollowerGain", 0), "o")
                 + signed(body.get("paidFollowerGain", 0), "p"))
    except MalformedResponse:
        assert linkedin._quick_gain(element) is None
    else:
        assert linkedin._quick_gain(element) == (month, total)
