"""Emulated X API v2: users, user timelines and mentions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from governance.emulation.app import Answer, Handler, Request
from governance.emulation.data import AccountData, Comment, Post
from governance.emulation.fields import x_answer

#: X keeps direct message events this long.
DM_DAYS = 30


def x_time(moment: datetime) -> str:
    """``2026-10-02T14:05:11.000Z``."""
    return moment.astimezone(UTC).isoformat()[:19] + ".000Z"  # isoformat: faster than strftime


def route(request: Request) -> tuple[AccountData | None, Handler | None]:
    data, handler = _resource(request)
    if handler is None or handler is _dm_events:  # DM events pick their own fields
        return data, handler
    kind = "user" if handler in (_user, _users) else "tweet"
    chosen = handler

    def answer(request: Request, data: AccountData) -> Answer:
        """Only the fields and expansions the request names (see ``emulation.fields``)."""
        found = chosen(request, data)
        if found.status == 200:
            found.body = x_answer(found.body, request.params, kind)
        return found
    return data, answer


def _resource(request: Request) -> tuple[AccountData | None, Handler | None]:
    parts = request.parts
    owner = request.emulation.account("x", request.emulation.x_token_owner)
    if parts == ["dm_events"]:
        return owner, _dm_events
    if parts == ["users", "me"]:
        return owner, _user
    if parts == ["tweets"]:  # Post lookup by ids
        first = request.emulation.post("x", request.params.get("ids", "").split(",")[0])
        return (first[0], _lookup) if first else (None, None)
    if parts == ["users"]:  # users by ids (up to 100): the first known one stands for it
        known = (request.emulation.account("x", i)
                 for i in request.params.get("ids", "").split(",")[:100] if i)
        return next((d for d in known if d is not None), None), _users
    if parts[:1] != ["users"] or len(parts) < 2:
        return None, None
    if parts[1:3] == ["by", "username"] and len(parts) == 4:
        return request.emulation.account("x", parts[3]), _user
    data = request.emulation.account("x", parts[1])
    if len(parts) == 2:
        return data, _user
    return data, {"tweets": _tweets, "mentions": _mentions}.get(parts[2])


def _users(request: Request, data: AccountData) -> Answer:
    """``GET /2/users?ids=``: the users found, in order, their most recent posts expanded;
    unknown ids in ``errors`` beside ``data`` (HTTP 200), more than 100 ids refused (400)."""
    ids = [i for i in request.params.get("ids", "").split(",") if i]
    if not 1 <= len(ids) <= 100:
        return Answer({"errors": [{"parameters": {"ids": [request.params.get("ids", "")]},
                                   "message": "The number of values in the `ids` query parameter"
                                   " list [" + str(len(ids)) + "] is not between 1 and 100"}],
                       "title": "Invalid Request", "detail": "One or more parameters to your "
                       "request was invalid.",
                       "type": "https://api.twitter.com/2/problems/invalid-request"}, 400)
    users, tweets, errors = [], [], []
    for user_id in ids:
        found = request.emulation.account("x", user_id)
        if found is None:
            errors.append({"value": user_id, "detail": f"Could not find user with ids: "
                           f"[{user_id}].", "title": "Not Found Error", "resource_type": "user",
                           "parameter": "ids",
                           "type": "https://api.twitter.com/2/problems/resource-not-found"})
            continue
        one = _user(request, found).body
        users.append(one["data"])
        tweets.extend(one.get("includes", {}).get("tweets", []))
    body: dict[str, Any] = {"data": users} if users else {}
    if tweets:
        body["includes"] = {"tweets": tweets}
    if errors:
        body["errors"] = errors
    return Answer(body)


def _user(request: Request, data: AccountData) -> Answer:
    posts = [p for p in data.posts if p.at <= request.now]
    user: dict[str, Any] = {
        "id": data.profile.platform_id, "name": data.profile.handle,
        "username": data.profile.handle,
        "public_metrics": {"followers_count": data.followers, "following_count": 80,
                           "tweet_count": len(posts), "listed_count": 12, "like_count": 40,
                           "media_count": sum(p.video for p in posts)},
    }
    body: dict[str, Any] = {"data": user}
    if posts:
        user["most_recent_tweet_id"] = posts[0].id
        body["includes"] = {"tweets": [{"id": posts[0].id, "created_at": x_time(posts[0].at),
                                        "text": "…", "edit_history_tweet_ids": [posts[0].id]}]}
    return Answer(body)


def _listing(request: Request, found: list[dict[str, Any]], includes: dict[str, Any]) -> Answer:
    limit = max(5, min(100, int(request.params.get("max_results", "10"))))
    token = request.params.get("pagination_token", "")
    start = int(token[1:]) if token.startswith("p") and token[1:].isdigit() else 0
    page = found[start:start + limit]
    meta: dict[str, Any] = {"result_count": len(page)}
    if page:
        meta.update(newest_id=page[0]["id"], oldest_id=page[-1]["id"])
    if start + limit < len(found):
        meta["next_token"] = f"p{start + limit}"
    body: dict[str, Any] = {"meta": meta}
    if page:
        body["data"] = page  # X leaves "data" out of an empty page
        if includes:
            keys = {k for item in page for k in item.get("attachments", {}).get("media_keys", [])}
            media = [m for m in includes.get("media", []) if m["media_key"] in keys]
            if media:
                body["includes"] = {"media": media}

    def loop(answer: Any) -> Any:
        answer["meta"]["next_token"] = "p0"
        return answer

    return Answer(body, loop=loop)


def _window(request: Request) -> Callable[[datetime], bool]:
    """Whether a moment is in the request's ``start_time``/``end_time`` window, up to now."""
    start, end = request.params.get("start_time"), request.params.get("end_time")
    first = datetime.fromisoformat(start.replace("Z", "+00:00")) if start else None
    stop = datetime.fromisoformat(end.replace("Z", "+00:00")) if end else None
    now = request.now

    def within(at: datetime) -> bool:
        return at <= now and (first is None or at >= first) and (stop is None or at < stop)

    return within


