"""The accounts table's rows, read straight from the stored documents.

The app's first paint waits for a row of every account. Building a full
:class:`~governance.model.Account` for each of 10,000 accounts (editors, dates, the request and
the closing checklist) and a :class:`~governance.monthly.MonthlyStats` for each stored month, only
to keep a platform, a handle, a count of editors and two figures, took most of the start-up's
CPU. So this module decodes the shards' bytes straight into the few fields a row shows
(:func:`governance.storage.typed.account_rows`: the rest of each document is only scanned, and
nothing is built for it). What a row shows of the stats (the last post's day, the latest known
follower count) comes from each stats shard's recent file, which holds it per account derived
from all its months (:func:`governance.storage.typed.latest_figures`); only where that file
cannot be used (stale, damaged, missing, of an older format) are the stats documents read, every
month of every account. Only the few accounts waiting for a decision become full accounts (the
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
from typing import TYPE_CHECKING, Any

from governance.account_order import by_ref
from governance.model import Account
from governance.monthly import STOCKHOLM
from governance.stats_rows import post_moment
from governance.storage.database import ReadTransaction, bulk_allocation
from governance.storage.recent import FOLLOWERS_AT
from screens.view_models import AccountSummary

if TYPE_CHECKING:
    from governance.storage.typed import AccountRow, RowShard
    from screens.run_scope import RunScope

#: The errors a document of the wrong shape raises here (as ``ReadTransaction.shaped`` expects).
SHAPE_ERRORS = (KeyError, TypeError, ValueError, AttributeError, IndexError)


@dataclass(frozen=True)
class RegisterRows:
    """Every account as a table row (by platform and handle, as the register lists them), and
    the accounts awaiting a decision."""

    summaries: list[AccountSummary]
    requested: list[Account]


def read_rows(txn: ReadTransaction, scope: RunScope | None) -> RegisterRows:
    """Every account's row; ``scope`` tells the latest audit's broken rules per account and which
    accounts it judged (None before the first audit: the rules column is then unknown)."""
    from governance.storage import typed  # msgspec: loaded when the register is first read

    summaries: list[AccountSummary] = []
    requested: list[Account] = []
    with bulk_allocation():
        for shard in typed.row_shards(txn):
            rows = shard.rows
            if rows is None:  # this transaction's own copy of the shard: from its documents
                with txn.shaped(shard.accounts_at):
                    rows = {key: _row_of(doc) for key, doc in shard.docs.items()}
            _shard_rows(txn, shard, rows, scope, summaries)
            wanted = {row.id for row in rows.values() if row.status == "requested"}
            if wanted:
                requested += typed.accounts_with_ids(txn, shard.accounts_at, wanted)
    by_ref(summaries)
    return RegisterRows(summaries, requested)


def _shard_rows(
    txn: ReadTransaction,
    shard: RowShard,
    rows: Mapping[str, AccountRow],
    scope: RunScope | None,
    summaries: list[AccountSummary],
) -> None:
    """Add the rows of one shard to ``summaries``, each with its figures."""
    rel, stats, latest = shard.accounts_at, shard.stats, shard.latest
    try:  # (one try per shard: a ``with`` per account would cost more than the row)
        for key, row in rows.items():
            day: date | None = None
            followers: int | None = None
            if latest is not None:  # from the recent file: figures derived from every month
                if (found := latest.get(key)) is not None:
                    day, followers = found.day, found.followers
            elif (doc := stats.get(key)) is not None:
                rel = shard.stats_at
                day, followers = _stats_figures(doc["months"])
                rel = shard.accounts_at  # (the row's own fields are checked below)
            summaries.append(_summary(row, scope, day, followers))
    except SHAPE_ERRORS:
        with txn.shaped(rel):
            raise


def _row_of(doc: Mapping[str, Any]) -> AccountRow:
    """A document's row fields (a shard this transaction changed), checked as the typed read
    checks them; a document of the wrong shape raises TypeError or KeyError."""
    from governance.storage.typed import AccountRow, EditorRow

    fields = ("id", "platform", "handle", "department")
    values = [doc[name] for name in fields] + [
        doc.get("status", "active"),
        doc.get("visibility", "open"),
    ]
    editors = doc.get("editors", ())
    if not all(type(value) is str for value in values) or not isinstance(editors, list | tuple):
        raise TypeError("account fields id, platform, handle, department, status, visibility")
    account_id, platform, handle, department, status, visibility = values
    created = doc.get("created")
    return AccountRow(
        id=account_id,
        platform=platform,
        handle=handle,
        department=department,
        status=status,
        visibility=visibility,
        editors=tuple(
            EditorRow(name=e["name"], email=e["email"], appointed=e["appointed"]) for e in editors
        ),
        created=None if created is None else datetime.fromisoformat(created),
    )


def _summary(
    row: AccountRow,
    scope: RunScope | None,
    day: date | None,
    followers: int | None,
) -> AccountSummary:
    """A row with its figures; its editors' appointments checked as the account reads them
    (they are counted), the other fields' types by the decoding."""
    for editor in row.editors:
        if not (type(editor.name) is str and type(editor.email) is str):
            raise TypeError("an editor's name and e-mail must be text")
        date.fromisoformat(editor.appointed)
    broken = None if scope is None else scope.rules_of(row.id, row.status, row.created)
    return AccountSummary(
        row.id,
        f"{row.platform}:{row.handle}",
        row.platform,
        row.handle,
        row.department,
        row.visibility,
        row.status,
        len(row.editors),
        day,
        followers,
        broken,
    )


def _stats_figures(months: Mapping[str, list[Any]]) -> tuple[date | None, int | None]:
    """The day of the last post (the latest of any month) and the latest known followers, from
    the stored months (a stats shard read in full: no usable recent file)."""
    last_post: datetime | None = None
    followers: int | None = None
    for month in sorted(months):  # oldest first: the latest known follower count wins
        row = months[month]
        moment = post_moment(row[0])  # (BadRow, a ValueError, for a time outside the calendar)
        if moment is not None and (last_post is None or moment > last_post):
            last_post = moment
        if len(row) > FOLLOWERS_AT and row[FOLLOWERS_AT] is not None:
            followers = row[FOLLOWERS_AT]
    day: date | None = last_post.astimezone(STOCKHOLM).date() if last_post else None
    return day, followers
