"""What Facebook and Instagram share: Graph error codes, usage headers and cursor paging."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from datetime import datetime, timedelta
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from governance.platforms.common import PageGuard, items, obj
from governance.platforms.http import PlatformHttp
from governance.platforms.replies import OK, Reply, Verdict
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
        except ValueError:
            continue  # a bad header is no reason to fail the account
        if name == "x-app-usage" and isinstance(doc, dict):
            found.append(MappingProxyType(doc))  # shared by every caller: read-only
        elif isinstance(doc, dict):
            for entries in doc.values():
                if isinstance(entries, list):
                    found.extend(MappingProxyType(e) for e in entries if isinstance(e, dict))
    return tuple(found)


def _number(value: Any) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def usage_percent(headers: Mapping[str, str]) -> float:
    """The highest share of any Meta limit used, in percent (0 when not reported)."""
    keys = ("call_count", "total_cputime", "total_time")
    return max((_number(e.get(k)) for e in _usage_entries(headers) for k in keys), default=0.0)


def regain_seconds(headers: Mapping[str, str]) -> float | None:
    """BUC's ``estimated_time_to_regain_access`` (minutes) as seconds, when it is set."""
    minutes = [_number(e.get("estimated_time_to_regain_access")) for e in _usage_entries(headers)]
    longest = max(minutes, default=0.0)
    return longest * 60 if longest > 0 else None


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
            return Verdict("wait", regain_seconds(reply.headers), detail)
        if code in (1, 2) or error.get("is_transient") is True or reply.status >= 500:
            return Verdict("retry", detail=detail)
        return Verdict("refused", detail=detail)

    def pause(self, reply: Reply, now: float, settings: Settings) -> float:
        used = usage_percent(reply.headers)
        if used >= 100:
            return regain_seconds(reply.headers) or settings.slowdown_s * 4
        return settings.slowdown_s if used >= SLOW_DOWN_AT else 0.0


async def graph_pages(
    http: PlatformHttp, path: str, params: Mapping[str, str | int] | None, where: str
) -> AsyncIterator[list[Any]]:
    """Each page's ``data`` of a cursor-paged Graph listing, following ``paging.next``."""
    guard = PageGuard(http, where)
    body = obj(await http.get(path, params), where)
    while True:
        yield items(body.get("data"), f"{where}.data")
        paging = body.get("paging")
        following = paging.get("next") if isinstance(paging, dict) else None
        if not following:
            return
        if not isinstance(following, str):
            raise PageGuard.bad_next(where)
        guard.check(following)
        body = obj(await http.get(following), where)


def graph_day(end_time: datetime) -> datetime:
    """The day a daily insights value belongs to: ``end_time`` marks the end of its bucket."""
    return end_time - timedelta(days=1)
