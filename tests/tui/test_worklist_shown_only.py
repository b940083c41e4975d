"""An action in the worklist acts only on the findings shown: a filter that hides a selected
finding unselects it, the count beside the filter box says how many stay selected, and the store
changes for those alone (found by a tester who selected all 93, filtered down to 7 and
acknowledged 93)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from textual.widgets import Input, Label, Select

from audits.service import AuditService
from screens.audit.review_dialog import ReviewDialog
from screens.services import Services
from screens.widgets.findings_table import FindingsTable

from .conftest import NOW, USER, make_app
from .helpers import settle, type_into


def _statuses(services: Services) -> dict[str, str]:
    """Each finding's status as the store has it now (a fresh service, nothing cached)."""
    report = AuditService(services.store, user=USER, clock=lambda: NOW).report("2026Q4")
    return {item.finding.key: item.status for item in report.items}


def _count(app: Any) -> str:
    return str(app.screen.query_one("#worklist-count", Label).render())


async def _worklist(pilot: Any) -> FindingsTable:
    await settle(pilot)
    await pilot.press("3")
    await settle(pilot)
    table = pilot.app.screen.query_one(FindingsTable)
    table.focus()
    return table


def _smallest_department(table: FindingsTable) -> str:
    """A department with more than one finding shown, but far from all of them."""
    counts = Counter(row.department for row in table.visible_rows if row.department)
    return min((d for d, n in counts.items() if n > 1), key=lambda d: (counts[d], d))


async def test_a_quick_filter_unselects_what_it_hides_and_k_acts_on_the_rest(
    services: Services,
) -> None:
    app = make_app(services)
    async with app.run_test(size=(140, 45)) as pilot:
        table = await _worklist(pilot)
        every = table.shown
        await pilot.press("a")
        await settle(pilot)
        assert len(table.selected) == every > 10
        department = _smallest_department(table)
        app.screen.query_one("#quick-department", Select).value = department
        await settle(pilot)
        shown = {row.key for row in table.visible_rows}
        assert 1 < len(shown) < every
        assert table.selected == shown
        assert _count(app) == f"{len(shown)} av {table.total} · {len(shown)} markerade"

        before = _statuses(services)
        table.focus()
        await pilot.press("k")
        dialog = app.screen
        assert isinstance(dialog, ReviewDialog)
        assert dialog._title == f"Kvittera {len(shown)} avvikelser"
        dialog.query_one("#form-note", Input).value = "Kvitterat"
        await pilot.click("#form-ok")
        await settle(pilot)
        after = _statuses(services)
        changed = {key for key in after if after[key] != before[key]}
        assert changed == shown and {after[key] for key in shown} == {"acknowledged"}
        assert ("information", f"{len(shown)} avvikelser är kvitterade.") in app.shown


async def test_typing_in_the_filter_box_keeps_only_the_shown_part_selected(
    services: Services,
) -> None:
    app = make_app(services)
    async with app.run_test(size=(140, 45)) as pilot:
        table = await _worklist(pilot)
        every = table.shown
        await pilot.press("a")
        await pilot.press("slash")
        await type_into(pilot, "inaktivt")
        await settle(pilot)
        shown = {row.key for row in table.visible_rows}
        assert 0 < len(shown) < every and table.selected == shown
        assert [row.key for row in table.selected_rows] == [r.key for r in table.visible_rows]
        # Widening the filter again shows the others unselected: what was hidden stays out.
        app.screen.query_one("#worklist-filter", Input).value = ""
        await settle(pilot)
        assert table.shown == every and table.selected == shown
        assert _count(app).endswith(f"· {len(shown)} markerade")
        # A status filter that shows none of them leaves nothing selected, and says so.
        app.screen.query_one("#quick-status", Select).value = "resolved"
        await settle(pilot)
        assert not table.selected and "markerad" not in _count(app)
        table.focus()
        await pilot.press("u")  # nothing selected, and a resolved finding is nothing to waive
        await settle(pilot)
        assert not isinstance(app.screen, ReviewDialog)
        assert app.shown[-1][0] == "warning"
        assert set(_statuses(services).values()) <= {"open", "resolved"}
