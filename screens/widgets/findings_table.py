"""A virtual table of findings (the worklist): draws only the visible lines, so 15,000 stay fast.

Like :mod:`screens.widgets.account_table`; grouping puts a heading line before each group.
Space selects a finding (on a heading: its group), ``a`` every visible one, Enter opens. Only
shown findings stay selected: a filter that hides one unselects it, so no action reaches it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from governance.i18n import t
from screens.widgets.finding_rows import (
    COLUMNS,
    SORTABLE,
    Column,
    Filters,
    FindingRow,
    column_layout,
    group_lines,
    shown_selection,
    sorted_order,
)

#: Marks in the first column: selected, resolved (nothing to do), neither.
SELECTED, RESOLVED_MARK, NOT_SELECTED = "●", "✓", " "


class FindingsTable(ScrollView, can_focus=True):
    """The findings, one a line, under a fixed heading; sorts, filters, groups and selects."""

    DEFAULT_CSS = """
    FindingsTable {
        height: 1fr;
        overflow-x: hidden;
        background: $surface;
        &:focus { background-tint: $foreground 3%; }
        & > .findings-table--header { background: $panel; color: $text; text-style: bold; }
        & > .findings-table--group { color: $text-accent; text-style: bold; }
        & > .findings-table--selected { color: $text-warning; text-style: bold; }
        & > .findings-table--cursor { background: $block-cursor-blurred-background; }
        &:focus > .findings-table--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
        & > .findings-table--odd { background: $surface-lighten-1 30%; }
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "findings-table--header",
        "findings-table--group",
        "findings-table--selected",
        "findings-table--cursor",
        "findings-table--odd",
    }

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "enter", "open", "worklist.key.open", id="worklist.open", tooltip="worklist.tip.open"
        ),
        Binding(
            "space",
            "toggle_selection",
            "worklist.key.select",
            id="worklist.select",
            tooltip="worklist.tip.select",
        ),
        Binding(
            "a",
            "select_all",
            "worklist.key.select_all",
            id="worklist.select_all",
            tooltip="worklist.tip.select_all",
        ),
        Binding(
            "s",
            "sort_next",
            "tui.key.sort",
            show=False,
            id="worklist.sort",
            tooltip="worklist.tip.sort",
        ),
        Binding(
            "S", "sort_reverse", "tui.key.sort_reverse", show=False, id="worklist.sort_reverse"
        ),
        Binding("up", "cursor(-1)", show=False),
        Binding("down", "cursor(1)", show=False),
        Binding("pageup", "page(-1)", show=False),
        Binding("pagedown", "page(1)", show=False),
        Binding("home", "edge(-1)", show=False),
        Binding("end", "edge(1)", show=False),
    ]

    cursor_line: reactive[int] = reactive(0, layout=False)
    """Index (in the shown lines, group headings included) of the highlighted line."""

    sort_column: reactive[str] = reactive("severity", init=False)
    """The key of the column the findings are sorted by."""

    sort_reverse: reactive[bool] = reactive(False, init=False)
    """Whether the sort is descending."""

    class Highlighted(Message):
        """The cursor moved to a finding (``row``) or to a group heading (``row`` is None)."""

        def __init__(self, row: FindingRow | None) -> None:
            super().__init__()
            self.row = row

    class Opened(Message):
        """The user asked to open the finding's account (Enter or double click)."""

        def __init__(self, row: FindingRow) -> None:
            super().__init__()
            self.row = row

    class ViewChanged(Message):
        """What is shown or selected changed (a filter, a reload, a selection)."""

        def __init__(self, shown: int, total: int, selected: int) -> None:
            super().__init__()
            self.shown, self.total, self.selected = shown, total, selected

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._rows: list[FindingRow] = []
        self._order: list[int] = []  # every row, sorted
        self._view: list[int] = []  # the rows that pass the filters, sorted
        self._lines: list[int] = []  # what is drawn: row index, or -1 - group index
        self._groups: list[tuple[str, tuple[int, ...]]] = []  # (heading, member rows)
        self._index: dict[str, int] | None = None  # each row's place by its key, once needed
        self._needle = ""
        self._quick: dict[str, str] = {}
        self._statuses: frozenset[str] | None = None
        self.grouping = "none"
        self.selected: set[str] = set()
        self._columns: tuple[Column, ...] = COLUMNS
        self._widths: list[int] = []
        self._widths_for = 0  # the drawable width _widths were computed for

    # --- data --------------------------------------------------------------------------------

    @property
    def total(self) -> int:
        """How many findings the table holds."""
        return len(self._rows)

    @property
    def rows(self) -> list[FindingRow]:
        """Every row the table holds (replaced whole by ``set_rows``, never changed in place)."""
        return self._rows

    @property
    def shown(self) -> int:
        """How many findings pass the filters."""
        return len(self._view)

    @property
    def filter_text(self) -> str:
        """The text the findings are filtered by (case-folded), or empty."""
        return self._needle

    @property
    def visible_rows(self) -> list[FindingRow]:
        """The findings that pass the filters, in display order."""
        return [self._rows[i] for i in self._view]

    @property
    def current(self) -> FindingRow | None:
        """The highlighted finding (None on a group heading or in an empty table)."""
        if 0 <= self.cursor_line < len(self._lines):
            line = self._lines[self.cursor_line]
            return self._rows[line] if line >= 0 else None
        return None

    @property
    def group_labels(self) -> list[str]:
        """The headings of the shown groups (none when not grouped)."""
        return [label for label, _ in self._groups]

    @property
    def selected_rows(self) -> list[FindingRow]:
        """The selected findings among those shown, in display order (a hidden one never is)."""
        return [self._rows[i] for i in self._view if self._rows[i].key in self.selected]

    def set_rows(self, rows: Sequence[FindingRow], filters: Filters | None = None) -> None:
        """Replace every row; keeps the sort, the selection, the cursor's row and the filters
        (or sets ``filters``: (text, quick, statuses) as for ``set_filter``, in the same pass)."""
        keep = self.current.key if self.current else None
        self._rows = list(rows)  # (the selection keeps what is still shown: see _filter)
        self._index = None
        if filters is not None:
            self._set_filters(filters)
        self._order = sorted_order(self._rows, self.sort_column, self.sort_reverse)
        self._filter(keep)

    def set_filter(
        self,
        text: str,
        quick: Mapping[str, str] | None = None,
        statuses: frozenset[str] | None = None,
    ) -> None:
        """Show only findings containing ``text`` (any case) whose attributes equal ``quick``
        (``department``, ``rule``, ``severity``) and whose status is in ``statuses``."""
        self._set_filters((text, quick, statuses))
        self._filter(self.current.key if self.current else None)

    def _set_filters(self, filters: Filters) -> None:
        text, quick, statuses = filters
        self._needle = text.strip().casefold()
        self._quick = dict(quick or {})
        self._statuses = statuses

    def set_grouping(self, grouping: str) -> None:
        """Group by ``rule`` or ``department``, or ``none``."""
        self.grouping = grouping
        self._filter(self.current.key if self.current else None)

    def sort_by(self, column: str, *, reverse: bool | None = None) -> None:
        """Sort by ``column``; choosing the sorted column again flips the order."""
        if reverse is None:
            reverse = not self.sort_reverse if column == self.sort_column else False
        keep = self.current.key if self.current else None
        self.set_reactive(FindingsTable.sort_column, column)
        self.set_reactive(FindingsTable.sort_reverse, reverse)
        self._order = sorted_order(self._rows, column, reverse)
        self._filter(keep)

    def _filter(self, keep: str | None) -> None:
        rows, view = self._rows, self._order
        if self._needle:
            needle = self._needle
            view = [i for i in view if needle in rows[i].haystack]
        for attribute, wanted in self._quick.items():
            view = [i for i in view if getattr(rows[i], attribute) == wanted]
        if self._statuses is not None:
            statuses = self._statuses
            view = [i for i in view if rows[i].item.status in statuses]
        self._view = list(view)
        if self.selected:  # an action acts on what is shown: a hidden finding is unselected
            if self._index is None:  # (once per set of rows, and only for a selection)
                self._index = {row.key: number for number, row in enumerate(rows)}
            self.selected = shown_selection(self.selected, rows, self._view, self._index)
        self._groups, self._lines = group_lines(rows, self._view, self.grouping)
        line = 0
        if keep is not None:
            line = next((n for n, i in enumerate(self._lines) if i >= 0 and rows[i].key == keep), 0)
        self.set_reactive(FindingsTable.cursor_line, line)
        self.virtual_size = Size(self.size.width, len(self._lines) + 1)
        self.scroll_to(y=0, animate=False, immediate=True)
        self._keep_cursor_visible()
        self.refresh()
        self._announce()

    def _announce(self) -> None:
        # As from the table: made while the pane handles a filter, it would stop at the pane.
        counts = self.ViewChanged(len(self._view), len(self._rows), len(self.selected))
        self.post_message(counts.set_sender(self))
        self.post_message(self.Highlighted(self.current).set_sender(self))

    # --- layout and drawing ------------------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        self._widths = []
        self.virtual_size = Size(event.size.width, len(self._lines) + 1)

    @property
    def _width(self) -> int:
        """The drawable width (without the vertical scrollbar)."""
        return self.scrollable_content_region.width

    def _column_widths(self) -> list[int]:
        # Kept per drawable width: the vertical scrollbar comes and goes with the rows, and a
        # width computed before it appeared would leave the columns a cell off.
        if not self._widths or self._widths_for != self._width:
            self._widths_for = self._width
            self._columns, self._widths = column_layout(self._width)
        return self._widths

    def _line(self, texts: Mapping[str, str], style: Style) -> Strip:
        widths = self._column_widths()
        parts = [" "]
        for width, column in zip(widths, self._columns, strict=True):
            text = texts.get(column.key, "")
            if cell_len(text) > width:
                text = set_cell_size(text, width - 1) + "…"
            parts.append(text.rjust(width) if column.right else set_cell_size(text, width))
            parts.append(" ")
        line = "".join(parts)
        return Strip([Segment(set_cell_size(line, self._width), style)], self._width)

    def _heading(self) -> Strip:
        labels = {}
        for column in COLUMNS:
            label = t(column.label_key)
            if column.key == self.sort_column:
                label += "▼" if self.sort_reverse else "▲"
            labels[column.key] = label
        style = self.rich_style + self.get_component_rich_style("findings-table--header")
        return self._line(labels, style)

    def render_line(self, y: int) -> Strip:
        base = self.rich_style
        if y == 0:
            return self._heading()
        position = self.scroll_offset.y + y - 1
        if position >= len(self._lines):
            return Strip.blank(self._width, base)
        style = base
        line = self._lines[position]
        if line < 0:
            style += self.get_component_rich_style("findings-table--group")
        elif self._rows[line].key in self.selected:
            style += self.get_component_rich_style("findings-table--selected")
        elif position % 2:
            style += self.get_component_rich_style("findings-table--odd")
        if position == self.cursor_line:
            style += self.get_component_rich_style("findings-table--cursor")
        if line < 0:
            text = " " + self._groups[-1 - line][0]
            return Strip([Segment(set_cell_size(text, self._width), style)], self._width)
        return self._line(self._texts(self._rows[line]), style)

    def _texts(self, row: FindingRow) -> dict[str, str]:
        mark = NOT_SELECTED
        if not row.item.actionable:
            mark = RESOLVED_MARK
        elif row.key in self.selected:
            mark = SELECTED
        return {"mark": mark, **dict(zip(SORTABLE, row.cells, strict=True))}

    # --- cursor and actions ------------------------------------------------------------------

    def watch_cursor_line(self) -> None:
        self._keep_cursor_visible()
        self.refresh()
        self.post_message(self.Highlighted(self.current))

    def _keep_cursor_visible(self) -> None:
        body = max(1, self.size.height - 1)
        top = int(self.scroll_offset.y)
        if self.cursor_line < top:
            self.scroll_to(y=self.cursor_line, animate=False, immediate=True)
        elif self.cursor_line >= top + body:
            self.scroll_to(y=self.cursor_line - body + 1, animate=False, immediate=True)

    def move_to(self, line: int) -> None:
        """Put the cursor on a shown line (clamped)."""
        if self._lines:
            self.cursor_line = max(0, min(len(self._lines) - 1, line))

    def action_cursor(self, delta: int) -> None:
        self.move_to(self.cursor_line + delta)

    def action_page(self, direction: int) -> None:
        self.move_to(self.cursor_line + direction * max(1, self.size.height - 2))

    def action_edge(self, direction: int) -> None:
        self.move_to(0 if direction < 0 else len(self._lines) - 1)

    def action_open(self) -> None:
        if self.current is not None:
            self.post_message(self.Opened(self.current))

    def action_toggle_selection(self) -> None:
        """Select or unselect the highlighted finding (on a heading: its whole group)."""
        if not 0 <= self.cursor_line < len(self._lines):
            return
        line = self._lines[self.cursor_line]
        members = self._groups[-1 - line][1] if line < 0 else (line,)
        keys = {self._rows[i].key for i in members if self._rows[i].item.actionable}
        if keys <= self.selected:
            self.selected -= keys
        else:
            self.selected |= keys
        self.move_to(self.cursor_line + 1)
        self.refresh()
        self._announce()

    def action_select_all(self) -> None:
        """Select every visible finding; if they all are, unselect them."""
        keys = {self._rows[i].key for i in self._view if self._rows[i].item.actionable}
        self.selected = set() if keys and keys <= self.selected else self.selected | keys
        self.refresh()
        self._announce()

    def clear_selection(self) -> None:
        """Unselect everything."""
        self.selected = set()
        self.refresh()
        self._announce()

    def action_sort_next(self) -> None:
        """Sort by the next column (s), wrapping around."""
        following = (SORTABLE.index(self.sort_column) + 1) % len(SORTABLE)
        self.sort_by(SORTABLE[following], reverse=False)

    def action_sort_reverse(self) -> None:
        """Flip the sort order (shift+s)."""
        self.sort_by(self.sort_column, reverse=not self.sort_reverse)

    def _column_at(self, x: int) -> str | None:
        edge = 1
        for width, column in zip(self._column_widths(), self._columns, strict=True):
            if edge <= x < edge + width + 1:
                return column.key if column.key in SORTABLE else None
            edge += width + 1
        return None

    def on_click(self, event: events.Click) -> None:
        if event.y == 0:
            column = self._column_at(event.x)
            if column is not None:
                self.sort_by(column)
            return
        line = int(self.scroll_offset.y) + event.y - 1
        if 0 <= line < len(self._lines):
            self.cursor_line = line
            if event.chain >= 2:
                self.action_open()
