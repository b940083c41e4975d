"""An in-repo emulation of the five platform APIs, as one ASGI app.

It serves the paths, shapes, pagination, errors and rate-limit headers of the real APIs, for a
list of :class:`AccountProfile`, with configurable latency and injected :class:`Fault`. The data
is deterministic for a given ``seed`` and ``now``. Tests mount it with ``httpx.ASGITransport``;
the benchmark serves it over loopback; ``kontokoll demo`` syncs against it in-process::

    app = build_emulation(profiles, now=now)
    source = PlatformSource(transport=httpx.ASGITransport(app=app), tokens=DEMO_TOKENS,
                            base_urls=base_urls())
    report = SyncService(store, source=source, clock=lambda: now).sync(accounts)

The demo's own source (its register's accounts, one seed) is :func:`.demo.demo_source`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from governance.emulation.app import FAULT_KINDS, Emulation, Fault, Seen, base_urls
from governance.emulation.data import ACTIVITIES, AccountProfile
from governance.fields import API_PLATFORMS

__all__ = [
    "ACTIVITIES",
    "DEMO_TOKENS",
    "FAULT_KINDS",
    "AccountProfile",
    "Emulation",
    "Fault",
    "Seen",
    "base_urls",
    "build_emulation",
]

#: Placeholder tokens the emulation accepts; they open nothing anywhere else.
DEMO_TOKENS: Mapping[str, str] = {
    platform: f"demo-{platform}-token"
    for platform in API_PLATFORMS
}


def build_emulation(
    profiles: Sequence[AccountProfile],
    *,
    now: datetime,
    latency_s: float = 0.0,
    faults: Sequence[Fault] | None = None,
    seed: int = 0,
    tokens: Mapping[str, str] | None = None,
    wall: Callable[[], float] = time.time,
    hang_s: float = 30.0,
) -> Emulation:
    """The ASGI app emulating the five APIs for ``profiles`` as of ``now``.

    ``tokens``, when given, are the only tokens accepted per platform (others get the platform's
    expired-token answer); without it any non-empty token is accepted.
    """
    if now.tzinfo is None:
        raise ValueError("now must be aware")
    return Emulation(profiles, now=now, latency_s=latency_s, faults=faults, seed=seed,
                     tokens=tokens, wall=wall, hang_s=hang_s)
