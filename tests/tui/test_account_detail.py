"""Pilot tests of the account detail screen: edit, editors, confirmation, history, chart, errors."""

from __future__ import annotations

import fcntl
import os
from dataclasses import replace

from textual.widgets import Button, DataTable, Input, Static
from textual_plotext import PlotextPlot

from governance.monthly import MonthlyStats
from governance.register import Register
from screens.account import AccountDetailScreen
from screens.dialogs import ConfirmDialog
from screens.messages import AccountLoaded
from screens.services import Services
from screens.widgets.account_table import AccountTable

from .conftest import NOW, USER, make_app
from .helpers import open_account, screen_text, settle

REF = "facebook:miljo.hbg"


def stored(services: Services, ref: str = REF) -> Register:
    """A fresh register over the same store, to check what was really written."""
    del ref
    return Register(services.store, user=USER, clock=lambda: NOW)


async def test_edit_purpose_is_saved_to_the_store_and_shown(services: Services) -> None:
    app = make_app(services, start="accounts")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_account(pilot, REF)
        purpose = screen.query_one("#field-purpose", Input)
        purpose.value = "Miljötips, tillsyn och dialog med invånare och företag."
        await pilot.press("ctrl+s")
        await settle(pilot)

        account = stored(services).account(REF)
        assert account.purpose == "Miljötips, tillsyn och dialog med invånare och företag."
        entries = stored(services).change_log(REF)
        assert [(e.action, e.field, e.user) for e in entries][-1] == (
            "account-changed",
            "purpose",
            USER,
        )
        assert ("information", "Sparat (1 fält).") in app.shown
        await pilot.press("f3")  # the history tab is built when first shown
        history = screen.query_one("#history-table", DataTable)
        assert history.get_row_at(0)[2:4] == ["konto ändrat", "Syfte"]

        await pilot.press("escape")  # the table shows the same row, still one account
        assert not isinstance(app.screen, AccountDetailScreen)
        assert app.screen.query_one(AccountTable).total == 63


async def test_bad_field_value_is_a_notification_and_nothing_is_saved(services: Services) -> None:
    app = make_app(services, start="accounts")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_account(pilot, "instagram:sommarlov.hbg")
        before = stored(services).account("instagram:sommarlov.hbg")
        end = screen.query_one("#field-project_end", Input)
        end.value = "31/12/2026"
        screen.query_one("#save", Button).scroll_visible(animate=False)  # below the form's fields
        await pilot.pause()
        await pilot.click("#save")
        await settle(pilot)

        severity, message = app.shown[-1]
        assert severity == "error"
        assert "31/12/2026" in message and "ÅÅÅÅ-MM-DD" in message
        assert end.has_class("-invalid") and app.focused is end
        assert stored(services).account("instagram:sommarlov.hbg") == before
        assert isinstance(app.screen, AccountDetailScreen)  # still there, no traceback


async def test_nothing_changed_says_so(services: Services) -> None:
    app = make_app(services, start="accounts")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_account(pilot, REF)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.shown[-1] == ("information", "Inget har ändrats.")


async def test_add_and_remove_an_editor(services: Services) -> None:
    app = make_app(services, start="accounts")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_account(pilot, REF)
        await pilot.press("f2")
        box = screen.query_one("#new-editor", Input)
        box.value = "Kim Testsson <Kim.Testsson@helsingborg.se>"
        await pilot.click("#add-editor")
        await settle(pilot)

        emails = [e.email for e in stored(services).account(REF).editors]
        assert "kim.testsson@helsingborg.se" in emails
        table = screen.query_one("#editors-table", DataTable)
        assert table.row_count == len(emails)
        assert "kim.testsson@helsingborg.se" in screen_text(app)

        table.move_cursor(row=emails.index("kim.testsson@helsingborg.se"))
        await pilot.click("#remove-editor")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("escape")  # cancelled: nothing happens
        await settle(pilot)
        assert len(stored(services).account(REF).editors) == len(emails)
        await pilot.click("#remove-editor")
        await pilot.pause()
        await pilot.click("#confirm")
        await settle(pilot)
        after = [e.email for e in stored(services).account(REF).editors]
        assert "kim.testsson@helsingborg.se" not in after and len(after) == len(emails) - 1
        assert any("inte längre redaktör" in message for _, message in app.shown)

        box.value = "bara-en-adress@helsingborg.se"  # no name: refused, as in the CSV import
        await pilot.click("#add-editor")
        await settle(pilot)
        assert app.shown[-1][0] == "error" and "Namn <e-post>" in app.shown[-1][1]
        assert box.has_class("-invalid")
        assert len(stored(services).account(REF).editors) == len(after)


async def test_confirm_the_editor_list(services: Services) -> None:
    unconfirmed = next(
        a.ref for a in services.register.accounts() if a.editors and not a.editors_confirmed_at
    )
    app = make_app(services, start="accounts")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_account(pilot, unconfirmed)
        await pilot.press("f2")
        assert "aldrig bekräftats" in str(screen.query_one("#editors-confirmed", Static).render())
        await pilot.click("#confirm-editors")
        await settle(pilot)
        account = stored(services).account(unconfirmed)
        assert account.editors_confirmed_at == NOW and account.editors_confirmed_by == USER
        shown = str(screen.query_one("#editors-confirmed", Static).render())
        assert shown == f"Redaktörslistan bekräftades senast 2026-11-28 11:00 av {USER}."


