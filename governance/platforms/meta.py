"""What Facebook and Instagram share: Graph error codes, usage headers and cursor paging."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from datetime import datetime, timedelta
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from governance.platforms.common import PageGuard, items, obj
from governance.platforms.errors import MalformedResponse
from governance.platforms.http import PlatformHttp
from governance.platforms.replies import OK, Reply, Verdict, credible_wait
from governance.platforms.settings import Settings

#: Graph error codes that mean "too many calls": app, user, Page, custom, BUC Pages, BUC Instagram.
RATE_LIMIT_CODES = frozenset({4, 17, 32, 341, 613, 80001, 80002})
#: Slow down from this share of any Meta limit (percent).
SLOW_DOWN_AT = 80


#: Meta keeps two years of insights for Pages and Instagram accounts alike.
INSIGHTS_KEPT_DAYS = 730


def _usage_entries(headers: Mapping[str, str]) -> tuple[Mapping[str, Any], ...]:
    """The usage objects of ``X-App-Usage`` and ``X-Business-Use-Case-Usage``, if readable."""
    return _parsed_usage(headers.get("x-app-usage") or "",
                         headers.get("x-business-use-case-usage") or "")


@lru_cache(maxsize=512)
def _parsed_usage(app: str, business: str) -> tuple[Mapping[str, Any], ...]:
    """The usage objects of the two headers' values; kept, as every call of a sync brings them
    (twice read: for the slow-down and for the quota) and the same values recur."""
    found: list[Mapping[str, Any]] = []
    for name, raw in (("x-app-usage", app), ("x-business-use-case-usage", business)):
        if not raw:
            continue
        try:
            doc = json.loads(raw)
        except (ValueError, RecursionError):  # RecursionError: "[[[[..." nested past the stack
            continue  # a bad header is no reason to fail the account
        if name == "x-app-usage" and isinstance(doc, dict):
            found.append(MappingProxyType(doc))  # shared by every caller: read-only
        elif isinstance(doc, dict):
            for entries in doc.values():
                if isinstance(entries, list):
                    found.extend(MappingProxyType(e) for e in entries if isinstance(e, dict))
    return tuple(found)


#: The highest share of a limit a usage header may credibly report, in percent. Meta reports
#: shares past 100 while a limit is exceeded, but not by a hundredfold: a larger, negative or
#: non-finite figure (``NaN``, ``1e999``) is a broken header, and the usage is then unknown.
LARGEST_CREDIBLE_PERCENT = 10_000.0
_USAGE_KEYS = ("call_count", "total_cputime", "total_time")


def _number(value: Any) -> float | None:
    """A JSON number as a float; None when it is not one (a string, a bool, null)."""
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def usage_percent(headers: Mapping[str, str]) -> float | None:
    """The highest share of any Meta limit used, in percent; None when the headers report none
    or any share they report is not credible (then "at most so much" cannot be said)."""
    highest: float | None = None
    for entry in _usage_entries(headers):
        for key in _USAGE_KEYS:
            if key not in entry:
                continue
            share = _number(entry[key])
            if share is None or not 0.0 <= share <= LARGEST_CREDIBLE_PERCENT:
                return None  # NaN fails both comparisons
            highest = share if highest is None else max(highest, share)
    return highest


def asked_regain_seconds(headers: Mapping[str, str]) -> float | None:
    """BUC's ``estimated_time_to_regain_access`` (minutes) as seconds, as asked, when set: the
    HTTP layer judges whether it is credible (and says so when it is not)."""
    longest: float | None = None
    for entry in _usage_entries(headers):
        minutes = _number(entry.get("estimated_time_to_regain_access"))
        if minutes is not None and minutes > 0:  # NaN is not > 0
            longest = minutes if longest is None else max(longest, minutes)
    return longest * 60 if longest is not None else None


def regain_seconds(headers: Mapping[str, str]) -> float | None:
    """:func:`asked_regain_seconds` when it is a wait that can be true, else None."""
    return credible_wait(asked_regain_seconds(headers))


class MetaPolicy:
    """Graph API errors and usage headers (Facebook Pages and Instagram)."""

    def judge(self, reply: Reply, now: float) -> Verdict:
        body = reply.body
        error = body.get("error") if isinstance(body, dict) else None
        if not isinstance(error, dict):
            return OK
        code = error.get("code")
        detail = f"Graph error {code}" + (
            f"/{error['error_subcode']}" if error.get("error_subcode") is not None else ""
        )
        if code == 190 or reply.status == 401:
            return Verdict("token", detail=detail)
        if code in RATE_LIMIT_CODES:
            return Verdict("wait", asked_regain_seconds(reply.headers), detail)
        if code in (1, 2) or error.get("is_transient") is True or reply.status >= 500:
            return Verdict("retry", detail=detail)
        return Verdict("refused", detail=detail)

    def pause(self, reply: Reply, now: float, settings: Settings) -> float:
        used = usage_percent(reply.headers)
        if used is None:  # not reported, or not credibly
            return 0.0
        if used >= 100:
            return regain_seconds(reply.headers) or settings.slowdown_s * 4
        return settings.slowdown_s if used >= SLOW_DOWN_AT else 0.0


def foreign(found: object, asked: str, where: str) -> MalformedResponse:
    """The error for an answer that names another account than the one asked for (a batch
    answer put in the wrong place): that account fails, and nothing of the answer is stored."""
    shown = found if isinstance(found, str) and found.isascii() and found.isprintable() else "?"
    return MalformedResponse(
        detail=f"an answer for another account at {where} ({shown[:60]}, asked for {asked})")


def check_owned(found: object, prefix: str, asked: str, where: str) -> None:
    """Raise :func:`foreign` unless the id ``found`` starts with ``prefix``: a Page's post ids
    are ``{page-id}_{post-id}``, an insights metric's id ``{object-id}/insights/...``."""
    if type(found) is not str or not found.startswith(prefix):
        raise foreign(found, asked, where)


async def graph_pages(
    http: PlatformHttp, path: str, params: Mapping[str, str | int] | None, where: str
) -> AsyncIterator[list[Any]]:
    """Each page's ``data`` of a cursor-paged Graph listing, following ``paging.next``.

    A next link must lead to the same object (``{node}/...``) as the listing asked for: one
    that leads to another account's listing means the answer was another account's."""
    guard = PageGuard(http, where)
    body = obj(await http.get(path, params), where)
    node = path.partition("/")[0]
    base = http.base_url.rstrip("/") + "/"
    while True:
        yield items(body.get("data"), f"{where}.data")
        paging = body.get("paging")
        following = paging.get("next") if isinstance(paging, dict) else None
        if not following:
            return
        if not isinstance(following, str):
            raise PageGuard.bad_next(where)
        guard.check(following)
        if following.startswith(base):  # (the HTTP layer refuses any other before sending)
            linked = following[len(base):].partition("?")[0].partition("/")[0]
            if linked != node:
                http.target(following)  # off the base after all ("../"): refused as such
                raise foreign(linked, node, f"{where}.paging.next")
        body = obj(await http.get(following), where)


def graph_day(end_time: datetime) -> datetime:
    """The day a daily insights value belongs to: ``end_time`` marks the end of its bucket."""
    return end_time - timedelta(days=1)
