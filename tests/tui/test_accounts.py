"""Pilot tests of the accounts table: it lists, filters, sorts and opens accounts."""

from __future__ import annotations

from textual.widgets import Input

from governance.register import Register
from screens.account import AccountDetailScreen
from screens.services import Services
from screens.widgets.account_table import COLUMNS

from .conftest import make_app
from .helpers import open_account, screen_text, settle, table, type_into


async def test_table_lists_every_account_without_personal_data(services: Services) -> None:
    app = make_app(services, start="accounts")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        accounts = Register(services.store).accounts()
        assert table(app).total == len(accounts) == 63
        assert str(app.screen.query_one("#account-count").render()) == "63 av 63 konton"
        text = screen_text(app)
        assert "@helsingborg.se" not in text  # editors' e-mails only on the detail screen
        assert "Plattform" in text and "Senaste inlägg" in text


async def test_slash_focuses_the_filter_and_typing_narrows_the_rows(services: Services) -> None:
    app = make_app(services, start="overview")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        assert app.focused is not None and app.focused.id == "filter"
        await type_into(pilot, "bibliotek")
        refs = [s.ref for s in table(app).visible_summaries]
        assert refs == ["facebook:hbgbibliotek", "instagram:hbgbibliotek"]
        assert str(app.screen.query_one("#account-count").render()) == "2 av 63 konton"
        await pilot.press("backspace")
        assert table(app).filter_text == "bibliote"
        app.screen.query_one("#filter", Input).clear()
        await pilot.pause()
        assert table(app).shown == 63


async def test_filter_matches_department_and_translated_values(services: Services) -> None:
    app = make_app(services, start="accounts")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await type_into(pilot, "slutet")
        shown = table(app).visible_summaries
        assert shown and all(s.visibility == "closed" for s in shown)


async def test_quick_filters_pick_a_department_and_a_platform(services: Services) -> None:
    from textual.widgets import Select

    app = make_app(services, start="accounts")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.screen.query_one("#department-filter", Select).value = "Kulturförvaltningen"
        await pilot.pause()
        shown = table(app).visible_summaries
        assert len(shown) == 11 and {s.department for s in shown} == {"Kulturförvaltningen"}
        app.screen.query_one("#platform-filter", Select).value = "instagram"
        await pilot.pause()
        assert {s.ref for s in table(app).visible_summaries} == {
            "instagram:hbgbibliotek",
            "instagram:fredriksdal.museum",
            "instagram:kulturnatten.hbg",
        }
        app.screen.query_one("#platform-filter", Select).clear()
        app.screen.query_one("#department-filter", Select).clear()
        app.screen.query_one("#rule-filter", Select).value = "no-purpose"
        await pilot.pause()
        shown = table(app).visible_summaries
        report = services.audits.latest_report()
        assert report is not None
        expected = {i.finding.ref for i in report.items if i.finding.rule == "no-purpose"}
        assert expected and {s.ref for s in shown} == expected
        assert all("no-purpose" in (s.rules or ()) for s in shown)


async def test_sort_by_any_column_and_reverse(services: Services) -> None:
    app = make_app(services, start="accounts")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        grid = table(app)
        grid.sort_by("editors")
        counts = [s.editors for s in grid.visible_summaries]
        assert counts == sorted(counts)
        await pilot.press("S")  # shift+s reverses
        counts = [s.editors for s in grid.visible_summaries]
        assert counts == sorted(counts, reverse=True)
        await pilot.press("s")  # next column
        assert grid.sort_column == "last_post" and not grid.sort_reverse
        for column in COLUMNS:
            grid.sort_by(column.key, reverse=False)
            assert grid.shown == 63


async def test_clicking_a_heading_sorts_by_it(services: Services) -> None:
    app = make_app(services, start="accounts")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        grid = table(app)
        # The department heading starts after the platform and handle columns.
        widths = grid._column_widths()
        x = 1 + widths[0] + 1 + widths[1] + 1 + 2
        await pilot.click(grid, offset=(x, 0))
        assert grid.sort_column == "department"
        departments = [s.department.casefold() for s in grid.visible_summaries]
        assert departments == sorted(departments)


async def test_enter_opens_the_account(services: Services) -> None:
    app = make_app(services, start="accounts")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_account(pilot, "instagram:hbgbibliotek")
        title = str(screen.query_one("#detail-title").render())
        assert title == "instagram:hbgbibliotek · Kulturförvaltningen · aktivt"
        await pilot.press("escape")
        assert not isinstance(app.screen, AccountDetailScreen)


async def test_command_palette_finds_an_account(services: Services) -> None:
    app = make_app(services, start="overview")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await type_into(pilot, "sofiero")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, AccountDetailScreen)
        assert app.screen.account is not None and app.screen.account.ref == "facebook:sofiero.slott"
