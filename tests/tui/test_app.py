"""Pilot tests across the app: overview, help, palette, language, errors."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable, Static

from screens.app import KontokollApp
from screens.dialogs import HelpScreen
from screens.main import MainScreen
from screens.services import Services
from screens.widgets.account_table import AccountTable

from .conftest import NOW, USER, make_app
from .helpers import open_account, screen_text, settle


async def test_overview_counts_accounts_findings_and_the_calendar(services: Services) -> None:
    app = make_app(services)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "Att åtgärda" in text  # first, above the counts (which are below the fold)
        assert "Kulturförvaltningen" in text
        platforms = app.screen.query_one("#per-platform", DataTable)
        assert [str(c) for c in platforms.get_row_at(0)] == ["facebook", "24"]
        panel = app.screen.query_one("#panel-platforms")
        assert panel.border_title == "Konton per plattform (63)"
        report = services.audits.latest_report()
        assert report is not None
        findings = str(app.screen.query_one("#findings-by-severity", Static).render())
        assert f"Avvikelser per allvarlighetsgrad: {len(report.items)}" in findings
        critical = report.info.counts["critical"]
        assert f"kritisk: {critical} ({critical} öppna)" in findings
        calendar = str(app.screen.query_one("#next-audit", Static).render())
        # 2026Q4 is judged part-way (on NOW): preliminary, and still the next audit due.
        assert "Nästa kvartalsgranskning: 2026Q4 (preliminär), senast 2026-12-31" in calendar
        banner = str(app.screen.query_one("#overview-revision-banner", Static).render())
        assert "skulle ha reviderats senast" in banner  # the seeded revision is overdue
        sync = str(app.screen.query_one("#last-sync", Static).render())
        # The demo's own sync; its re-created account is held back on purpose.
        assert sync.startswith("2026-11-28 11:00: 55 konton, 1 misslyckades.")
        assert "facebook:stranderna.hbg: identity-mismatch" in sync


async def test_without_an_audit_findings_are_unknown_not_zero(unaudited_dir: Path) -> None:
    services = Services(unaudited_dir, clock=lambda: NOW, user=USER)
    try:
        app = make_app(services, start="accounts")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            grid = app.screen.query_one(AccountTable)
            assert all(s.rules is None for s in grid.visible_summaries)
            await pilot.press("1")
            findings = str(app.screen.query_one("#findings-by-severity", Static).render())
            assert findings.startswith("Avvikelser per allvarlighetsgrad: –")
            assert "Ingen granskning har körts ännu." in findings
    finally:
        services.close()


async def test_question_mark_opens_help_and_escape_closes_it(services: Services) -> None:
    app = make_app(services)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


async def test_footer_and_palette_are_in_swedish(services: Services) -> None:
    app = make_app(services, start="accounts")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        footer = screen_text(app).splitlines()[-1]
        assert "Öppna" in footer and "Filtrera" in footer and "Kommandon" in footer
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Visa kontona" in titles and "Byt språk: English" in titles and "Avsluta" in titles


async def test_switch_language_in_the_app(services: Services) -> None:
    app = make_app(services, start="accounts")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await app.action_switch_language("en")
        await settle(pilot)
        text = screen_text(app)
        assert "Accounts" in text and "Platform" in text and "Last post" in text
        assert "63 of 63 accounts" in text
        assert "Open" in text.splitlines()[-1]
        await app.action_switch_language()  # back to Swedish
        await settle(pilot)
        assert "63 av 63 konton" in screen_text(app)


async def test_language_switch_keeps_an_open_account(services: Services) -> None:
    app = make_app(services, start="accounts")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_account(pilot, "facebook:miljo.hbg")
        await app.action_switch_language("en")
        await settle(pilot)
        assert app.screen is screen
        assert str(screen.query_one("#detail-title", Static).render()).endswith("· active")
        assert "Purpose" in screen_text(app)


async def test_english_from_the_start(services: Services) -> None:
    app = make_app(services, language="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "Overview" in text and "Needs attention" in text
        # The counts are below the fold now that the overview opens on what needs attention.
        panel = app.screen.query_one("#panel-platforms")
        assert panel.border_title == "Accounts per platform (63)"


async def test_unreadable_store_is_a_notification_not_a_traceback(tmp_path: Path) -> None:
    data = tmp_path / "broken"
    (data / "register").mkdir(parents=True)
    (data / "register" / "core.json").write_text("{not json", encoding="utf-8")
    services = Services(data, clock=lambda: NOW, user="akn-test")
    try:
        app = make_app(services)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            severity, message = app.shown[-1]
            assert severity == "error" and "core.json" in message
            assert isinstance(app.screen, MainScreen)
    finally:
        services.close()


async def test_empty_register_explains_how_to_start(tmp_path: Path) -> None:
    services = Services(tmp_path / "empty", clock=lambda: NOW, user="akn-test")
    try:
        app: KontokollApp = make_app(services)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            assert "Registret är tomt" in screen_text(app)
    finally:
        services.close()


async def test_footer_follows_the_language_without_rewriting_any_binding_map(
    services: Services,
) -> None:
    """Bindings keep their catalogue keys; the screens translate them where the footer reads."""
    app = make_app(services, start="overview")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        declared = {key: list(b) for key, b in app.screen._bindings.key_to_bindings.items()}
        shown = {a.binding.description for a in app.screen.active_bindings.values()}
        assert {"Översikt", "Kommandon", "Hjälp"} <= shown
        await app.action_switch_language("en")
        await settle(pilot)
        shown = {a.binding.description for a in app.screen.active_bindings.values()}
        assert {"Overview", "Commands", "Help"} <= shown
        assert "Overview" in screen_text(app).splitlines()[-1]
        assert {key: list(b) for key, b in app.screen._bindings.key_to_bindings.items()} == declared


async def test_each_screen_brings_its_own_commands(services: Services) -> None:
    app = make_app(services, start="accounts")
    async with app.run_test(size=(120, 40)) as pilot:
        main = [c.title for c in app.get_system_commands(app.screen)]
        assert main[:2] == ["Visa översikten", "Visa kontona"] and main[-1] == "Avsluta"
        screen = await open_account(pilot, "facebook:miljo.hbg")
        titles = [c.title for c in app.get_system_commands(screen)]
        assert titles[0] == "Spara kontot" and "Visa översikten" not in titles
        assert titles[-4:] == ["Byt språk: English", "Byt färgtema", "Hjälp", "Avsluta"]