def _tweets(request: Request, data: AccountData) -> Answer:
    key = ("x-tweets", data.key, request.params.get("start_time"), request.params.get("end_time"))
    found, media = request.emulation.memo(key, lambda: _timeline(request, data))
    return _listing(request, found, {"media": media})


def _timeline(
    request: Request, data: AccountData
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The account's posts and replies in the request's window, newest first, and their media."""
    items: list[tuple[datetime, dict[str, Any]]] = []
    media = []
    within = _window(request)
    for post in data.posts:
        if within(post.at):
            items.append((post.at, _post_doc(data, post)))
            if post.video:
                media.append({"media_key": f"7_{post.id}", "type": "video",
                              "public_metrics": {"view_count": post.views}})
            elif post.kind == "image":
                media.append({"media_key": f"3_{post.id}", "type": "photo"})
        for comment in post.comments:
            if comment.reply_at and comment.reply_id and within(comment.reply_at):
                items.append((comment.reply_at, _reply_doc(data, comment)))
    items.sort(key=lambda pair: pair[0], reverse=True)
    return [doc for _, doc in items], media


def _post_doc(data: AccountData, post: Post) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": post.id, "created_at": x_time(post.at), "text": "…",
        "author_id": data.profile.platform_id, "edit_history_tweet_ids": [post.id],
        "public_metrics": {"retweet_count": post.shares, "reply_count": len(post.comments),
                           "like_count": post.likes, "quote_count": 1,
                           "bookmark_count": post.saves, "impression_count": post.views + 500},
    }
    if post.video:
        doc["attachments"] = {"media_keys": [f"7_{post.id}"]}
    elif post.kind == "image":
        doc["attachments"] = {"media_keys": [f"3_{post.id}"]}
    elif post.kind == "link":
        doc["entities"] = {"urls": [{"start": 2, "end": 25, "url": "https://t.co/abc",
                                     "expanded_url": "https://helsingborg.se/"}]}
    return doc


def _lookup(request: Request, data: AccountData) -> Answer:
    """``GET /2/tweets?ids=...``: the posts asked for (at most 100); unknown ids in ``errors``."""
    wanted = [i for i in request.params.get("ids", "").split(",") if i][:100]
    docs, media, errors = [], [], []
    for post_id in wanted:
        found = request.emulation.post("x", post_id)
        if found is None:
            errors.append({"value": post_id, "detail": f"Could not find tweet with ids: "
                           f"[{post_id}].", "title": "Not Found Error", "resource_type": "tweet",
                           "type": "https://api.twitter.com/2/problems/resource-not-found"})
            continue
        owner, post = found
        docs.append(_post_doc(owner, post))
        if post.video:
            media.append({"media_key": f"7_{post.id}", "type": "video",
                          "public_metrics": {"view_count": post.views}})
        elif post.kind == "image":
            media.append({"media_key": f"3_{post.id}", "type": "photo"})
    body: dict[str, Any] = {"data": docs}
    if media:
        body["includes"] = {"media": media}
    if errors:
        body["errors"] = errors
    return Answer(body)


def _reply_doc(data: AccountData, comment: Comment) -> dict[str, Any]:
    assert comment.reply_id and comment.reply_at
    return {
        "id": comment.reply_id, "created_at": x_time(comment.reply_at), "text": "…",
        "author_id": data.profile.platform_id, "in_reply_to_user_id": comment.author,
        "edit_history_tweet_ids": [comment.reply_id],
        "referenced_tweets": [{"type": "replied_to", "id": comment.id}],
        "public_metrics": {"retweet_count": 0, "reply_count": 0, "like_count": 1,
                           "quote_count": 0, "bookmark_count": 0, "impression_count": 30},
    }


def _mentions(request: Request, data: AccountData) -> Answer:
    params = request.params
    key = ("x-mentions", data.key, params.get("start_time"), params.get("end_time"),
           params.get("since_id"))
    return _listing(request, request.emulation.memo(key, lambda: _mentioned(request, data)), {})


def _mentioned(request: Request, data: AccountData) -> list[dict[str, Any]]:
    """Comments on the account's posts in the request's window, newest first."""
    since_id = request.params.get("since_id")
    found = []
    within = _window(request)
    for _, comment in data.comments():
        if not within(comment.at):
            continue
        if since_id and int(comment.id) <= int(since_id):
            continue
        said = f"@{data.profile.handle} {comment.text}"
        found.append({"id": comment.id, "created_at": x_time(comment.at), "text": said,
                      "author_id": comment.author, "edit_history_tweet_ids": [comment.id]})
    return found


def _dm_events(request: Request, data: AccountData) -> Answer:
    """``GET /2/dm_events``: the token owner's message events of the last 30 days, newest
    first; the fields beyond ``id,event_type,text`` only when asked for."""
    asked = set(request.params.get("dm_event.fields", "").split(","))
    key = ("x-dms", data.key, tuple(sorted(asked)))
    return _listing(request, request.emulation.memo(key, lambda: _dm_docs(request, data, asked)),
                    {})


def _dm_docs(request: Request, data: AccountData, asked: set[str]) -> list[dict[str, Any]]:
    own = data.profile.platform_id
    oldest = request.now - timedelta(days=DM_DAYS)
    events = []
    for chat in data.conversations:
        pair = "-".join(sorted((chat.person, own)))
        for message in chat.messages:
            if not oldest <= message.at <= request.now:
                continue
            doc: dict[str, Any] = {"id": message.id, "event_type": "MessageCreate",
                                   "text": "…"}
            extra = {"created_at": x_time(message.at), "dm_conversation_id": pair,
                     "sender_id": own if message.by_account else chat.person}
            doc.update({k: v for k, v in extra.items() if k in asked})
            events.append((message.at, doc))
    events.sort(key=lambda pair: pair[0], reverse=True)
    return [doc for _, doc in events]
