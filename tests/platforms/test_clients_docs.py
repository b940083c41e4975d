"""Each client against response bodies written as the platforms' documentation shows them.

The handlers check the requests too: paths, metric names (none of Meta's removed ones), paging
parameters, and that the token travels in a header.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import httpx

from governance.comment_classifier import load_classifier
from governance.monthly import MonthlyStats
from tests.platforms.conftest import NOW, TOKENS, fetch_with, plan_for

REMOVED_META_METRICS = ("page_impressions", "page_fans", "page_fan_adds", "impressions",
                        "page_engaged_users", "post_impressions", "profile_views")


#: Page conversations as the Conversations API documents them: the most recently active first,
#: messages newest first (only ``id``, ``created_time`` and ``from`` asked for).
MESSENGER_CONVERSATIONS = {"data": [
    {"id": "t_1", "updated_time": "2026-11-24T10:00:00+0000", "messages": {"data": [
        {"id": "m_13", "created_time": "2026-11-24T10:00:00+0000",
         "from": {"id": "104857600", "name": "Helsingborg"}},
        {"id": "m_12", "created_time": "2026-11-24T09:00:00+0000",
         "from": {"id": "6001", "name": "Person"}},
        {"id": "m_11", "created_time": "2026-11-24T08:58:00+0000",
         "from": {"id": "6001", "name": "Person"}},
    ], "paging": {"cursors": {"before": "a", "after": "b"}}}},
    {"id": "t_2", "updated_time": "2026-11-02T10:00:00+0000", "messages": {"data": [
        {"id": "m_21", "created_time": "2026-11-02T10:00:00+0000",
         "from": {"id": "6002", "name": "Person"}},
    ]}},
    {"id": "t_3", "updated_time": "2026-08-01T10:00:00+0000"},
], "paging": {"cursors": {"before": "c", "after": "d"},
              "next": "https://api.test/facebook/v26.0/104857600/conversations?after=d"}}
X_DM_EVENTS = {"data": [
    {"id": "3", "event_type": "MessageCreate", "text": "…",
     "created_at": "2026-11-20T09:00:00.000Z",
     "sender_id": "2244994945", "dm_conversation_id": "42-2244994945"},
    {"id": "2", "event_type": "MessageCreate", "text": "…",
     "created_at": "2026-11-20T08:01:00.000Z",
     "sender_id": "42", "dm_conversation_id": "42-2244994945"},
    {"id": "1", "event_type": "MessageCreate", "text": "…",
     "created_at": "2026-11-20T08:00:00.000Z",
     "sender_id": "42", "dm_conversation_id": "42-2244994945"},
], "meta": {"result_count": 3}}


def q(request: httpx.Request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(str(request.url)).query).items()}


def test_facebook_posts_insights_and_replies() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        path, params = request.url.path, q(request)
        assert request.headers["authorization"] == f"Bearer {TOKENS['facebook']}"
        if path.endswith("/104857600"):
            return httpx.Response(200, json={"followers_count": 15230, "id": "104857600"})
        if path.endswith("/published_posts") and "after" not in params:
            return httpx.Response(200, json={
                "data": [
                    {"id": "104857600_2", "created_time": "2026-11-20T09:15:00+0000",
                     "reactions": {"data": [], "summary": {"total_count": 40,
                                                           "viewer_reaction": "NONE"}},
                     "comments": {"data": [
                         {"id": "2_1", "created_time": "2026-11-20T10:00:00+0000",
                          "from": {"id": "555"}, "message": "När öppnar badet igen?",
                          "is_hidden": False},
                         {"id": "2_2", "created_time": "2026-11-20T11:00:00+0000",
                          "from": {"id": "104857600"}, "parent": {"id": "2_1"}},
                         {"id": "2_3", "created_time": "2026-11-21T09:00:00+0000",
                          "from": {"id": "556"}, "message": "Så fint det blev!"},
                         {"id": "2_4", "created_time": "2026-11-21T09:30:00+0000",
                          "from": {"id": "557"}, "message": "Var bor du? Köp billiga klockor",
                          "is_hidden": True},
                     ], "summary": {"order": "chronological", "total_count": 4,
                                    "can_comment": True}},
                     "insights": {"data": [{"name": "post_clicks_by_type", "period":
                                            "lifetime", "values": [{"value": {
                                                "link clicks": 12, "other clicks": 30}}]}]}},
                ],
                "paging": {"cursors": {"before": "QVFIU", "after": "QVFIUm"},
                           "next": "https://api.test/facebook/v26.0/104857600/published_posts?"
                                   "after=QVFIUm&limit=100"},
            })
        if path.endswith("/published_posts"):
            return httpx.Response(200, json={"data": [
                {"id": "104857600_1", "created_time": "2026-10-02T14:05:11+0000",
                 "reactions": {"data": [], "summary": {"total_count": 7}},
                 "comments": {"data": [], "summary": {"total_count": 0}}},
            ], "paging": {"cursors": {"before": "a", "after": "b"}}})
        if path.endswith("/insights"):
            assert not any(m in params["metric"].split(",") for m in REMOVED_META_METRICS)
            return httpx.Response(200, json={"data": [
                {"name": "page_total_media_view_unique", "period": "day", "values": [
                    {"value": 100, "end_time": "2026-10-02T07:00:00+0000"},
                    {"value": 250, "end_time": "2026-11-03T08:00:00+0000"},
                    {"value": 50, "end_time": "2026-11-04T08:00:00+0000"},
                ], "title": "Daily Total Media View Unique", "id": "104857600/insights/x/day"},
                {"name": "page_daily_follows_unique", "period": "day", "values": [
                    {"value": 3, "end_time": "2026-11-04T08:00:00+0000"}]},
            ], "paging": {"previous": "https://api.test/p", "next": "https://api.test/n"}})
        if path.endswith("/104857600/conversations"):
            assert params["platform"] == "messenger"
            assert "messages.limit(20){id,created_time,from}" in params["fields"]
            return httpx.Response(200, json=MESSENGER_CONVERSATIONS)
        raise AssertionError(request.url)

    plan = plan_for("facebook", "104857600", classifier=load_classifier(None))
    result, requests = asyncio.run(fetch_with(handler, "facebook", plan))
    november, october = result.patches["2026-11"], result.patches["2026-10"]
    assert november["followers"] == 15230
    assert november["posts"] == 1 and november["reactions"] == 40 and november["comments"] == 4
    assert november["shares"] == 0  # "shares" absent: nobody shared
    assert november["link_clicks"] == 12
    assert november["last_post_at"] == datetime(2026, 11, 20, 9, 15, tzinfo=UTC)
    # One comment answered within the hour; the others (Saturday 21st) never answered, past due.
    assert november["replies_due"] == 3 and november["replies_on_time"] == 1
    # Of them, one question (answered on time); praise does not fall due, the hidden spam neither.
    assert november["questions_due"] == 1 and november["questions_on_time"] == 1
    assert november["hidden"] == 1 and october["hidden"] == 0
    assert november["words_version"] == load_classifier(None).version
    # Two turns: one answered within the hour, one never; October had none.
    assert november["dms_due"] == 2 and november["dms_on_time"] == 1
    assert october["dms_due"] == 0 and october["dms_on_time"] == 0
    assert november["reach"] == 300 and november["new_followers"] == 3
    assert october["reach"] == 100 and october["new_followers"] is None  # not reported: unknown
    assert october["link_clicks"] is None  # no insights on that post: unknown, not 0
    assert november["saves"] is None
    assert "followers" not in october  # the snapshot goes only into the month it was read
    assert requests == 5
    posts_request = next(r for r in seen if r.url.path.endswith("/published_posts"))
    assert int(q(posts_request)["since"]) == int(datetime(2026, 8, 31, 22, tzinfo=UTC).timestamp())


def test_instagram_media_comments_and_month_insights() -> None:
    windows: list[tuple[int, int]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        path, params = request.url.path, q(request)
        if path.endswith("/1784"):
            return httpx.Response(200, json={"followers_count": 980, "id": "1784"})
        if path.endswith("/media"):
            return httpx.Response(200, json={"data": [
                {"id": "m2", "timestamp": "2026-11-10T12:00:00+0000", "comments": {"data": [
                    {"id": "c2", "timestamp": "2026-11-10T14:00:00+0000", "hidden": True,
                     "text": "Vill du tjäna pengar?", "from": {"id": "8", "username": "b"}},
                    {"id": "c1", "timestamp": "2026-11-10T13:00:00+0000",
                     "text": "Hur ansöker man om plats i förskolan?", "hidden": False,
                     "from": {"id": "9", "username": "a"},
                     "replies": {"data": [{"id": "r1", "timestamp": "2026-11-12T13:30:00+0000",
                                           "from": {"id": "1784", "username": "stad"}}]}}]}},
                {"id": "m1", "timestamp": "2026-07-01T12:00:00+0000"},
            ], "paging": {"cursors": {"before": "x", "after": "y"}}})
        if path.endswith("/insights"):
            assert params["metric_type"] == "total_value"
            assert "impressions" not in params["metric"].split(",")
            since, until = int(params["since"]), int(params["until"])
            assert until - since <= 30 * 86400
            windows.append((since, until))
            return httpx.Response(200, json={"data": [
                {"name": "reach", "period": "day", "title": "Reach", "description": "d",
                 "total_value": {"value": 500}, "id": "1784/insights/reach/day"},
                {"name": "saves", "period": "day", "total_value": {"value": 4},
                 "id": "1784/insights/saves/day"},
            ]})
        if path.endswith("/1784/conversations"):
            assert params["platform"] == "instagram"
            return httpx.Response(200, json={"data": []})
        raise AssertionError(request.url)

    previous = {"2026-10": MonthlyStats("0000000000aa", "2026-10", followers=950)}
    plan = plan_for("instagram", "1784", previous=previous, classifier=load_classifier(None))
    result, requests = asyncio.run(fetch_with(handler, "instagram", plan))
    november, october = result.patches["2026-11"], result.patches["2026-10"]
    assert november["followers"] == 980 and november["new_followers"] == 30
    assert november["posts"] == 1 and october["posts"] == 0
    assert october["last_post_at"] == datetime(2026, 7, 1, 12, tzinfo=UTC)
    assert november["replies_due"] == 2 and november["replies_on_time"] == 0  # two days later
    assert november["questions_due"] == 1 and november["questions_on_time"] == 0
    assert november["hidden"] == 1
    assert november["dms_due"] == 0 and october["dms_due"] == 0  # no conversations: known 0
    # October has 31 days: two windows, summed; likes were not reported: unknown.
    assert october["reach"] == 1000 and october["saves"] == 8 and october["reactions"] is None
    assert november["reach"] == 500 and november["video_views"] is None
    assert len(windows) == 3 and requests == 6


def test_linkedin_epoch_milliseconds_both_spellings_and_offset_paging() -> None:
    starts: list[str] = []

    def ms(text: str) -> int:
        return int(datetime.fromisoformat(text).timestamp() * 1000)

    def day(start: str, end: str) -> dict[str, int]:
        return {"start": ms(f"2026-11-{start}T00:00:00Z"), "end": ms(f"2026-11-{end}T00:00:00Z")}

    def handler(request: httpx.Request) -> httpx.Response:
        path, params = request.url.path, q(request)
        assert request.headers["linkedin-version"] == "202609"
        if "networkSizes" in path:
            assert path.endswith("urn%3Ali%3Aorganization%3A2414183") or path.endswith(
                "urn:li:organization:2414183")
            return httpx.Response(200, json={"firstDegreeSize": 8421})
        if path.endswith("/posts"):
            starts.append(params["start"])
            if params["start"] == "0":
                elements = [{"id": f"urn:li:share:{i}", "createdAt": ms("2026-11-20T10:00:00Z"),
                             "publishedAt": ms("2026-11-20T10:00:00Z"),
                             "lifecycleState": "PUBLISHED"} for i in range(50)]
                return httpx.Response(200, json={"paging": {"start": 0, "count": 50, "links": [
                    {"rel": "next", "href": "/rest/posts?start=50", "type": "application/json"}]},
                    "elements": elements})
            old = ms("2026-09-01T08:00:00Z")
            return httpx.Response(200, json={
                "paging": {"start": 50, "count": 50, "links": []},
                "elements": [{"id": "urn:li:share:99", "createdAt": old, "publishedAt": old}]})
        if "ShareStatistics" in path:
            assert "timeGranularityType:DAY" in params["timeIntervals"]
            return httpx.Response(200, json={"paging": {"count": 10, "start": 0, "links": []},
                                             "elements": [
                {"organizationalEntity": "urn:li:organization:2414183",
                 "timeRange": day("02", "03"),
                 "totalShareStatistics": {"uniqueImpressionsCounts": 120, "clickCount": 9,
                                          "likeCount": 5, "commentCount": 1, "shareCount": 2,
                                          "impressionCount": 300, "engagement": 0.05}},
                {"organizationalEntity": "urn:li:organization:2414183",
                 "timeRange": day("03", "04"),
                 "totalShareStatistics": {"uniqueImpressionsCount": 80, "clickCount": 1,
                                          "likeCount": 1, "commentCount": 0, "shareCount": 0,
                                          "impressionCount": 90}},
            ]})
        if "FollowerStatistics" in path:
            return httpx.Response(200, json={"elements": [
                {"timeRange": day("02", "03"),
                 "followerGains": {"organicFollowerGain": 4, "paidFollowerGain": 1}},
                {"timeRange": day("03", "04"),
                 "followerGains": {"organicFollowerGain": -2, "paidFollowerGain": 0}}]})
        raise AssertionError(request.url)

    result, requests = asyncio.run(fetch_with(handler, "linkedin", plan_for("linkedin",
                                                                            "2414183")))
    november, october = result.patches["2026-11"], result.patches["2026-10"]
    assert starts == ["0", "50"]
    assert november["followers"] == 8421 and november["posts"] == 50
    assert november["reach"] == 200 and november["reactions"] == 6 and november["shares"] == 2
    assert november["new_followers"] == 3  # net gains, negative days included
    assert october["posts"] == 0 and october["reach"] == 0  # days left out: no activity
    assert october["last_post_at"] == datetime(2026, 9, 1, 8, tzinfo=UTC)
    assert november["link_clicks"] is None and november["replies_due"] is None
    assert requests == 5


def test_x_user_timeline_mentions_and_naming_drift() -> None:
    seen_tokens: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        path, params = request.url.path, q(request)
        if path.endswith("/users/2244994945"):
            return httpx.Response(200, json={
                "data": {"id": "2244994945", "username": "hbgstad", "name": "Helsingborg",
                         "most_recent_tweet_id": "1860000000000000002",
                         "public_metrics": {"followers_count": 5100, "following_count": 10,
                                            "tweet_count": 900, "listed_count": 3}},
                "includes": {"tweets": [{"id": "1860000000000000002",
                                         "created_at": "2026-11-18T09:00:00.000Z",
                                         "text": "…"}]}})
        if path.endswith("/tweets"):
            seen_tokens.append(params.get("pagination_token"))
            if "pagination_token" not in params:
                return httpx.Response(200, json={"data": [
                    {"id": "1860000000000000002", "created_at": "2026-11-18T09:00:00.000Z",
                     "text": "…", "attachments": {"media_keys": ["7_1"]},
                     "public_metrics": {"repost_count": 3, "reply_count": 1, "like_count": 20,
                                        "quote_count": 1, "bookmark_count": 2,
                                        "impression_count": 900}},
                ], "includes": {"media": [{"media_key": "7_1", "type": "video",
                                           "public_metrics": {"view_count": 640}}]},
                    "meta": {"result_count": 1, "newest_id": "1860000000000000002",
                             "oldest_id": "1860000000000000002",
                             "next_token": "7140dibdnow9c7btw3w29"}})
            return httpx.Response(200, json={"data": [
                {"id": "1860000000000000009", "created_at": "2026-11-18T10:30:00.000Z",
                 "text": "…", "referenced_tweets": [{"type": "replied_to",
                                                     "id": "1860000000000000005"}],
                 "public_metrics": {"retweet_count": 0, "reply_count": 0, "like_count": 0,
                                    "quote_count": 0}},
            ], "meta": {"result_count": 1}})
        if path.endswith("/mentions"):
            return httpx.Response(200, json={"data": [
                {"id": "1860000000000000005", "created_at": "2026-11-18T10:00:00.000Z",
                 "author_id": "42", "text": "@hbgstad Kan ni skicka länken till anmälan?"}],
                "meta": {"result_count": 1, "newest_id": "1860000000000000005"}})
        if path.endswith("/users/me"):
            return httpx.Response(200, json={"data": {"id": "2244994945", "name": "Helsingborg",
                                                      "username": "hbgstad"}})
        if path.endswith("/dm_events"):
            assert set(params["dm_event.fields"].split(",")) >= {
                "created_at", "sender_id", "dm_conversation_id", "event_type"}
            return httpx.Response(200, json=X_DM_EVENTS)
        raise AssertionError(request.url)

    plan = plan_for("x", "2244994945", classifier=load_classifier(None))
    result, requests = asyncio.run(fetch_with(handler, "x", plan))
    november = result.patches["2026-11"]
    assert seen_tokens == [None, "7140dibdnow9c7btw3w29"]
    assert november["followers"] == 5100 and november["posts"] == 1
    assert november["reactions"] == 20 and november["shares"] == 4 and november["saves"] == 2
    assert november["video_views"] == 640 and november["comments"] == 1
    assert november["reach"] is None and november["link_clicks"] is None  # X has no such figure
    assert november["replies_due"] == 1 and november["replies_on_time"] == 1
    assert november["last_post_at"] == datetime(2026, 11, 18, 9, tzinfo=UTC)
    assert result.cursor["newest_mention"] == "1860000000000000005"
    # The mention asks (after the @handle X puts first); it was answered in 30 minutes.
    assert november["questions_due"] == 1 and november["questions_on_time"] == 1
    # One turn (two lines) answered within the hour; October is older than X's 30 days.
    assert november["dms_due"] == 1 and november["dms_on_time"] == 1
    assert result.patches["2026-10"]["dms_due"] is None
    assert requests == 6


def test_youtube_strings_hidden_counts_and_channel_replies() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        path, params = request.url.path, q(request)
        assert request.headers["x-goog-api-key"] == TOKENS["youtube"]
        assert "key" not in params
        if path.endswith("/channels"):
            return httpx.Response(200, json={"kind": "youtube#channelListResponse", "items": [{
                "id": "UCabc", "contentDetails": {"relatedPlaylists": {"uploads": "UUabc"}},
                "statistics": {"viewCount": "120000", "subscriberCount": "2410",
                               "hiddenSubscriberCount": False, "videoCount": "31"}}]})
        if path.endswith("/playlistItems"):
            return httpx.Response(200, json={"items": [
                {"contentDetails": {"videoId": "v2", "videoPublishedAt": "2026-11-03T10:00:00Z"}},
                {"contentDetails": {"videoId": "v1", "videoPublishedAt": "2026-10-05T10:00:00Z"}},
                {"contentDetails": {"videoId": "v0", "videoPublishedAt": "2026-06-05T10:00:00Z"}},
            ], "nextPageToken": "CAUQAA"})
        if path.endswith("/videos"):
            assert params["id"] == "v2,v1"
            return httpx.Response(200, json={"items": [
                {"id": "v2", "statistics": {"viewCount": "940", "likeCount": "39",
                                            "favoriteCount": "0", "commentCount": "2"}},
                {"id": "v1", "statistics": {"viewCount": "100", "favoriteCount": "0"}},
            ]})
        if path.endswith("/commentThreads"):
            return httpx.Response(200, json={"items": [
                {"id": "t2", "snippet": {"totalReplyCount": 1, "topLevelComment": {"snippet": {
                    "authorChannelId": {"value": "UCviewer"},
                    "publishedAt": "2026-11-04T08:30:00Z"}}},
                 "replies": {"comments": [{"snippet": {"authorChannelId": {"value": "UCabc"},
                                                       "publishedAt": "2026-11-04T09:00:00Z"}}]}},
                {"id": "t1", "snippet": {"totalReplyCount": 0, "topLevelComment": {"snippet": {
                    "authorChannelId": {"value": "UCabc"},
                    "publishedAt": "2026-11-03T12:00:00Z"}}}},
                {"id": "t0", "snippet": {"topLevelComment": {"snippet": {
                    "publishedAt": "2026-01-01T00:00:00Z"}}}},
            ]})
        raise AssertionError(request.url)

    result, requests = asyncio.run(fetch_with(handler, "youtube", plan_for("youtube", "UCabc")))
    november, october = result.patches["2026-11"], result.patches["2026-10"]
    assert november["followers"] == 2410 and november["posts"] == 1
    assert november["video_views"] == 940 and november["reactions"] == 39
    assert october["video_views"] == 100 and october["reactions"] is None  # hidden: unknown
    assert november["replies_due"] == 1 and november["replies_on_time"] == 1
    assert november["reach"] is None and november["shares"] is None
    assert october["last_post_at"] == datetime(2026, 10, 5, 10, tzinfo=UTC)
    assert result.cursor["video_count"] == 31
    assert requests == 4  # the next page of uploads is not needed: v0 is older than the window


def test_timestamps_parse_to_aware_datetimes() -> None:
    from governance.platforms.common import epoch_ms, meta_time, rfc3339

    assert meta_time("2026-10-02T14:05:11+0000", "t") == datetime(2026, 10, 2, 14, 5, 11,
                                                                  tzinfo=UTC)
    assert rfc3339("2026-10-02T14:05:11.000Z", "t") == datetime(2026, 10, 2, 14, 5, 11,
                                                                tzinfo=UTC)
    assert epoch_ms(1790000000000, "t").tzinfo is not None
    assert NOW.tzinfo is not None
