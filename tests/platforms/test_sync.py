"""The sync engine: reach-back, incremental re-sync, concurrency, batches, resume, real store."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from governance.emulation import AccountProfile, build_emulation
from governance.errors import AccessRefused
from governance.identity import current_login
from governance.model import Account
from governance.people import People
from governance.platforms import Settings
from governance.register import Register
from governance.store import Store
from governance.sync import SyncEvent
from governance.sync_run import run_sync
from governance.sync_service import SyncService
from tests.platforms.conftest import NOW, PROFILES, TOKENS, MemorySink, World, emulated

MakeWorld = Callable[..., World]
EVERY_KIND = [
    *PROFILES,
    AccountProfile("facebook", "200", "tyst", "dormant"),
    AccountProfile("instagram", "201", "aldrig", "never"),
    AccountProfile("x", "202", "sovande", "dormant"),
    AccountProfile("youtube", "UCnever000000000000000000", "ingen", "never"),
    AccountProfile("linkedin", "204", "lugn", "quiet"),
]


def test_first_sync_reaches_back_24_months(world: MakeWorld) -> None:
    w = world()
    report = w.sync()
    assert not report.failed
    for account in w.accounts:
        months = [r.month for r in w.sink.for_account(account.id)]
        assert months[0] == "2024-11" and months[-1] == "2026-11" and len(months) == 25
    linkedin = next(a for a in w.accounts if a.platform == "linkedin")
    # LinkedIn keeps 12 months of statistics: older months are unknown, never 0.
    assert w.sink.month(linkedin.id, "2025-06").reach is None
    assert w.sink.month(linkedin.id, "2026-06").reach is not None
    youtube = next(a for a in w.accounts if a.platform == "youtube")
    assert all(r.reach is None for r in w.sink.for_account(youtube.id))


def test_a_resync_with_nothing_new_makes_at_most_two_requests(world: MakeWorld) -> None:
    w = world(EVERY_KIND)
    assert not w.sync().failed
    stored = dict(w.sink.months)
    served = sum(w.app.served.values())
    report = w.sync(now=NOW + timedelta(minutes=30))
    assert not report.failed
    assert all(o.requests <= 2 for o in report.outcomes), [
        (o.platform, o.requests) for o in report.outcomes]
    assert sum(w.app.served.values()) - served == report.requests
    assert w.sink.months == stored  # the same figures (the follower snapshot is unchanged)


def test_next_day_resync_rereads_only_the_open_month(world: MakeWorld) -> None:
    w = world()
    w.sync()
    october = {a.id: w.sink.month(a.id, "2026-10") for a in w.accounts}
    report = w.sync(now=NOW + timedelta(days=1))
    assert not report.failed
    assert report.requests < 40  # a first sync of these five takes ~75
    assert {a.id: w.sink.month(a.id, "2026-10") for a in w.accounts} == october


def test_since_rereads_from_that_month(world: MakeWorld) -> None:
    w = world([PROFILES[0]])
    w.sync()
    w.sync(now=NOW + timedelta(minutes=5))
    quick = w.sink.outs[w.accounts[0].id].requests
    w.sync(now=NOW + timedelta(minutes=10), since="2026-01")
    assert w.sink.outs[w.accounts[0].id].requests > quick
    insights = [s for s in w.app.seen if s.path.endswith("/insights")][-1]
    assert insights.params["until"] == "2026-11-25"


def test_every_activity_kind_gives_sensible_figures(world: MakeWorld) -> None:
    w = world(EVERY_KIND)
    w.sync()
    by_handle = {a.handle: a.id for a in w.accounts}
    dormant = w.sink.month(by_handle["tyst"], "2026-11")
    assert dormant.posts == 0 and dormant.last_post_at is not None
    assert dormant.last_post_at < NOW - timedelta(days=110)
    never = w.sink.month(by_handle["aldrig"], "2026-11")
    assert never.posts == 0 and never.last_post_at is None
    slow = w.sink.for_account(by_handle["helsingborg"])
    due = sum(r.replies_due or 0 for r in slow)
    on_time = sum(r.replies_on_time or 0 for r in slow)
    assert due > 20 and on_time / due < 0.6
    active = w.sink.for_account(by_handle["helsingborgsstad"])
    assert sum(r.replies_on_time or 0 for r in active) / sum(r.replies_due or 0
                                                             for r in active) > 0.85


class InFlight:
    """ASGI middleware that records the most concurrent requests per platform and overall."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.now: Counter[str] = Counter()
        self.most: Counter[str] = Counter()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        platform = scope["path"].split("/")[1] if scope["type"] == "http" else ""
        for key in (platform, "all"):
            self.now[key] += 1
            self.most[key] = max(self.most[key], self.now[key])
        try:
            await self.app(scope, receive, send)
        finally:
            for key in (platform, "all"):
                self.now[key] -= 1


