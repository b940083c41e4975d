"""The demo's platforms: the emulation serving the demo register's accounts, from one seed.

Both the demo build (``kontokoll demo``) and the app's sync on the demo register read their
stats from :func:`demo_source`, with the one :data:`DEMO_SEED`: a sync in the app continues the
accounts the build synced instead of replacing their history with another seed's. No token or
network is involved: the emulation runs in-process behind an ASGI transport.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from datetime import datetime

import httpx

from governance.demo import DEMO_RECREATED, DEMO_RENAMED, demo_activity
from governance.emulation import DEMO_TOKENS, AccountProfile, base_urls, build_emulation
from governance.platforms import PlatformSource, SyncTarget

#: The emulation's seed for the demo: the same figures on every machine for the same day.
DEMO_SEED = 2035


def demo_source(accounts: Iterable[SyncTarget], now: datetime) -> PlatformSource:
    """Where a sync of the demo register's ``accounts`` reads from, as of ``now``.

    Each account is served with the activity the demo catalogue gives it ("active" otherwise),
    under the new name of a renamed one and the new id of a re-created one (``DEMO_RENAMED``,
    ``DEMO_RECREATED``);
    accounts without a platform id or on a platform without an API are not served (the sync
    skips or fails them, as it would with the real platforms).
    """
    activity = demo_activity()
    profiles = [
        AccountProfile(a.platform, _served_id(a), DEMO_RENAMED.get(_ref(a), a.handle),
                       activity.get(_ref(a), "active"))
        for a in accounts
        if a.platform in DEMO_TOKENS and a.platform_id
    ]
    emulation = build_emulation(profiles, now=now, seed=DEMO_SEED)
    return PlatformSource(
        transport=httpx.ASGITransport(app=emulation), tokens=DEMO_TOKENS, base_urls=base_urls()
    )


def _ref(account: SyncTarget) -> str:
    """``PLATFORM:HANDLE``, as the demo catalogue names accounts (``Account.ref``)."""
    return f"{account.platform}:{account.handle}"


def _served_id(account: SyncTarget) -> str:
    """The id the emulation serves: a re-created account's new id follows from its handle, so
    that once an admin accepts it, the register and the emulation agree."""
    if _ref(account) not in DEMO_RECREATED:
        return account.platform_id
    return str(10**14 + zlib.crc32(_ref(account).encode()))
