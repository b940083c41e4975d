"""The accounts table's rules column: ✓ only for an account the latest audit run judged and
found nothing against; – (unknown) for one the run never judged (registered after its day D, or
after the run itself), as the help legend says (screens.run_scope)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from audits.quarters import Quarter
from audits.runs import RunInfo
from governance.registration_day import next_day_starts
from screens.app import KontokollApp
from screens.run_scope import RunScope, cutoff
from screens.services import Services
from screens.widgets.account_table import NO_FINDINGS, UNKNOWN

from .conftest import NOW, USER, make_app
from .helpers import screen_text, settle, table, type_into

DAY = date(2026, 11, 20)
RUN_AT = datetime(2026, 11, 28, 10, tzinfo=UTC)  # a run on a later day, as of DAY


def run_info(as_of: date, at: datetime) -> RunInfo:
    return RunInfo("2026Q4-1", 1, Quarter.of(as_of), as_of, at, USER, 3, {})


def scope(as_of: date = DAY, at: datetime = RUN_AT) -> RunScope:
    return RunScope({"a1": ("no-editors", "no-goals")}, cutoff(run_info(as_of, at)))


def test_the_cutoff_is_the_day_after_d_or_the_run_itself_if_earlier() -> None:
    assert cutoff(run_info(DAY, RUN_AT)) == next_day_starts(DAY)  # 2026-11-20T23:00Z
    today = run_info(RUN_AT.date(), RUN_AT)  # as of the run's own day: the run is earlier
    assert cutoff(today) == RUN_AT


@pytest.mark.parametrize(
    ("account_id", "status", "created", "expected"),
    [
        ("a1", "active", datetime(2026, 1, 5, tzinfo=UTC), ("no-editors", "no-goals")),
        ("a2", "active", datetime(2026, 1, 5, tzinfo=UTC), ()),  # judged, nothing found
        ("a2", "active", None, ()),  # stored before the stamp existed: judged as before
        # The last moment of D in Stockholm (22:59:59Z in winter) is D: judged.
        ("a2", "active", datetime(2026, 11, 20, 22, 59, 59, tzinfo=UTC), ()),
        ("a2", "active", datetime(2026, 11, 20, 23, tzinfo=UTC), None),  # 21 Nov in Stockholm
        ("a2", "active", RUN_AT + timedelta(days=1), None),
        ("a2", "requested", datetime(2026, 1, 5, tzinfo=UTC), None),  # not active: unknown
        ("a1", "closed", datetime(2026, 1, 5, tzinfo=UTC), None),
    ],
)
def test_rules_of_an_account(
    account_id: str, status: str, created: datetime | None, expected: tuple[str, ...] | None
) -> None:
    assert scope().rules_of(account_id, status, created) == expected


def test_an_account_registered_after_a_run_of_today_is_unknown() -> None:
    today = scope(RUN_AT.date(), RUN_AT)
    assert today.rules_of("a2", "active", RUN_AT - timedelta(seconds=1)) == ()
    # Stamps are whole seconds: the run's own second may be before or after it judged.
    assert today.rules_of("a2", "active", RUN_AT) is None
    assert today.rules_of("a2", "active", RUN_AT + timedelta(minutes=5)) is None
    # Found by the run, so judged by it, whatever the stamp says.
    assert today.rules_of("a1", "active", RUN_AT) == ("no-editors", "no-goals")


def test_a_damaged_stamp_is_refused_naming_the_field() -> None:
    with pytest.raises(ValueError, match="created"):
        scope().rules_of("a2", "active", datetime(2026, 1, 5))  # no UTC offset
    with pytest.raises(ValueError, match="created"):
        scope().rules_of("a2", "active", datetime(1, 1, 1, tzinfo=UTC))


def add_account(demo_dir: Path, handle: str, at: datetime) -> None:
    """Register ``facebook:HANDLE`` at ``at`` (after the demo's latest run, made at NOW)."""
    services = Services(demo_dir, clock=lambda: at, user=USER)
    try:
        services.register.create_account(
            {"platform": "facebook", "handle": handle, "department": "Kulturförvaltningen"}
        )
    finally:
        services.close()


async def rules_cell(pilot: Pilot[int], app: KontokollApp, handle: str) -> str:
    """The rules column of the one row the filter ``handle`` leaves, as the screen shows it."""
    box = app.screen.query_one("#filter", Input)
    box.clear()
    box.focus()
    await type_into(pilot, handle)
    (platform,) = {s.platform for s in table(app).visible_summaries if s.handle == handle}
    lines = screen_text(app).splitlines()
    (row,) = [line for line in lines if line.split()[:2] == [platform, handle]]
    return row.rstrip().rsplit(maxsplit=1)[-1]


async def test_accounts_the_run_never_judged_show_unknown(demo_dir: Path) -> None:
    later = NOW + timedelta(days=1)  # the demo's latest run: at NOW, as of NOW's day
    add_account(demo_dir, "efter-korningen", NOW + timedelta(hours=2))  # same day D, after it
    add_account(demo_dir, "dagen-efter", later)  # registered after D
    services = Services(demo_dir, clock=lambda: later, user=USER)
    try:
        judged = [s for s in services.snapshot().summaries if s.rules == ()]
        app = make_app(services, start="accounts")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            shown = {s.handle: s.rules for s in table(app).visible_summaries}
            assert shown["efter-korningen"] is None and shown["dagen-efter"] is None
            assert await rules_cell(pilot, app, "efter-korningen") == UNKNOWN
            assert await rules_cell(pilot, app, "dagen-efter") == UNKNOWN
            # An account the run judged and found nothing against keeps its ✓.
            assert await rules_cell(pilot, app, judged[0].handle) == NO_FINDINGS
    finally:
        services.close()
