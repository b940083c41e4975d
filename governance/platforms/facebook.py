"""Facebook Pages through the Graph API: followers, posts with their interactions, Page insights.

Requests (``{page}`` is the Page id):

* ``GET /{page}?fields=id,username,followers_count``: the follower snapshot of the current
  month, and the Page's id and username (by id; by username while the register has no id).
* ``GET /{username}?fields=id``: the Page behind the registered handle, when the sync asks
  (see :mod:`governance.platforms.identity`).
* ``GET /{page}/published_posts?fields=...&since&until&limit=100``: posts, newest first, with
  reaction, comment and share totals, ``post_clicks_by_type`` for link clicks, and the comments
  (ids, times and the author id, to tell the Page's own replies from others' comments;
  ``message``, which is classified as a question or not and dropped; ``is_hidden``).
* ``GET /{page}/conversations?platform=messenger&fields=...``: direct messages, see
  :mod:`governance.platforms.dms`.
* ``GET /{page}/insights?metric=page_total_media_view_unique,page_daily_follows_unique,
  page_video_views&period=day&since&until`` in windows of at most 90 days, skipped when the
  previous sync ran the same day (Meta updates these once a day).

Reach is the sum of daily unique viewers: Meta offers no calendar-month unique figure, so a viewer
seen on two days counts twice. Saves are not exposed for Pages (unknown).

Per-post figures (:mod:`governance.posts`) come with the posts listing the sync reads anyway, no
request of their own: the post insights ``post_total_media_view_unique`` (reach),
``post_video_views`` and ``post_clicks_by_type["link clicks"]`` as a field expansion (lifetime;
https://developers.facebook.com/docs/graph-api/reference/insights), the reaction, comment and
share totals, and ``status_type`` for the kind (``added_photos`` image, ``added_video`` video,
``shared_story`` link, else text). They are stored only when the post is due (a post younger than
28 days at most once a day). A metric Meta leaves out is unknown; saves are unknown.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from governance.monthly import STOCKHOLM, add_months, month_of
from governance.platforms.common import (
    FetchPlan,
    FetchResult,
    MonthBook,
    PageGuard,
    ReplyTally,
    count,
    first_after,
    items,
    meta_time,
    month_start_utc,
    obj,
    quick_time,
    stored_time,
    text,
)
from governance.platforms.dms import meta_conversations
from governance.platforms.http import PlatformHttp
from governance.platforms.identity import Identity, clean_username, found_or_empty, read_profile
from governance.platforms.meta import INSIGHTS_KEPT_DAYS, check_owned, graph_day, graph_pages

#: Current Page insights metrics (the removed page_impressions*/page_fans* are never asked for).
INSIGHT_FIELDS: dict[str, str] = {
    "page_total_media_view_unique": "reach",
    "page_daily_follows_unique": "new_followers",
    "page_video_views": "video_views",
}
POST_FIELDS = ",".join(
    [
        "id",
        "created_time",
        "shares",
        "reactions.summary(total_count).limit(0)",
        "comments.filter(stream).summary(total_count).limit(100)"
        "{id,created_time,from{id},parent{id},message,is_hidden}",
        "status_type",
        "insights.metric(post_clicks_by_type,post_total_media_view_unique,post_video_views)"
        "{name,values}",
    ]
)
#: ``status_type`` -> the kind of post (anything else is a text update).
KINDS = {"added_photos": "image", "added_video": "video", "shared_story": "link"}
#: Meta answers at most 90 days of Page insights per query.
INSIGHTS_WINDOW_DAYS = 90


class FacebookClient:
    """Monthly figures of Facebook Pages."""

    platform = "facebook"

    def __init__(self, http: PlatformHttp) -> None:
        self.http = http

    async def fetch(self, plan: FetchPlan) -> FetchResult:
        account = plan.account
        followers, identity = await read_profile(
            account.handle, account.platform_id, plan.check_handle, self._profile, self._page_id
        )
        if followers is None:  # the handle leads to another Page: no figures
            return FetchResult({}, dict(plan.cursor), identity)
        # The Page's own id, as read (also when the register knows only the handle): the
        # Page's replies are the comments whose author is this id.
        page = identity.id
        book = MonthBook(plan.months)
        book.set(plan.months[-1], "followers", followers)
        newest, before = await self._posts(page, plan, book)
        known = before or stored_time(plan.cursor.get("last_post_at"))
        if not newest and known is None and not plan.cursor.get("looked_back"):
            known = await self._last_post(page)  # quiet for the whole window: ask once
        book.last_posts(newest, known)
        if not plan.same_day:
            await self._insights(page, plan, book)
        dms = await meta_conversations(self.http, page, "messenger", plan, book)
        latest = max([*newest.values(), *([known] if known else [])], default=None)
        cursor = {"last_post_at": latest.isoformat() if latest else None, "looked_back": True,
                  **dms}
        return FetchResult(book.patches, cursor, identity)

    async def _profile(self, key: str, by_id: bool) -> tuple[int, Identity]:
        """The Page's followers, id and username (``key`` is its id or its username)."""
        body = obj(await self.http.get(key, {"fields": "id,username,followers_count"}), "page")
        seen = Identity(text(body.get("id"), "page.id"),
                        clean_username(body.get("username"), "page.username"))
        return count(body.get("followers_count"), "page.followers_count"), seen

    async def _page_id(self, handle: str) -> str:
        """The id of the Page with this username, "" when there is none."""
        async def read() -> str:
            body = obj(await self.http.get(handle, {"fields": "id"}), "page")
            return text(body.get("id"), "page.id")

        return await found_or_empty(read())

    async def _posts(
        self, page: str, plan: FetchPlan, book: MonthBook
    ) -> tuple[dict[str, datetime], datetime | None]:
        """Count posts and their interactions; tally comments and the Page's replies.

        Returns the newest post of each month, and the newest post before the window if any.
        """
        book.zero("posts", "reactions", "comments", "shares", "link_clicks")
        book.unknown("saves")
        tally = ReplyTally(book, plan.now, plan.classifier, hidden_known=True)
        # One month earlier than the window, so new comments on last month's posts are seen.
        since = month_start_utc(add_months(plan.months[0], -1))
        params: dict[str, str | int] = {
            "fields": POST_FIELDS,
            "since": int(since.timestamp()),
            "until": int(plan.now.timestamp()),
            "limit": 100,
        }
        window = month_start_utc(plan.months[0])
        newest: dict[str, datetime] = {}
        before: datetime | None = None
        own = f"{page}_"  # a Page's post ids are {page-id}_{post-id}
        async for batch in graph_pages(self.http, f"{page}/published_posts", params, "posts"):
            for index, raw in enumerate(batch):
                where = f"posts[{index}]"
                post = obj(raw, where)
                check_owned(post.get("id"), own, page, f"{where}.id")
                created = meta_time(post.get("created_time"), f"{where}.created_time")
                await self._comments(page, post, where, tally)
                figures = _figures(post, where)
                _post_figures(plan, post, created, figures, where)
                month = book.holds(created)
                if month is None:
                    if created < window and (before is None or created > before):
                        before = created
                    continue
                newest[month] = max(created, newest.get(month, created))
                book.add(month, "posts", 1)
                for name in ("reactions", "comments", "shares", "link_clicks"):
                    book.add(month, name, figures[name])
            tally.settle()  # the page's comment texts, judged together
        return newest, before

    async def _comments(
        self, page: str, post: dict[str, Any], where: str, tally: ReplyTally
    ) -> None:
        """Feed the tally: others' top-level comments, answered by the Page's first reply."""
        edge = post.get("comments")
        if edge is None:
            return
        # (id, arrived, its text, hidden): the texts are judged with the others of the listing's
        # page once its posts are read (ReplyTally.settle in _posts), then dropped; never kept.
        arrivals: list[tuple[str, datetime, Any, bool]] = []
        answers: dict[str, list[datetime]] = defaultdict(list)
        guard_where = f"{where}.comments"
        body = obj(edge, guard_where)
        # The page limit too, not only repeats: a server handing out endless fresh links would
        # otherwise keep one account fetching forever. (Each link is checked against the base
        # URL by the HTTP layer before it is followed.)
        guard = PageGuard(self.http, guard_where)
        while True:
            for index, raw in enumerate(items(body.get("data"), f"{guard_where}.data")):
                # The strict readers are asked (and where named) only for what is not plainly
                # good: a sync reads ~10^5 comments.
                comment = raw if type(raw) is dict else obj(raw, f"{guard_where}[{index}]")
                at = quick_time(comment.get("created_time")) or meta_time(
                    comment.get("created_time"), f"{guard_where}[{index}].created_time")
                author = comment.get("from")
                by_page = isinstance(author, dict) and author.get("id") == page
                parent = comment.get("parent")
                if isinstance(parent, dict) and by_page:
                    answers[text(parent.get("id"), f"{guard_where}[{index}].parent.id")].append(at)
                elif parent is None and not by_page:
                    comment_id = comment.get("id")
                    if type(comment_id) is not str or not comment_id:
                        comment_id = text(comment_id, f"{guard_where}[{index}].id")
                    arrivals.append((comment_id, at, comment.get("message"),
                                     comment.get("is_hidden") is True))
            paging = body.get("paging")
            following = paging.get("next") if isinstance(paging, dict) else None
            if not following:
                break
            if not isinstance(following, str):
                raise PageGuard.bad_next(guard_where)
            guard.check(following)
            body = obj(await self.http.get(following), guard_where)
        for comment_id, arrived, message, hidden in arrivals:
            tally.comment_text(arrived, first_after(arrived, answers.get(comment_id, [])),
                               message, hidden=hidden)

    async def _last_post(self, page: str) -> datetime | None:
        body = obj(
            await self.http.get(f"{page}/published_posts", {"fields": "created_time", "limit": 1}),
            "posts",
        )
        data = items(body.get("data"), "posts.data")
        if not data:
            return None
        post = obj(data[0], "posts[0]")
        if "id" in post:  # Graph gives the id unasked
            check_owned(post["id"], f"{page}_", page, "posts[0].id")
        return meta_time(post.get("created_time"), "posts[0].created_time")

    async def _insights(self, page: str, plan: FetchPlan, book: MonthBook) -> None:
        """Daily Page insights summed per month; months Meta no longer keeps stay unknown."""
        today = plan.now.astimezone(STOCKHOLM).date()
        first = max(
            month_start_utc(plan.months[0]).astimezone(STOCKHOLM).date(),
            today - timedelta(days=INSIGHTS_KEPT_DAYS - 1),
        )
        sums: dict[tuple[str, str], int] = {}
        months: dict[str, str] = {}
        windows = []
        start = first
        while start < today:
            end = min(start + timedelta(days=INSIGHTS_WINDOW_DAYS), today)
            windows.append((start, end))
            start = end
        # Every window at once: a Graph batch carries them together.
        await asyncio.gather(*(self._window(page, s, e, sums, months) for s, e in windows))
        for month in book.months:
            for field in INSIGHT_FIELDS.values():
                # Unreported (a Page under 100 likes, or older than Meta keeps): unknown, not 0.
                book.set(month, field, sums.get((field, month)))


    async def _window(self, page: str, start: date, end: date,
                      sums: dict[tuple[str, str], int], months: dict[str, str]) -> None:
        """One window of at most 90 days of daily Page insights, added to ``sums``."""
        params = {
            "metric": ",".join(INSIGHT_FIELDS),
            "period": "day",
            "since": start.isoformat(),
            "until": end.isoformat(),
        }
        body = obj(await self.http.get(f"{page}/insights", params), "insights")
        for index, raw in enumerate(items(body.get("data"), "insights.data")):
            where = f"insights[{index}]"
            metric = obj(raw, where)
            name = metric.get("name")
            if name not in INSIGHT_FIELDS:
                continue
            if "id" in metric:  # {page-id}/insights/{metric}/day
                check_owned(metric["id"], f"{page}/insights/", page, f"{where}.id")
            field = INSIGHT_FIELDS[str(name)]
            for vindex, value in enumerate(items(metric.get("values"), f"{where}.values")):
                # Checked inline, the message built only for a bad point: ~10^5 points a sync.
                point = value if type(value) is dict else obj(value, f"{where}.values[{vindex}]")
                figure = point.get("value")
                if type(figure) is not int or figure < 0:
                    figure = count(figure, f"{where}.value")
                key = (field, _month(point.get("end_time"), months, where))
                sums[key] = sums.get(key, 0) + figure


