"""LinkedIn organization pages through the versioned REST API (Community Management API).

Every request sends ``LinkedIn-Version`` and ``X-Restli-Protocol-Version: 2.0.0``. Requests
(``{org}`` is ``urn:li:organization:<id>``, URL-encoded):

* ``GET /networkSizes/{org}?edgeType=COMPANY_FOLLOWED_BY_MEMBER``: the follower snapshot.
* ``GET /organizations?q=vanityName&vanityName={handle}``: the organization behind the handle,
  while the register has no id and when the sync asks (see
  :mod:`governance.platforms.identity`); ``GET /organizations/{id}`` for the current vanity name
  when the handle led elsewhere.
* ``GET /posts?q=author&author={org}&count=50&start=N&sortBy=CREATED``: posts, newest first.
* ``GET /organizationalEntityShareStatistics`` and ``/organizationalEntityFollowerStatistics``
  with a daily time interval: impressions, interactions and follower gains, summed per month.
  Both cover only the last 12 months, so older months stay unknown. Skipped the same day.

A same-day re-sync within ``Settings.relist_after_s`` (an hour) of the last makes no request:
LinkedIn documents no multi-organization form of these reads and no sign of new posts, the
follower snapshot and the statistics were read earlier that day, and the posts within the hour.
(Organization lookup by ids, ``GET /organizations?ids=List(...)``, is documented but gives
none of the figures.)

Not stored: link clicks (LinkedIn's ``clickCount`` counts every click on a post, not link clicks),
video views (the video analytics request is unverified) and replies (one comments call per post
would exceed both the development tier's daily budget and the two-request re-sync).

Per-post figures (:mod:`governance.posts`): the posts listing gives each post's time and its
``content`` (``media`` with an image or video URN, ``multiImage``, ``article`` for a link, none for
text); for the posts that are due (new, or younger than 28 days and not read today),
``GET /organizationalEntityShareStatistics?...&shares=List(...)`` (or ``ugcPosts=List(...)``)
gives lifetime ``uniqueImpressionsCount`` (reach), ``likeCount``, ``commentCount`` and
``shareCount``, :data:`STATS_POSTS` posts a request
(https://learn.microsoft.com/en-us/linkedin/marketing/community-management/organizations/share-statistics).
A post left out of the answer had no activity (0), unless it is older than the statistics' 12
months (unknown); posts whose statistics LinkedIn refuses (403) keep them unknown. Unknown per
post: link clicks (``clickCount`` counts every click), video views, saves.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast
from urllib.parse import quote

from governance.monthly import month_of
from governance.platforms.common import (
    LISTED_AT,
    FetchPlan,
    FetchResult,
    MonthBook,
    bad,
    count,
    epoch_ms,
    iso,
    items,
    month_start_utc,
    obj,
    relist_due,
    signed,
    stored_time,
    text,
)
from governance.platforms.errors import PlatformRefused
from governance.platforms.http import PlatformHttp
from governance.platforms.identity import Identity, clean_username, found_or_empty, read_profile
from governance.platforms.replies import OK, Reply, Verdict, retry_after
from governance.platforms.settings import Settings

PAGE_SIZE = 50
STATS_KEPT_DAYS = 365
#: Share statistics fields and the record fields they fill (the doc spells unique two ways).
SHARE_FIELDS = {"likeCount": "reactions", "commentCount": "comments", "shareCount": "shares"}
#: Posts asked for in one share-statistics request (the list's limit is not documented).
STATS_POSTS = 20


def org_urn(platform_id: str) -> str:
    """``urn:li:organization:<id>`` from a bare id or a URN."""
    return platform_id if platform_id.startswith("urn:") else f"urn:li:organization:{platform_id}"


class LinkedInPolicy:
    """LinkedIn's error bodies: 401 for tokens, 429 (serviceErrorCode 101) for throttling."""

    def judge(self, reply: Reply, now: float) -> Verdict:
        body = reply.body if isinstance(reply.body, dict) else {}
        code = body.get("serviceErrorCode")
        if reply.status == 401:
            return Verdict("token", detail=f"HTTP 401 {body.get('code', '')}".strip())
        if reply.status == 429:
            # Daily limits reset at 00:00 UTC and no header says when: back off, then stop.
            return Verdict("wait", retry_after(reply.headers), f"HTTP 429 ({code})")
        if reply.status == 426:
            return Verdict("refused", detail="HTTP 426: LinkedIn-Version no longer served")
        return OK

    def pause(self, reply: Reply, now: float, settings: Settings) -> float:
        return 0.0  # LinkedIn reports no remaining-calls headers


