"""The smaller defects of issue 9: recording a revision by key, sorting both ways, rule titles
in the accounts table, the preliminary quarter, what a sync did, and the app at 80×24."""

from __future__ import annotations

from textual.widgets import Button, Input, Static

from screens.dialogs import HelpScreen
from screens.services import Services
from screens.view_models import SyncResult
from screens.widgets.account_table import AccountTable, cells_of

from .conftest import make_app
from .helpers import settle, table, type_into


async def test_n_focuses_the_note_and_enter_on_the_button_records(services: Services) -> None:
    app = make_app(services, start="guideline")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        assert app.focused is not None and app.focused.id == "revision-note"
        await pilot.press("H", "a", "l", "v", "å", "r")
        assert app.screen.query_one("#revision-date", Input).value == "2026-11-28"
        assert app.screen.query_one("#revision-note", Input).value == "Halvår"
        app.screen.query_one("#record-revision", Button).focus()
        await pilot.press("enter")
        await settle(pilot)
        revisions = services.audits.revisions()
        assert revisions[-1].note == "Halvår" and revisions[-1].day.isoformat() == "2026-11-28"


async def test_the_calendar_shows_the_preliminary_quarter_and_its_final_run(
    services: Services,
) -> None:
    app = make_app(services, start="guideline")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        status = str(app.screen.query_one("#revision-status", Static).render())
        assert "2026Q4 (preliminär)" in status and "2026-12-31" in status
        calendar = app.screen.query_one("#calendar-table")
        first = [str(cell) for cell in calendar.get_row_at(0)]  # type: ignore[attr-defined]
        assert first[0] == "2026Q4 (preliminär)"
        assert services.audits.next_audit().quarter.year == 2026


async def test_s_sorts_descending_too_and_a_heading_clicked_twice_flips(
    services: Services,
) -> None:
    app = make_app(services, start="accounts")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        grid = table(app)
        assert (grid.sort_column, grid.sort_reverse) == ("platform", False)
        await pilot.press("s")
        assert (grid.sort_column, grid.sort_reverse) == ("platform", True)
        platforms = [s.platform for s in grid.visible_summaries]
        assert platforms == sorted(platforms, reverse=True)
        await pilot.press("s")
        assert (grid.sort_column, grid.sort_reverse) == ("handle", False)
        await pilot.press("S")
        assert (grid.sort_column, grid.sort_reverse) == ("handle", True)
        await pilot.click(AccountTable, offset=(2, 0))  # the Plattform heading
        assert (grid.sort_column, grid.sort_reverse) == ("platform", False)
        await pilot.click(AccountTable, offset=(2, 0))
        assert (grid.sort_column, grid.sort_reverse) == ("platform", True)


async def test_the_rules_column_shows_rule_titles_never_ids(services: Services) -> None:
    app = make_app(services, start="accounts")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        broken = [s for s in table(app).visible_summaries if s.rules]
        assert broken
        cells = [cells_of(s)[-1] for s in broken]
        assert any("Inga redaktörer" in c for c in cells)
        assert not any("no-editors" in c or "inactive" in c for c in cells)
    app = make_app(services, start="accounts", language="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        cells = [cells_of(s)[-1] for s in table(app).visible_summaries if s.rules]
        assert any("No editors" in c for c in cells)


def test_a_sync_says_what_it_did_also_when_nothing_was_new() -> None:
    text = SyncResult(accounts=1, failed=0, stopped=(), requests=0).describe()
    assert text == "Synkningen läste 1 konto med 0 anrop till plattformarna; 0 misslyckades."
    text = SyncResult(accounts=57, failed=1, stopped=(), requests=120, skipped=3).describe()
    assert "57 konton" in text and "120 anrop" in text and "1 misslyckades" in text
    assert "3 konton hoppades över" in text


async def test_at_80x24_the_filter_shows_what_is_typed_and_the_help_fits(
    services: Services,
) -> None:
    app = make_app(services, start="accounts")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await type_into(pilot, "bibliotek")
        box = app.screen.query_one("#filter", Input)
        assert box.region.width >= 16 and "bibliotek" in str(box.render_line(0).text)
        await pilot.press("escape", "question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        help_box = app.screen.query_one("#help-box")
        assert help_box.region.right <= 80 and help_box.region.bottom <= 24
    app = make_app(services, start="guideline")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        button = app.screen.query_one("#record-revision", Button)
        assert button.region.width >= len(str(button.label))
        note = app.screen.query_one("#revision-note", Input)
        assert note.region.width >= 20
