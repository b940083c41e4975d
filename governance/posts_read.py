"""Per-post figures as the CLI, the app and the report read them: with their engagemangsgrad.

Reads the store (posts and the monthly follower snapshots) in one read transaction and hands the
rows to :mod:`governance.post_figures`. The CSV (``kontokoll stats export --posts``) is for
Swedish Excel like the stats CSV (:mod:`governance.csvio`): an unknown figure is an empty cell,
never 0; the rate is in percent with a decimal comma when the separator is ``;``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from governance.csvio import render_csv
from governance.i18n import current_language
from governance.model import Account
from governance.monthly import STOCKHOLM
from governance.post_figures import PostView, post_views, top
from governance.posts import POST_COUNTS
from governance.storage.database import ReadTransaction
from governance.store import Store, repos

#: The posts CSV's columns (no post text, ever).
POSTS_COLUMNS: tuple[str, ...] = (
    "platform", "handle", "post_id", "published", "month", "kind", *POST_COUNTS,
    "interactions", "followers", "engagement_rate_percent", "read_on",
)


def account_views(txn: ReadTransaction, account_id: str) -> list[PostView]:
    """One account's stored posts with their rates, oldest first."""
    stored = repos(txn)
    return post_views(stored.posts.of(account_id), stored.stats.months(account_id))


def read_account_views(store: Store, account_id: str) -> list[PostView]:
    with store.read() as txn:
        return account_views(txn, account_id)


def top_posts(
    txn: ReadTransaction, accounts: Sequence[Account], months: Sequence[str], limit: int
) -> list[tuple[Account, PostView]]:
    """The ``limit`` posts of ``accounts`` published in ``months`` with the highest rate (only
    posts whose rate is known: an unknown rate ranks nothing)."""
    wanted = set(months)
    found: list[tuple[Account, PostView]] = []
    for account in accounts:
        found.extend((account, view) for view in account_views(txn, account.id)
                     if view.post.month in wanted and view.rate is not None)
    ranked = top((view for _, view in found), limit)
    order = {id(view): index for index, view in enumerate(ranked)}
    chosen = [pair for pair in found if id(pair[1]) in order]
    return sorted(chosen, key=lambda pair: order[id(pair[1])])


def percent(rate: float | None, delimiter: str = ";") -> str:
    """A rate as percent with two decimals (a decimal comma for Swedish Excel); "" unknown."""
    if rate is None:
        return ""
    shown = f"{rate * 100:.2f}"
    return shown.replace(".", ",") if delimiter == ";" else shown


def shown_percent(rate: float | None) -> str:
    """A rate for people to read: ``3,55 %`` in Swedish, ``3.55 %`` in English; "–" unknown."""
    if rate is None:
        return "–"
    return f"{percent(rate, ';' if current_language() == 'sv' else ',')} %"


def _cell(value: object) -> str:
    return "" if value is None else str(value)


def _rows(txn: ReadTransaction, delimiter: str) -> Iterator[tuple[str, ...]]:
    stored = repos(txn)
    refs = {account_id: ref for ref, account_id in stored.accounts.index().items()}
    for account_id, posts in stored.posts.all():
        ref = refs.get(account_id)
        if ref is None:
            continue  # an account forgotten since: its posts are not exported
        platform, handle = ref.split(":", 1)
        for view in post_views(posts, stored.stats.months(account_id)):
            post = view.post
            yield (platform, handle, post.post_id,
                   post.at.astimezone(STOCKHOLM).isoformat(timespec="seconds"), post.month,
                   post.kind, *(_cell(getattr(post, name)) for name in POST_COUNTS),
                   _cell(view.interactions), _cell(view.followers),
                   percent(view.rate, delimiter), post.read_on)


def export_posts(store: Store, delimiter: str = ";") -> tuple[bytes, int]:
    """Every stored post of every account as CSV bytes, and how many rows."""
    with store.read() as txn:
        rows = sorted(_rows(txn, delimiter), key=lambda r: (r[0], r[1], r[3], r[2]))
    return render_csv(POSTS_COLUMNS, rows, delimiter), len(rows)
