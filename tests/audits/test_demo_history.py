"""The demo's audit history shows every rule, and the diff has something to show."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from audits.demo_history import seed_demo_audits
from audits.rules import RULE_IDS
from audits.service import AuditService
from governance.demo import build_demo, demo_activity
from governance.monthly import MonthlyStats, add_months, month_of
from governance.register import Register
from governance.store import Store
from tests.conftest import FIXED_NOW

#: Platforms the sync reads; the demo's TikTok and Mastodon accounts have no stats.
SYNCED = ("facebook", "instagram", "linkedin", "x", "youtube")


def fake_sync(store: Store, now: datetime) -> None:
    """Stats for 24 months shaped like the emulation's activity levels."""
    activity = demo_activity()
    current = month_of(now)
    records = []
    for account in Register(store).accounts():
        if account.platform not in SYNCED:
            continue
        level = activity[account.ref]
        for back in range(24):
            month = add_months(current, -back)
            silent = level == "never" or (level == "dormant" and back < 5)
            year, mon = int(month[:4]), int(month[5:])
            day = min(now.day - 1, 20) if back == 0 else 20
            records.append(
                MonthlyStats(
                    account.id,
                    month,
                    posts=0 if silent else 6,
                    last_post_at=None if silent else datetime(year, mon, day, 10, tzinfo=UTC),
                    replies_due=20,
                    replies_on_time=12 if level == "slow-replies" else 20,
                    questions_due=10,
                    questions_on_time=6 if level == "slow-replies" else 10,
                    dms_due=4,
                    dms_on_time=1 if level == "slow-replies" else 4,
                )
            )
    store.stats.save_batch(records)


def test_every_rule_shows_over_the_demo_history(tmp_path: Path) -> None:
    store = Store(build_demo(tmp_path / "data", now=FIXED_NOW))
    try:
        fake_sync(store, FIXED_NOW)
        seeded = seed_demo_audits(store, FIXED_NOW)
        assert seeded is not None
        earlier, current = seeded
        assert (
            str(earlier.info.quarter) == "2026Q3" and earlier.info.as_of.isoformat() == "2026-09-30"
        )
        assert str(current.info.quarter) == "2026Q4" and current.info.as_of == FIXED_NOW.date()
        assert "revision-due-soon" in earlier.by_rule()
        # The identity rules need what a real sync reads from the platform (this test's sync is
        # a stand-in); tests/cli/test_demo_setup.py sees every rule on the really synced demo.
        # So does hidden-unlogged: the hidden comments are counted by a sync.
        observed_by_sync = {"handle-changed", "identity-mismatch", "hidden-unlogged"}
        assert set(current.by_rule()) == set(RULE_IDS) - {"revision-due-soon"} - observed_by_sync
        service = AuditService(store, clock=lambda: FIXED_NOW)
        diff = service.diff("2026Q3", "2026Q4")
        assert {f.rule for f in diff.new} >= {"revision-overdue"}
        assert {f.rule for f in diff.resolved} >= {"revision-due-soon"}
        assert diff.persisting
        assert seed_demo_audits(store, FIXED_NOW) is None  # seeding twice changes nothing
        assert len(service.runs()) == 2
    finally:
        store.close()
