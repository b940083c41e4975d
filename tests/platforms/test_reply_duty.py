"""The reply duty at sync time (issue 10): questions among comments, hidden comments, and direct
messages, counted from the emulation; unknown where a platform does not tell; re-classification
when the word lists change."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from governance.comment_classifier import load_classifier
from governance.emulation import AccountProfile, Fault
from governance.emulation.data import AccountData, Conversation
from governance.emulation.texts import OTHERS, QUESTIONS
from governance.monthly import STOCKHOLM, month_of
from governance.worktime import answered_on_time, reply_deadline
from tests.platforms.conftest import NOW, PROFILES, World

MakeWorld = Callable[..., World]
SECOND_X = AccountProfile("x", "3300000001", "hbgkultur", "slow-replies")


def _data(w: World, platform: str, platform_id: str = "") -> AccountData:
    profile = next(p for p in w.profiles if p.platform == platform
                   and (not platform_id or p.platform_id == platform_id))
    data = w.app.account(platform, profile.platform_id)
    assert data is not None
    return data


def _account_id(w: World, platform: str, platform_id: str = "") -> str:
    return next(a.id for a in w.accounts if a.platform == platform
                and (not platform_id or a.platform_id == platform_id))


def _due(arrived: datetime, answered: datetime | None) -> tuple[int, int]:
    """(due, on time) of one arrival as of NOW, read straight from the duty's wording."""
    if answered is None:
        return (0, 0) if reply_deadline(arrived) > NOW else (1, 0)
    return 1, int(answered_on_time(arrived, answered))


@dataclass
class Expected:
    questions: Counter[str]
    questions_on_time: Counter[str]
    comments: Counter[str]
    hidden: Counter[str]


def _expected_comments(data: AccountData, *, hidden_listed: bool = True) -> Expected:
    found = Expected(Counter(), Counter(), Counter(), Counter())
    for post in data.posts:
        for comment in post.comments:
            if comment.hidden and not hidden_listed:
                continue
            month = month_of(comment.at)
            due, on_time = _due(comment.at, comment.reply_at)
            found.comments[month] += due
            if comment.hidden:
                found.hidden[month] += 1
            elif comment.question:
                found.questions[month] += due
                found.questions_on_time[month] += on_time
    return found


def _expected_dms(
    chats: Iterable[Conversation], since: datetime
) -> tuple[Counter[str], Counter[str]]:
    due: Counter[str] = Counter()
    on_time: Counter[str] = Counter()
    for chat in chats:
        waiting: datetime | None = None
        for message in [m for m in chat.messages if m.at >= since]:
            if message.by_account and waiting is not None:
                one, good = _due(waiting, message.at)
                due[month_of(waiting)] += one
                on_time[month_of(waiting)] += good
                waiting = None
            elif not message.by_account and waiting is None:
                waiting = message.at
        if waiting is not None:
            due[month_of(waiting)] += _due(waiting, None)[0]
    return due, on_time


def test_the_emulated_texts_are_labelled_as_the_classifier_reads_them() -> None:
    # The tests below count the emulation's labels; the labels must be what the sync sees.
    classifier = load_classifier(None)
    assert all(classifier.classify(text) == "question" for text in QUESTIONS)
    assert all(classifier.classify(text) == "other" for text in OTHERS)


def test_facebook_and_instagram_count_questions_not_opinions_and_hidden(world: MakeWorld) -> None:
    w = world()
    assert not w.sync().failed
    version = load_classifier(None).version
    for platform in ("facebook", "instagram"):
        expected = _expected_comments(_data(w, platform))
        months = w.sink.for_account(_account_id(w, platform))
        assert sum(expected.questions.values()) > 0 and sum(expected.hidden.values()) > 0
        for record in months:
            assert record.questions_due == expected.questions[record.month], record.month
            assert record.questions_on_time == expected.questions_on_time[record.month]
            assert record.hidden == expected.hidden[record.month]
            assert record.replies_due == expected.comments[record.month]
            assert record.words_version == version
        # Opinions, praise and hidden spam do not fall due as questions.
        assert sum(r.questions_due or 0 for r in months) < sum(r.replies_due or 0 for r in months)