def _post_figures(
    plan: FetchPlan, post: dict[str, Any], at: datetime, figures: dict[str, int | None], where: str
) -> None:
    """Keep the post's figures when they are due (governance.posts)."""
    if plan.posts is None:
        return
    post_id = text(post.get("id"), f"{where}.id")
    if plan.posts.due(post_id, at):
        plan.posts.add(post_id, at, KINDS.get(str(post.get("status_type")), "text"), **figures)


def _figures(post: dict[str, Any], where: str) -> dict[str, int | None]:
    """A post's totals and lifetime insights (None where Meta gave none)."""
    shares = post.get("shares")  # absent when nobody shared
    figures: dict[str, int | None] = {
        "reactions": _summary(post, "reactions", where),
        "comments": _summary(post, "comments", where),
        "shares": 0 if shares is None else
        count(obj(shares, f"{where}.shares").get("count"), f"{where}.shares"),
    }
    metrics = _post_metrics(post, where)
    figures["link_clicks"] = _link_clicks(metrics, where)
    figures["reach"] = _lifetime(metrics, "post_total_media_view_unique", where)
    figures["video_views"] = _lifetime(metrics, "post_video_views", where)
    return figures


#: The post insights metrics read (each from its first entry in the post's ``insights``).
POST_METRICS = ("post_clicks_by_type", "post_total_media_view_unique", "post_video_views")