class LinkedInClient:
    """Monthly figures of LinkedIn organization pages."""

    platform = "linkedin"

    def __init__(self, http: PlatformHttp) -> None:
        self.http = http
        self._urn_ids = False

    async def fetch(self, plan: FetchPlan) -> FetchResult:
        account = plan.account
        self._urn_ids = account.platform_id.startswith("urn:")
        if (account.platform_id and not plan.check_handle
                and not relist_due(plan, self.http.settings.relist_after_s)):
            # Read earlier today (followers, statistics) and within the hour (posts), and
            # LinkedIn tells of nothing new without asking: the stored figures stand.
            # (The identity is the registered id, as a read by id gives it: no name.)
            return FetchResult({}, dict(plan.cursor), Identity(account.platform_id))
        followers, identity = await read_profile(
            account.handle, account.platform_id, plan.check_handle, self._profile,
            self._handle_id,
        )
        if followers is None:  # the vanity name leads to another organization: no figures
            return FetchResult({}, dict(plan.cursor), identity)
        if identity.handle_id is not None and not identity.username:
            # Looked up this time: the name is the handle, unless that led elsewhere.
            same = identity.handle_id == identity.id
            name = account.handle if same else await self._vanity_name(identity.id)
            identity = Identity(identity.id, name, identity.handle_id)
        urn = org_urn(identity.id)
        encoded = quote(urn, safe="")
        book = MonthBook(plan.months)
        book.set(plan.months[-1], "followers", followers)
        newest, before = await self._posts(urn, plan, book)
        known = before or stored_time(plan.cursor.get("last_post_at"))
        book.last_posts(newest, known)
        # No comment reading yet, and no API for an organization Page's messages.
        book.unknown("link_clicks", "video_views", "saves", "replies_due", "replies_on_time",
                     "questions_due", "questions_on_time", "dms_due", "dms_on_time")
        if not plan.same_day:
            await self._statistics(encoded, plan, book)
        await self._post_statistics(encoded, plan)
        latest = max([*newest.values(), *([known] if known else [])], default=None)
        return FetchResult(book.patches, {"last_post_at": iso(latest),
                                          LISTED_AT: iso(plan.now)}, identity)

    async def _profile(self, key: str, by_id: bool) -> tuple[int, Identity]:
        """The follower count; by vanity name (``key`` a handle) the id and name first."""
        seen = Identity(key) if by_id else await self._by_vanity_name(key)
        encoded = quote(org_urn(seen.id), safe="")
        body = obj(
            await self.http.get(
                f"networkSizes/{encoded}", {"edgeType": "COMPANY_FOLLOWED_BY_MEMBER"}
            ),
            "networkSizes",
        )
        return count(body.get("firstDegreeSize"), "networkSizes.firstDegreeSize"), seen

    async def _by_vanity_name(self, handle: str) -> Identity:
        """The organization with this vanity name (Organization Lookup API)."""
        body = obj(await self.http.get("organizations", {"q": "vanityName",
                                                         "vanityName": handle}), "organizations")
        found = items(body.get("elements", []), "organizations.elements")
        if not found:
            raise PlatformRefused(platform="linkedin", detail="organization not found")
        org = obj(found[0], "organizations[0]")
        number = org.get("id")
        found_id = str(number) if isinstance(number, int) else text(number, "organizations.id")
        name = clean_username(org.get("vanityName"), "organizations[0].vanityName")
        return Identity(self._id_form(found_id), name)

    async def _handle_id(self, handle: str) -> str:
        """The id of the organization with this vanity name, "" when there is none."""
        async def read() -> str:
            return (await self._by_vanity_name(handle)).id

        return await found_or_empty(read())

    async def _vanity_name(self, org_id: str) -> str:
        body = obj(await self.http.get(f"organizations/{org_id.rsplit(':', 1)[-1]}"),
                   "organization")
        return clean_username(body.get("vanityName"), "organization.vanityName")

    def _id_form(self, number: str) -> str:
        """An organization id in the form the register keeps it (bare, or as a URN)."""
        return org_urn(number) if self._urn_ids else number

    async def _posts(
        self, urn: str, plan: FetchPlan, book: MonthBook
    ) -> tuple[dict[str, datetime], datetime | None]:
        """Rest.li offset paging over the org's posts until they are older than the window."""
        book.zero("posts")
        window = month_start_utc(plan.months[0])
        newest: dict[str, datetime] = {}
        before: datetime | None = None
        start = 0
        seen_pages: set[str] = set()
        while True:
            params: dict[str, str | int] = {
                "q": "author", "author": urn, "count": PAGE_SIZE, "start": start,
                "sortBy": "CREATED",
            }
            body = obj(await self.http.get("posts", params), "posts")
            elements = items(body.get("elements"), "posts.elements")
            first = str(obj(elements[0], "posts[0]").get("id")) if elements else ""
            if (first and first in seen_pages) or len(seen_pages) >= self.http.settings.max_pages:
                raise bad("posts", "paging loop")
            seen_pages.add(first)
            for index, raw in enumerate(elements):
                post = obj(raw, f"posts[{index}]")
                stamp = post.get("publishedAt", post.get("createdAt"))
                at = epoch_ms(stamp, f"posts[{index}].publishedAt")
                if plan.posts is not None:
                    post_id = text(post.get("id"), f"posts[{index}].id")
                    if plan.posts.due(post_id, at):
                        plan.posts.add(post_id, at, _kind(post.get("content")))
                month = book.holds(at)
                if month is not None:
                    newest[month] = max(at, newest.get(month, at))
                    book.add(month, "posts", 1)
                elif at < window:
                    before = before or at
            if before is not None or len(elements) < PAGE_SIZE or not _has_next(body):
                return newest, before
            start += len(elements)

    async def _statistics(self, encoded: str, plan: FetchPlan, book: MonthBook) -> None:
        """Daily share and follower statistics of the last 12 months, summed per month."""
        end = plan.now
        start = max(month_start_utc(plan.months[0]), end - timedelta(days=STATS_KEPT_DAYS - 1))
        interval = (
            f"(timeRange:(start:{int(start.timestamp() * 1000)},"
            f"end:{int(end.timestamp() * 1000)}),timeGranularityType:DAY)"
        )
        # Rest.li 2.0 wants the interval's parentheses and colons as they are, so the query is
        # written out rather than form-encoded.
        query = f"q=organizationalEntity&organizationalEntity={encoded}&timeIntervals={interval}"
        # A month cut by the 12-month limit would get a partial sum: it stays unknown instead.
        covered = [m for m in book.months if month_start_utc(m) >= start]
        within = frozenset(covered)
        shares = obj(
            await self.http.get(f"organizationalEntityShareStatistics?{query}"), "shareStatistics"
        )
        fields = ["reach", *SHARE_FIELDS.values()]
        sums: dict[tuple[str, str], int] = {(f, m): 0 for f in fields for m in covered}
        for index, raw in enumerate(items(shares.get("elements"), "shareStatistics.elements")):
            # A plainly good day is read inline; the rest by the strict readers, naming where.
            month = _quick_month(raw)
            figures = _quick_shares(raw) if month is not None else None
            if month is None or figures is None:
                where = f"shareStatistics[{index}]"
                month = _element_month(obj(raw, where), where)
                if month in within:
                    figures = _strict_shares(raw, where)
            if month not in within or figures is None:
                continue
            for field, value in zip(fields, figures, strict=True):
                sums[(field, month)] += value
        gains = obj(
            await self.http.get(f"organizationalEntityFollowerStatistics?{query}"),
            "followerStatistics",
        )
        followers = _follower_sums(gains, covered, within)
        for month in book.months:
            for field in fields:
                # Days without activity are left out (0); months beyond 12 are unknown.
                book.set(month, field, sums.get((field, month)))
            book.set(month, "new_followers", followers.get(month))


    async def _post_statistics(self, encoded: str, plan: FetchPlan) -> None:
        """Lifetime share statistics of the due posts, :data:`STATS_POSTS` a request."""
        if plan.posts is None:
            return
        book = plan.posts
        for post_id in book.due_elsewhere(set(book.read)):
            book.add(post_id, book.known_at(post_id) or plan.now, book.known_kind(post_id))
        oldest = plan.now - timedelta(days=STATS_KEPT_DAYS)
        wanted = [pid for pid, post in book.read.items() if post.at >= oldest]
        for start in range(0, len(wanted), STATS_POSTS):
            chunk = wanted[start:start + STATS_POSTS]
            found = {pid: dict.fromkeys(("reach", *SHARE_FIELDS.values()), 0) for pid in chunk}
            for key, urns in _by_kind(chunk).items():
                listed = ",".join(quote(urn, safe="") for urn in urns)
                query = (f"organizationalEntityShareStatistics?q=organizationalEntity"
                         f"&organizationalEntity={encoded}&{key}=List({listed})")
                try:
                    body = obj(await self.http.get(query), "postStatistics")
                except PlatformRefused:  # LinkedIn refuses some posts' statistics (403)
                    for urn in urns:
                        del found[urn]  # their figures stay unknown
                    continue
                for index, raw in enumerate(items(body.get("elements"), "postStatistics")):
                    _read_post_stats(obj(raw, f"postStatistics[{index}]"), found,
                                     f"postStatistics[{index}]")
            for post_id, figures in found.items():
                book.update(post_id, **figures)


