"""Opening an account on a detail screen built ahead (screens.account.spare).

The spare must behave exactly as a screen built on Enter: the account's own values, rights and
tab, nothing of the account shown before, its first frame showing the account, and a spare
built in another language is not used.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input, Static, TabbedContent
from textual.widgets._footer import FooterKey
from textual.widgets._tabbed_content import ContentTab

from governance.i18n import t
from screens.account import AccountDetailScreen
from screens.account import screen as detail_module
from screens.app import KontokollApp
from screens.services import Services
from screens.view_models import AccountDetail

from .conftest import make_app
from .helpers import settle
from .test_lifecycle_app import with_user

FIRST = "facebook:miljo.hbg"

#: How long a test waits for a spare to be built before it fails (a bound, never a measure).
WAIT_STEPS, STEP_S = 600, 0.05


async def spare_ready(pilot: Pilot[int]) -> AccountDetailScreen:
    """The app's spare detail screen once it is built, laid out and rendered ahead."""
    app = pilot.app
    assert isinstance(app, KontokollApp)
    for _ in range(WAIT_STEPS):
        spare = app.spare_detail.spare
        if spare is not None and spare.built_ahead:
            return spare
        await pilot.pause(STEP_S)
    raise AssertionError("no detail screen was built ahead")


def account_id(app: KontokollApp, ref: str) -> str:
    assert app.snapshot is not None
    return next(s.id for s in app.snapshot.summaries if s.ref == ref)


def other_department(app: KontokollApp, ref: str) -> str:
    """An account of another department than ``ref``'s."""
    assert app.snapshot is not None
    department = next(s.department for s in app.snapshot.summaries if s.ref == ref)
    return next(s.ref for s in app.snapshot.summaries if s.department != department)


async def open_ref(pilot: Pilot[int], ref: str) -> AccountDetailScreen:
    app = pilot.app
    assert isinstance(app, KontokollApp)
    app.open_account(account_id(app, ref))
    await settle(pilot)
    screen = app.screen
    assert isinstance(screen, AccountDetailScreen)
    assert screen.account is not None and screen.account.ref == ref
    return screen


async def close(pilot: Pilot[int]) -> None:
    await pilot.press("escape")
    await settle(pilot)
    assert not isinstance(pilot.app.screen, AccountDetailScreen)


async def test_the_next_account_opens_on_the_spare_with_nothing_of_the_last(
    services: Services,
) -> None:
    app = make_app(services, start="accounts")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        second = other_department(app, FIRST)
        first = await open_ref(pilot, FIRST)
        first.query_one("#field-purpose", Input).value = "Inte sparat"
        first.query_one("#field-handle").add_class("-invalid")
        await pilot.press("f2")
        await settle(pilot)
        first.query_one("#new-editor", Input).value = "Ej tillsatt <ej@helsingborg.se>"
        await close(pilot)

        spare = await spare_ready(pilot)
        assert spare is not first
        screen = await open_ref(pilot, second)
        assert screen is spare
        account = services.account(second)
        assert screen.query_one("#field-purpose", Input).value == account.purpose
        assert screen.query_one("#field-handle", Input).value == account.handle
        assert not screen.query(".-invalid")
        assert screen.query_one(TabbedContent).active == "details"
        assert app.focused is screen.query_one("#field-platform")
        assert account.ref in str(screen.query_one("#detail-title", Static).render())
        await pilot.press("f2")
        await settle(pilot)
        assert screen.query_one("#new-editor", Input).value == ""
        await close(pilot)

        await spare_ready(pilot)
        again = await open_ref(pilot, FIRST)  # the text typed before was never saved
        assert again.query_one("#field-purpose", Input).value == services.account(FIRST).purpose


async def test_rights_follow_each_accounts_department(services: Services) -> None:
    department = services.account(FIRST).department
    with_user(services, "lead", (department,))
    app = make_app(services, start="accounts")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        other = other_department(app, FIRST)
        for ref, may_edit in ((FIRST, True), (other, False), (FIRST, True)):
            await spare_ready(pilot)
            screen = await open_ref(pilot, ref)
            assert screen.query_one("#field-purpose", Input).disabled is not may_edit
            title = str(screen.query_one("#detail-title", Static).render())
            assert (t("tui.rights.read_only") in title) is not may_edit
            await close(pilot)


