"""Emulated LinkedIn Community Management API (versioned ``/rest``)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote

from governance.emulation.app import Answer, Handler, Request
from governance.emulation.data import AccountData, Post

_INTERVAL = re.compile(
    r"\(timeRange:\(start:(\d+),end:(\d+)\),timeGranularityType:(DAY|MONTH)\)"
)
_VERSION = re.compile(r"^20\d{4}$")
KEPT_DAYS = 365
#: A day in milliseconds: the emulation's days are UTC days, without summer time.
_DAY_MS = 86_400_000


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def route(request: Request) -> tuple[AccountData | None, Handler | None]:
    parts, params = request.parts, request.params
    if parts[0] == "networkSizes" and len(parts) == 2:
        return _org(request, unquote(parts[1])), _network_size
    if parts[0] == "organizations":
        if len(parts) == 2:
            return _org(request, parts[1]), _organization
        if params.get("q") == "vanityName":
            return _org(request, params.get("vanityName", "")), _organization
        return None, None
    urn = params.get("author") or params.get("organizationalEntity") or ""
    handlers: dict[str, Handler] = {
        "posts": _posts,
        "organizationalEntityShareStatistics": _share_statistics,
        "organizationalEntityFollowerStatistics": _follower_statistics,
    }
    return _org(request, urn), handlers.get(parts[0])


def _org(request: Request, urn: str) -> AccountData | None:
    return request.emulation.account("linkedin", urn.rsplit(":", 1)[-1])


def _check_version(request: Request) -> Answer | None:
    version = request.headers.get("linkedin-version", "")
    if not _VERSION.match(version):
        return Answer({"status": 426, "code": "NONEXISTENT_VERSION",
                       "message": f"Requested version {version} is not active"}, 426)
    if request.headers.get("x-restli-protocol-version") != "2.0.0":
        return Answer({"status": 400, "message": "Missing X-Restli-Protocol-Version"}, 400)
    return None


def _organization(request: Request, data: AccountData) -> Answer:
    """An organization by id, or the Organization Lookup API's finder by vanity name."""
    refused = _check_version(request)
    if refused:
        return refused
    pid = data.profile.platform_id
    # A number, as LinkedIn sends it (a test's odd id such as "01" stays as it is).
    org = {"id": int(pid) if pid.isdigit() and str(int(pid)) == pid else pid,
           "vanityName": data.profile.handle,
           "localizedName": data.profile.handle, "primaryOrganizationType": "GOVERNMENT"}
    if request.params.get("q") == "vanityName":
        return Answer({"paging": {"start": 0, "count": 10, "links": []}, "elements": [org]})
    return Answer(org)


def _network_size(request: Request, data: AccountData) -> Answer:
    if request.params.get("edgeType") != "COMPANY_FOLLOWED_BY_MEMBER":
        return Answer({"status": 400, "code": "ILLEGAL_ARGUMENT", "message": "edgeType"}, 400)
    return _check_version(request) or Answer({"firstDegreeSize": data.followers})


def _posts(request: Request, data: AccountData) -> Answer:
    refused = _check_version(request)
    if refused:
        return refused
    count = min(100, int(request.params.get("count", "10")))
    start = int(request.params.get("start", "0"))
    if "paging-loop" in request.fault_kinds:
        start = 0  # a server that ignores start: the same page again and again
    posts = [p for p in data.posts if p.at <= request.now]
    page = posts[start:start + count]
    if "paging-loop" in request.fault_kinds:
        while page and len(page) < count:
            page = page + page[: count - len(page)]
    elements = [{
        "id": post.id, "author": f"urn:li:organization:{data.profile.platform_id}",
        "createdAt": _ms(post.at), "publishedAt": _ms(post.at),
        "lastModifiedAt": _ms(post.at), "lifecycleState": "PUBLISHED", "visibility": "PUBLIC",
        "commentary": "…", **_content(post),
    } for post in page]
    links: list[dict[str, Any]] = []
    if start + count < len(posts) or "paging-loop" in request.fault_kinds:
        links.append({"rel": "next", "type": "application/json",
                      "href": f"/rest/posts?{request.link(start=start + count).split('?', 1)[1]}"})
    return Answer({"paging": {"start": start, "count": count, "links": links,
                              "total": len(posts)}, "elements": elements})


