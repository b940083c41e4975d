"""A virtual table of accounts: renders only the visible lines, so 10,000 rows stay fast.

The stock DataTable builds every row's renderables and measures every cell up front, which at
10,000 rows costs about a second before the first paint and as much again when a filter clears
and re-adds the rows. This view keeps the rows as they come, turns a row into its cell texts only
when it is drawn, filters with one substring test per row, sorts an index list, and draws only the
lines on screen.

The texts the filter searches (every row's cells, case-folded) are built just after the first
paint, not before it: the first paint needs none of them. A keystroke that only lengthens the
filter text searches just the rows the previous one left, and a changed row count does not lay
the whole screen out again (see :meth:`AccountTable._resize_virtual`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar, NamedTuple

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget

from governance.i18n import t
from screens.view_models import AccountSummary
from screens.widgets.account_cells import (
    COLUMNS,
    NO_FINDINGS,
    UNKNOWN,
    Column,
    RowTexts,
    cells_of,
    format_count,
    sort_key,
    sort_keys,
)

__all__ = [  # the texts are offered from here too, where the table's users found them before
    "COLUMNS",
    "NO_FINDINGS",
    "UNKNOWN",
    "AccountTable",
    "Column",
    "RowTexts",
    "cells_of",
    "format_count",
    "sort_key",
]


class _FrameStyles(NamedTuple):
    """The styles and width of one frame's lines, looked up once per frame, not per line (a
    widget's ``rich_style`` walks its ancestors: most of a redraw when asked on every line)."""

    base: Style
    header: Style
    cursor: Style
    odd: Style
    width: int