async def test_a_spare_built_in_swedish_is_not_used_in_english(services: Services) -> None:
    app = make_app(services, start="accounts")
    async with app.run_test(size=(120, 40)) as pilot:
        spare = await spare_ready(pilot)
        await app.action_switch_language("en")
        await settle(pilot)
        screen = await open_ref(pilot, FIRST)
        assert screen is not spare
        assert not spare.is_attached  # dropped, not kept alive beside the app
        tabs = [str(tab.label) for tab in screen.query(ContentTab)]
        assert t("tui.detail.tab.details") in tabs  # the catalogue speaks English now
        assert "Uppgifter" not in tabs


async def test_no_spare_is_built_away_from_the_accounts_tab(services: Services) -> None:
    app = make_app(services, start="overview")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.pause(1.5)  # three times the idle time it waits for
        assert app.spare_detail.spare is None
        await pilot.press("2")  # the accounts tab
        await settle(pilot)
        assert (await spare_ready(pilot)).account is None


async def test_the_footer_shows_the_opened_accounts_keys(services: Services) -> None:
    app = make_app(services, start="accounts")
    async with app.run_test(size=(120, 40)) as pilot:
        await spare_ready(pilot)
        screen = await open_ref(pilot, FIRST)
        shown = [key.key for key in screen.query(FooterKey)]
        active = screen.active_bindings
        expected = [b.key for (_node, b, _enabled, _tip) in active.values() if b.show]
        expected.append(active[app.COMMAND_PALETTE_BINDING].binding.key)
        assert shown == expected


class Frames:
    """Every frame the app draws (the screen, and the account it showed), from the start."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.drawn: list[tuple[Screen[Any], AccountDetail | None]] = []
        draw = Screen._compositor_refresh

        def spy(screen: Screen[Any]) -> None:
            self.drawn.append((screen, getattr(screen, "detail", None)))
            draw(screen)

        monkeypatch.setattr(Screen, "_compositor_refresh", spy)


async def test_the_first_frame_of_an_opened_account_shows_it(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    # However slow the machine: the frame is held until the account is read.
    monkeypatch.setattr(detail_module, "LOADING_AFTER_S", 60.0)
    frames = Frames(monkeypatch)
    app = make_app(services, start="accounts")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        for ref in (FIRST, other_department(app, FIRST)):
            await spare_ready(pilot)
            seen = len(frames.drawn)
            screen = await open_ref(pilot, ref)
            first = next(detail for shown, detail in frames.drawn[seen:] if shown is screen)
            assert first is not None and first.account.ref == ref
            await close(pilot)


async def test_closing_an_account_still_being_read_lets_the_app_draw(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(detail_module, "LOADING_AFTER_S", 60.0)
    frames = Frames(monkeypatch)
    answer = threading.Event()
    read = services.account_detail

    def slow_read(ref: str, *, history: bool = True) -> AccountDetail:
        answer.wait(120)  # longer than the test waits for a frame
        return read(ref, history=history)

    app = make_app(services, start="accounts")
    async with app.run_test(size=(120, 40)) as pilot:
        await spare_ready(pilot)
        monkeypatch.setattr(services, "account_detail", slow_read)
        app.open_account(account_id(app, FIRST))
        await pilot.pause(0.2)
        detail = app.screen
        assert isinstance(detail, AccountDetailScreen) and detail.detail is None
        assert all(shown is not detail for shown, _ in frames.drawn)  # held: not drawn yet
        seen = len(frames.drawn)
        await pilot.press("escape")
        assert not isinstance(app.screen, AccountDetailScreen)
        for _ in range(WAIT_STEPS):  # the main screen is drawn again, long before the read ends
            if any(shown is app.screen for shown, _ in frames.drawn[seen:]):
                break
            await pilot.pause(STEP_S)
        else:
            raise AssertionError("the app drew nothing while the account was being read")
        answer.set()
        await settle(pilot)
