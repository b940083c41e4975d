"""X (API v2): followers, posts with public metrics, and replies to mentions.

Requests (user context, one token per city account):

* ``GET /users/{id}`` (or ``/users/by/username/{handle}``) with ``public_metrics`` and the
  ``most_recent_tweet_id`` expansion: the follower snapshot and the newest post in one call,
  and the user's id and username.
* ``GET /users/by/username/{handle}``: the user behind the registered handle, when the sync asks
  (see :mod:`governance.platforms.identity`).
* ``GET /users/{id}/tweets?start_time&max_results=100&exclude=retweets``: posts and the account's
  own replies, paged by ``meta.next_token`` -> ``pagination_token``. Skipped when the newest post
  is the one seen last time, the same day.
* ``GET /users/{id}/mentions?start_time&max_results=100``: the posts that may need a reply;
  their ``text`` is classified as a question or not, and dropped. X gives no sign of new
  mentions, so the same Stockholm day they are asked for again (``since_id``) only when the
  newest post changed or ``Settings.relist_after_s`` has passed since the last read.

By id, the users of a sync are read together: ``GET /users?ids=<≤100>`` with the same fields and
expansion (``ids`` takes 1 to 100: X's OpenAPI, github.com/xdevplatform/xdk
``latest-openapi.json``; https://docs.x.com/x-api/fundamentals/rate-limits). Unknown or
suspended ids come back in ``errors[]`` beside ``data`` (HTTP 200): that account is not found,
the others are read.
* ``GET /dm_events?...``: direct messages, once a day, see :mod:`governance.platforms.dms`.

X gives impressions, not unique reach, and link clicks only for the last 30 days: both unknown.
New followers are the change since the previous month's snapshot (net), when one is stored.
Field names drift (``retweet_count``/``repost_count``, ``tweets``/``posts``); both are read.

Per-post figures (:mod:`governance.posts`) come from the timeline's ``public_metrics`` (likes,
replies, reposts + quotes, bookmarks as saves) and the video's ``view_count`` (media
``public_metrics``), no request of their own; a stored post younger than 28 days that the
timeline did not reach is looked up with ``GET /tweets?ids=<≤100>`` (Post lookup,
https://docs.x.com/x-api/posts/post-lookup-by-post-ids), at most once a day. The kind comes from
the media ``type`` (photo: image; video, animated_gif: video) and ``entities.urls`` (link).
Unknown per post: reach (X gives impressions only) and link clicks (``non_public_metrics`` only
for 30 days, and only to the author's own token).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any, cast

from governance.monthly import add_months
from governance.platforms.batching import Missing
from governance.platforms.common import (
    LISTED_AT,
    FetchPlan,
    FetchResult,
    MonthBook,
    PageGuard,
    ReplyTally,
    count,
    first_after,
    iso,
    items,
    month_start_utc,
    obj,
    optional_count,
    quick_time,
    relist_due,
    rfc3339,
    stored_time,
    text,
)
from governance.platforms.dms import x_dm_events
from governance.platforms.errors import PlatformRefused
from governance.platforms.http import PlatformHttp
from governance.platforms.identity import Identity, clean_username, found_or_empty, read_profile
from governance.platforms.x_policy import XPolicy

__all__ = ["XClient", "XPolicy"]

USER_PARAMS: dict[str, str | int] = {
    "user.fields": "public_metrics,most_recent_tweet_id",
    "expansions": "most_recent_tweet_id",
    "tweet.fields": "created_at",
}
TWEET_FIELDS = "created_at,public_metrics,referenced_tweets,attachments,entities"
#: ``GET /2/users?ids=`` takes at most this many ids.
USER_IDS = 100
#: Post lookup takes at most this many ids.
LOOKUP_IDS = 100


def _pick(doc: dict[str, Any], *names: str) -> Any:
    """The first of several drifting names that is present."""
    for name in names:
        if name in doc:
            return doc[name]
    return None


class XClient:
    """Monthly figures of X accounts."""

    platform = "x"

    def __init__(self, http: PlatformHttp) -> None:
        self.http = http

    async def fetch(self, plan: FetchPlan) -> FetchResult:
        account = plan.account
        body, identity = await read_profile(
            account.handle, account.platform_id, plan.check_handle, self._profile, self._user_id
        )
        if body is None:  # the handle leads to another user: no figures
            return FetchResult({}, dict(plan.cursor), identity)
        user = obj(body.get("data"), "user.data")
        user_id = identity.id
        metrics = obj(user.get("public_metrics"), "user.data.public_metrics")
        followers = count(metrics.get("followers_count"), "public_metrics.followers_count")
        recent_id = _pick(user, "most_recent_tweet_id", "most_recent_post_id")
        recent_at = _recent_time(body, recent_id)

        book = MonthBook(plan.months)
        current = plan.months[-1]
        book.set(current, "followers", followers)
        last_month = plan.previous.get(add_months(current, -1))
        if last_month is not None and last_month.followers is not None:
            book.set(current, "new_followers", followers - last_month.followers)
        known = stored_time(plan.cursor.get("last_post_at"))
        cursor: dict[str, Any] = {
            "user_id": user_id,
            "recent_id": recent_id,
            "last_post_at": iso(recent_at or known),
            "newest_mention": plan.cursor.get("newest_mention"),
        }
        unchanged = plan.same_day and recent_id == plan.cursor.get("recent_id")
        cursor[LISTED_AT] = iso(plan.now)
        if unchanged and not relist_due(plan, self.http.settings.relist_after_s):
            # No new post, and mentions were read within the hour: the stored figures stand.
            cursor[LISTED_AT] = plan.cursor.get(LISTED_AT)
            return FetchResult({current: book.patches[current]}, cursor, identity)
        if unchanged:
            newest_mention = await self._newest_mention(user_id, plan)
            if newest_mention == plan.cursor.get("newest_mention"):
                # Nothing new since this morning's sync: keep every stored figure but followers.
                return FetchResult({current: book.patches[current]}, cursor, identity)
        window = month_start_utc(plan.months[0])
        before = [t for t in (recent_at, known) if t is not None and t < window]
        own_replies = await self._timeline(user_id, plan, book, max(before, default=None))
        newest_mention = await self._mentions(user_id, plan, book, own_replies,
                                              identity.username or account.handle)
        cursor["newest_mention"] = newest_mention or plan.cursor.get("newest_mention")
        if not plan.same_day:  # like daily figures: read once a Stockholm day
            await x_dm_events(self.http, user_id, plan, book)
        return FetchResult(book.patches, cursor, identity)

    async def _profile(self, key: str, by_id: bool) -> tuple[dict[str, Any], Identity]:
        """The user (by id, or by username), with the newest post."""
        if by_id and self.http.batching:
            body = await self._batched(key)
        else:
            path = f"users/{key}" if by_id else f"users/by/username/{key.lstrip('@')}"
            body = obj(await self.http.get(path, USER_PARAMS), "user")
        user = obj(body.get("data"), "user.data")
        seen = Identity(text(user.get("id"), "user.data.id"),
                        clean_username(user.get("username"), "user.data.username"))
        return body, seen

    async def _batched(self, user_id: str) -> dict[str, Any]:
        """The user as ``GET /2/users/{id}`` gives it, asked for with the other accounts' users
        (``GET /2/users?ids=``, up to 100); an id X lists in ``errors`` is not found."""
        http = self.http

        async def send(ids: list[str]) -> dict[str, dict[str, Any]]:
            body = obj(await http.get("users", {**USER_PARAMS, "ids": ",".join(ids)}), "users")
            includes = body.get("includes")
            posts = _pick(includes, "tweets", "posts") if isinstance(includes, dict) else None
            recent = {str(obj(p, "includes.tweets").get("id")): p
                      for p in items(posts or [], "includes.tweets")}
            found: dict[str, dict[str, Any]] = {}
            for index, raw in enumerate(items(body.get("data", []), "users.data")):
                user = obj(raw, f"users.data[{index}]")
                one: dict[str, Any] = {"data": user}
                latest = recent.get(str(_pick(user, "most_recent_tweet_id",
                                              "most_recent_post_id")))
                if latest is not None:
                    one["includes"] = {"tweets": [latest]}
                found[text(user.get("id"), f"users.data[{index}].id")] = one
            return found

        try:
            return cast(dict[str, Any], await http.usage.coalescer(
                "users", USER_IDS, send).get(user_id))
        except Missing:  # in errors[]: deleted, suspended or never a user
            raise PlatformRefused(platform="x", detail="user not found") from None

    async def _user_id(self, handle: str) -> str:
        """The id of the user with this username, "" when there is none."""
        async def read() -> str:
            body = obj(await self.http.get(f"users/by/username/{handle.lstrip('@')}"), "user")
            return text(obj(body.get("data"), "user.data").get("id"), "user.data.id")

        return await found_or_empty(read())

    async def _timeline(
        self, user_id: str, plan: FetchPlan, book: MonthBook, before: datetime | None
    ) -> dict[str, list[datetime]]:
        """Count posts and their metrics; return the account's replies by the post answered.

        ``before`` is the newest post known from before the window, for ``last_post_at``.
        """
        book.zero("posts", "reactions", "comments", "shares", "saves", "video_views")
        book.unknown("reach", "link_clicks")
        params: dict[str, str | int] = {
            "start_time": _x_time(month_start_utc(plan.months[0])),
            "max_results": 100,
            "exclude": "retweets",
            "tweet.fields": TWEET_FIELDS,
            "expansions": "attachments.media_keys",
            "media.fields": "public_metrics,type",
        }
        replies: dict[str, list[datetime]] = {}
        newest: dict[str, datetime] = {}
        async for body in self._pages(f"users/{user_id}/tweets", params, "tweets"):
            views = _media_views(body)
            for index, raw in enumerate(items(body.get("data", []), "tweets.data")):
                where = f"tweets[{index}]"
                post = obj(raw, where)
                at = rfc3339(post.get("created_at"), f"{where}.created_at")
                answered = _replied_to(post)
                if answered is not None:
                    replies.setdefault(answered, []).append(at)
                    continue
                post_id = _due_id(plan, post, at, where)
                month = book.holds(at)
                if month is None and post_id is None:
                    continue
                figures = _figures(post, where)  # read once, for the post and the month
                if post_id is not None:
                    _keep(plan, post_id, post, at, views, figures, where)
                if month is None:
                    continue
                newest[month] = max(at, newest.get(month, at))
                book.add(month, "posts", 1)
                for field in ("reactions", "comments", "shares"):
                    book.add(month, field, figures[field])
                book.add(month, "saves", figures["saves"] or 0)  # no bookmarks given: none
                book.add(month, "video_views", _post_views(post, views, where))
        book.last_posts(newest, before)
        await self._look_up(plan, params)
        return replies

    async def _look_up(self, plan: FetchPlan, params: dict[str, str | int]) -> None:
        """Re-read the due posts the timeline did not reach (Post lookup, 100 ids a request)."""
        if plan.posts is None:
            return
        wanted = plan.posts.due_elsewhere(set(plan.posts.read))
        for start in range(0, len(wanted), LOOKUP_IDS):
            lookup = {k: v for k, v in params.items() if k in ("tweet.fields", "expansions",
                                                                  "media.fields")}
            lookup["ids"] = ",".join(wanted[start:start + LOOKUP_IDS])
            body = obj(await self.http.get("tweets", lookup), "lookup")
            views = _media_views(body)
            for index, raw in enumerate(items(body.get("data", []), "lookup.data")):
                where = f"lookup[{index}]"
                post = obj(raw, where)
                at = rfc3339(post.get("created_at"), where)
                post_id = _due_id(plan, post, at, where)
                if post_id is not None:
                    _keep(plan, post_id, post, at, views, _figures(post, where), where)

    async def _mentions(
        self,
        user_id: str,
        plan: FetchPlan,
        book: MonthBook,
        replies: dict[str, list[datetime]],
        handle: str,
    ) -> str | None:
        """Tally mentions by others against the account's replies; return the newest id."""
        tally = ReplyTally(book, plan.now, plan.classifier)
        params: dict[str, str | int] = {
            "start_time": _x_time(month_start_utc(plan.months[0])),
            "max_results": 100,
            "tweet.fields": "created_at,author_id,text",
        }
        newest: str | None = None
        async for body in self._pages(f"users/{user_id}/mentions", params, "mentions"):
            meta = body.get("meta")
            if newest is None and isinstance(meta, dict) and isinstance(meta.get("newest_id"), str):
                newest = meta["newest_id"]
            for index, raw in enumerate(items(body.get("data", []), "mentions.data")):
                where = f"mentions[{index}]"
                mention = obj(raw, where)
                if mention.get("author_id") == user_id:
                    continue
                at = quick_time(mention.get("created_at")) or rfc3339(
                    mention.get("created_at"), f"{where}.created_at")
                mention_id = mention.get("id")
                if type(mention_id) is not str or not mention_id:
                    mention_id = text(mention_id, f"{where}.id")
                tally.comment_text(at, first_after(at, replies.get(mention_id, [])),
                                   _addressed(mention.get("text"), handle))
            tally.settle()  # the page's texts, judged together
        return newest

    async def _newest_mention(self, user_id: str, plan: FetchPlan) -> str | None:
        params: dict[str, str | int] = {"max_results": 5, "tweet.fields": "created_at"}
        since = plan.cursor.get("newest_mention")
        if isinstance(since, str):
            params["since_id"] = since
        body = obj(await self.http.get(f"users/{user_id}/mentions", params), "mentions")
        meta = body.get("meta")
        newest = meta.get("newest_id") if isinstance(meta, dict) else None
        return newest if isinstance(newest, str) else since if isinstance(since, str) else None

    async def _pages(
        self, path: str, params: dict[str, str | int], where: str
    ) -> AsyncIterator[dict[str, Any]]:
        """Each page of a listing, following ``meta.next_token``."""
        guard = PageGuard(self.http, where)
        while True:
            body = obj(await self.http.get(path, params), where)
            yield body
            meta = body.get("meta")
            token = meta.get("next_token") if isinstance(meta, dict) else None
            if token is None:
                return
            if not isinstance(token, str):
                raise PageGuard.bad_next(where)
            guard.check(token)
            params = {**params, "pagination_token": token}


