"""The emulation answers only the fields a request names, and the platform's default fields.

A client that reads a field it did not ask for gets nothing here, as from the real platform.
The requests are the clients' own (their field constants), so the answers are what a sync reads.
"""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import httpx

from governance.emulation import AccountProfile, base_urls, build_emulation
from governance.emulation.fields import google_select, parse_google, parse_graph
from governance.platforms.facebook import POST_FIELDS
from governance.platforms.instagram import MEDIA_FIELDS, MEDIA_METRICS, VALUE_FIELDS
from governance.platforms.x import TWEET_FIELDS, USER_PARAMS
from governance.platforms.youtube import THREAD_FIELDS

NOW = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)
TOKENS = {p: f"tok-{p}" for p in ("facebook", "instagram", "linkedin", "x", "youtube")}
BEARER = {p: {"Authorization": f"Bearer {t}"} for p, t in TOKENS.items()}
APP = build_emulation([
    AccountProfile("facebook", "1001", "helsingborgsstad"),
    AccountProfile("instagram", "2002", "helsingborg"),
    AccountProfile("instagram", "2003", "dunkers"),
    AccountProfile("x", "3003", "hbgstad"),
    AccountProfile("youtube", "UC" + "4" * 22, "hbgtv"),
], now=NOW, tokens=TOKENS, seed=3)


def get(platform: str, path: str, params: dict[str, Any]) -> Any:
    headers = {"X-Goog-Api-Key": TOKENS["youtube"]} if platform == "youtube" else BEARER[platform]

    async def go() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=APP)) as client:
            return await client.get(f"{base_urls()[platform]}{path}?{urlencode(params)}",
                                    headers=headers)
    answer = asyncio.run(go())
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_graph_fields_parse_into_a_tree_with_modifiers() -> None:
    tree = parse_graph(POST_FIELDS)
    assert set(tree) == {"id", "created_time", "shares", "reactions", "comments", "status_type",
                         "insights"}
    comments = tree["comments"]
    assert comments.modifiers == {"filter": "stream", "summary": "total_count", "limit": "100"}
    assert comments.sub is not None and set(comments.sub) == {
        "id", "created_time", "from", "parent", "message", "is_hidden"}
    assert comments.sub["from"].sub is not None and set(comments.sub["from"].sub) == {"id"}
    assert tree["insights"].modifiers["metric"] == (
        "post_clicks_by_type,post_total_media_view_unique,post_video_views")
    assert tree["reactions"].sub is None


def test_malformed_fields_are_read_as_far_as_they_go() -> None:
    rng = random.Random(5)
    for _ in range(3_000):
        text = "".join(rng.choice("ab.(){},/ ") for _ in range(rng.randrange(30)))
        parse_graph(text)  # never raises, never loops
        parse_google(text)
    assert set(parse_graph("}a,,b{c}}")) == {"a", "b"}


def test_google_fields_select_nested_properties_of_each_item() -> None:
    tree = parse_google("items(id,snippet/title),nextPageToken")
    assert tree == {"items": {"id": {}, "snippet": {"title": {}}}, "nextPageToken": {}}
    body = {"kind": "k", "nextPageToken": "T5", "items": [
        {"kind": "c", "id": "1", "snippet": {"title": "t", "description": "d"}}, {"id": "2"}]}
    assert google_select(body, tree) == {"nextPageToken": "T5", "items": [
        {"id": "1", "snippet": {"title": "t"}}, {"id": "2"}]}


def test_an_instagram_user_answers_only_the_fields_named() -> None:
    user = get("instagram", "/2002", {"fields": "id,username,followers_count"})
    assert set(user) == {"id", "username", "followers_count"}
    assert set(get("instagram", "/2002", {"fields": "id"})) == {"id"}
    found = get("instagram", "/2002",
                {"fields": "business_discovery.username(dunkers){id,username}"})
    assert found == {"id": "2002", "business_discovery": {"id": "2003", "username": "dunkers"}}


def test_page_posts_answer_the_clients_fields_and_summaries_only() -> None:
    posts = get("facebook", "/1001/published_posts", {"fields": POST_FIELDS, "limit": 100})
    asked = {"id", "created_time", "shares", "reactions", "comments", "status_type", "insights"}
    assert posts["data"]
    commented = 0
    for post in posts["data"]:
        assert set(post) <= asked and {"id", "created_time", "reactions"} <= set(post)
        assert post["reactions"]["data"] == [] and set(post["reactions"]["summary"]) == {
            "total_count"}
        assert set(post["comments"]["summary"]) == {"total_count"}
        for comment in post["comments"]["data"]:
            commented += 1
            assert set(comment) <= {"id", "created_time", "from", "parent", "message",
                                    "is_hidden"}
            assert set(comment["from"]) == {"id"}
        assert {m["name"] for m in post["insights"]["data"]} == {
            "post_clicks_by_type", "post_total_media_view_unique", "post_video_views"}
        assert all(set(m) == {"id", "name", "values"} for m in post["insights"]["data"])
    assert commented
    newest = get("facebook", "/1001/published_posts", {"fields": "created_time", "limit": 1})
    assert [set(p) for p in newest["data"]] == [{"id", "created_time"}]
    kinds = get("facebook", "/1001/published_posts", {"fields": "status_type", "limit": 3})
    assert [set(p) for p in kinds["data"]] == [{"id", "status_type"}] * 3
    unnamed = get("facebook", "/1001/published_posts", {"limit": 3})  # the default fields
    assert [set(p) for p in unnamed["data"]] == [{"id", "created_time"}] * 3
    some = get("facebook", "/1001/published_posts",
               {"fields": "comments.limit(5),insights.metric(post_video_views)"})
    for post in some["data"]:
        assert set(post) == {"id", "comments", "insights"}
        assert "summary" not in post["comments"]  # not asked for
        assert [m["name"] for m in post["insights"]["data"]] == ["post_video_views"]
        assert {"title", "period"} <= set(post["insights"]["data"][0])  # the defaults


