"""What a sync cost against each platform's quota, in words: the summary ``kontokoll sync``
prints after its table (the figures are counted by :mod:`governance.platforms.quota`).

Counts take their plural form ("1 HTTP-förfrågan", "2 HTTP-förfrågningar") and numbers are
written as the reader's language writes them: thousands grouped ("10 000" in Swedish, with a
no-break space as the report and the app write them; "10,000" in English), a decimal comma in
Swedish ("0,2 %"). An unknown figure is said to be unknown, never shown as 0.
"""

from __future__ import annotations

from collections.abc import Iterable

from governance.i18n import current_language, t
from governance.platforms.quota import X_MONTHLY_POSTS, YOUTUBE_DAILY_UNITS
from governance.sync import PlatformSummary

#: What Swedish groups thousands with: a space that does not break the number over two lines.
_SWEDISH_GROUP = "\u00a0"


def whole(number: int) -> str:
    """A count with its thousands grouped: ``10 000`` (Swedish), ``10,000`` (English)."""
    text = f"{number:,}"
    return text.replace(",", _SWEDISH_GROUP) if current_language() == "sv" else text


def share(percent: float) -> str:
    """A percentage with at most one decimal, none when whole: ``0,2``, ``3``, ``12,5``; a
    share above 0 that would round to it is ``< 0,1`` (4 units of 10,000 were spent, not 0)."""
    if 0 < percent < 0.05:
        return "< " + share(0.1)
    text = f"{percent:,.1f}".removesuffix(".0")
    if current_language() != "sv":
        return text
    return text.replace(",", _SWEDISH_GROUP).replace(".", ",")


def _counted(key: str, number: int) -> str:
    return t(key, count=number, n=whole(number))


def quota_lines(summaries: Iterable[PlatformSummary]) -> list[str]:
    """The quota block: a title, then each platform's calls and what its quota says."""
    lines = []
    for summary in summaries:
        platform = summary.platform
        lines.append(t("sync_quota.calls", platform=platform,
                       calls=_counted("sync_quota.call_count", summary.calls),
                       requests=_counted("sync_quota.request_count", summary.requests)))
        lines.append(_platform_line(summary))
    return [t("sync_quota.title"), *lines] if lines else []


def _platform_line(summary: PlatformSummary) -> str:
    """What the platform's own quota says of this sync (unknown figures said to be)."""
    platform = summary.platform
    if platform == "youtube":
        units = summary.units
        if units is None:
            return t("sync_quota.youtube_unknown")
        return t("sync_quota.youtube", units=_counted("sync_quota.unit_count", units),
                 limit=whole(YOUTUBE_DAILY_UNITS),
                 percent=share(100 * units / YOUTUBE_DAILY_UNITS))
    if platform == "x":
        posts = summary.posts_read
        if posts is None:
            return t("sync_quota.x_unknown")
        return t("sync_quota.x", count=posts, posts=whole(posts), limit=whole(X_MONTHLY_POSTS))
    if platform in ("facebook", "instagram"):
        used = summary.usage_percent
        if used is None:
            return t("sync_quota.meta_unknown", platform=platform)
        return t("sync_quota.meta", platform=platform, percent=share(used))
    return t("sync_quota.linkedin")