def _by_kind(urns: list[str]) -> dict[str, list[str]]:
    """The request parameter each post URN goes in: ``ugcPosts`` or ``shares``."""
    found: dict[str, list[str]] = {}
    for urn in urns:
        found.setdefault("ugcPosts" if urn.startswith("urn:li:ugcPost:") else "shares",
                         []).append(urn)
    return found


def _read_post_stats(element: dict[str, Any], found: dict[str, dict[str, int]],
                     where: str) -> None:
    urn = element.get("share", element.get("ugcPost"))
    if not isinstance(urn, str) or urn not in found:
        return
    stats = obj(element.get("totalShareStatistics"), f"{where}.totalShareStatistics")
    unique = stats.get("uniqueImpressionsCount", stats.get("uniqueImpressionsCounts", 0))
    found[urn]["reach"] = count(unique, f"{where}.uniqueImpressionsCount")
    for key, field in SHARE_FIELDS.items():
        found[urn][field] = count(stats.get(key, 0), f"{where}.{key}")


def _kind(content: Any) -> str:
    """A post's kind from its ``content``: image or video media, several images, an article."""
    if not isinstance(content, dict):
        return "text"
    media = content.get("media")
    media_id = media.get("id") if isinstance(media, dict) else None
    if isinstance(media_id, str):
        return "video" if media_id.startswith("urn:li:video:") else "image"
    if "multiImage" in content:
        return "image"
    return "link" if "article" in content else "text"


