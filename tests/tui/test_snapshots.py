"""Snapshot tests: each screen at 120×40 on the demo register at a fixed time, cursor blink off.

Snapshots show layout; behaviour is asserted in the pilot tests. Textual is pinned exactly
(``textual==8.2.8`` in pyproject.toml), since any other version draws slightly differently.
Update with ``pytest tests/tui/test_snapshots.py --snapshot-update`` and review the SVGs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from screens.services import Services

from .conftest import make_app
from .helpers import settle, type_into

SIZE = (120, 40)
Steps = Callable[[Pilot[int]], Awaitable[None]]


def still(steps: Steps | None = None) -> Steps:
    """Wait for the data, run ``steps``, wait again, and stop every cursor from blinking."""

    async def run(pilot: Pilot[int]) -> None:
        await settle(pilot)
        if steps is not None:
            await steps(pilot)
            await settle(pilot)
        for box in pilot.app.screen.query(Input):
            box.cursor_blink = False
        await pilot.pause()

    return run


async def _open(pilot: Pilot[int], handle: str = "hbgbibliotek") -> None:
    await pilot.press("2", "slash")
    await type_into(pilot, handle)
    await pilot.press("enter", "enter")
    await settle(pilot)


def _tab(key: str) -> Steps:
    async def steps(pilot: Pilot[int]) -> None:
        await _open(pilot)
        await pilot.press(key)

    return steps


async def _activity(pilot: Pilot[int]) -> None:
    await _open(pilot)
    await pilot.click("#--content-tab-activity")


async def _findings(pilot: Pilot[int]) -> None:
    await _open(pilot)
    await pilot.click("#--content-tab-findings")


async def _filtered(pilot: Pilot[int]) -> None:
    await pilot.press("slash")
    await type_into(pilot, "hbg")


CASES: dict[str, tuple[str, str, Steps | None]] = {
    "overview": ("overview", "sv", None),
    "accounts": ("accounts", "sv", None),
    "accounts_filtered": ("accounts", "sv", _filtered),
    "accounts_english": ("accounts", "en", None),
    "detail_form": ("accounts", "sv", _open),
    "detail_editors": ("accounts", "sv", _tab("f2")),
    "detail_history": ("accounts", "sv", _tab("f3")),
    "detail_activity": ("accounts", "sv", _activity),
    "detail_findings": ("accounts", "sv", _findings),
    "audit": ("overview", "sv", lambda pilot: pilot.press("3")),
    "guideline": ("overview", "sv", lambda pilot: pilot.press("4")),
    "help": ("overview", "sv", lambda pilot: pilot.press("question_mark")),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_screen(case: str, services: Services, snap_compare: Any) -> None:
    start, language, steps = CASES[case]
    app = make_app(services, start=start, language=language)
    assert snap_compare(app, terminal_size=SIZE, run_before=still(steps))
