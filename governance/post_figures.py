"""Engagemangsgrad and the monthly figures built on per-post figures: pure functions, no I/O.

Definitions (the guideline's *Mätning och uppföljning*; the README repeats them):

- **Interactions** of a post are reactions + comments + shares + saves, the guideline's
  "interaktioner (... reaktioner, kommentarer, dela eller spara)". Link clicks and video views are
  not interactions (they are shown beside them). A part that is unknown in *every* stored post of
  the account is one its platform does not report per post (saves on Facebook and LinkedIn,
  shares and saves on YouTube) and is left out; a post in which a part the account does report is
  unknown has unknown interactions, never a smaller number.
- **Engagemangsgrad** of a post is its interactions ÷ the channel's followers in the post's month
  (the monthly follower snapshot of the stats): "hur stor andel av kanalens följare som har
  engagerat sig i inlägget". Unknown when either is unknown, or with no followers to divide by.
  A fraction: 0.012 is 1.2 %.
- Per month and account (:func:`account_months`): reach, interactions and new followers of the
  monthly record (interactions by the rule above over the months), the **total rate** (the
  month's interactions ÷ its followers) and the **mean post rate** (the mean of the rates of the
  month's posts that have one). Per department (:func:`department_months`): sums over the
  accounts that know a figure (with how many do), the total rate over the accounts that know both
  interactions and followers, and the mean over all their posts' rates.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from governance.monthly import MonthlyStats
from governance.posts import PostFigures

#: The parts of an interaction, in the guideline's order.
INTERACTION_PARTS: tuple[str, ...] = ("reactions", "comments", "shares", "saves")


def reported_parts(records: Iterable[object]) -> tuple[str, ...]:
    """The parts known in at least one of ``records`` (posts or monthly records)."""
    stored = list(records)
    return tuple(p for p in INTERACTION_PARTS
                 if any(getattr(r, p, None) is not None for r in stored))


def interactions(record: object, parts: Sequence[str]) -> int | None:
    """The sum of ``parts`` of a post or month; unknown if any of them is (or there are none)."""
    if not parts:
        return None
    total = 0
    for part in parts:
        figure = getattr(record, part, None)
        if figure is None:
            return None
        total += figure
    return total


def rate(interactions: int | None, followers: int | None) -> float | None:
    """``interactions / followers``; unknown when either is unknown or there are no followers."""
    if interactions is None or followers is None or followers <= 0:
        return None
    return interactions / followers


@dataclass(frozen=True, slots=True)
class PostView:
    """One post with its interactions and engagemangsgrad (None: unknown)."""

    post: PostFigures
    interactions: int | None
    followers: int | None
    rate: float | None


def post_views(posts: Sequence[PostFigures], months: Sequence[MonthlyStats]) -> list[PostView]:
    """Each of one account's posts with its interactions and rate, in the order given."""
    followers = {m.month: m.followers for m in months}
    parts = reported_parts(posts)
    views = []
    for post in posts:
        count = interactions(post, parts)
        month_followers = followers.get(post.month)
        views.append(PostView(post, count, month_followers, rate(count, month_followers)))
    return views


def top(views: Iterable[PostView], limit: int, month: str | None = None) -> list[PostView]:
    """The ``limit`` posts with the highest rate (of ``month`` if given); unknown rates last,
    then by interactions, newest first on ties."""
    chosen = [v for v in views if month is None or v.post.month == month]
    chosen.sort(key=lambda v: (v.rate is not None, v.rate or 0.0, v.interactions or -1,
                               v.post.at), reverse=True)
    return chosen[:max(0, limit)]


@dataclass(frozen=True, slots=True)
class MonthSummary:
    """One account's month (or a department's: ``accounts``/``known`` say how many knew)."""

    month: str
    reach: int | None
    interactions: int | None
    new_followers: int | None
    followers: int | None
    total_rate: float | None
    mean_post_rate: float | None
    posts: int


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def account_months(
    months: Sequence[MonthlyStats], views: Sequence[PostView], wanted: Sequence[str]
) -> list[MonthSummary]:
    """One account's figures for each month in ``wanted``."""
    by_month = {m.month: m for m in months}
    parts = reported_parts(months)
    result = []
    for month in wanted:
        record = by_month.get(month)
        rates = [v.rate for v in views if v.post.month == month and v.rate is not None]
        count = interactions(record, parts) if record else None
        followers = record.followers if record else None
        result.append(MonthSummary(
            month, record.reach if record else None, count,
            record.new_followers if record else None, followers, rate(count, followers),
            _mean(rates), sum(1 for v in views if v.post.month == month)))
    return result


def _known_sum(values: Iterable[int | None]) -> int | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def department_months(
    accounts: Mapping[str, tuple[Sequence[MonthSummary], Sequence[PostView]]],
    wanted: Sequence[str],
) -> list[MonthSummary]:
    """A department's figures per month from its accounts' (:func:`account_months`, views)."""
    result = []
    for index, month in enumerate(wanted):
        rows = [summaries[index] for summaries, _ in accounts.values()]
        both = [r for r in rows if r.interactions is not None and r.followers]
        rates = [v.rate for _, views in accounts.values() for v in views
                 if v.post.month == month and v.rate is not None]
        result.append(MonthSummary(
            month, _known_sum(r.reach for r in rows), _known_sum(r.interactions for r in rows),
            _known_sum(r.new_followers for r in rows), _known_sum(r.followers for r in rows),
            rate(sum(r.interactions or 0 for r in both), sum(r.followers or 0 for r in both))
            if both else None,
            _mean(rates), sum(r.posts for r in rows)))
    return result