def test_x_and_youtube_classify_but_do_not_see_hidden_linkedin_reads_no_comments(
    world: MakeWorld,
) -> None:
    w = world()
    assert not w.sync().failed
    youtube = w.sink.for_account(_account_id(w, "youtube"))
    expected = _expected_comments(_data(w, "youtube"), hidden_listed=False)
    assert [r.questions_due for r in youtube] == [expected.questions[r.month] for r in youtube]
    assert all(r.hidden is None and r.dms_due is None for r in youtube)
    x = w.sink.for_account(_account_id(w, "x"))
    assert all(r.questions_due is not None and r.hidden is None for r in x)
    linkedin = w.sink.for_account(_account_id(w, "linkedin"))
    assert all(r.questions_due is None and r.dms_due is None and r.hidden is None
               for r in linkedin)


def test_direct_messages_fall_due_and_the_first_reply_closes_them(world: MakeWorld) -> None:
    w = world([*PROFILES, SECOND_X])
    assert not w.sync().failed
    for platform in ("facebook", "instagram"):
        data = _data(w, platform)
        due, on_time = _expected_dms(data.conversations, datetime.min.replace(tzinfo=NOW.tzinfo))
        months = w.sink.for_account(_account_id(w, platform))
        assert sum(due.values()) > 0
        assert [(r.dms_due, r.dms_on_time) for r in months] == [
            (due[r.month], on_time[r.month]) for r in months]
    # X: the token's own account, for the months X still keeps (30 days).
    x = _data(w, "x", "2244994945")
    due, on_time = _expected_dms(x.conversations, NOW - timedelta(days=30))
    november = next(r for r in w.sink.for_account(_account_id(w, "x", "2244994945"))
                    if r.month == "2026-11")
    assert (november.dms_due, november.dms_on_time) == (due["2026-11"], on_time["2026-11"])
    october = next(r for r in w.sink.for_account(_account_id(w, "x", "2244994945"))
                   if r.month == "2026-10")
    assert october.dms_due is None  # begins before X's 30 days: unknown, not 0
    # Another X account's inbox is not the token's to read: unknown, and the sync is ok.
    other = w.sink.for_account(_account_id(w, "x", SECOND_X.platform_id))
    assert other and all(r.dms_due is None and r.dms_on_time is None for r in other)


def test_a_token_without_messaging_leaves_messages_unknown_not_the_account_failed(
    world: MakeWorld,
) -> None:
    w = world(faults=[Fault("forbidden", platform="facebook", path="/conversations"),
                      Fault("forbidden", platform="x", path="/dm_events")])
    report = w.sync()
    assert not report.failed
    facebook = w.sink.for_account(_account_id(w, "facebook"))
    assert all(r.dms_due is None and r.dms_on_time is None for r in facebook)
    assert any(r.questions_due for r in facebook) and facebook[-1].followers is not None
    assert all(r.dms_due is None for r in w.sink.for_account(_account_id(w, "x")))
    assert any(r.dms_due for r in w.sink.for_account(_account_id(w, "instagram")))


def test_no_comment_text_reaches_the_store_or_the_cursor(world: MakeWorld) -> None:
    w = world()
    assert not w.sync().failed
    stored = repr(sorted(w.sink.months.items())) + repr(sorted(w.sink.outs.items()))
    for text in (*QUESTIONS, *OTHERS):
        assert text not in stored


@dataclass(frozen=True)
class EveryWordAsks:
    """Word lists of another version: every comment with text is a question."""

    version: str = "test-everything-asks"

    def classify(self, text: str) -> str:
        return "question"


def test_a_month_classified_by_other_word_lists_is_read_again(world: MakeWorld) -> None:
    w = world([p for p in PROFILES if p.platform == "facebook"])
    account = w.accounts[0].id
    assert not w.sync(classifier=EveryWordAsks()).failed
    before = {r.month: r for r in w.sink.for_account(account)}
    assert all(r.words_version == "test-everything-asks" for r in before.values())
    # The next day, with the built-in lists: the previous quarter and this one are re-read.
    later = NOW + timedelta(days=1)
    served = len(w.app.seen)
    assert not w.sync(now=later).failed
    posts_reads = [s for s in w.app.seen[served:] if s.path.endswith("/published_posts")]
    version = load_classifier(None).version
    after = {r.month: r for r in w.sink.for_account(account)}
    reread = [m for m, r in after.items() if r.words_version == version]
    assert reread == ["2026-07", "2026-08", "2026-09", "2026-10", "2026-11"]
    assert after["2026-06"].words_version == "test-everything-asks"  # kept until sync --since
    assert after["2026-09"].questions_due is not None
    assert after["2026-09"].questions_due <= before["2026-09"].questions_due  # type: ignore[operator]
    assert posts_reads and "since" in posts_reads[0].params
    # With the same lists again, a re-sync reads only from the month of the last one.
    served = len(w.app.seen)
    assert not w.sync(now=later + timedelta(days=1)).failed
    assert all(r.words_version == version or r.month < "2026-07"
               for r in w.sink.for_account(account))
    posts = [s for s in w.app.seen[served:] if s.path.endswith("/published_posts")]
    first_month = datetime.fromtimestamp(int(posts[0].params["since"]), STOCKHOLM)
    assert first_month.strftime("%Y-%m") == "2026-10"  # one month before the window (Nov)


