"""Each figure of a response is read once: what the post record and the month totals share.

A post's insights are walked once for all the metrics read from them (Facebook), a video's or a
post's counts are read once for its post record and its month (YouTube, X), and the comment texts
of a listing's page are judged together (Facebook). These tests hold the readers to the answers
and the refusals they gave when each figure was read where it was used.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from governance.comment_classifier import Label, load_classifier
from governance.platforms.common import FetchResult
from governance.platforms.errors import MalformedResponse
from governance.posts import POST_COUNTS, PostBook, PostFigures
from tests.platforms.conftest import NOW, fetch_with, plan_for

PAGE = "104857600"


def _post(number: int, insights: list[Any] | None = None, comments: list[Any] | None = None,
          ) -> dict[str, Any]:
    post: dict[str, Any] = {
        "id": f"{PAGE}_{number}", "created_time": f"2026-11-{10 + number:02d}T09:00:00+0000",
        "reactions": {"summary": {"total_count": 4}},
        "comments": {"data": comments or [], "summary": {"total_count": len(comments or [])}},
    }
    if insights is not None:
        post["insights"] = {"data": insights}
    return post


def _metric(name: str, value: Any) -> dict[str, Any]:
    return {"name": name, "period": "lifetime", "values": [{"value": value}]}


def _facebook(posts: list[dict[str, Any]], classifier: Any = None) -> tuple[FetchResult, PostBook]:
    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith(f"/{PAGE}"):
            return httpx.Response(200, json={"followers_count": 10, "id": PAGE})
        if path.endswith("/published_posts"):
            return httpx.Response(200, json={"data": posts})
        if path.endswith(("/insights", "/conversations")):
            return httpx.Response(200, json={"data": []})
        raise AssertionError(request.url)

    book = PostBook(NOW, {})
    plan = plan_for("facebook", PAGE, posts=book, classifier=classifier)
    result, _ = asyncio.run(fetch_with(handler, "facebook", plan))
    return result, book


def test_facebook_reads_each_post_metric_from_its_first_entry_in_one_walk() -> None:
    insights = [
        _metric("post_video_views", 70),
        _metric("post_impressions_organic", "not read"),
        _metric("post_clicks_by_type", {"link clicks": 5, "other clicks": 9}),
        _metric("post_total_media_view_unique", 300),
        _metric("post_total_media_view_unique", 999),  # a second entry: the first counts
        "past the last metric read: never looked at",
    ]
    result, book = _facebook([_post(1, insights), _post(2, [])])
    first, second = book.read[f"{PAGE}_1"], book.read[f"{PAGE}_2"]
    assert (first.reach, first.video_views, first.link_clicks) == (300, 70, 5)
    assert (second.reach, second.video_views, second.link_clicks) == (None, None, None)
    # The second post's insights name no clicks: unknown, and so is the month's sum.
    assert result.patches["2026-11"]["link_clicks"] is None


def test_facebook_link_clicks_of_a_post_without_insights_are_unknown() -> None:
    result, book = _facebook([_post(1, None)])
    assert book.read[f"{PAGE}_1"].link_clicks is None
    assert result.patches["2026-11"]["link_clicks"] is None


@pytest.mark.parametrize(("insights", "detail"), [
    ([_metric("post_video_views", 1), "oops", _metric("post_clicks_by_type", {})],
     "expected an object at posts[0].insights[1]"),
    ([_metric("post_total_media_view_unique", "300")],
     "expected a whole number at posts[0].post_total_media_view_unique"),
    ([{"name": "post_video_views", "values": {"value": 1}}],
     "expected a list at posts[0].insights[0].values"),
    ([_metric("post_clicks_by_type", {"link clicks": -1})],
     "expected a whole number at posts[0].insights.link clicks"),
    ([_metric("post_clicks_by_type", 12)], "expected an object at posts[0].insights.value"),
])
def test_facebook_refuses_a_broken_post_metric_naming_where(insights: list[Any],
                                                             detail: str) -> None:
    with pytest.raises(MalformedResponse) as refused:
        _facebook([_post(1, insights)])
    assert refused.value.detail == detail


class CountingClassifier:
    """The built-in classifier, recording the batches it is given."""

    def __init__(self) -> None:
        self.inner = load_classifier(None)
        self.version = self.inner.version
        self.batches: list[int] = []

    def classify(self, text: str) -> Label:
        return self.inner.classify(text)

    def classify_many(self, texts: Sequence[str]) -> list[Label]:
        self.batches.append(len(texts))
        return self.inner.classify_many(texts)


def test_facebook_judges_the_comment_texts_of_a_listing_page_together() -> None:
    def comment(number: int, text: str) -> dict[str, Any]:
        return {"id": f"c{number}", "created_time": "2026-11-12T08:00:00+0000",
                "from": {"id": f"60{number}"}, "message": text}

    posts = [_post(1, comments=[comment(1, "När öppnar badet igen?"), comment(2, "Så fint!")]),
             _post(2, comments=[comment(3, "Var kan jag parkera?")]), _post(3)]
    classifier = CountingClassifier()
    result, _ = _facebook(posts, classifier)
    november = result.patches["2026-11"]
    assert classifier.batches == [3]  # one page of the listing, one batch
    assert november["replies_due"] == 3 and november["questions_due"] == 2


def _youtube(statistics: dict[str, Any], published: str = "2026-11-03T10:00:00Z",
             ) -> tuple[FetchResult, PostBook]:
    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("/channels"):
            return httpx.Response(200, json={"items": [{
                "id": "UCabc", "contentDetails": {"relatedPlaylists": {"uploads": "UUabc"}},
                "statistics": {"subscriberCount": "5", "videoCount": "1"}}]})
        if path.endswith("/playlistItems"):
            return httpx.Response(200, json={"items": [
                {"contentDetails": {"videoId": "v1", "videoPublishedAt": published}}]})
        if path.endswith("/videos"):
            return httpx.Response(200, json={"items": [{"id": "v1", "statistics": statistics}]})
        if path.endswith("/commentThreads"):
            return httpx.Response(200, json={"items": []})
        raise AssertionError(request.url)

    book = PostBook(NOW, {})
    result, _ = asyncio.run(fetch_with(handler, "youtube",
                                       plan_for("youtube", "UCabc", posts=book)))
    return result, book


def test_youtube_reads_a_videos_counts_once_for_the_post_and_its_month() -> None:
    result, book = _youtube({"viewCount": "940", "commentCount": "2"})  # likes hidden
    video, november = book.read["v1"], result.patches["2026-11"]
    assert (video.video_views, video.reactions, video.comments) == (940, None, 2)
    assert (november["video_views"], november["reactions"], november["comments"]) == (
        940, None, 2)


@pytest.mark.parametrize(("statistics", "detail"), [
    ({"likeCount": "3"}, "expected a decimal string at videos[0].viewCount"),
    ({"viewCount": 940}, "expected a decimal string at videos[0].viewCount"),
    ({"viewCount": "9", "likeCount": "-3"}, "expected a decimal string at videos[0].likeCount"),
    ({"viewCount": "9", "commentCount": None, "likeCount": True},
     "expected a decimal string at videos[0].likeCount"),
])
def test_youtube_refuses_a_videos_broken_count_naming_it(statistics: dict[str, Any],
                                                          detail: str) -> None:
    with pytest.raises(MalformedResponse) as refused:
        _youtube(statistics)
    assert refused.value.detail == detail


def _x(metrics: dict[str, Any]) -> tuple[FetchResult, PostBook]:
    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("/users/2244994945"):
            return httpx.Response(200, json={"data": {
                "id": "2244994945", "username": "hbgstad",
                "public_metrics": {"followers_count": 5}}})
        if path.endswith("/tweets"):
            return httpx.Response(200, json={"data": [
                {"id": "18", "created_at": "2026-11-18T09:00:00.000Z", "text": "…",
                 "public_metrics": metrics}], "meta": {"result_count": 1}})
        if path.endswith("/mentions"):
            return httpx.Response(200, json={"meta": {"result_count": 0}})
        if path.endswith("/users/me"):
            return httpx.Response(200, json={"data": {"id": "2244994945"}})
        if path.endswith("/dm_events"):
            return httpx.Response(200, json={"meta": {"result_count": 0}})
        raise AssertionError(request.url)

    book = PostBook(NOW, {})
    result, _ = asyncio.run(fetch_with(handler, "x", plan_for("x", "2244994945", posts=book)))
    return result, book


def test_x_reads_a_posts_metrics_once_for_the_post_and_its_month() -> None:
    result, book = _x({"like_count": 20, "reply_count": 1, "retweet_count": 3, "quote_count": 1})
    post, november = book.read["18"], result.patches["2026-11"]
    assert (post.reactions, post.comments, post.shares, post.saves) == (20, 1, 4, None)
    assert (november["reactions"], november["comments"], november["shares"]) == (20, 1, 4)
    assert november["saves"] == 0  # no bookmarks reported: none saved in the month's sum


@pytest.mark.parametrize(("metrics", "detail"), [
    ({"like_count": 1, "reply_count": 1, "retweet_count": 1, "bookmark_count": "2"},
     "expected a whole number at tweets[0].bookmark_count"),
    ({"like_count": 1.0, "reply_count": 1, "retweet_count": 1},
     "expected a whole number at tweets[0].likes"),
    ({"like_count": 1, "reply_count": 1}, "expected a whole number at tweets[0].reposts"),
])
def test_x_refuses_a_posts_broken_metric_naming_it(metrics: dict[str, Any], detail: str) -> None:
    with pytest.raises(MalformedResponse) as refused:
        _x(metrics)
    assert refused.value.detail == detail


def test_a_post_updated_keeps_what_was_read_and_takes_only_the_counts_given() -> None:
    book = PostBook(NOW, {})
    at = NOW - timedelta(days=2)
    book.add("p1", at, "video", reactions=4, comments=None)
    book.update("p1", reach=90, comments=0, read_on=1, kind=2)  # not counts: not taken
    assert book.read["p1"] == PostFigures("p1", at, "video", "2026-11-25", reach=90,
                                          reactions=4, comments=0)
    book.update("p1")
    assert [getattr(book.read["p1"], n) for n in POST_COUNTS] == [90, None, None, 4, 0, None,
                                                                   None]


def test_the_months_kept_begin_at_stockholm_midnight_whatever_the_offset_of_a_time() -> None:
    book = PostBook(NOW, {})
    start = datetime(2025, 10, 31, 23, 0, tzinfo=UTC)  # 2025-11-01 00:00 in Stockholm (CET)
    assert book.kept(start) and not book.kept(start - timedelta(microseconds=1))
    assert book.kept(NOW) and not book.kept(NOW + timedelta(microseconds=1))