async def test_history_lists_the_changes_newest_first(services: Services) -> None:
    services.register.update_from_text(REF, {"audience": "Invånare"})
    services.register.confirm_editors(REF)
    app = make_app(services, start="accounts")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_account(pilot, REF)
        await pilot.press("f3")
        table = screen.query_one("#history-table", DataTable)
        actions = [table.get_row_at(n)[2] for n in range(table.row_count)]
        assert actions[:2] == ["redaktörer bekräftade", "konto ändrat"]
        assert actions[-1] == "konto skapat"
        assert table.get_row_at(1)[3:] == ["Målgrupp", "Invånare och företag", "Invånare"]


async def test_locked_store_is_a_notification(services: Services) -> None:
    app = make_app(services, start="accounts")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_account(pilot, REF)
        screen.query_one("#field-purpose", Input).value = "Nytt syfte"
        # Another process holds the store's lock (flock locks conflict across open files).
        fd = os.open(services.data_dir / ".lock", os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            await pilot.press("ctrl+s")
            await settle(pilot)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
        severity, message = app.shown[-1]
        assert severity == "error" and "låst av en annan process" in message
        assert stored(services).account(REF).purpose != "Nytt syfte"
        assert isinstance(app.screen, AccountDetailScreen)


#: A demo account on a platform without API access: the sync leaves it without stats.
NO_API = "tiktok:bibblan.hbg"


async def test_activity_without_stats_says_so(services: Services) -> None:
    app = make_app(services, start="accounts")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_account(pilot, NO_API)
        await pilot.click("#--content-tab-activity")
        note = str(screen.query_one("#chart-note", Static).render())
        assert note.startswith("Ingen statistik ännu")
        assert not screen.query(PlotextPlot)


async def test_activity_plots_known_months_and_leaves_gaps(services: Services) -> None:
    account = services.account(NO_API)
    months = [
        MonthlyStats(account.id, "2026-09", posts=4, followers=1200, reach=5000, reactions=40),
        MonthlyStats(account.id, "2026-11", posts=2, followers=1250, reach=None, comments=3),
    ]
    services.store.stats.save_batch(months)
    app = make_app(services, start="accounts")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_account(pilot, NO_API)
        await pilot.click("#--content-tab-activity")
        await pilot.pause()
        assert screen.query_one(PlotextPlot)
        note = str(screen.query_one("#chart-note", Static).render())
        assert "2 av 24 månader har siffror" in note
        row = app.snapshot.summaries if app.snapshot else []
        summary = next(s for s in row if s.ref == NO_API)
        assert summary.followers == 1250 and summary.last_post is None


async def test_buttons_exist_for_every_editor_action(services: Services) -> None:
    app = make_app(services, start="accounts")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_account(pilot, REF)
        await pilot.press("f2")
        labels = {str(b.label) for b in screen.query(Button)}
        assert {"Lägg till redaktör", "Ta bort redaktör", "Bekräfta att listan stämmer"} <= labels


def test_every_editable_field_has_one_kind_in_the_form_table() -> None:
    from governance.model import EDITABLE_FIELDS
    from screens.account.form import CHECKBOX, FIELD_KINDS, GOAL_BOXES

    assert tuple(FIELD_KINDS) == EDITABLE_FIELDS
    assert FIELD_KINDS["shared"] is CHECKBOX and FIELD_KINDS["goals"] is GOAL_BOXES


async def test_tabs_are_mounted_lazily_and_show_the_account_when_they_arrive(
    services: Services,
) -> None:
    app = make_app(services, start="accounts")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_account(pilot, REF)
        # Without visiting the tab: Lazy mounted it after the first frame, bound to the account.
        table = screen.query_one("#editors-table", DataTable)
        assert screen.account is not None and table.row_count == len(screen.account.editors) > 0


async def test_the_account_shows_before_its_history_and_typing_survives_it(
    services: Services,
) -> None:
    """The detail is drawn first; the history (the change log is read whole) follows, and what
    the user typed meanwhile stays in the form."""
    app = make_app(services, start="accounts")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_account(pilot, REF)
        first = screen.detail
        assert first is not None and first.history  # read after the first frame
        purpose = screen.query_one("#field-purpose", Input)
        purpose.value = "Skrivet medan historiken lästes"
        # The same account read again (as after a waiver): shown at once, its history after.
        screen.post_message(AccountLoaded(replace(first, history=None)))
        await settle(pilot)
        assert screen.detail is not None and screen.detail.history == first.history
        assert purpose.value == "Skrivet medan historiken lästes"
        # A history read for an account read again since is dropped: never an older one shown.
        screen.post_message(AccountLoaded(replace(first, chart=[], history=[])))
        await settle(pilot)
        assert screen.detail.history == first.history
        await pilot.press("f3")
        await settle(pilot)
        table = screen.query_one("#history-table", DataTable)
        assert table.row_count == len(services.change_log(REF)) > 0