def _has_next(body: dict[str, Any]) -> bool:
    paging = body.get("paging")
    if not isinstance(paging, dict):
        return True  # without paging info, a full page means: ask for the next
    links = paging.get("links")
    if not isinstance(links, list):
        return True
    return any(isinstance(link, dict) and link.get("rel") == "next" for link in links)


#: The month of each day start seen, shared by every organization of a sync (they all ask for the
#: same days); cleared when it grows past :data:`_MONTHS_KEPT`.
_MONTHS: dict[int, str] = {}
_MONTHS_KEPT = 20_000


def _follower_sums(gains: dict[str, Any], covered: list[str],
                   within: frozenset[str]) -> dict[str, int]:
    """Each covered month's follower gains (organic and paid) from a follower-statistics body."""
    followers: dict[str, int] = dict.fromkeys(covered, 0)
    for index, raw in enumerate(items(gains.get("elements"), "followerStatistics.elements")):
        quick = _quick_gain(raw)
        if quick is not None:
            if quick[0] in within:
                followers[quick[0]] += quick[1]
            continue
        where = f"followerStatistics[{index}]"
        element = obj(raw, where)
        month = _element_month(element, where)
        if month not in covered:
            continue
        gain = obj(element.get("followerGains"), f"{where}.followerGains")
        followers[month] += signed(gain.get("organicFollowerGain", 0), f"{where}.organic")
        followers[month] += signed(gain.get("paidFollowerGain", 0), f"{where}.paid")
    return followers


