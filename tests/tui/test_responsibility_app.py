"""Who answers, in the app: the worklist's column and quick filter, the detail pane, the account's
findings tab, and a department lead kept from acknowledging Kontaktcenter's findings."""

from __future__ import annotations

from typing import Any

from textual.widgets import DataTable, Select, Static

from governance.people import People
from screens.audit.review_dialog import ReviewDialog
from screens.services import Services
from screens.widgets.findings_table import FindingsTable

from .conftest import NOW, USER, make_app
from .helpers import open_account, screen_text, settle

KC, SLF = "Kontaktcenter", "Stadsledningsförvaltningen"


async def _worklist(pilot: Any) -> FindingsTable:
    await settle(pilot)
    await pilot.press("3")
    await settle(pilot)
    return pilot.app.screen.query_one(FindingsTable)


async def _only(pilot: Any, **quick: str) -> None:
    for name, value in quick.items():
        pilot.app.screen.query_one(f"#quick-{name}", Select).value = value
    await settle(pilot)


async def test_the_worklist_shows_and_filters_who_answers(services: Services) -> None:
    app = make_app(services)
    async with app.run_test(size=(120, 40)) as pilot:
        table = await _worklist(pilot)
        total = table.shown
        assert "Ansvarig" in screen_text(app)
        await _only(pilot, responsible=KC)
        rows = table.visible_rows
        assert 0 < len(rows) < total
        assert all(r.responsible == KC and r.cells[-1] == KC for r in rows)
        # KC owns no account: every one of its findings is on another department's account.
        assert KC not in {r.department for r in rows} and SLF in {r.department for r in rows}
        table.focus()
        await pilot.pause()
        detail = str(app.screen.query_one("#finding-detail-text", Static).render())
        assert f"Ansvarig: {KC} (kontaktcenter svarar här för" in detail
        await _only(pilot, department="Arbetsmarknadsförvaltningen")  # the filters combine
        assert table.visible_rows and all(
            (r.responsible, r.department) == (KC, "Arbetsmarknadsförvaltningen")
            for r in table.visible_rows
        )


async def test_a_department_lead_may_not_acknowledge_kcs_findings(services: Services) -> None:
    people = People(services.store, user=USER, clock=lambda: NOW)
    people.add_user(USER, "admin")  # the first user must be oneself, as admin
    people.add_user("akn-admin", "admin")
    people.add_user(USER, "lead", (SLF,))
    app = make_app(services)
    async with app.run_test(size=(120, 40)) as pilot:
        table = await _worklist(pilot)
        await _only(pilot, department=SLF, responsible=KC)
        assert table.shown > 0
        table.focus()
        await pilot.press("k")
        await pilot.pause()
        assert not isinstance(app.screen, ReviewDialog)
        assert app.shown[-1][0] == "error" and "Du får inte kvittera" in app.shown[-1][1]
        await _only(pilot, responsible=SLF)  # the department's own findings: a dialog opens
        table.focus()
        await pilot.press("k")
        await pilot.pause()
        assert isinstance(app.screen, ReviewDialog)


async def test_the_accounts_findings_tab_names_who_answers(services: Services) -> None:
    app = make_app(services, start="accounts")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_account(pilot, "facebook:svenskaforalla.hbg")
        await pilot.click("#--content-tab-findings")
        await settle(pilot)
        table = screen.query_one("#findings-table", DataTable)
        answering = {str(key.value): table.get_row(key)[4] for key in table.rows}
        assert answering["slow-replies"] == KC  # KC answers this page's comments by agreement
        assert "Ansvarig" in str(table.columns[list(table.columns)[4]].label)


def test_the_detail_line_says_which_duty_and_when_kc_was_missing() -> None:
    from audits.engine import Finding
    from screens.audit.detail import responsible_line

    dm = Finding("slow-dm-replies", "warning", "a1", "facebook", "stad", SLF, responsible=KC)
    assert responsible_line(dm) == (
        f"Ansvarig: {KC} (kontaktcenter svarar här för direktmeddelandena)"
    )
    stayed = Finding(
        "slow-replies", "warning", "a1", "facebook", "stad", SLF, responsible=SLF, kc_absent=True
    )
    assert responsible_line(stayed).startswith(f"Ansvarig: {SLF} (kontaktcenter svarar för")
    assert "fanns inte i registret" in responsible_line(stayed)
    own = Finding("no-editors", "critical", "a1", "facebook", "stad", SLF, responsible=SLF)
    assert responsible_line(own) == f"Ansvarig: {SLF}"
    assert responsible_line(Finding("revision-overdue", "critical")) == "Ansvarig: AKN (registret)"