def _post_metrics(post: dict[str, Any], where: str) -> dict[str, tuple[int, dict[str, Any]]]:
    """The first entry (its index, and itself) of each of :data:`POST_METRICS` in the post's
    insights, in one walk that ends once all are found; empty when Meta returned no insights."""
    insights = post.get("insights")
    found: dict[str, tuple[int, dict[str, Any]]] = {}
    if insights is None:
        return found
    for index, raw in enumerate(items(obj(insights, f"{where}.insights").get("data"), where)):
        metric = obj(raw, f"{where}.insights[{index}]")
        name = metric.get("name")
        if name in POST_METRICS and name not in found:
            found[name] = (index, metric)
            if len(found) == len(POST_METRICS):
                break
    return found


def _lifetime(metrics: dict[str, tuple[int, dict[str, Any]]], name: str,
              where: str) -> int | None:
    """A post insights metric's lifetime value; None when Meta left it out."""
    if name not in metrics:
        return None
    index, metric = metrics[name]
    values = items(metric.get("values"), f"{where}.insights[{index}].values")
    return count(obj(values[0], where).get("value"), f"{where}.{name}") if values else None


def _summary(post: dict[str, Any], edge: str, where: str) -> int:
    doc = obj(post.get(edge), f"{where}.{edge}")
    summary = obj(doc.get("summary"), f"{where}.{edge}.summary")
    return count(summary.get("total_count"), f"{where}.{edge}.summary.total_count")


