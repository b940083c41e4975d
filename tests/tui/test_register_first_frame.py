"""Started on the accounts tab, the main screen draws its first frame with the register's rows in
it: it lays out and draws nothing while the register is read, or until REGISTER_LOADING_AFTER_S
have passed, when the table is drawn loading. A failed read lets the app draw at once. Opening an
account fills a detail screen laid out ahead as it will be shown (no row of its form resized, no
input of it restyled)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import pytest
from textual._compositor import Compositor
from textual.css.stylesheet import Stylesheet
from textual.dom import DOMNode
from textual.screen import Screen
from textual.widgets import Input, Select

import screens.main as main_module
from governance.errors import KontokollError
from screens.account import AccountDetailScreen
from screens.main import MainScreen
from screens.services import Services
from screens.view_models import AccountsSnapshot
from screens.widgets.account_table import AccountTable

from .conftest import make_app
from .helpers import screen_text, settle, table
from .test_first_frame_hold import until


@dataclass(frozen=True)
class Drawn:
    """One frame of the main screen: after how many layouts of it, the rows its table held,
    whether the table was loading, and the text on screen."""

    layouts: int
    rows: int
    loading: bool
    text: str


def record_main_frames(monkeypatch: pytest.MonkeyPatch) -> list[Drawn]:
    """Every frame the app draws of the main screen from now on."""
    frames: list[Drawn] = []
    layouts: dict[int, int] = {}
    refresh, reflow = Screen._compositor_refresh, Compositor.reflow

    def counted(compositor: Compositor, parent: Any, size: Any) -> Any:
        layouts[id(parent)] = layouts.get(id(parent), 0) + 1
        return reflow(compositor, parent, size)

    def recorded(screen: Screen[Any]) -> None:
        refresh(screen)
        if not isinstance(screen, MainScreen):
            return
        found = screen.query(AccountTable)
        strips = screen._compositor.render_strips()
        frames.append(
            Drawn(
                layouts.get(id(screen), 0),
                found.first().total if found else 0,
                bool(found) and found.first().loading,
                "\n".join("".join(segment.text for segment in strip) for strip in strips),
            )
        )

    monkeypatch.setattr(Compositor, "reflow", counted)
    monkeypatch.setattr(Screen, "_compositor_refresh", recorded)
    return frames


def gate_register_read(monkeypatch: pytest.MonkeyPatch, fail: bool = False) -> threading.Event:
    """Make the register's read wait until the returned event is set (then fail, if asked)."""
    gate = threading.Event()
    original = Services.snapshot

    def gated(self: Services) -> AccountsSnapshot:
        gate.wait(30)
        if fail:
            raise KontokollError("the store is busy")
        return original(self)

    monkeypatch.setattr(Services, "snapshot", gated)
    return gate


async def test_started_on_the_accounts_tab_the_first_frame_shows_the_rows(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(main_module, "REGISTER_LOADING_AFTER_S", 60.0)  # however busy
    frames = record_main_frames(monkeypatch)
    app = make_app(services, start="accounts")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        first = frames[0]
        assert first.rows == len(app.snapshot.summaries) > 0 and not first.loading
        assert first.layouts == 1  # laid out once, with the rows, before the first frame
        some = app.snapshot.summaries[0]
        assert some.handle in first.text
        assert app.focused is table(app)


async def test_a_slow_register_read_draws_the_table_loading_then_the_rows(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(main_module, "REGISTER_LOADING_AFTER_S", 0.05)
    frames = record_main_frames(monkeypatch)
    gate = gate_register_read(monkeypatch)
    app = make_app(services, start="accounts")
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: bool(frames))
        assert frames[0].rows == 0 and frames[0].loading
        gate.set()
        await settle(pilot)
        await until(pilot, lambda: frames[-1].rows > 0)
        assert not frames[-1].loading


async def test_a_failed_register_read_draws_at_once_and_says_why(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(main_module, "REGISTER_LOADING_AFTER_S", 60.0)
    frames = record_main_frames(monkeypatch)
    gate_register_read(monkeypatch, fail=True).set()
    app = make_app(services, start="accounts")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await until(pilot, lambda: bool(frames))
        assert ("error", "the store is busy") in app.shown


async def test_the_overview_start_is_not_held(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only the accounts and audit tabs wait for their read; the overview draws at once."""
    monkeypatch.setattr(main_module, "REGISTER_LOADING_AFTER_S", 60.0)
    frames = record_main_frames(monkeypatch)
    gate = gate_register_read(monkeypatch)
    app = make_app(services, start="overview")
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: bool(frames))
        assert not gate.is_set()
        gate.set()
        await settle(pilot)


async def test_the_quick_filters_still_filter_before_and_after_they_are_opened(
    services: Services,
) -> None:
    app = make_app(services, start="accounts")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        rows = app.snapshot.summaries
        department = rows[0].department
        select = app.screen.query_one("#department-filter", Select)
        select.value = department  # drawn as a closed select, never opened
        await settle(pilot)
        assert table(app).shown == sum(1 for r in rows if r.department == department)
        assert department in screen_text(app)  # the closed select shows the choice
        select.focus()  # Textual's own parts from now on
        await settle(pilot)
        select.clear()
        await settle(pilot)
        assert table(app).shown == len(rows)


async def test_an_account_opened_on_a_spare_screen_resizes_no_row_and_restyles_no_input(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(services, start="accounts")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await until(pilot, lambda: app.spare_detail.spare is not None)
        spare = app.spare_detail.spare
        assert spare is not None
        await until(pilot, lambda: spare.built_ahead)
        sizes = {row.id: row.size for row in spare.query(".form-row")}
        restyled: list[DOMNode] = []
        update_nodes = Stylesheet.update_nodes

        def noted(sheet: Stylesheet, nodes: Any, animate: bool = False) -> None:
            nodes = list(nodes)
            restyled.extend(nodes)
            update_nodes(sheet, nodes, animate)

        monkeypatch.setattr(Stylesheet, "update_nodes", noted)
        table(app).focus()
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert screen is spare and isinstance(screen, AccountDetailScreen)
        assert screen.detail is not None
        assert screen.query_one("#field-handle", Input).value == screen.detail.account.handle
        shown = {row.id: row.size for row in screen.query(".form-row")}
        # Only the department's goals (their list under the box) may take another height.
        changed = {key for key in sizes if sizes[key] != shown[key]}
        assert changed <= {"row-department_goals"}, changed
        assert all(size.width == shown["row-platform"].width for size in shown.values())
        assert not [node for node in restyled if isinstance(node, Input)]
