"""The diff table's columns follow its rows as they are shown, not when the table next idles.

Textual's DataTable sizes auto-width columns on its next idle, and caches each row as drawn: a
frame drawn between the first rows' arrival and that idle (the audit tab's first frame is drawn
as soon as the read is shown) kept the departments cut at the width of the heading "Ansvarig"."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import DataTable

from screens.audit.summary import DiffPanel
from screens.services import Services


class DiffApp(App[None]):
    """Nothing but a diff panel, as the audit tab composes it."""

    def compose(self) -> ComposeResult:
        yield DiffPanel()


def drawn_rows(table: DataTable[str]) -> list[str]:
    """The table's data rows as it draws them now (no idle in between)."""
    return [table.render_line(y).text for y in range(1, table.row_count + 1)]


async def test_rows_drawn_at_once_show_the_whole_department(services: Services) -> None:
    view = services.audit_view(services.default_quarter())
    assert view.diff is not None
    departments = [part.department for part in view.diff.by_department() if part.department]
    longest = max(departments, key=len)
    assert len(longest) > len("Ansvarig")  # else nothing could be cut
    app = DiffApp()
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        panel = app.query_one(DiffPanel)
        table = panel.query_one(DataTable)
        panel.show(view)
        at_once = drawn_rows(table)  # before the table idles, as a first frame may draw it
        assert any(longest in row for row in at_once)
        await pilot.pause()
        assert drawn_rows(table) == at_once
        assert table.row_count == len(view.diff.by_department())


async def test_columns_shrink_back_for_a_quarter_with_shorter_names(services: Services) -> None:
    view = services.audit_view(services.default_quarter())
    app = DiffApp()
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        panel = app.query_one(DiffPanel)
        table = panel.query_one(DataTable)
        headings = [column.label.plain for column in table.columns.values()]
        empty = [column.get_render_width(table) for column in table.columns.values()]
        panel.show(view)
        widths = [column.get_render_width(table) for column in table.columns.values()]
        assert widths[0] > empty[0]  # the departments are wider than their heading
        panel.show(view.__class__(view.quarter, view.report, None, view.runs, view.worklist))
        await pilot.pause()
        assert table.row_count == 0
        assert [column.label.plain for column in table.columns.values()] == headings
        assert [column.get_render_width(table) for column in table.columns.values()] == empty