def _addressed(said: Any, handle: str) -> Any:
    """A reply's text without the account's own @handle that X puts in front of every reply
    (so that it is not read as a friend tagged); other mentions stay."""
    if not isinstance(said, str):
        return said
    own = "@" + handle.lstrip("@").lower()
    words = said.split(" ")
    while words and words[0].lower() == own:
        words.pop(0)
    return " ".join(words)


def _x_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _recent_time(body: dict[str, Any], recent_id: Any) -> datetime | None:
    """The ``created_at`` of the expanded most recent post, if X included it."""
    includes = body.get("includes")
    if recent_id is None or not isinstance(includes, dict):
        return None
    posts = _pick(includes, "tweets", "posts") or []
    for index, raw in enumerate(items(posts, "includes.tweets")):
        post = obj(raw, f"includes.tweets[{index}]")
        if post.get("id") == recent_id:
            return rfc3339(post.get("created_at"), "includes.tweets.created_at")
    return None


def _replied_to(post: dict[str, Any]) -> str | None:
    refs = _pick(post, "referenced_tweets", "referenced_posts") or []
    for ref in refs if isinstance(refs, list) else []:
        if isinstance(ref, dict) and ref.get("type") == "replied_to":
            return str(ref.get("id"))
    return None


def _due_id(plan: FetchPlan, post: dict[str, Any], at: datetime, where: str) -> str | None:
    """The post's id when its figures are due (governance.posts), else None."""
    if plan.posts is None:
        return None
    post_id = text(post.get("id"), f"{where}.id")
    return post_id if plan.posts.due(post_id, at) else None