def _quick_month(element: Any) -> str | None:
    """:func:`_element_month` of a day whose start is a plain int seen before; else None."""
    if type(element) is dict:
        time_range = element.get("timeRange")
        if type(time_range) is dict:
            start = time_range.get("start")
            if type(start) is int:
                return _MONTHS.get(start)
    return None


def _quick_shares(element: dict[str, Any]) -> list[int] | None:
    """A day's reach and share counts (as ``fields`` in ``_statistics``) when each is plainly
    a count; None: the strict reader is to be asked."""
    stats = element.get("totalShareStatistics")
    if type(stats) is not dict:
        return None
    found = [stats.get("uniqueImpressionsCount", stats.get("uniqueImpressionsCounts", 0)),
             *(stats.get(key, 0) for key in SHARE_FIELDS)]
    return found if all(type(v) is int and v >= 0 for v in found) else None


def _quick_gain(element: Any) -> tuple[str, int] | None:
    """A day's month and follower gain (organic + paid) when both gains are plainly whole
    numbers and the day's month is known; None: the strict readers are to be asked."""
    month = _quick_month(element)
    gain = element.get("followerGains") if month is not None else None
    if month is None or type(gain) is not dict:
        return None
    organic, paid = gain.get("organicFollowerGain", 0), gain.get("paidFollowerGain", 0)
    return (month, organic + paid) if type(organic) is int and type(paid) is int else None


def _strict_shares(raw: Any, where: str) -> list[int]:
    """:func:`_quick_shares`, raising :class:`MalformedResponse` naming where a day is wrong."""
    stats = obj(obj(raw, where).get("totalShareStatistics"), f"{where}.totalShareStatistics")
    unique = stats.get("uniqueImpressionsCount", stats.get("uniqueImpressionsCounts", 0))
    return [count(unique, f"{where}.uniqueImpressionsCount"),
            *(count(stats.get(key, 0), f"{where}.{key}") for key in SHARE_FIELDS)]


def _element_month(element: dict[str, Any], where: str) -> str:
    """The Stockholm month of a daily element (by its start; LinkedIn days are UTC days)."""
    time_range = obj(element.get("timeRange"), f"{where}.timeRange")
    start = time_range.get("start")
    # Only a plain int is looked up: True == 1 and 1.0 == 1 must still fail as epoch_ms says.
    if type(start) is int and start in _MONTHS:
        return _MONTHS[start]
    day = epoch_ms(start, f"{where}.timeRange.start")  # raises unless an int of a datetime
    try:
        month = month_of(day)
    except ValueError:  # the last hours of year 9999 have no Stockholm month
        raise bad(f"{where}.timeRange.start", "expected epoch milliseconds") from None
    if len(_MONTHS) >= _MONTHS_KEPT:
        _MONTHS.clear()
    _MONTHS[cast(int, start)] = month
    return month

