"""Instagram professional accounts through the Graph API (Instagram API with Facebook Login).

Requests (``{ig}`` is the Instagram user id):

* ``GET /{ig}?fields=id,username,followers_count``: the follower snapshot of the current month,
  and the account's id and username.
* ``GET /{ig}?fields=business_discovery.username({handle}){id,username}``: the account behind the
  registered handle, when the sync asks (see :mod:`governance.platforms.identity`).
* ``GET /{ig}/media?fields=id,timestamp,comments{...}&limit=50``: media, newest first, followed
  until older than the window; comments carry ids, times, the author id, ``hidden`` and
  ``text`` (classified as a question or not, and dropped).
* ``GET /{ig}/conversations?platform=instagram&fields=...``: direct messages, see
  :mod:`governance.platforms.dms`.
* ``GET /{ig}/insights?metric=reach,views,likes,comments,shares,saves,profile_links_taps
  &metric_type=total_value&period=day&since&until``: per calendar month, in windows of at most
  30 days (a 31-day month takes two); skipped when the previous sync ran the same day.

Reach of a 31-day month is the sum of its two windows' unique reach (an upper bound). Instagram
has no link in captions, so link clicks are ``profile_links_taps``. New followers are the change of
the follower count since the previous month's snapshot (net), when one is stored. Video views
would need one insights call per reel, so they are unknown in the month totals.

Per-post figures (:mod:`governance.posts`): the media listing also asks ``media_type``,
``media_product_type`` (``REELS`` is a reel), ``like_count`` (left out when the owner hides likes:
unknown) and ``comments_count``; then, for each post that is due (new, or younger than 28 days and
not read today), ``GET /{media-id}/insights?metric=reach,views,shares,saved&fields=name,values``
(lifetime; https://developers.facebook.com/docs/instagram-platform/reference/instagram-media/insights).
``views`` is the video views of a video or reel. Instagram has no per-post link clicks (unknown).
A medium Meta refuses insights for (a story with too few viewers, one posted before the account
became professional) keeps those figures unknown instead of failing the account.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from governance.monthly import add_months
from governance.platforms.common import (
    FetchPlan,
    FetchResult,
    MonthBook,
    ReplyTally,
    count,
    first_after,
    iso,
    items,
    meta_time,
    month_start_utc,
    obj,
    optional_count,
    quick_time,
    stored_time,
    text,
)
from governance.platforms.dms import meta_conversations
from governance.platforms.errors import PlatformRefused
from governance.platforms.http import PlatformHttp
from governance.platforms.identity import Identity, clean_username, found_or_empty, read_profile
from governance.platforms.meta import INSIGHTS_KEPT_DAYS, check_owned, foreign, graph_pages

#: Account metrics read as month totals, and the record field each fills.
TOTAL_METRICS: dict[str, str] = {
    "reach": "reach",
    "likes": "reactions",
    "comments": "comments",
    "shares": "shares",
    "saves": "saves",
    "profile_links_taps": "link_clicks",
}
MEDIA_FIELDS = (
    "id,timestamp,media_type,media_product_type,like_count,comments_count,owner,"
    "comments.limit(50){id,timestamp,text,hidden,from{id},replies{id,timestamp,from{id}}}"
)
#: Lifetime media insights read per due post, and the post figure each fills.
MEDIA_METRICS = {"reach": "reach", "views": "video_views", "shares": "shares", "saved": "saves"}
#: The fields of each insights value read (``id`` comes unasked): not its title or description.
VALUE_FIELDS = "name,values"
MAX_WINDOW = timedelta(days=30)
#: Media insights requests one account has in flight at once.
INSIGHTS_AT_ONCE = 6
#: The same when Graph batches carry them (a batch request for each 50).
BATCHED_AT_ONCE = 200


class InstagramClient:
    """Monthly figures of Instagram professional accounts."""

    platform = "instagram"

    def __init__(self, http: PlatformHttp) -> None:
        self.http = http

    async def fetch(self, plan: FetchPlan) -> FetchResult:
        account = plan.account
        followers, identity = await read_profile(
            account.handle, account.platform_id, plan.check_handle, self._profile,
            lambda handle: self._discovered(account.platform_id, handle),
        )
        if followers is None:  # the handle leads to another account: no figures
            return FetchResult({}, dict(plan.cursor), identity)
        # The account's own id, as read: its replies are the comments whose author is this id,
        # also when the register knows only the handle.
        user = identity.id
        book = MonthBook(plan.months)
        current = plan.months[-1]
        book.set(current, "followers", followers)
        last_month = plan.previous.get(add_months(current, -1))
        if last_month is not None and last_month.followers is not None:
            book.set(current, "new_followers", followers - last_month.followers)
        newest, before = await self._media(user, plan, book)
        # The newest post before the window: met while paging, else kept from the last sync.
        known = before or stored_time(plan.cursor.get("last_post_at"))
        book.last_posts(newest, known)
        book.unknown("video_views")
        if not plan.same_day:
            await self._insights(user, plan, book)
        dms = await meta_conversations(self.http, user, "instagram", plan, book)
        latest = max([*newest.values(), *([known] if known else [])], default=None)
        return FetchResult(book.patches, {"last_post_at": iso(latest), **dms}, identity)

    async def _profile(self, key: str, by_id: bool) -> tuple[int, Identity]:
        body = obj(await self.http.get(key, {"fields": "id,username,followers_count"}), "user")
        seen = Identity(text(body.get("id"), "user.id"),
                        clean_username(body.get("username"), "user.username"))
        return count(body.get("followers_count"), "user.followers_count"), seen

    async def _discovered(self, own_id: str, handle: str) -> str:
        """The id of the professional account ``handle``, by business discovery from our own
        account; "" when there is none (or our own account no longer answers)."""
        async def read() -> str:
            fields = f"business_discovery.username({handle}){{id,username}}"
            body = obj(await self.http.get(own_id, {"fields": fields}), "user")
            found = obj(body.get("business_discovery"), "user.business_discovery")
            return text(found.get("id"), "business_discovery.id")

        return await found_or_empty(read())

    async def _media(
        self, user: str, plan: FetchPlan, book: MonthBook
    ) -> tuple[dict[str, datetime], datetime | None]:
        """Count media per month and tally replies; stop paging once older than the window.

        Returns the newest post of each month, and the newest post before the window if seen.
        """
        book.zero("posts")
        tally = ReplyTally(book, plan.now, plan.classifier, hidden_known=True)
        window = month_start_utc(plan.months[0])
        since = month_start_utc(add_months(plan.months[0], -1))
        newest: dict[str, datetime] = {}
        before: datetime | None = None
        older = False
        due: list[str] = []
        params: dict[str, str | int] = {"fields": MEDIA_FIELDS, "limit": 50}
        async for batch in graph_pages(self.http, f"{user}/media", params, "media"):
            for index, raw in enumerate(batch):
                where = f"media[{index}]"
                media = obj(raw, where)
                _check_owner(media, user, where)
                at = meta_time(media.get("timestamp"), f"{where}.timestamp")
                if at < window:
                    before = before or at
                if at < since:
                    older = True
                    continue
                self._comments(user, media, where, tally)
                due.append(self._post(plan, media, at, where))
                month = book.holds(at)
                if month is not None:
                    newest[month] = max(at, newest.get(month, at))
                    book.add(month, "posts", 1)
            tally.settle()  # the page's comment texts, judged together
            if older:
                break
        await self._media_insights(plan, [media_id for media_id in due if media_id])
        return newest, before

    def _post(self, plan: FetchPlan, media: dict[str, Any], at: datetime, where: str) -> str:
        """Keep a medium's counts when its figures are due; its id then ("" when not due)."""
        if plan.posts is None:
            return ""
        media_id = text(media.get("id"), f"{where}.id")
        if not plan.posts.due(media_id, at):
            return ""
        kind = ("reel" if media.get("media_product_type") == "REELS" else
                "video" if media.get("media_type") == "VIDEO" else "image")
        plan.posts.add(media_id, at, kind,
                       reactions=optional_count(media, "like_count", where),
                       comments=optional_count(media, "comments_count", where))
        return media_id

    async def _media_insights(self, plan: FetchPlan, wanted: list[str]) -> None:
        """The lifetime insights of the due media, :data:`INSIGHTS_AT_ONCE` requests at a time
        (one account's share of the connections; a sync's total stays bounded by the pool)."""
        gate = asyncio.Semaphore(self._at_once())

        async def one(media_id: str) -> None:
            async with gate:
                await self._one_insights(plan, media_id)

        await asyncio.gather(*(one(media_id) for media_id in wanted))

    async def _one_insights(self, plan: FetchPlan, media_id: str) -> None:
        assert plan.posts is not None
        try:
            body = obj(await self.http.get(f"{media_id}/insights", {
                "metric": ",".join(MEDIA_METRICS), "fields": VALUE_FIELDS}), "media.insights")
        except PlatformRefused:
            return  # no insights for this medium: its reach, views, shares and saves unknown
        found: dict[str, int | None] = {}
        for index, raw in enumerate(items(body.get("data"), "media.insights.data")):
            metric = obj(raw, f"media.insights[{index}]")
            if "id" in metric:  # {media-id}/insights/{metric}/lifetime
                check_owned(metric["id"], f"{media_id}/insights/", media_id,
                            f"media.insights[{index}].id")
            name = metric.get("name")
            if name in MEDIA_METRICS:
                values = items(metric.get("values"), f"media.insights[{index}].values")
                found[MEDIA_METRICS[str(name)]] = (
                    count(obj(values[0], "media.insights").get("value"), f"media.insights.{name}")
                    if values else None)
        if plan.posts.read[media_id].kind == "image":
            found["video_views"] = None  # views of a picture are not video views
        plan.posts.update(media_id, **found)

    def _comments(self, user: str, media: dict[str, object], where: str, tally: ReplyTally) -> None:
        edge = media.get("comments")
        if edge is None:
            return
        for index, raw in enumerate(items(obj(edge, where).get("data"), f"{where}.comments")):
            # The strict readers are asked (and where named) only for what is not plainly good.
            comment = raw if type(raw) is dict else obj(raw, f"{where}.comments[{index}]")
            if _author(comment) == user:
                continue
            arrived = quick_time(comment.get("timestamp")) or meta_time(
                comment.get("timestamp"), f"{where}.comments[{index}].timestamp")
            answers: list[datetime] = []
            replies = comment.get("replies")
            if replies is not None:
                answers = _answers(replies, user, f"{where}.comments[{index}]")
            comment_id = comment.get("id")
            if type(comment_id) is not str or not comment_id:
                text(comment_id, f"{where}.comments[{index}].id")
            tally.comment_text(arrived, first_after(arrived, answers), comment.get("text"),
                               hidden=comment.get("hidden") is True)

    async def _insights(self, user: str, plan: FetchPlan, book: MonthBook) -> None:
        """Month totals, every window asked for at once (one Graph batch carries them)."""
        oldest = plan.now - timedelta(days=INSIGHTS_KEPT_DAYS)
        months: dict[str, dict[str, int | None]] = {}
        windows: list[tuple[datetime, datetime, dict[str, int | None]]] = []
        for month in plan.months:
            start = month_start_utc(month)
            end = min(month_start_utc(add_months(month, 1)), plan.now)
            if end <= oldest or end <= start:
                book.unknown(*TOTAL_METRICS.values(), months=[month])
                continue
            totals = months[month] = dict.fromkeys(TOTAL_METRICS.values(), 0)
            while start < end:
                stop = min(start + MAX_WINDOW, end)
                windows.append((start, stop, totals))
                start = stop
        gate = asyncio.Semaphore(self._at_once())

        async def one(start: datetime, stop: datetime, totals: dict[str, int | None]) -> None:
            async with gate:
                await self._window(user, start, stop, totals)

        await asyncio.gather(*(one(*window) for window in windows))
        for month, totals in months.items():
            for field, value in totals.items():
                book.set(month, field, value)

    def _at_once(self) -> int:
        """Calls of one account in flight at once: all of them when a Graph batch carries
        them, else :data:`INSIGHTS_AT_ONCE` (one account's share of the connections)."""
        return BATCHED_AT_ONCE if self.http.batching else INSIGHTS_AT_ONCE

    async def _window(
        self, user: str, start: datetime, stop: datetime, totals: dict[str, int | None]
    ) -> None:
        params: dict[str, str | int] = {
            "metric": ",".join(TOTAL_METRICS),
            "metric_type": "total_value",
            "period": "day",
            "since": int(start.timestamp()),
            "until": int(stop.timestamp()),
        }
        body = obj(await self.http.get(f"{user}/insights", params), "insights")
        reported: set[str] = set()
        for index, raw in enumerate(items(body.get("data"), "insights.data")):
            where = f"insights[{index}]"
            metric = obj(raw, where)
            name = metric.get("name")
            if name not in TOTAL_METRICS:
                continue
            if "id" in metric:  # {ig-user-id}/insights/{metric}/day
                check_owned(metric["id"], f"{user}/insights/", user, f"{where}.id")
            field = TOTAL_METRICS[str(name)]
            value = count(obj(metric.get("total_value"), where).get("value"), f"{where}.value")
            reported.add(field)
            current = totals[field]
            totals[field] = None if current is None else current + value
        for field in totals:
            if field not in reported:  # unavailable data is an empty set, not 0
                totals[field] = None


def _check_owner(media: dict[str, Any], user: str, where: str) -> None:
    """A medium's ``owner`` is the account that posted it: Meta returns it to that account's
    own token (https://developers.facebook.com/docs/instagram-platform/reference/instagram-media),
    so a medium of another account in the listing means the answer was another account's."""
    owner = media.get("owner")
    if owner is None:
        return  # not returned: nothing to check
    found = owner.get("id") if isinstance(owner, dict) else owner
    if found != user:
        raise foreign(found, user, f"{where}.owner.id")


def _answers(replies: object, user: str, cwhere: str) -> list[datetime]:
    """When the account replied to a comment (its ``replies`` edge)."""
    answers = []
    for rindex, rraw in enumerate(items(obj(replies, cwhere).get("data"), cwhere)):
        reply = obj(rraw, f"{cwhere}.replies[{rindex}]")
        if _author(reply) == user:
            answers.append(quick_time(reply.get("timestamp"))
                           or meta_time(reply.get("timestamp"), f"{cwhere}.replies"))
    return answers


def _author(comment: dict[str, object]) -> str | None:
    author = comment.get("from")
    value = author.get("id") if isinstance(author, dict) else None
    return value if isinstance(value, str) else None
