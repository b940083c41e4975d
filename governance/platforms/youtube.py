"""YouTube channels through the Data API v3 (API key, sent in the ``X-Goog-Api-Key`` header).

Requests (1 quota unit each; ``search.list`` at 100 units is never used):

* ``GET /channels?part=snippet,contentDetails,statistics&id=UC...`` (or ``forHandle=@...``):
  the subscriber snapshot, the video count, the uploads playlist and the handle
  (``snippet.customUrl``). By id, the channels of a sync are asked for together, up to 50 ids
  a call (``id`` takes a comma-separated list, ``maxResults`` ≤ 50, 1 unit per call:
  https://developers.google.com/youtube/v3/docs/channels/list ,
  https://developers.google.com/youtube/v3/determine_quota_cost); a channel left out of the
  answer is not found. ``GET /channels?part=id&forHandle=@...``: the channel behind the
  registered handle, when the sync asks (see :mod:`governance.platforms.identity`).
* ``GET /playlistItems?part=contentDetails&playlistId=UU...&maxResults=50``: uploads, newest first,
  then ``GET /videos?part=statistics&id=<≤50 ids>`` for their views, likes and comments. Skipped
  the same day when the video count has not changed.
* ``GET /commentThreads?part=snippet,replies&allThreadsRelatedToChannelId=UC...&order=time``:
  comments, answered when the channel's own reply follows. ``fields`` trims the answer to ids,
  times, author channel ids and the top-level comment's ``textDisplay`` (the text any key may
  read; ``textOriginal`` is guaranteed only to its author), which is classified as a question or
  not and dropped. Held and rejected comments are not listed (default ``published``): hidden
  comments are unknown here. YouTube has no private messages. Nothing tells of new comments
  without asking, so the same Stockholm day the threads are read again only when the video count
  changed or ``Settings.relist_after_s`` has passed since the last read.

Counts arrive as decimal strings, as documented. Unknown: reach and link clicks (not in the API),
shares (Analytics API only, owner OAuth), saves, and new subscribers (``subscriberCount`` is
rounded, so differences of it mean little).

Per-post figures (:mod:`governance.posts`): each upload's ``viewCount`` (video views),
``likeCount`` and ``commentCount`` from the same ``videos.list`` (part ``statistics``,
https://developers.google.com/youtube/v3/docs/videos/list); a stored video younger than 28 days
outside the months being read is asked for in the same way (50 ids a request), at most once a
day. Every upload is a ``video``: the Data API does not say which are Shorts. Unknown per post:
reach, link clicks, shares (Analytics API, owner OAuth) and saves.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any, cast

from governance.platforms.batching import Missing
from governance.platforms.common import (
    LISTED_AT,
    FetchPlan,
    FetchResult,
    MonthBook,
    PageGuard,
    ReplyTally,
    bad,
    first_after,
    iso,
    items,
    month_start_utc,
    obj,
    quick_time,
    relist_due,
    rfc3339,
    stored_time,
    text,
    uint64_text,
)
from governance.platforms.errors import PlatformRefused
from governance.platforms.http import PlatformHttp
from governance.platforms.identity import Identity, clean_username, found_or_empty, read_profile
from governance.platforms.replies import OK, Reply, Verdict, retry_after
from governance.platforms.settings import Settings

CHANNEL_PARTS = "snippet,contentDetails,statistics"
#: ``channels.list`` takes up to 50 ids (``maxResults`` ≤ 50), for 1 unit whatever their number.
CHANNEL_IDS = 50
THREAD_FIELDS = (
    "nextPageToken,items(id,snippet(totalReplyCount,topLevelComment(snippet(publishedAt,"
    "authorChannelId,textDisplay))),replies(comments(snippet(publishedAt,authorChannelId))))"
)


class YouTubePolicy:
    """Google's JSON errors: ``quotaExceeded`` stops until midnight Pacific; others back off."""

    def judge(self, reply: Reply, now: float) -> Verdict:
        body = reply.body if isinstance(reply.body, dict) else {}
        error = body.get("error")
        if not isinstance(error, dict):
            return OK
        errors = error.get("errors")
        reasons = {e.get("reason") for e in errors if isinstance(e, dict)} if isinstance(
            errors, list) else set()
        details = error.get("details")
        if isinstance(details, list):  # newer errors name the cause in google.rpc.ErrorInfo
            reasons |= {d.get("reason") for d in details if isinstance(d, dict)}
        detail = f"HTTP {reply.status} {','.join(sorted(str(r) for r in reasons))}".strip()
        if "quotaExceeded" in reasons or "dailyLimitExceeded" in reasons:
            return Verdict("quota", None, detail)
        if reasons & {"rateLimitExceeded", "userRateLimitExceeded"}:
            return Verdict("wait", retry_after(reply.headers), detail)
        if reply.status == 401 or reasons & {"authError", "keyInvalid", "keyExpired",
                                             "API_KEY_INVALID", "API_KEY_EXPIRED"}:
            return Verdict("token", detail=detail)
        if reply.status >= 500:
            return Verdict("retry", detail=detail)
        return Verdict("refused", detail=detail)

    def pause(self, reply: Reply, now: float, settings: Settings) -> float:
        return 0.0  # quota is daily units; no header reports it