def _link_clicks(metrics: dict[str, tuple[int, dict[str, Any]]], where: str) -> int | None:
    """``post_clicks_by_type["link clicks"]``; None when Meta returned no insights for the post."""
    if "post_clicks_by_type" not in metrics:
        return None
    index, metric = metrics["post_clicks_by_type"]
    values = items(metric.get("values"), f"{where}.insights[{index}].values")
    if not values:
        return None
    by_type = obj(obj(values[0], where).get("value"), f"{where}.insights.value")
    # A type with no clicks is left out of the object.
    return count(by_type.get("link clicks", 0), f"{where}.insights.link clicks")


#: The month of each daily ``end_time`` seen, shared by every Page of a sync (they all ask for
#: the same ~800 days); cleared when it grows past :data:`_MONTHS_KEPT`.
_MONTHS: dict[str, str] = {}
_MONTHS_KEPT = 20_000


def _month(end_time: Any, seen: dict[str, str], where: str) -> str:
    """The month of a daily value's day, cached by its timestamp (the same ~800 recur)."""
    if isinstance(end_time, str):
        known = seen.get(end_time) or _MONTHS.get(end_time)
        if known is not None:
            return known
    month = month_of(graph_day(meta_time(end_time, f"{where}.end_time")))
    if len(_MONTHS) >= _MONTHS_KEPT:
        _MONTHS.clear()
    seen[str(end_time)] = _MONTHS[str(end_time)] = month
    return month