def test_concurrency_is_bounded_per_platform_and_overall() -> None:
    profiles = [AccountProfile(p, f"{p[:2]}{i}", f"{p}{i}", "quiet")
                for p in ("linkedin", "x") for i in range(8)]
    from tests.platforms.conftest import accounts_for

    app = InFlight(build_emulation(profiles, now=NOW, latency_s=0.005, tokens=TOKENS))
    settings = Settings(concurrency_per_platform=3, concurrency_total=5)
    report = asyncio.run(run_sync(
        MemorySink(), accounts_for(profiles), emulated(app, settings), now=NOW))
    assert not report.failed
    assert 1 < app.most["linkedin"] <= 3 and 1 < app.most["x"] <= 3
    assert app.most["all"] <= 5


def test_results_are_written_in_batches(world: MakeWorld) -> None:
    profiles = [AccountProfile("linkedin", f"90{i}", f"org{i}", "quiet") for i in range(25)]
    w = world(profiles)
    w.sync(batch_size=10)
    # About 10 accounts a write (more when results arrive during a write), not one per figure.
    assert 2 <= w.sink.outcome_writes <= 3
    assert len(w.sink.batches) == w.sink.outcome_writes and sum(w.sink.batches) == 25 * 25


class Killed(BaseException):
    """Stands in for the process dying mid-sync."""


class DyingSink(MemorySink):
    def __init__(self, survive: int) -> None:
        super().__init__()
        self.survive = survive

    def save_batch(self, records: Any) -> None:
        if self.survive <= 0:
            raise Killed
        self.survive -= 1
        super().save_batch(records)


def test_a_killed_sync_loses_nothing_stored_and_the_next_resumes(world: MakeWorld) -> None:
    profiles = [AccountProfile("linkedin", f"80{i}", f"org{i}") for i in range(12)]
    w = world(profiles)
    dying = DyingSink(survive=1)
    w.sink = dying
    with pytest.raises(Killed):
        w.sync(batch_size=5)
    kept = set(dying.outs)
    assert len(kept) == 5  # the first batch landed whole: records and outcomes
    assert {a for a, _ in dying.months} == kept
    revived = MemorySink()
    revived.months, revived.outs = dict(dying.months), dict(dying.outs)
    w.sink = revived
    report = w.sync(now=NOW + timedelta(minutes=1))
    assert not report.failed and len(revived.outs) == 12
    resumed = [o.requests for o in report.outcomes if o.account_id in kept]
    fresh = [o.requests for o in report.outcomes if o.account_id not in kept]
    assert max(resumed) <= 2 and min(fresh) > 2


def test_progress_events_count_up(world: MakeWorld) -> None:
    events: list[SyncEvent] = []
    w = world([PROFILES[2], PROFILES[3]])
    w.sync(progress=events.append)
    assert events[0].kind == "started" and events[0].total == 2
    assert [e.done for e in events if e.kind == "account"] == [1, 2]


def test_retired_and_unsupported_accounts_are_skipped(world: MakeWorld) -> None:
    from tests.platforms.conftest import Acc

    w = world([PROFILES[2]])
    extra = [Acc("0000000000f1", "tiktok", "hbg", ""),
             Acc("0000000000f2", "linkedin", "old", "1", status="retired")]
    report = w.sync(accounts=[*w.accounts, *extra])
    assert report.skipped == ["0000000000f1", "0000000000f2"]
    assert len(report.outcomes) == 1