class YouTubeClient:
    """Monthly figures of YouTube channels."""

    platform = "youtube"

    def __init__(self, http: PlatformHttp) -> None:
        self.http = http

    async def fetch(self, plan: FetchPlan) -> FetchResult:
        account = plan.account
        channel, identity = await read_profile(
            account.handle, account.platform_id, plan.check_handle, self._channel,
            self._channel_id,
        )
        if channel is None:  # the handle leads to another channel: no figures
            return FetchResult({}, dict(plan.cursor), identity)
        channel_id = identity.id
        stats = obj(channel.get("statistics"), "channel.statistics")
        uploads = text(
            obj(obj(channel.get("contentDetails"), "contentDetails").get("relatedPlaylists"),
                "relatedPlaylists").get("uploads"),
            "relatedPlaylists.uploads",
        )
        videos = uint64_text(stats.get("videoCount"), "statistics.videoCount")
        current = plan.months[-1]
        hidden = stats.get("hiddenSubscriberCount") is True
        followers = None if hidden else uint64_text(
            stats.get("subscriberCount"), "statistics.subscriberCount"
        )
        patches: dict[str, dict[str, Any]] = {current: {"followers": followers}}
        known = stored_time(plan.cursor.get("last_post_at"))
        cursor: dict[str, Any] = {"video_count": videos, "last_post_at": iso(known)}
        if not plan.same_day or videos != plan.cursor.get("video_count"):
            uploads_book = MonthBook(plan.months)
            uploads_book.unknown("reach", "link_clicks", "shares", "saves", "new_followers")
            latest = await self._uploads(uploads, plan, uploads_book, known)
            cursor["last_post_at"] = iso(latest)
            _merge(patches, uploads_book)
        cursor["newest_thread"] = plan.cursor.get("newest_thread")
        cursor[LISTED_AT] = plan.cursor.get(LISTED_AT)
        if (plan.same_day and videos == plan.cursor.get("video_count")
                and not relist_due(plan, self.http.settings.relist_after_s)):
            # No new video, and the threads were read within the hour: the stored figures stand.
            return FetchResult(patches, cursor, identity)
        threads_book = MonthBook(plan.months)
        newest, tallied = await self._threads(channel_id, plan, threads_book)
        if tallied:
            _merge(patches, threads_book)
        cursor["newest_thread"], cursor[LISTED_AT] = newest, iso(plan.now)
        return FetchResult(patches, cursor, identity)

    async def _channel(self, key: str, by_id: bool) -> tuple[dict[str, Any], Identity]:
        """The channel by id or by handle; its handle is ``snippet.customUrl`` (``@name``)."""
        if by_id and self.http.batching:
            channel = await self._batched(key)
        else:
            params: dict[str, str | int] = {"part": CHANNEL_PARTS}
            params.update({"id": key} if by_id else {"forHandle": "@" + key.lstrip("@")})
            body = obj(await self.http.get("channels", params), "channels")
            found = items(body.get("items", []), "channels.items")
            if not found:
                raise PlatformRefused(platform="youtube", detail="channel not found")
            channel = obj(found[0], "channels.items[0]")
        snippet = channel.get("snippet")
        custom = snippet.get("customUrl") if isinstance(snippet, dict) else None
        seen = Identity(text(channel.get("id"), "channels.items[0].id"),
                        clean_username(custom, "channels.items[0].snippet.customUrl"))
        return channel, seen

    async def _batched(self, channel_id: str) -> dict[str, Any]:
        """The channel, asked for with the other accounts' channels (up to 50 ids a call)."""
        http = self.http

        async def send(ids: list[str]) -> dict[str, dict[str, Any]]:
            params: dict[str, str | int] = {"part": CHANNEL_PARTS, "id": ",".join(ids),
                                            "maxResults": CHANNEL_IDS}
            body = obj(await http.get("channels", params), "channels")
            found: dict[str, dict[str, Any]] = {}
            for index, raw in enumerate(items(body.get("items", []), "channels.items")):
                channel = obj(raw, f"channels.items[{index}]")
                found[text(channel.get("id"), f"channels.items[{index}].id")] = channel
            return found

        try:
            return cast(dict[str, Any], await http.usage.coalescer(
                "channels", CHANNEL_IDS, send).get(channel_id))
        except Missing:  # left out of the answer: deleted, or never a channel
            raise PlatformRefused(platform="youtube", detail="channel not found") from None

    async def _channel_id(self, handle: str) -> str:
        """The id of the channel with this handle, "" when there is none."""
        async def read() -> str:
            params = {"part": "id", "forHandle": "@" + handle.lstrip("@")}
            body = obj(await self.http.get("channels", params), "channels")
            found = items(body.get("items", []), "channels.items")
            if not found:
                return ""
            return text(obj(found[0], "channels.items[0]").get("id"), "channels.items[0].id")

        return await found_or_empty(read())

    async def _uploads(
        self, playlist: str, plan: FetchPlan, book: MonthBook, known: datetime | None
    ) -> datetime | None:
        """Videos per month with their views, likes and comments; returns the newest upload."""
        book.zero("posts", "video_views", "reactions", "comments")
        window = month_start_utc(plan.months[0])
        in_window: list[tuple[str, datetime]] = []
        before: datetime | None = None
        params: dict[str, str | int] = {
            "part": "contentDetails", "playlistId": playlist, "maxResults": 50
        }
        async for page in self._pages("playlistItems", params, "playlistItems"):
            for index, raw in enumerate(items(page.get("items", []), "playlistItems.items")):
                where = f"playlistItems[{index}]"
                details = obj(obj(raw, where).get("contentDetails"), f"{where}.contentDetails")
                at = rfc3339(details.get("videoPublishedAt"), f"{where}.videoPublishedAt")
                if at < window:
                    before = before or at
                    continue
                in_window.append((text(details.get("videoId"), f"{where}.videoId"), at))
            if before is not None:
                break
        newest: dict[str, datetime] = {}
        published = dict(in_window)
        if plan.posts is not None:  # stored videos due for a re-read, outside the window
            for video_id in plan.posts.due_elsewhere(set(published)):
                published[video_id] = plan.posts.known_at(video_id) or plan.now
        wanted = list(published)
        for start in range(0, len(wanted), 50):
            ids = ",".join(wanted[start:start + 50])
            body = obj(await self.http.get("videos", {"part": "statistics", "id": ids}), "videos")
            _read_videos(body, published, plan, book, newest)
        book.last_posts(newest, before or (known if known and known < window else None))
        return max([*newest.values(), *([before] if before else [])], default=known)

    async def _threads(
        self, channel_id: str, plan: FetchPlan, book: MonthBook
    ) -> tuple[str | None, bool]:
        """Tally others' comments against the channel's first reply.

        Returns the newest thread id, and False when nothing is new since a sync the same day
        (then the tally is incomplete and must not replace the stored figures).
        """
        tally = ReplyTally(book, plan.now, plan.classifier)
        book.unknown("dms_due", "dms_on_time")  # YouTube has no private messages to read
        window = month_start_utc(plan.months[0])
        params: dict[str, str | int] = {
            "part": "snippet,replies", "allThreadsRelatedToChannelId": channel_id,
            "order": "time", "maxResults": 100, "fields": THREAD_FIELDS,
        }
        newest: str | None = None
        async for page in self._pages("commentThreads", params, "commentThreads"):
            done = False
            for index, raw in enumerate(items(page.get("items", []), "commentThreads.items")):
                where = f"commentThreads[{index}]"
                thread = obj(raw, where)
                thread_id = thread.get("id")
                if type(thread_id) is not str or not thread_id:
                    thread_id = text(thread_id, f"{where}.id")
                if newest is None:
                    newest = thread_id
                    if plan.same_day and thread_id == plan.cursor.get("newest_thread"):
                        return newest, False
                snippet = obj(thread.get("snippet"), f"{where}.snippet")
                top = obj(obj(snippet.get("topLevelComment"), where).get("snippet"), where)
                arrived = quick_time(top.get("publishedAt")) or rfc3339(
                    top.get("publishedAt"), f"{where}.publishedAt")
                if arrived < window:
                    done = True
                    break
                if _author(top) == channel_id:
                    continue
                answers = []
                for reply in _replies(thread, where):
                    said = obj(obj(reply, where).get("snippet"), where)
                    if _author(said) == channel_id:
                        answers.append(quick_time(said.get("publishedAt"))
                                       or rfc3339(said.get("publishedAt"), where))
                tally.comment_text(arrived, first_after(arrived, answers),
                                   top.get("textDisplay"))
            tally.settle()  # the page's texts, judged together
            if done:
                break
        return newest, True

    async def _pages(
        self, path: str, params: dict[str, str | int], where: str
    ) -> AsyncIterator[dict[str, Any]]:
        guard = PageGuard(self.http, where)
        while True:
            body = obj(await self.http.get(path, params), where)
            yield body
            token = body.get("nextPageToken")
            if token is None:
                return
            if not isinstance(token, str):
                raise PageGuard.bad_next(where)
            guard.check(token)
            params = {**params, "pageToken": token}


