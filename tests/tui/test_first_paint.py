"""What the app does to draw sooner, checked by what it shows: only the tab on show is built (the
others when first shown, or when the palette asks for their commands), the rights are in place as
the controls are built, the audit shows the quarter's findings before the comparison with the
quarter before, and a re-read reuses the rows of findings that did not change."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from textual.widgets import Button, DataTable, Input, Label

from audits.worklist import RESOLVED
from governance.i18n import t
from governance.people import People
from screens.accounts import AccountsView
from screens.audit import AuditView
from screens.audit.prepared import prepare
from screens.guideline import GuidelineView
from screens.overview import OverviewView
from screens.services import Services
from screens.view_models import QuarterAudit
from screens.widgets.findings_table import FindingsTable

from .conftest import NOW, USER, make_app
from .helpers import screen_text, settle


async def test_only_the_tab_on_show_is_built_until_another_is_shown(services: Services) -> None:
    app = make_app(services, start="accounts")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert len(screen.query(AccountsView)) == 1
        assert not screen.query(OverviewView)
        assert not screen.query(AuditView)
        assert not screen.query(GuidelineView)
        await pilot.press("4")
        await settle(pilot)
        assert len(screen.query(GuidelineView)) == 1
        assert app.focused is not None and app.focused.id == "revision-table"
        await pilot.press("1")
        await settle(pilot)
        # Built after the register was read: the figures at once, no "loading".
        assert "Läser in" not in screen_text(app)
        assert screen.query("#panel-attention")
        await pilot.press("3")
        await settle(pilot)
        assert screen.query_one(FindingsTable).total > 0


async def test_the_palette_offers_the_commands_of_tabs_never_shown(services: Services) -> None:
    app = make_app(services, start="overview")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert not app.screen.query(AuditView)
        main = app.screen
        await pilot.press("ctrl+p")
        await settle(pilot)
        assert main.query(AuditView) and main.query(GuidelineView)
        titles = [command.title for command in app.get_system_commands(main)]
        for key in (
            "tui.command.run_audit",
            "worklist.command.select_all",
            "tui.command.new_revision",
        ):
            assert t(key) in titles, (key, titles)


async def test_a_lead_gets_the_controls_disabled_as_they_are_built(services: Services) -> None:
    people = People(services.store, user=USER, clock=lambda: NOW)
    people.add_user(USER, "admin")  # the first user ends single-user mode
    department = services.register.departments()[0].name
    people.add_user("lead-1", "lead", [department])
    lead = Services(services.data_dir, clock=lambda: NOW, user="lead-1")
    try:
        app = make_app(lead, start="overview")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("4")
            await settle(pilot)
            for selector in ("#revision-date", "#revision-note", "#record-revision"):
                assert app.screen.query_one(selector).disabled, selector
            await pilot.press("3")
            await settle(pilot)
            assert app.screen.query_one("#audit-run", Button).disabled
    finally:
        lead.close()


def test_the_first_read_is_the_run_alone_and_agrees_with_the_whole(services: Services) -> None:
    quarter = services.default_quarter()
    first = services.audit_view_first(quarter)
    whole = services.audit_view(quarter)
    assert first.partial and not whole.partial
    assert first.diff is None and whole.diff is not None
    assert first.worklist is not None and whole.worklist is not None
    assert not [i for i in first.worklist.items if i.status == RESOLVED]
    resolved = [i for i in whole.worklist.items if i.status == RESOLVED]
    assert resolved, "the demo has findings resolved since the quarter before"
    assert list(first.worklist.items) == list(whole.worklist.items)[: len(first.worklist.items)]
    assert first.report is not None and whole.report is not None
    assert first.report.items == whole.report.items
    # The run is decoded once: the whole read finds the first read's findings.
    assert all(
        a.finding is b.finding
        for a, b in zip(first.worklist.items, whole.worklist.items, strict=False)
    )


async def test_the_audit_shows_its_findings_first_then_the_comparison(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown: list[bool] = []
    original = AuditView.show

    def show(self: AuditView, view: QuarterAudit, *args: Any) -> None:
        shown.append(view.partial)
        original(self, view, *args)

    monkeypatch.setattr(AuditView, "show", show)
    app = make_app(services, start="audit")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert shown == [True, False], shown
        text = screen_text(app)
        assert t("auditload.comparing") not in text
        diff = app.screen.query_one("#audit-diff-table", DataTable)
        assert diff.row_count > 0


def test_a_reread_reuses_the_rows_of_unchanged_findings(services: Services) -> None:
    quarter = services.default_quarter()
    view = services.audit_view(quarter)
    shown = prepare(view).rows
    assert view.worklist is not None
    target = next(i for i in view.worklist.items if i.status == "open" and i.finding.account_id)
    services.waive_many(
        quarter, [target.key], reason="Test", name="Tester", until=date(2027, 6, 30)
    )
    again = services.audit_view(quarter)
    rows = prepare(again, shown).rows
    assert len(rows) == len(shown)
    by_key = {row.key: row for row in rows}
    before = {row.key: row for row in shown}
    changed = by_key[target.key]
    assert changed is not before[target.key]
    assert changed.status == "waived" and "undantagen" in changed.cells
    assert changed.item.waiver is not None and changed.item.waiver.reason == "Test"
    same = [k for k in by_key if k != target.key and by_key[k] is before.get(k)]
    assert len(same) == len(rows) - 1


async def test_the_count_shows_in_full_as_its_width_changes(services: Services) -> None:
    app = make_app(services, start="accounts")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        count = app.screen.query_one("#account-count", Label)
        box = app.screen.query_one("#filter", Input)
        for text in ("zzzz-no-such-account", "", "kultur"):
            box.value = text
            await settle(pilot)
            shown = str(count.render())
            assert "av" in shown
            assert count.region.width >= len(shown), (shown, count.region)
            assert shown in screen_text(app)


async def test_compact_fields_are_styled_once_mounted_and_restyled_on_a_class(
    services: Services,
) -> None:
    """Widgets not mounted yet are not restyled on a class change (they are styled whole on
    mounting); once mounted, a class change restyles them as before."""
    app = make_app(services, start="accounts")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        field = app.screen.query_one("#field-purpose", Input)
        assert field.has_class("-textual-compact")
        assert field.region.height == 1  # compact: no border
        plain_background = field.styles.background
        field.add_class("-invalid")
        await pilot.pause()
        assert field.styles.background != plain_background