class AccountTable(ScrollView, can_focus=True):
    """The accounts, one a line, with a fixed header; sorts, filters and opens accounts."""

    DEFAULT_CSS = """
    AccountTable {
        height: 1fr;
        overflow-x: hidden;
        background: $surface;
        &:focus { background-tint: $foreground 3%; }
        & > .account-table--header { background: $panel; color: $text; text-style: bold; }
        & > .account-table--sorted { background: $panel; color: $text-accent; text-style: bold; }
        & > .account-table--cursor { background: $block-cursor-blurred-background; }
        &:focus > .account-table--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
        & > .account-table--odd { background: $surface-lighten-1 30%; }
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "account-table--header",
        "account-table--sorted",
        "account-table--cursor",
        "account-table--odd",
    }

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "tui.key.open", id="table.open", tooltip="tui.tip.open"),
        Binding("s", "sort_next", "tui.key.sort", id="table.sort", tooltip="tui.tip.sort"),
        Binding(
            "S",
            "sort_reverse",
            "tui.key.sort_reverse",
            show=False,
            id="table.sort_reverse",
            tooltip="tui.tip.sort_reverse",
        ),
        Binding("up", "cursor(-1)", show=False),
        Binding("down", "cursor(1)", show=False),
        Binding("pageup", "page(-1)", show=False),
        Binding("pagedown", "page(1)", show=False),
        Binding("home", "edge(-1)", show=False),
        Binding("end", "edge(1)", show=False),
    ]

    cursor_row: reactive[int] = reactive(0, layout=False)
    """Index (in the filtered, sorted view) of the highlighted row."""

    sort_column: reactive[str] = reactive("platform", init=False)
    """The key of the column the rows are sorted by."""

    sort_reverse: reactive[bool] = reactive(False, init=False)
    """Whether the sort is descending."""

    class Opened(Message):
        """The user asked to open an account (Enter or double click)."""

        def __init__(self, summary: AccountSummary) -> None:
            super().__init__()
            self.summary = summary

    class ViewChanged(Message):
        """The number of shown rows changed (after a filter or a reload)."""

        def __init__(self, shown: int, total: int) -> None:
            super().__init__()
            self.shown = shown
            self.total = total

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._rows: list[AccountSummary] = []
        self._texts = RowTexts()
        #: Each row's cell texts, made when the row is first drawn (None until then).
        self._cells: list[tuple[str, ...] | None] = []
        #: Each row's searched text (:meth:`RowTexts.haystack`); None until built after the
        #: first paint (:meth:`_ensure_haystack`).
        self._haystack: list[str] | None = None
        self._order: list[int] = []  # all rows, sorted
        self._view: list[int] = []  # the rows that pass the filter, sorted
        self._needle = ""
        self._predicate: Callable[[AccountSummary], bool] | None = None
        #: Whether ``_view`` holds every sorted row that contains ``_needle`` (no quick filter):
        #: a longer needle that contains it then searches only those rows.
        self._narrowable = False
        self._widths: list[int] = []
        self._frame: _FrameStyles | None = None
        #: Whether the searched texts are to be built once a frame has drawn the rows.
        self._haystack_due = False

    # --- data --------------------------------------------------------------------------------

    @property
    def total(self) -> int:
        """How many rows the table holds."""
        return len(self._rows)

    @property
    def filter_text(self) -> str:
        """The text the rows are filtered by (lower case), or empty."""
        return self._needle

    @property
    def shown(self) -> int:
        """How many rows pass the filter."""
        return len(self._view)

    @property
    def visible_summaries(self) -> list[AccountSummary]:
        """The rows that pass the filter, in display order."""
        return [self._rows[i] for i in self._view]

    @property
    def current(self) -> AccountSummary | None:
        """The highlighted row, if any."""
        if 0 <= self.cursor_row < len(self._view):
            return self._rows[self._view[self.cursor_row]]
        return None

    def set_rows(self, summaries: Sequence[AccountSummary]) -> None:
        """Replace every row; keeps the sort, the filter and (if it is still there) the cursor."""
        keep = self.current.id if self.current else None
        self._rows = list(summaries)
        self._texts = RowTexts()  # in the language of the moment
        self._cells = [None] * len(self._rows)
        self._haystack = None
        self._sort()
        self._haystack_due = True  # built after the frame that draws these rows (render_lines)
        self._filter(keep)

    def _ensure_haystack(self) -> list[str]:
        """Every row's searched text, built now if it has not been."""
        if self._haystack is None:
            haystack = self._texts.haystack
            self._haystack = [haystack(s) for s in self._rows]
        return self._haystack

    def _cells_at(self, index: int) -> tuple[str, ...]:
        """The cell texts of row ``index`` (made on its first drawing)."""
        cells = self._cells[index]
        if cells is None:
            cells = self._cells[index] = self._texts.cells(self._rows[index])
        return cells

    def update_row(self, summary: AccountSummary) -> None:
        """Replace the row of one account (after an edit)."""
        for index, row in enumerate(self._rows):
            if row.id == summary.id:
                self._rows[index] = summary
                self._cells[index] = None
                if self._haystack is not None:
                    self._haystack[index] = self._texts.haystack(summary)
                break
        else:
            return
        self._sort()
        self._filter(summary.id)

    def set_filter(
        self, text: str, predicate: Callable[[AccountSummary], bool] | None = None
    ) -> None:
        """Show only rows whose text contains ``text`` (any case) and that pass ``predicate``."""
        needle = text.strip().casefold()
        narrow = self._narrowable and predicate is None and self._needle in needle
        self._needle = needle
        self._predicate = predicate
        self._filter(None, narrow=narrow)

    def sort_by(self, column: str, *, reverse: bool | None = None) -> None:
        """Sort by ``column``; choosing the sorted column again flips the order."""
        if reverse is None:
            reverse = not self.sort_reverse if column == self.sort_column else False
        keep = self.current.id if self.current else None
        self.set_reactive(AccountTable.sort_column, column)
        self.set_reactive(AccountTable.sort_reverse, reverse)
        self._sort()
        self._filter(keep)

    def _sort(self) -> None:
        keys = sort_keys(self._rows, self.sort_column)
        known = [i for i, k in enumerate(keys) if k is not None]
        unknown = [i for i, k in enumerate(keys) if k is None]
        known.sort(key=keys.__getitem__, reverse=self.sort_reverse)
        self._order = known + unknown

    def _filter(self, keep: str | None, *, narrow: bool = False) -> None:
        """Apply the filter; ``narrow``: search only the rows shown now (the needle grew)."""
        needle, predicate, rows = self._needle, self._predicate, self._rows
        view = self._view if narrow else self._order
        if needle:
            hay = self._ensure_haystack()
            view = [i for i in view if needle in hay[i]]
        if predicate is not None:
            view = [i for i in view if predicate(rows[i])]
        self._view = list(view)
        self._narrowable = predicate is None
        cursor = 0
        if keep is not None:
            cursor = next((n for n, i in enumerate(self._view) if rows[i].id == keep), 0)
        self.set_reactive(AccountTable.cursor_row, cursor)
        self._resize_virtual(Size(self.size.width, len(self._view) + 1))
        self.scroll_to(y=0, animate=False, immediate=True)
        self._keep_cursor_visible()
        self.refresh()
        self.post_message(self.ViewChanged(len(self._view), len(self._rows)))

    def _resize_virtual(self, size: Size) -> None:
        """Take ``size`` as the scrollable size without laying the screen out again.

        ``virtual_size`` is a layout reactive: set plainly, every keystroke that changes the
        row count re-arranged every widget of the screen. The table's own box does not depend on
        its rows (its height is a share of the screen), so only the scrollbars follow; should
        one appear or vanish, its own reactive still asks for the layout that needs.
        """
        if size == self.virtual_size:
            return
        self.set_reactive(Widget.virtual_size, size)
        self._scroll_update(size)

    # --- layout and drawing ------------------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        self._widths = []
        self.virtual_size = Size(event.size.width, len(self._view) + 1)

    @property
    def _width(self) -> int:
        """The drawable width (without the vertical scrollbar)."""
        return self.scrollable_content_region.width

    def _column_widths(self) -> list[int]:
        if self._widths:
            return self._widths
        labels = [t(c.label_key) for c in COLUMNS]
        widths = [
            max(c.min_width, cell_len(label) + 1) for c, label in zip(COLUMNS, labels, strict=True)
        ]
        spare = self._width - sum(widths) - (len(COLUMNS) - 1) - 2
        flex_total = sum(c.flex for c in COLUMNS)
        if spare > 0 and flex_total:
            for index, column in enumerate(COLUMNS):
                widths[index] += spare * column.flex // flex_total
        self._widths = widths
        return widths

    def _line(self, texts: Sequence[str], style: Style, width: int) -> Strip:
        widths = self._column_widths()
        parts = [" "]
        for text, column_width, column in zip(texts, widths, COLUMNS, strict=True):
            if cell_len(text) > column_width:
                text = set_cell_size(text, column_width - 1) + "…"
            parts.append(
                text.rjust(column_width) if column.right else set_cell_size(text, column_width)
            )
            parts.append(" ")
        line = "".join(parts)
        return Strip([Segment(set_cell_size(line, width), style)], width)

    def render_lines(self, crop: Region) -> list[Strip]:
        """The frame's lines, with the styles looked up once for all of them."""
        self._frame = None
        if self._haystack_due and self._rows:
            # Right after this frame: typing in the filter box comes later.
            self._haystack_due = False
            self.call_after_refresh(self._ensure_haystack)
        try:
            return super().render_lines(crop)
        finally:
            self._frame = None

    def _styles(self) -> _FrameStyles:
        """The styles of this frame's lines (of this one line when drawn outside a frame)."""
        if self._frame is None:
            base = self.rich_style
            self._frame = _FrameStyles(
                base,
                base + self.get_component_rich_style("account-table--header"),
                base + self.get_component_rich_style("account-table--cursor"),
                base + self.get_component_rich_style("account-table--odd"),
                self._width,
            )
        return self._frame

    def render_line(self, y: int) -> Strip:
        styles = self._styles()
        if y == 0:
            labels = []
            for column in COLUMNS:
                label = t(column.label_key)
                if column.key == self.sort_column:
                    label += "▼" if self.sort_reverse else "▲"
                labels.append(label)
            return self._line(labels, styles.header, styles.width)
        position = self.scroll_offset.y + y - 1
        if position >= len(self._view):
            return Strip.blank(styles.width, styles.base)
        style = styles.base
        if position == self.cursor_row:
            style = styles.cursor
        elif position % 2:
            style = styles.odd
        return self._line(self._cells_at(self._view[position]), style, styles.width)

    # --- cursor and actions ------------------------------------------------------------------

    def watch_cursor_row(self, old: int, new: int) -> None:
        self._keep_cursor_visible()
        self.refresh()

    def _keep_cursor_visible(self) -> None:
        body = max(1, self.size.height - 1)
        top = int(self.scroll_offset.y)
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False, immediate=True)
        elif self.cursor_row >= top + body:
            self.scroll_to(y=self.cursor_row - body + 1, animate=False, immediate=True)

    def _move_to(self, row: int) -> None:
        if self._view:
            self.cursor_row = max(0, min(len(self._view) - 1, row))

    def action_cursor(self, delta: int) -> None:
        self._move_to(self.cursor_row + delta)

    def action_page(self, direction: int) -> None:
        self._move_to(self.cursor_row + direction * max(1, self.size.height - 2))

    def action_edge(self, direction: int) -> None:
        self._move_to(0 if direction < 0 else len(self._view) - 1)

    def action_open(self) -> None:
        if self.current is not None:
            self.post_message(self.Opened(self.current))

    def action_sort_next(self) -> None:
        """Sort (s): an ascending column turns descending; a descending one gives way to the next
        column, ascending. So every column is reachable in both directions by ``s`` alone."""
        if not self.sort_reverse:
            self.sort_by(self.sort_column, reverse=True)
            return
        keys = [c.key for c in COLUMNS]
        self.sort_by(keys[(keys.index(self.sort_column) + 1) % len(keys)], reverse=False)

    def action_sort_reverse(self) -> None:
        """Flip the sort order (S), staying on the column."""
        self.sort_by(self.sort_column, reverse=not self.sort_reverse)

    def _column_at(self, x: int) -> str | None:
        edge = 1
        for width, column in zip(self._column_widths(), COLUMNS, strict=True):
            if edge <= x < edge + width + 1:
                return column.key
            edge += width + 1
        return None

    def on_click(self, event: events.Click) -> None:
        if event.y == 0:
            column = self._column_at(event.x)
            if column is not None:
                self.sort_by(column)
            return
        row = int(self.scroll_offset.y) + event.y - 1
        if 0 <= row < len(self._view):
            self.cursor_row = row
            if event.chain >= 2:
                self.action_open()
