"""Figures from other parts of Kontokoll: the moderation register and per-post figures.

:func:`moderation_figures` reads the moderation register (:mod:`governance.moderation`).
:func:`top_posts` reads the per-post figures the sync keeps (issue 12) through
:mod:`governance.posts_read`; with none stored for the quarter the report says there are none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from audits.quarters import Quarter
from governance.model import Account
from governance.storage.database import ReadTransaction


@dataclass(frozen=True, slots=True)
class PostFigures:
    """One post's figures in the quarter (no post text is ever stored or shown)."""

    account_ref: str  # PLATFORM:HANDLE
    post_id: str
    published: datetime
    kind: str  # text, image, video, link, reel
    reach: int | None
    interactions: int | None
    #: Engagemangsgrad: interactions ÷ the channel's followers in the post's month.
    rate: float | None


@dataclass(frozen=True, slots=True)
class ModerationFigures:
    """The quarter's moderation register for a group of accounts: actions by kind."""

    hidden: int
    deleted: int
    blocked: int
    #: Deletions not yet registered (diarieförda), which the guideline requires.
    unregistered: int


def top_posts(
    txn: ReadTransaction, accounts: Sequence[Account], quarter: Quarter, limit: int
) -> tuple[PostFigures, ...] | None:
    """The quarter's ``limit`` posts with the highest engagemangsgrad among ``accounts``, from
    the per-post figures the sync keeps (:mod:`governance.posts_read`)."""
    from governance.posts_read import top_posts as ranked

    return tuple(
        PostFigures(account.ref, view.post.post_id, view.post.at, view.post.kind,
                    view.post.reach, view.interactions, view.rate)
        for account, view in ranked(txn, accounts, quarter.months, limit)
    )


def moderation_figures(
    txn: ReadTransaction, accounts: Sequence[Account], quarter: Quarter
) -> ModerationFigures | None:
    """The moderation register's actions on ``accounts`` in ``quarter`` (Stockholm dates).

    A deletion counts as unregistered until its registration mail went to the registry.
    """
    from governance.moderation.service import load_records, local_day

    wanted = {a.id for a in accounts}
    first, last = quarter.first_day, quarter.last_day
    counts = {"hide": 0, "delete": 0, "block": 0}
    unregistered = 0
    for record in load_records(txn):
        if record.account_id not in wanted or not first <= local_day(record.at) <= last:
            continue
        counts[record.action] = counts.get(record.action, 0) + 1
        if record.action == "delete" and record.sent_at is None:
            unregistered += 1
    return ModerationFigures(counts["hide"], counts["delete"], counts["block"], unregistered)
