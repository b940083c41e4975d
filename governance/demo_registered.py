"""When the demo's accounts were registered: before the history the demo shows.

An audit judges an account only from the day it was registered (``Account.created``; see
:func:`audits.subjects.registered_after`). The demo is built in one go, today, but shows two
years of stats and an audit of the previous quarter: its accounts are dated as registered
before all of that, or the previous quarter's audit would judge none of them.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from governance.store import Store, repos

#: How long before the demo is built its imported accounts count as registered (its stats go
#: back 24 months).
REGISTERED_BEFORE = timedelta(days=2 * 366)


def backdate_registration(store: Store, built: datetime) -> int:
    """Date every account registered at ``built`` (the import) as registered
    :data:`REGISTERED_BEFORE` earlier; returns how many. Accounts filed later (requests, a
    re-created one) keep their own day."""
    registered = built - REGISTERED_BEFORE
    with store.write() as txn:
        accounts = repos(txn).accounts
        imported = [a for a in accounts.all() if a.created == built]
        for account in imported:
            accounts.put(account.with_changes(created=registered), account)
    return len(imported)