def _figures(post: dict[str, Any], where: str) -> dict[str, int | None]:
    """A post's public metrics as the post record names them (saves: None when X left the
    bookmarks out)."""
    metrics = obj(post.get("public_metrics"), f"{where}.public_metrics")
    reposts = _pick(metrics, "retweet_count", "repost_count")
    return {
        "reactions": count(metrics.get("like_count"), f"{where}.likes"),
        "comments": count(metrics.get("reply_count"), f"{where}.replies"),
        "shares": count(reposts, f"{where}.reposts")
        + count(metrics.get("quote_count", 0), f"{where}.quotes"),
        "saves": optional_count(metrics, "bookmark_count", where),
    }


def _keep(plan: FetchPlan, post_id: str, post: dict[str, Any], at: datetime,
          views: dict[str, int], figures: dict[str, int | None], where: str) -> None:
    """Keep a due post's figures, its kind and its video's views."""
    assert plan.posts is not None
    keys = _media_keys(post, where)
    kind = ("video" if any(k in views for k in keys) else "image" if keys
            else "link" if _has_links(post) else "text")
    plan.posts.add(post_id, at, kind, **figures,
                   video_views=sum(views[k] for k in keys if k in views) if kind == "video"
                   else None)


def _media_keys(post: dict[str, Any], where: str) -> list[str]:
    attachments = post.get("attachments")
    keys = attachments.get("media_keys", []) if isinstance(attachments, dict) else []
    return [str(key) for key in items(keys, f"{where}.media_keys")]


def _has_links(post: dict[str, Any]) -> bool:
    entities = post.get("entities")
    urls = entities.get("urls") if isinstance(entities, dict) else None
    return isinstance(urls, list) and bool(urls)


def _media_views(body: dict[str, Any]) -> dict[str, int]:
    includes = body.get("includes")
    media = includes.get("media", []) if isinstance(includes, dict) else []
    views: dict[str, int] = {}
    for index, raw in enumerate(items(media, "includes.media")):
        item = obj(raw, f"includes.media[{index}]")
        metrics = item.get("public_metrics")
        if isinstance(metrics, dict) and "view_count" in metrics:
            key = text(item.get("media_key"), f"includes.media[{index}].media_key")
            views[key] = count(metrics["view_count"], f"includes.media[{index}].view_count")
    return views


def _post_views(post: dict[str, Any], views: dict[str, int], where: str) -> int:
    attachments = post.get("attachments")
    keys = attachments.get("media_keys", []) if isinstance(attachments, dict) else []
    return sum(views.get(str(key), 0) for key in items(keys, f"{where}.media_keys"))