def test_the_emulation_is_deterministic() -> None:
    async def snapshot(seed: int) -> list[Any]:
        app = build_emulation(PROFILES, now=NOW, seed=seed)
        sink = MemorySink()
        await run_sync(sink, __import__("tests.platforms.conftest").platforms.conftest
                       .accounts_for(PROFILES), emulated(app), now=NOW)
        return sorted(sink.months.items())

    assert asyncio.run(snapshot(1)) == asyncio.run(snapshot(1))
    assert asyncio.run(snapshot(1)) != asyncio.run(snapshot(2))


def test_a_cancelled_sync_keeps_what_finished_and_the_next_resumes(world: MakeWorld) -> None:
    profiles = [AccountProfile("linkedin", f"70{i}", f"org{i}", "quiet") for i in range(12)]
    w = world(profiles)
    w.settings = replace(w.settings, concurrency_total=2, concurrency_per_platform=2)
    events: list[SyncEvent] = []
    report = w.sync(progress=events.append, cancelled=lambda: len(events) > 3)
    assert report.cancelled
    finished = {o.account_id for o in report.outcomes}
    # Asked between accounts: the fetch under way when it said yes is dropped, not waited for.
    assert 3 <= len(finished) <= 5 and set(w.sink.outs) == finished
    assert {a for a, _ in w.sink.months} == finished
    again = w.sync(now=NOW + timedelta(minutes=1))
    assert not again.cancelled and not again.failed and len(w.sink.outs) == 12
    assert max(o.requests for o in again.outcomes if o.account_id in finished) <= 2


def test_a_sync_cancelled_before_it_starts_fetches_nothing(world: MakeWorld) -> None:
    w = world()
    report = w.sync(cancelled=lambda: True)
    assert report.cancelled and report.outcomes == [] and w.sink.outs == {}
    assert sum(w.app.served.values()) == 0


def real_store(tmp_path: Path) -> tuple[Store, list[Account]]:
    """A store under ``tmp_path/data`` with one account per profile of PROFILES."""
    store = Store(tmp_path / "data")
    register = Register(store)
    for profile in PROFILES:
        register.create_account({"platform": profile.platform, "handle": profile.handle,
                                 "department": "Stadsledningsförvaltningen",
                                 "platform_id": profile.platform_id})
    return store, register.accounts()


def test_the_sync_service_refuses_a_viewer_before_any_request(tmp_path: Path) -> None:
    store, accounts = real_store(tmp_path)
    people = People(store, user=current_login())
    people.add_user(current_login(), "admin")
    people.add_user("olle", "viewer")
    app = build_emulation(PROFILES, now=NOW)
    service = SyncService(store, source=emulated(app), user="olle", clock=lambda: NOW)
    # The right by its id, or (as refusals now read) by what it lets one do.
    with pytest.raises(AccessRefused, match=r"stats\.sync|hämta statistik"):
        service.sync(accounts)
    assert sum(app.served.values()) == 0 and store.stats.outcomes() == {}
    refused = [e for e in Register(store).change_log() if e.action == "refused"]
    assert refused and refused[-1].user == "olle"


def test_the_sync_service_with_the_real_store(tmp_path: Path) -> None:
    store, accounts = real_store(tmp_path)
    app = build_emulation(PROFILES, now=NOW)
    report = SyncService(store, source=emulated(app), clock=lambda: NOW).sync(accounts)
    assert not report.failed
    for account in accounts:
        months = store.stats.for_account(account.id)
        assert len(months) == 25 and months[-1].followers is not None
        outcome = store.stats.outcome(account.id)
        assert outcome is not None and outcome.ok and outcome.cursor
    later = NOW + timedelta(minutes=3)
    again = SyncService(Store(tmp_path / "data"), source=emulated(app),
                        clock=lambda: later).sync(accounts)
    assert max(o.requests for o in again.outcomes) <= 2


def test_the_core_does_not_import_textual() -> None:
    code = ("import sys, governance.sync_service, governance.emulation.demo; "
            "sys.exit(int(any(m == 'textual' or m.startswith('textual.') for m in sys.modules)))")
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