def _days(request: Request) -> list[datetime] | Answer:
    match = _INTERVAL.fullmatch(request.params.get("timeIntervals", ""))
    if not match:
        return Answer({"status": 400, "code": "ILLEGAL_ARGUMENT",
                       "message": "Invalid param timeIntervals"}, 400)
    start = datetime.fromtimestamp(int(match[1]) / 1000, tz=UTC)
    end = datetime.fromtimestamp(int(match[2]) / 1000, tz=UTC)
    oldest = request.now - timedelta(days=KEPT_DAYS)
    if start < oldest - timedelta(days=1):
        return Answer({"status": 400, "code": "ILLEGAL_ARGUMENT", "message": "Start time must "
                       "be within the last 12 months"}, 400)
    day = start.replace(hour=0, minute=0, second=0, microsecond=0)
    days = []
    while day < end and day + timedelta(days=1) <= request.now:
        days.append(day)
        day += timedelta(days=1)
    return days


def _content(post: Post) -> dict[str, Any]:
    """A post's ``content``: an image or video, an article (a link), or none (text)."""
    number = post.id.rsplit(":", 1)[-1]
    if post.kind in ("video", "reel"):
        return {"content": {"media": {"id": f"urn:li:video:D{number}", "title": "…"}}}
    if post.kind == "image":
        return {"content": {"media": {"id": f"urn:li:image:C{number}", "altText": "…"}}}
    if post.kind == "link":
        return {"content": {"article": {"source": "https://helsingborg.se/", "title": "…"}}}
    return {}


_LIST = re.compile(r"List\(([^()]*)\)")


def _post_statistics(request: Request, data: AccountData, key: str) -> Answer:
    """Lifetime statistics of the posts in ``shares=List(...)`` (or ``ugcPosts``), of the last
    12 months; posts without activity are left out, as LinkedIn does."""
    listed = _LIST.fullmatch(request.params.get(key, ""))
    if not listed:
        return Answer({"status": 400, "code": "ILLEGAL_ARGUMENT",
                       "message": f"Invalid param {key}"}, 400)
    urn = f"urn:li:organization:{data.profile.platform_id}"
    oldest = request.now - timedelta(days=KEPT_DAYS)
    by_id = {p.id: p for p in data.posts if oldest <= p.at <= request.now}
    elements = []
    for post_urn in filter(None, listed[1].split(",")):
        post = by_id.get(unquote(post_urn))
        if post is None or not (post.likes or post.comments or post.shares):
            continue
        stats = {"uniqueImpressionsCount": post.reach, "impressionCount": post.reach * 2,
                 "clickCount": post.link_clicks + 3, "likeCount": post.likes,
                 "commentCount": len(post.comments), "shareCount": post.shares,
                 "engagement": 0.04}
        elements.append({"organizationalEntity": urn, key[:-1]: post.id,
                         "totalShareStatistics": stats})
    return Answer({"paging": {"start": 0, "count": 10, "links": []}, "elements": elements})


def _share_statistics(request: Request, data: AccountData) -> Answer:
    refused = _check_version(request)
    if refused:
        return refused
    for key in ("shares", "ugcPosts"):
        if key in request.params:
            return _post_statistics(request, data, key)
    days = _days(request)
    if isinstance(days, Answer):
        return days
    urn = f"urn:li:organization:{data.profile.platform_id}"
    first, count = (days[0].date(), len(days)) if days else (request.now.date(), 0)
    figures = {metric: data.dailies(first, count, metric, 0, high)
               for metric, high in (("impressions", 900), ("clicks", 40), ("likes", 30),
                                    ("cm", 5), ("shares", 4))}
    elements = []
    for index, day in enumerate(days):
        impressions = figures["impressions"][index]
        if not impressions:
            continue  # days without activity are left out
        stats = {
            "uniqueImpressionsCount": data.daily(day.date(), "unique", 0, impressions),
            "impressionCount": impressions, "clickCount": figures["clicks"][index],
            "likeCount": figures["likes"][index], "commentCount": figures["cm"][index],
            "shareCount": figures["shares"][index], "engagement": 0.031,
        }
        start = _ms(day)
        elements.append({"organizationalEntity": urn, "totalShareStatistics": stats,
                         "timeRange": {"start": start, "end": start + _DAY_MS}})
    return Answer({"paging": {"start": 0, "count": 10, "links": []}, "elements": elements})


def _follower_statistics(request: Request, data: AccountData) -> Answer:
    refused = _check_version(request)
    if refused:
        return refused
    days = _days(request)
    if isinstance(days, Answer):
        return days
    urn = f"urn:li:organization:{data.profile.platform_id}"
    first, count = (days[0].date(), len(days)) if days else (request.now.date(), 0)
    gains = data.dailies(first, count, "gain", -2, 9)
    starts = [_ms(day) for day in days]
    elements = [{
        "organizationalEntity": urn,
        "timeRange": {"start": start, "end": start + _DAY_MS},
        "followerGains": {"organicFollowerGain": gain, "paidFollowerGain": 0},
    } for start, gain in zip(starts, gains, strict=True)]
    return Answer({"paging": {"start": 0, "count": 10, "links": []}, "elements": elements})