def test_media_insights_answer_the_value_fields_named() -> None:
    medium = get("instagram", "/2002/media", {"fields": "id", "limit": 1})["data"][0]["id"]
    asked = {"metric": ",".join(MEDIA_METRICS), "fields": VALUE_FIELDS}
    found = get("instagram", f"/{medium}/insights", asked)["data"]
    assert [m["name"] for m in found] == list(MEDIA_METRICS)
    assert all(set(m) == {"id", "name", "values"} for m in found)
    whole = get("instagram", f"/{medium}/insights", {"metric": "reach"})["data"]
    assert set(whole[0]) == {"id", "name", "period", "values", "title", "description"}


def test_instagram_media_comments_carry_only_the_subfields_named() -> None:
    media = get("instagram", "/2002/media", {"fields": MEDIA_FIELDS, "limit": 50})["data"]
    comments = [c for m in media for c in m.get("comments", {}).get("data", [])]
    assert comments and all(set(c["from"]) == {"id"} for c in comments)
    replies = [r for c in comments for r in c.get("replies", {}).get("data", [])]
    assert replies and all(set(r) == {"id", "timestamp", "from"} for r in replies)
    bare = get("instagram", "/2002/media", {"fields": "timestamp", "limit": 5})["data"]
    assert [set(m) for m in bare] == [{"id", "timestamp"}] * len(bare)


def test_youtube_threads_answer_the_partial_response_asked_for() -> None:
    params = {"part": "snippet,replies", "allThreadsRelatedToChannelId": "UC" + "4" * 22,
              "maxResults": 100, "order": "time"}
    whole = get("youtube", "/commentThreads", params)
    assert {"kind", "etag", "pageInfo"} <= set(whole)  # no fields: the parts as they are
    trimmed = get("youtube", "/commentThreads", {**params, "fields": THREAD_FIELDS})
    assert set(trimmed) <= {"items", "nextPageToken"} and trimmed["items"]
    for thread in trimmed["items"]:
        assert set(thread) <= {"id", "snippet", "replies"}
        assert set(thread["snippet"]) == {"totalReplyCount", "topLevelComment"}
        top = thread["snippet"]["topLevelComment"]
        assert set(top) == {"snippet"} and set(top["snippet"]) == {
            "publishedAt", "authorChannelId", "textDisplay"}
    assert len(trimmed["items"]) == len(whole["items"])


def test_x_answers_default_fields_plus_those_named_and_expansions_asked_for() -> None:
    bare = get("x", "/users/3003/tweets", {"max_results": 100})
    assert bare["data"] and "includes" not in bare
    assert {frozenset(t) for t in bare["data"]} == {
        frozenset({"id", "text", "edit_history_tweet_ids"})}
    full = get("x", "/users/3003/tweets", {"max_results": 100, "tweet.fields": TWEET_FIELDS,
                                           "expansions": "attachments.media_keys",
                                           "media.fields": "public_metrics,type"})
    named = {"id", "text", "edit_history_tweet_ids", *TWEET_FIELDS.split(",")}
    assert all(set(t) <= named and "created_at" in t for t in full["data"])
    assert all(set(m) <= {"media_key", "type", "public_metrics"}
               for m in full["includes"]["media"])
    user = get("x", "/users/by/username/hbgstad", {})
    assert set(user) == {"data"} and set(user["data"]) == {"id", "name", "username"}
    asked = get("x", "/users/3003", USER_PARAMS)
    assert set(asked["data"]) == {"id", "name", "username", "public_metrics",
                                  "most_recent_tweet_id"}
    assert [set(t) for t in asked["includes"]["tweets"]] == [
        {"id", "text", "edit_history_tweet_ids", "created_at"}]


def test_youtube_resources_carry_only_the_parts_named() -> None:
    channel = "UC" + "4" * 22
    uploads = get("youtube", "/playlistItems", {"part": "contentDetails",
                                                 "playlistId": "UU" + channel[2:]})["items"]
    assert uploads and all(set(i) == {"kind", "etag", "id", "contentDetails"} for i in uploads)
    video = uploads[0]["contentDetails"]["videoId"]
    assert set(get("youtube", "/videos", {"part": "id", "id": video})["items"][0]) == {
        "kind", "etag", "id"}
    found = get("youtube", "/channels", {"part": "id", "forHandle": "@hbgtv"})["items"]
    assert [set(c) for c in found] == [{"kind", "etag", "id"}]
