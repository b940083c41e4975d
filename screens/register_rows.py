"""The accounts table's rows, read straight from the stored documents.

The app's first paint waits for a row of every account. Building a full
:class:`~governance.model.Account` for each of 10,000 accounts (editors, dates, the request and
the closing checklist) and a :class:`~governance.monthly.MonthlyStats` for each stored month, only
to keep a platform, a handle, a count of editors and two figures, took most of the start-up's
CPU. So this module reads the shards' documents, as the audit engine does, and takes from each
only what a row shows. Only the few accounts waiting for a decision become full accounts (the
overview lists their requests).

The fields a row shows (and the editors it counts) are checked as :meth:`Account.from_doc` checks
them, and a document of the wrong shape there stops the read with
:class:`~governance.errors.StoreCorrupt` naming its file. Fields no row shows (a project's end,
the request, the closing checklist) are checked where they are read: when the account is opened,
and by ``kontokoll doctor``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from governance.model import Account
from governance.monthly import STOCKHOLM, STORED_FIELDS
from governance.storage.database import ReadTransaction, bulk_allocation
from governance.store import repos
from screens.view_models import AccountSummary

#: Where the follower count sits in a stored month row (``MonthlyStats.to_row``).
FOLLOWERS_AT = STORED_FIELDS.index("followers")
#: The errors a document of the wrong shape raises here (as ``ReadTransaction.shaped`` expects).
SHAPE_ERRORS = (KeyError, TypeError, ValueError, AttributeError, IndexError)


@dataclass(frozen=True)
class RegisterRows:
    """Every account as a table row (by platform and handle, as the register lists them), and
    the accounts awaiting a decision."""

    summaries: list[AccountSummary]
    requested: list[Account]


def read_rows(txn: ReadTransaction, rules: Mapping[str, tuple[str, ...]] | None) -> RegisterRows:
    """Every account's row; ``rules`` are the latest audit's broken rules per account id (None
    before the first audit: the rules column is then unknown)."""
    summaries: list[AccountSummary] = []
    requested: list[Account] = []
    with bulk_allocation():
        for shard in repos(txn).accounts.shards():
            rel = shard.accounts_at
            try:  # (one try per shard: a ``with`` per account would cost more than the row)
                for key, doc in shard.accounts.items():
                    rel = shard.accounts_at
                    summary = _summary(doc, rules)
                    if summary.status == "requested":
                        requested.append(Account.from_doc(doc))
                    stats = shard.stats.get(key)
                    if stats is not None:
                        rel = shard.stats_at
                        summary = _with_stats(summary, stats["months"])
                    summaries.append(summary)
            except SHAPE_ERRORS:
                with txn.shaped(rel):
                    raise
    summaries.sort(key=_by_ref)
    return RegisterRows(summaries, requested)


def _by_ref(summary: AccountSummary) -> tuple[str, str]:
    return summary.platform, summary.handle


def _summary(doc: Mapping[str, Any], rules: Mapping[str, tuple[str, ...]] | None) -> AccountSummary:
    """A row without its figures, refusing a document whose shown fields are not text."""
    account_id, platform, handle = doc["id"], doc["platform"], doc["handle"]
    department = doc["department"]
    status, visibility = doc.get("status", "active"), doc.get("visibility", "open")
    editors = doc.get("editors", ())
    # Spelled out, not a loop: this runs for each of 10,000 accounts.
    if not (
        type(account_id) is str
        and type(platform) is str
        and type(handle) is str
        and type(department) is str
        and type(status) is str
        and type(visibility) is str
        and isinstance(editors, list | tuple)
    ):
        raise TypeError("account fields id, platform, handle, department, status, visibility")
    for editor in editors:  # counted, so read as the account reads them (a cheap check)
        if not (type(editor["name"]) is str and type(editor["email"]) is str):
            raise TypeError("an editor's name and e-mail must be text")
        date.fromisoformat(editor["appointed"])
    broken = None
    if rules is not None and status == "active":
        broken = rules.get(account_id, ())
    return AccountSummary(
        account_id,
        f"{platform}:{handle}",
        platform,
        handle,
        department,
        visibility,
        status,
        len(editors),
        None,
        None,
        broken,
    )


def _with_stats(summary: AccountSummary, months: Mapping[str, list[Any]]) -> AccountSummary:
    """The row with its last post (the latest of any month) and the latest known followers."""
    last_post: datetime | None = None
    followers: int | None = None
    for month in sorted(months):  # oldest first: the latest known follower count wins
        row = months[month]
        if row[0]:
            moment = datetime.fromisoformat(row[0])
            if last_post is None or moment > last_post:
                last_post = moment
        if len(row) > FOLLOWERS_AT and row[FOLLOWERS_AT] is not None:
            followers = row[FOLLOWERS_AT]
    if last_post is None and followers is None:
        return summary
    day: date | None = last_post.astimezone(STOCKHOLM).date() if last_post else None
    return AccountSummary(
        summary.id,
        summary.ref,
        summary.platform,
        summary.handle,
        summary.department,
        summary.visibility,
        summary.status,
        summary.editors,
        day,
        followers,
        summary.rules,
    )
