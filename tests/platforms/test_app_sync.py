"""The app's sync (``Services.sync``) and the demo's one source of the emulation."""

from __future__ import annotations

from dataclasses import astuple, replace
from pathlib import Path

import pytest

from audits.engine import AuditCancelled
from governance.emulation.demo import DEMO_SEED, demo_source
from governance.register import Register
from governance.store import Store
from kontokoll.demo_setup import sync_demo_stats
from screens.services import Services
from tests.platforms.conftest import NOW, PROFILES


def register_of(directory: Path) -> Path:
    """A data directory with one account per profile of PROFILES (not in the demo catalogue:
    the demo source serves them as "active")."""
    store = Store(directory)
    try:
        register = Register(store)
        for profile in PROFILES:
            register.create_account({"platform": profile.platform, "handle": profile.handle,
                                     "department": "Kulturförvaltningen",
                                     "platform_id": profile.platform_id})
    finally:
        store.close()
    return directory


def stats_of(directory: Path) -> dict[str, list[tuple[object, ...]]]:
    """Each account's stored months by ``PLATFORM:HANDLE`` (ids differ between registers)."""
    store = Store(directory)
    try:
        refs = {a.id: a.ref for a in Register(store).accounts()}
        return {refs[k]: [astuple(replace(m, account_id="")) for m in v]
                for k, v in store.stats.all().items()}
    finally:
        store.close()


def test_the_app_and_the_demo_build_sync_from_one_source(tmp_path: Path) -> None:
    app_dir, build_dir = register_of(tmp_path / "app"), register_of(tmp_path / "build")
    services = Services(app_dir, clock=lambda: NOW, demo=True)
    try:
        result = services.sync()
    finally:
        services.close()
    assert (result.accounts, result.failed, result.stopped) == (5, 0, ())
    store = Store(build_dir)
    try:
        sync_demo_stats(store, NOW)
    finally:
        store.close()
    # One seed: the app's sync gives the figures the demo build stored, month for month.
    assert stats_of(app_dir) == stats_of(build_dir) != {}


def test_the_demo_source_serves_only_accounts_with_an_api_and_an_id(tmp_path: Path) -> None:
    store = Store(register_of(tmp_path / "data"))
    try:
        register = Register(store)
        register.create_account({"platform": "tiktok", "handle": "hbg",
                                 "department": "Kulturförvaltningen", "platform_id": "1"})
        source = demo_source(register.accounts(), NOW)
    finally:
        store.close()
    assert source.tokens is not None and set(source.tokens) == {p.platform for p in PROFILES}
    assert source.base_urls and DEMO_SEED == 2035


def test_cancelling_the_app_sync_keeps_what_finished_and_raises(tmp_path: Path) -> None:
    data = register_of(tmp_path / "data")
    seen: list[int] = []
    services = Services(data, clock=lambda: NOW, demo=True)
    try:
        with pytest.raises(AuditCancelled):
            services.sync(progress=lambda phase, done, total: seen.append(done),
                          cancelled=lambda: len(seen) > 1)
        stored = services.store.stats.outcomes()
        # "started", then one event per finished account: each of those is stored.
        assert len(stored) == len(seen) - 1 >= 1
        with pytest.raises(AuditCancelled):  # cancelled before it began: nothing is fetched
            services.sync(cancelled=lambda: True)
        assert services.store.stats.outcomes() == stored
    finally:
        services.close()
