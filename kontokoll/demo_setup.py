"""The whole demo: the register, its stats synced from the in-repo emulation, and an audit history.

``governance.demo`` builds the register; the platform emulation (driven by the demo's activity
levels) serves its stats through the real clients and sync, exactly as the platforms would; and
``audits.demo_history`` records a guideline revision and runs two quarters' audits. Each step runs
only if its part is missing, so opening the demo again is quick and keeps what a newcomer changed.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from governance.demo import build_demo, demo_activity
from governance.model import utc_now
from governance.register import Register
from governance.store import Store

#: The emulation's seed for the demo: the same figures on every machine for the same day.
DEMO_SEED = 2035


def prepare_demo(data_dir: Path, *, now: datetime | None = None, rebuild: bool = False) -> Path:
    """Build what is missing of the demo under ``data_dir/demo`` and return that directory."""
    moment = now or utc_now()
    directory = build_demo(data_dir, now=moment, rebuild=rebuild)
    store = Store(directory)
    try:
        if not store.stats.outcomes():
            sync_demo_stats(store, moment)
        from audits.demo_history import seed_demo_audits

        seed_demo_audits(store, moment)
    finally:
        store.close()
    return directory


def sync_demo_stats(store: Store, now: datetime) -> None:
    """Fill the demo's stats by syncing every account against the emulated platforms."""
    # Imported here: httpx and the emulation are needed only when the demo is first built.
    import httpx

    from governance.emulation import DEMO_TOKENS, AccountProfile, base_urls, build_emulation
    from governance.sync import sync_all

    accounts = Register(store).accounts()
    activity = demo_activity()
    profiles = [
        AccountProfile(a.platform, a.platform_id, a.handle, activity.get(a.ref, "active"))
        for a in accounts
        if a.platform_id
    ]
    app = build_emulation(profiles, now=now, seed=DEMO_SEED)
    sync_all(
        store,
        accounts,
        transport=httpx.ASGITransport(app=app),
        tokens=DEMO_TOKENS,
        base_urls=base_urls(),
        now=now,
    )
