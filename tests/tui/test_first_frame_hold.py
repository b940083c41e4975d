"""Started on the audit tab, the main screen draws its first frame with the findings in it: it
lays out and draws nothing while the worklist's first read is under way (read as the screen is
built), or until LOADING_AFTER_S have passed, when it is drawn saying "loading". A failed read,
or a dialog opened meanwhile, lets the app draw at once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from textual._compositor import Compositor
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import TabbedContent, TabPane

import screens.main as main_module
from audits.quarters import Quarter
from governance.errors import KontokollError
from governance.i18n import t
from screens.dialogs import HelpScreen
from screens.main import MainScreen
from screens.services import Services
from screens.view_models import QuarterAudit
from screens.widgets.findings_table import FindingsTable

from .conftest import make_app
from .helpers import settle


@dataclass(frozen=True)
class Drawn:
    """One frame: on which screen, after how many layouts of it, the findings the table held
    and the text on screen."""

    screen: Screen[Any]
    layouts: int
    findings: int
    text: str


def record_frames(monkeypatch: pytest.MonkeyPatch) -> list[Drawn]:
    """Every frame the app draws from now on (Textual's compositor refresh, as bench/tui.py)."""
    frames: list[Drawn] = []
    layouts: dict[int, int] = {}
    refresh, reflow = Screen._compositor_refresh, Compositor.reflow

    def counted(compositor: Compositor, parent: Any, size: Any) -> Any:
        layouts[id(parent)] = layouts.get(id(parent), 0) + 1
        return reflow(compositor, parent, size)

    def recorded(screen: Screen[Any]) -> None:
        refresh(screen)
        tables = screen.query(FindingsTable)
        strips = screen._compositor.render_strips()
        frames.append(
            Drawn(
                screen,
                layouts.get(id(screen), 0),
                tables.first().total if tables else 0,
                "\n".join("".join(segment.text for segment in strip) for strip in strips),
            )
        )

    monkeypatch.setattr(Compositor, "reflow", counted)
    monkeypatch.setattr(Screen, "_compositor_refresh", recorded)
    return frames


def gate_first_read(monkeypatch: pytest.MonkeyPatch, fail: bool = False) -> threading.Event:
    """Make the worklist's first read wait until the returned event is set (then fail, if
    asked)."""
    gate = threading.Event()
    original: Callable[[Services, Quarter], QuarterAudit] = Services.audit_view_first

    def gated(self: Services, quarter: Quarter) -> QuarterAudit:
        gate.wait(30)
        if fail:
            raise KontokollError("the store is busy")
        return original(self, quarter)

    monkeypatch.setattr(Services, "audit_view_first", gated)
    return gate


def main_frames(frames: list[Drawn]) -> list[Drawn]:
    return [frame for frame in frames if isinstance(frame.screen, MainScreen)]


async def until(pilot: Pilot[int], condition: Callable[[], bool]) -> None:
    """Let the app run until ``condition`` holds (a bounded number of turns)."""
    for _ in range(400):
        if condition():
            return
        await pilot.pause(0.01)
    raise AssertionError("the app never got there")


async def test_started_on_the_audit_tab_the_first_frame_shows_the_findings(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(main_module, "LOADING_AFTER_S", 60.0)  # however busy the machine
    frames = record_frames(monkeypatch)
    app = make_app(services, start="audit")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        first = main_frames(frames)[0]
        assert (
            first.findings > 0
        )  # (the first read: the quarter's findings, the resolved ones next)
        assert t("tui.audit.loading") not in first.text
        assert first.layouts == 1  # laid out once, with the findings, before the first frame


async def test_a_slow_first_read_draws_the_tab_saying_loading_then_the_findings(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(main_module, "LOADING_AFTER_S", 0.05)
    frames = record_frames(monkeypatch)
    gate = gate_first_read(monkeypatch)
    app = make_app(services, start="audit")
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: bool(main_frames(frames)))
        first = main_frames(frames)[0]
        assert first.findings == 0 and t("tui.audit.loading") in first.text
        gate.set()
        await settle(pilot)
        last = main_frames(frames)[-1]
        assert last.findings > 0 and t("tui.audit.loading") not in last.text


async def test_a_failed_first_read_draws_the_tab_at_once_and_says_why(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(main_module, "LOADING_AFTER_S", 60.0)
    frames = record_frames(monkeypatch)
    gate = gate_first_read(monkeypatch, fail=True)
    gate.set()
    app = make_app(services, start="audit")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert main_frames(frames), "the tab was never drawn"
        assert ("error", "the store is busy") in app.shown


async def test_a_dialog_opened_before_the_first_read_is_drawn_at_once(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(main_module, "LOADING_AFTER_S", 60.0)
    frames = record_frames(monkeypatch)
    gate = gate_first_read(monkeypatch)
    app = make_app(services, start="audit")
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, MainScreen) and app.screen.is_mounted)
        await pilot.press("question_mark")
        await until(pilot, lambda: any(isinstance(f.screen, HelpScreen) for f in frames))
        assert not gate.is_set()  # drawn while the read still waits
        gate.set()
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        assert main_frames(frames)[-1].findings > 0


async def test_a_first_read_done_before_the_view_is_mounted_is_shown(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    import screens.audit.view as view_module
    from screens.audit import AuditView

    read = threading.Event()
    original_read = view_module.read_prepared

    def noted(*args: Any) -> Any:
        result = original_read(*args)
        read.set()
        return result

    monkeypatch.setattr(view_module, "read_prepared", noted)
    app = make_app(services, start="overview")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        # Made to read at once (as the tab the app starts on is), and read before it is mounted.
        view = AuditView(id="audit-view", read_now=True)
        await until(pilot, read.is_set)
        await pilot.pause(0.1)
        await app.screen.query_one("#audit", TabPane).mount(view)
        app.screen.query_one(TabbedContent).active = "audit"
        await settle(pilot)
        assert view.query_one(FindingsTable).total > 0
        assert not [message for severity, message in app.shown if severity == "error"]


def _underline_row(text: str) -> str:
    """The tab bar's underline in a frame's text: the first row drawn with its heavy bar."""
    return next(line for line in text.splitlines() if line.count("━") > 20)


async def test_the_held_first_frame_draws_the_tab_underline_under_the_active_tab(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Textual moves the underline after a refresh, from the tab's region, which is empty while
    the layout is held: the first frame drew it at column 0 and the next two too (found by a
    tester). Now the first frame draws the bar without the highlight, and the next frame (only
    the underline redrawn) puts it under the active tab."""
    monkeypatch.setattr(main_module, "LOADING_AFTER_S", 60.0)
    frames = record_frames(monkeypatch)
    app = make_app(services, start="audit")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.pause(0.5)  # (any move of the underline has ended)
        drawn = main_frames(frames)
        rows = [_underline_row(frame.text) for frame in drawn]
        assert "╸" not in rows[0] and "╺" not in rows[0]  # the bar, no highlight anywhere
        assert rows[1] == rows[-1] and "╸" in rows[-1]  # then under the tab, where it stays


async def test_after_a_failed_first_read_reload_reads_the_audit_again(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tab said "loading" for the rest of the session (found by a tester): Ctrl+R on the
    audit tab now reads its quarter again."""
    monkeypatch.setattr(main_module, "LOADING_AFTER_S", 60.0)
    original: Callable[[Services, Quarter], QuarterAudit] = Services.audit_view_first
    failures = [KontokollError("the store is busy")]

    def busy_once(self: Services, quarter: Quarter) -> QuarterAudit:
        if failures:
            raise failures.pop()
        return original(self, quarter)

    monkeypatch.setattr(Services, "audit_view_first", busy_once)
    app = make_app(services, start="audit")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert ("error", "the store is busy") in app.shown
        table = app.screen.query_one(FindingsTable)
        assert table.total == 0
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert table.total > 0
