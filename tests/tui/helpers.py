"""Helpers shared by the app's pilot tests."""

from __future__ import annotations

import ast
import contextlib
import subprocess
import sys
from pathlib import Path

from textual.pilot import Pilot
from textual.worker import WorkerFailed

from screens.account import AccountDetailScreen
from screens.app import KontokollApp
from screens.widgets.account_table import AccountTable


async def settle(pilot: Pilot[int]) -> None:
    """Wait until every worker is done and its messages are handled.

    A worker that failed is not an error here: the app reports it as a notification, and the
    tests check that notification.
    """
    for _ in range(2):
        with contextlib.suppress(WorkerFailed):
            await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def type_into(pilot: Pilot[int], text: str) -> None:
    """Type ``text`` into the focused input: the first key for real, the rest at once.

    Each Pilot key press waits ~0.1 s for the app to look idle; typing whole words key by key
    would make the suite slow without testing anything more.
    """
    from textual.widgets import Input

    await pilot.press(text[0])
    box = pilot.app.focused
    assert isinstance(box, Input)
    box.insert_text_at_cursor(text[1:])
    await pilot.pause()


def table(app: KontokollApp) -> AccountTable:
    """The accounts table on the main screen."""
    return app.screen.query_one(AccountTable)


async def open_account(pilot: Pilot[int], ref: str) -> AccountDetailScreen:
    """Filter the table down to ``ref``, press Enter, and wait for the detail screen."""
    app = pilot.app
    assert isinstance(app, KontokollApp)
    await settle(pilot)
    await pilot.press("2", "slash")
    await type_into(pilot, ref.split(":", 1)[1])
    rows = table(app).visible_summaries
    target = next(n for n, s in enumerate(rows) if s.ref == ref)
    await pilot.press("enter")  # from the filter box to the table
    for _ in range(target):
        await pilot.press("down")
    await pilot.press("enter")
    await settle(pilot)
    screen = app.screen
    assert isinstance(screen, AccountDetailScreen)
    assert screen.account is not None and screen.account.ref == ref
    return screen


def screen_text(app: KontokollApp) -> str:
    """What the terminal shows now, as plain text (one line per terminal row)."""
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(segment.text for segment in strip) for strip in strips)


def imported_by(imports: str, prefixes: tuple[str, ...]) -> list[str]:
    """The modules starting with one of ``prefixes`` that a fresh interpreter has loaded after
    ``import <imports>`` (in a subprocess: this one has imported everything already)."""
    code = (
        f"import sys, {imports}\n"
        f"print(sorted(m for m in sys.modules if m.startswith({prefixes!r})))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[2],
                          capture_output=True, text=True, check=True)
    names = ast.literal_eval(done.stdout.strip())
    assert isinstance(names, list)
    return [str(name) for name in names]

