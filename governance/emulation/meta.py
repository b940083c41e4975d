"""Emulated Graph API: Facebook Pages and Instagram professional accounts."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any

from governance.emulation.app import Answer, Handler, Request
from governance.emulation.data import AccountData, Conversation, Post
from governance.emulation.errors import _graph
from governance.emulation.fields import graph_answer

#: Page metrics Meta serves now; anything else (page_impressions*, page_fans, ...) is error 100.
PAGE_METRICS = frozenset({
    "page_media_view", "page_total_media_view_unique", "page_post_engagements",
    "page_daily_follows_unique", "page_daily_unfollows_unique", "page_follows",
    "page_video_views", "page_views_total",
})
IG_TOTAL_METRICS = frozenset({
    "reach", "views", "likes", "comments", "shares", "saves", "total_interactions",
    "accounts_engaged", "replies", "reposts", "follows_and_unfollows", "profile_links_taps",
})
IG_SERIES_METRICS = frozenset({"reach", "follower_count"})
_DAILY = {
    "page_total_media_view_unique": (40, 1_500), "page_media_view": (80, 4_000),
    "page_daily_follows_unique": (0, 12), "page_daily_unfollows_unique": (0, 4),
    "page_video_views": (0, 600), "page_post_engagements": (5, 300), "page_views_total": (0, 90),
    "page_follows": (0, 0), "reach": (30, 1_200), "views": (60, 3_000), "likes": (2, 120),
    "comments": (0, 15), "shares": (0, 10), "saves": (0, 12), "total_interactions": (2, 160),
    "accounts_engaged": (2, 100), "replies": (0, 3), "reposts": (0, 4),
    "follows_and_unfollows": (0, 9), "profile_links_taps": (0, 14), "follower_count": (0, 9),
}
KEPT_DAYS = 730


@lru_cache(maxsize=1 << 16)
def graph_time(moment: datetime) -> str:
    """``2026-10-02T14:05:11+0000``."""
    return moment.astimezone(UTC).isoformat()[:19] + "+0000"  # isoformat: faster than strftime


def route(request: Request) -> tuple[AccountData | None, Handler | None]:
    parts = request.parts
    data = request.emulation.account(request.platform, parts[0]) if parts else None
    edge = parts[1] if len(parts) > 1 else ""
    if data is None and request.platform == "instagram" and parts[1:] == ["insights"]:
        found = request.emulation.post("instagram", parts[0])  # /{ig-media-id}/insights
        return (found[0], _MEDIA_INSIGHTS) if found else (None, None)
    handlers = _FACEBOOK if request.platform == "facebook" else _INSTAGRAM
    return data, handlers.get(edge) if len(parts) <= 2 else None


#: A Page post's default fields (``message`` or ``story`` when the post has one; the emulated
#: posts have neither): https://developers.facebook.com/docs/graph-api/reference/page/feed/
_POST_DEFAULTS = "created_time,message,story"


def _fields_named(handler: Handler, defaults: str = "") -> Handler:
    """``handler`` answering only the fields the request names, or ``defaults`` when it names
    none (no ``defaults``: the handler's answer as it is); see ``emulation.fields``."""
    def answer(request: Request, data: AccountData) -> Answer:
        found = handler(request, data)
        if found.status == 200:
            found.body = graph_answer(found.body, request.params.get("fields") or defaults)
        return found
    return answer


def _page(request: Request, data: AccountData) -> Answer:
    body: dict[str, Any] = {"id": data.profile.platform_id}
    fields = request.params.get("fields", "").split(",")
    if "followers_count" in fields:
        body["followers_count"] = data.followers
    if "fan_count" in fields:
        body["fan_count"] = data.followers
    if "name" in fields:
        body["name"] = data.profile.handle
    if "username" in fields:  # a Page's vanity name
        body["username"] = data.profile.handle
    return Answer(body)


_DISCOVERY = re.compile(r"business_discovery\.username\(([^)]*)\)")


def _ig_user(request: Request, data: AccountData) -> Answer:
    discovery = _DISCOVERY.search(request.params.get("fields", ""))
    if discovery is not None:  # another professional account, found by its username
        other = request.emulation.account("instagram", discovery[1])
        if other is None:
            return Answer(_graph(110, "Invalid user id", 2207013), 400)
        return Answer({"business_discovery": _ig_user_doc(other),
                       "id": data.profile.platform_id})
    return Answer(_ig_user_doc(data))


def _ig_user_doc(data: AccountData) -> dict[str, Any]:
    """An IG user's fields (the answer keeps those the request names)."""
    return {"followers_count": data.followers, "follows_count": 120,
            "media_count": len(data.posts), "username": data.profile.handle,
            "id": data.profile.platform_id}


def _window(request: Request, posts: tuple[Post, ...]) -> list[Post]:
    since, until = request.params.get("since"), request.params.get("until")
    chosen = [p for p in posts if p.at <= request.now]
    if since and chosen:
        start = _moment(since)
        chosen = [p for p in chosen if p.at >= start]
    if until and chosen:
        stop = _moment(until)
        chosen = [p for p in chosen if p.at <= stop]
    return chosen


def _page_of(request: Request, found: list[Any], limit: int) -> tuple[list[Any], dict[str, Any]]:
    after = request.params.get("after", "")
    start = int(after[1:]) if after.startswith("c") and after[1:].isdigit() else 0
    page = found[start:start + limit]
    paging: dict[str, Any] = {"cursors": {"before": f"c{start}", "after": f"c{start + limit}"}}
    if start + limit < len(found):
        paging["next"] = request.link(after=f"c{start + limit}")
    return page, paging


def _loop(request: Request) -> Any:
    def make(body: Any) -> Any:
        body["paging"]["next"] = request.link(after="c0")
        return body
    return make


def _posts(request: Request, data: AccountData) -> Answer:
    limit = min(100, int(request.params.get("limit", "25")))
    page, paging = _page_of(request, _window(request, data.posts), limit)
    # Whole posts: the answer keeps the fields the request names (``_fields_named``).
    docs = [_post_doc(data, post) for post in page]
    return Answer({"data": docs, "paging": paging}, loop=_loop(request))


def _post_doc(data: AccountData, post: Post) -> dict[str, Any]:
    page_id = data.profile.platform_id
    stream: list[dict[str, Any]] = []
    for comment in post.comments:
        stream.append({"id": comment.id, "created_time": graph_time(comment.at),
                       "from": {"id": comment.author}, "message": comment.text,
                       "is_hidden": comment.hidden})
        if comment.reply_id and comment.reply_at:
            stream.append({"id": comment.reply_id, "created_time": graph_time(comment.reply_at),
                           "from": {"id": page_id}, "parent": {"id": comment.id}})
    stream.sort(key=lambda c: c["created_time"])
    doc: dict[str, Any] = {
        "id": post.id,
        "created_time": graph_time(post.at),
        "reactions": {"data": [], "summary": {"total_count": post.likes,
                                              "viewer_reaction": "NONE"}},
        "comments": {"data": stream, "summary": {"order": "chronological",
                                                 "total_count": len(stream),
                                                 "can_comment": True}},
        "status_type": _STATUS_TYPES[post.kind],
        "insights": {"data": [{
            "name": "post_clicks_by_type", "period": "lifetime",
            "values": [{"value": {"link clicks": post.link_clicks, "other clicks": 7}
                        if post.link_clicks else {"other clicks": 7}}],
            "title": "Lifetime Matched Audience Targeting Consumptions by Type",
            "id": f"{post.id}/insights/post_clicks_by_type/lifetime",
        }, _lifetime(post.id, "post_total_media_view_unique", post.reach),
            _lifetime(post.id, "post_video_views", post.views)]},
    }
    if post.shares:  # Graph leaves "shares" out when nobody shared
        doc["shares"] = {"count": post.shares}
    if not stream:
        doc["comments"]["data"] = []
    return doc


#: A post's kind as Graph's ``status_type`` says it.
_STATUS_TYPES = {"image": "added_photos", "video": "added_video", "reel": "added_video",
                 "link": "shared_story", "text": "mobile_status_update"}
#: Lifetime media insights Meta serves now (impressions, plays, video_views are gone).
IG_MEDIA_METRICS = frozenset({
    "reach", "views", "likes", "comments", "shares", "saved", "total_interactions", "follows",
    "profile_visits", "profile_activity",
})


def _lifetime(object_id: str, name: str, value: int) -> dict[str, Any]:
    return {"name": name, "period": "lifetime", "values": [{"value": value}],
            "title": name.replace("_", " ").title(), "description": "Lifetime",
            "id": f"{object_id}/insights/{name}/lifetime"}


def _media_insights(request: Request, data: AccountData) -> Answer:
    """``GET /{ig-media-id}/insights?metric=...``: lifetime figures of one medium."""
    found = request.emulation.post("instagram", request.parts[0])
    assert found is not None  # the route found it
    post = found[1]
    metrics = [m for m in request.params.get("metric", "").split(",") if m]
    for index, metric in enumerate(metrics):
        if metric not in IG_MEDIA_METRICS:
            return _invalid(f"(#100) metric[{index}] must be one of the following values: "
                            + ", ".join(sorted(IG_MEDIA_METRICS)))
    values = {"reach": post.reach, "views": post.views if post.video else post.reach * 2,
              "likes": post.likes, "comments": len(post.comments), "shares": post.shares,
              "saved": post.saves, "follows": post.shares // 4, "profile_visits": post.likes // 5,
              "profile_activity": post.likes // 6,
              "total_interactions": post.likes + len(post.comments) + post.shares + post.saves}
    return Answer({"data": [_lifetime(post.id, m, values[m]) for m in metrics]})


def _media(request: Request, data: AccountData) -> Answer:
    limit = min(50, int(request.params.get("limit", "25")))
    page, paging = _page_of(request, [p for p in data.posts if p.at <= request.now], limit)
    # ``owner`` is returned to the account's own token (the only one the emulation serves).
    owned = "owner" in request.params.get("fields", "").split(",")
    docs = []
    for post in page:
        doc: dict[str, Any] = {"id": post.id, "timestamp": graph_time(post.at),
                               "media_type": "VIDEO" if post.video else "IMAGE",
                               "media_product_type": "REELS" if post.kind == "reel" else "FEED",
                               "like_count": post.likes, "comments_count": len(post.comments)}
        if owned:
            doc["owner"] = {"id": data.profile.platform_id}
        comments = []
        for comment in post.comments:
            item: dict[str, Any] = {"id": comment.id, "timestamp": graph_time(comment.at),
                                    "text": comment.text, "hidden": comment.hidden,
                                    "from": {"id": comment.author, "username": "someone"}}
            if comment.reply_id and comment.reply_at:
                item["replies"] = {"data": [{"id": comment.reply_id,
                                             "timestamp": graph_time(comment.reply_at),
                                             "from": {"id": data.profile.platform_id,
                                                      "username": data.profile.handle}}]}
            comments.append(item)
        if comments:
            doc["comments"] = {"data": list(reversed(comments))}
        docs.append(doc)
    return Answer({"data": docs, "paging": paging}, loop=_loop(request))


_MESSAGES_LIMIT = re.compile(r"messages\.limit\((\d+)\)")
#: Meta serves the details of a conversation's 20 most recent messages only.
_MESSAGES_KEPT = 20


def _conversations(request: Request, data: AccountData) -> Answer:
    """``/{page-id}/conversations?platform=messenger`` (or ``/{ig-user-id}/...=instagram``):
    the most recently active first; messages as a field expansion, newest first."""
    wanted = "messenger" if request.platform == "facebook" else "instagram"
    if request.params.get("platform", wanted) != wanted:
        return _invalid("(#100) Param platform must be one of {MESSENGER, INSTAGRAM}")
    limit = min(100, int(request.params.get("limit", "25")))
    fields = request.params.get("fields", "")
    per = _MESSAGES_LIMIT.search(fields)
    count = min(_MESSAGES_KEPT, int(per[1]) if per else 25)
    chats = [c for c in data.conversations if c.updated <= request.now]
    page, paging = _page_of(request, chats, limit)
    docs = [_conversation_doc(data, chat, count if "messages" in fields else 0)
            for chat in page]
    return Answer({"data": docs, "paging": paging}, loop=_loop(request))


def _conversation_doc(data: AccountData, chat: Conversation, count: int) -> dict[str, Any]:
    doc: dict[str, Any] = {"id": chat.id, "updated_time": graph_time(chat.updated)}
    if count:
        own = {"id": data.profile.platform_id, "name": data.profile.handle}
        newest = list(reversed(chat.messages))[:count]
        doc["messages"] = {"data": [
            {"id": m.id, "created_time": graph_time(m.at),
             "from": own if m.by_account else {"id": chat.person, "name": "Person"}}
            for m in newest
        ], "paging": {"cursors": {"before": "m0", "after": f"m{len(newest)}"}}}
    return doc


def _invalid(message: str) -> Answer:
    return Answer(_graph(100, message), 400)


def _page_insights(request: Request, data: AccountData) -> Answer:
    metrics = [m for m in request.params.get("metric", "").split(",") if m]
    if not metrics:
        return Answer(_graph(3001, "Invalid query", 1504028), 400)
    for metric in metrics:
        if metric not in PAGE_METRICS:
            return _invalid("(#100) The value must be a valid insights metric")
    since, until = _day(request.params.get("since")), _day(request.params.get("until"))
    if (until - since).days > 90:
        return _invalid("(#100) There cannot be more than 90 days (7776000 s) between since and"
                        " until")
    if data.followers < 100:  # Page insights need 100+ likes
        return Answer({"data": [], "paging": {}})
    # Daily values for the days Meta still keeps, up to yesterday.
    first = max(since, request.now.date() - timedelta(days=KEPT_DAYS))
    days = max(0, (min(until, request.now.date()) - first).days)
    ends = [_end_time(first + timedelta(days=offset)) for offset in range(days)]
    out = []
    for metric in metrics:
        low, high = _DAILY[metric]
        daily = data.dailies(first, days, metric, low, high)
        values = [{"value": value, "end_time": end} for value, end in zip(daily, ends, strict=True)]
        out.append({"name": metric, "period": request.params.get("period", "day"),
                    "values": values, "title": metric.replace("_", " ").title(),
                    "description": "Daily", "id": f"{data.profile.platform_id}/insights/"
                    f"{metric}/day"})
    return Answer({"data": out, "paging": {
        "previous": request.link(since=str(since - (until - since)), until=str(since)),
        "next": request.link(since=str(until), until=str(until + (until - since))),
    }})


def _ig_insights(request: Request, data: AccountData) -> Answer:
    metrics = [m for m in request.params.get("metric", "").split(",") if m]
    kind = request.params.get("metric_type", "")
    allowed = IG_TOTAL_METRICS if kind == "total_value" else IG_SERIES_METRICS
    for metric in metrics:
        if metric not in allowed:
            return _invalid(f"(#100) metric[{metrics.index(metric)}] must be one of the "
                            "following values: " + ", ".join(sorted(allowed)))
    start, stop = _moment(request.params["since"]), _moment(request.params["until"])
    if stop - start > timedelta(days=30):
        return _invalid("(#100) The time range between since and until cannot exceed 30 days")
    oldest = request.now - timedelta(days=KEPT_DAYS)
    if stop <= oldest:
        return Answer({"data": []})
    # One daily value per day started in the window (the day of ``since`` and each after it).
    days = -(-(stop - start) // timedelta(days=1)) if stop > start else 0
    out = []
    for metric in metrics:
        low, high = _DAILY[metric]
        total = data.daily_total(start.date(), days, metric, low, high)
        out.append({"name": metric, "period": "day", "title": metric.title(),
                    "description": "Total", "total_value": {"value": total},
                    "id": f"{data.profile.platform_id}/insights/{metric}/day"})
    return Answer({"data": out})


@lru_cache(maxsize=1 << 12)
def _end_time(day: date) -> str:
    """The ``end_time`` of the daily value of ``day``, as Meta writes it (07:00 UTC next day)."""
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    return graph_time(end + timedelta(hours=7))


def _moment(text: str) -> datetime:
    if text.isdigit():
        return datetime.fromtimestamp(int(text), tz=UTC)
    return datetime.combine(date.fromisoformat(text), datetime.min.time(), tzinfo=UTC)


def _day(text: str | None) -> date:
    return _moment(text or "0").date()


#: The handlers of each platform's edges ("": the node itself), each answering only the fields
#: the request names (published posts: their default fields when it names none).
_FACEBOOK: dict[str, Handler] = {
    "": _fields_named(_page), "published_posts": _fields_named(_posts, _POST_DEFAULTS),
    "posts": _fields_named(_posts, _POST_DEFAULTS), "insights": _fields_named(_page_insights),
    "conversations": _fields_named(_conversations),
}
_INSTAGRAM: dict[str, Handler] = {
    "": _fields_named(_ig_user), "media": _fields_named(_media),
    "insights": _fields_named(_ig_insights), "conversations": _fields_named(_conversations),
}
_MEDIA_INSIGHTS = _fields_named(_media_insights)