def _read_videos(body: dict[str, Any], published: dict[str, datetime], plan: FetchPlan,
                 book: MonthBook, newest: dict[str, datetime]) -> None:
    """Count a ``videos.list`` answer's videos in their months (``newest``: each month's
    newest upload) and keep the figures of those due (governance.posts)."""
    for index, raw in enumerate(items(body.get("items", []), "videos.items")):
        where = f"videos[{index}]"
        video = obj(raw, where)
        video_id = text(video.get("id"), f"{where}.id")
        when = published.get(video_id)
        month = book.holds(when) if when else None
        due = when is not None and plan.posts is not None and plan.posts.due(video_id, when)
        if when is None or (month is None and not due):
            continue
        figures = _statistics(video, where)  # read once, for the post and the month
        if due:
            assert plan.posts is not None
            plan.posts.add(video_id, when, "video", **figures)
        if month is None:
            continue
        if figures["video_views"] is None:  # a month's views are never unknown
            raise bad(f"{where}.viewCount", "expected a decimal string")
        newest[month] = max(when, newest.get(month, when))
        book.add(month, "posts", 1)
        for field, value in figures.items():  # likes, comments: None when hidden
            book.add(month, field, value)


def _statistics(video: dict[str, Any], where: str) -> dict[str, int | None]:
    """A video's views, likes and comments as the post record names them; None where YouTube
    left one out (likes and comments are missing when hidden or disabled: unknown)."""
    stats = obj(video.get("statistics"), f"{where}.statistics")
    found: dict[str, int | None] = {}
    for key, field in (("viewCount", "video_views"), ("likeCount", "reactions"),
                       ("commentCount", "comments")):
        value = stats.get(key)
        found[field] = None if value is None else uint64_text(value, f"{where}.{key}")
    return found


def _author(snippet: dict[str, Any]) -> str | None:
    author = snippet.get("authorChannelId")
    value = author.get("value") if isinstance(author, dict) else None
    return value if isinstance(value, str) else None


def _replies(thread: dict[str, Any], where: str) -> list[Any]:
    replies = thread.get("replies")
    if replies is None:
        return []
    return items(obj(replies, f"{where}.replies").get("comments", []), f"{where}.replies")


def _merge(patches: dict[str, dict[str, Any]], book: MonthBook) -> None:
    for month, patch in book.patches.items():
        patches.setdefault(month, {}).update(patch)