def test_sync_since_reclassifies_every_month_from_then(world: MakeWorld) -> None:
    w = world([p for p in PROFILES if p.platform == "instagram"])
    assert not w.sync(classifier=EveryWordAsks()).failed
    assert not w.sync(since="2025-03", now=NOW + timedelta(hours=1)).failed
    version = load_classifier(None).version
    for record in w.sink.for_account(w.accounts[0].id):
        wanted = version if record.month >= "2025-03" else "test-everything-asks"
        assert record.words_version == wanted, record.month


def test_a_next_day_resync_keeps_the_message_figures_with_one_look(world: MakeWorld) -> None:
    w = world([p for p in PROFILES if p.platform in ("facebook", "instagram")])
    assert not w.sync().failed
    before = {k: (r.dms_due, r.dms_on_time) for k, r in w.sink.months.items()}
    served = len(w.app.seen)
    # Nothing new the day after, and no unanswered message reaches its deadline in between.
    assert not w.sync(now=NOW + timedelta(hours=20)).failed
    looks = [s for s in w.app.seen[served:] if s.path.endswith("/conversations")]
    assert len(looks) == 2  # the first page of each account's conversations, no more
    after = {k: (r.dms_due, r.dms_on_time) for k, r in w.sink.months.items()}
    assert after == before


def _page_handler(conversations: dict[str, Any], seen: list[str]) -> Callable[..., Any]:
    import httpx

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        seen.append(path)
        if path.endswith("/104857600"):
            return httpx.Response(200, json={"followers_count": 10, "id": "104857600"})
        if path.endswith("/published_posts") or path.endswith("/insights"):
            return httpx.Response(200, json={"data": [], "paging": {}})
        if path.endswith("/conversations"):
            return httpx.Response(200, json=conversations)
        raise AssertionError(request.url)

    return handler


def test_messages_are_read_again_only_when_something_changed() -> None:
    import asyncio

    from governance.monthly import MonthlyStats
    from tests.platforms.conftest import fetch_with, plan_for
    from tests.platforms.test_clients_docs import MESSENGER_CONVERSATIONS

    stored = {m: MonthlyStats("0000000000aa", m, dms_due=7, dms_on_time=7)
              for m in ("2026-10", "2026-11")}
    cursor = {"dms_newest": "2026-11-24T10:00:00+00:00", "dms_recheck": None,
              "dms_from": "2026-10", "looked_back": True}
    seen: list[str] = []
    plan = plan_for("facebook", "104857600", cursor=cursor, previous=stored)
    result, _ = asyncio.run(fetch_with(_page_handler(MESSENGER_CONVERSATIONS, seen), "facebook",
                                       plan))
    # Nothing newer than the last read and no deadline passed: the stored figures stand.
    assert "dms_due" not in result.patches["2026-11"]
    assert sum(p.endswith("/conversations") for p in seen) == 1
    # A deadline passed since: the conversations are counted afresh.
    recheck = {**cursor, "dms_recheck": "2026-11-25T08:00:00+00:00"}
    plan = plan_for("facebook", "104857600", cursor=recheck, previous=stored)
    result, _ = asyncio.run(fetch_with(_page_handler(MESSENGER_CONVERSATIONS, seen), "facebook",
                                       plan))
    november = result.patches["2026-11"]
    assert (november["dms_due"], november["dms_on_time"]) == (2, 1)
    # Asked for months before the last read's first (sync --since): read, not kept.
    plan = plan_for("facebook", "104857600", first="2026-09", cursor=cursor, previous=stored)
    result, _ = asyncio.run(fetch_with(_page_handler(MESSENGER_CONVERSATIONS, seen), "facebook",
                                       plan))
    assert result.patches["2026-09"]["dms_due"] == 0 and result.patches["2026-11"]["dms_due"] == 2
    assert result.cursor["dms_from"] == "2026-09"
