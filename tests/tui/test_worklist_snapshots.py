"""Snapshot tests of the audit worklist at 120×40 and 80×24, on the demo register at a fixed time.

Layout only; behaviour is in test_worklist.py. Update with
``pytest tests/tui/test_worklist_snapshots.py --snapshot-update`` and review the SVGs.
"""

from __future__ import annotations

from typing import Any

import pytest
from textual.pilot import Pilot

from screens.services import Services
from screens.widgets.findings_table import FindingsTable

from .conftest import make_app
from .test_snapshots import Steps, still


async def _worklist(pilot: Pilot[int]) -> None:
    await pilot.press("3")


async def _selected(pilot: Pilot[int]) -> None:
    """Two findings selected, the cursor on the third, grouped by rule."""
    await pilot.press("3")
    await pilot.pause()
    pilot.app.screen.query_one(FindingsTable).focus()
    await pilot.press("space", "space", "g")


async def _waive_dialog(pilot: Pilot[int]) -> None:
    await _selected(pilot)
    await pilot.press("u")


CASES: dict[str, tuple[tuple[int, int], Steps]] = {
    "worklist_120x40": ((120, 40), _worklist),
    "worklist_80x24": ((80, 24), _worklist),
    "worklist_selected_120x40": ((120, 40), _selected),
    "worklist_selected_80x24": ((80, 24), _selected),
    "worklist_waive_80x24": ((80, 24), _waive_dialog),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_worklist(case: str, services: Services, snap_compare: Any) -> None:
    size, steps = CASES[case]
    app = make_app(services, start="overview")
    assert snap_compare(app, terminal_size=size, run_before=still(steps))
