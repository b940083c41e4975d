"""Snapshot tests of the overview (what needs attention) at 120×40 and 80×24, and of the other
screens of the main window at 80×24, where the filter, the buttons and the help must still fit.

Layout only; behaviour is asserted in ``test_overview.py`` and ``test_defects.py``. Update with
``pytest tests/tui/test_overview_snapshots.py --snapshot-update`` and review the SVGs.
"""

from __future__ import annotations

from typing import Any

import pytest
from textual.pilot import Pilot

from screens.services import Services

from .conftest import make_app
from .helpers import type_into
from .test_snapshots import Steps, still


async def _filtered(pilot: Pilot[int]) -> None:
    await pilot.press("slash")
    await type_into(pilot, "hbgbibliotek")


CASES: dict[str, tuple[tuple[int, int], str, Steps | None]] = {
    "overview_120x40": ((120, 40), "overview", None),
    "overview_80x24": ((80, 24), "overview", None),
    "accounts_80x24": ((80, 24), "accounts", _filtered),
    "guideline_80x24": ((80, 24), "guideline", None),
    "help_80x24": ((80, 24), "overview", lambda pilot: pilot.press("question_mark")),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_screen(case: str, services: Services, snap_compare: Any) -> None:
    size, start, steps = CASES[case]
    app = make_app(services, start=start)
    assert snap_compare(app, terminal_size=size, run_before=still(steps))
