"""A label for a table's "shown of total" count, which changes on every filter keystroke."""

from __future__ import annotations

from rich.cells import cell_len
from textual.css.scalar import Unit
from textual.widgets import Label


class CountLabel(Label):
    """A count beside a filter box. Its width follows its text (``width: auto``), so Textual
    lays the whole screen out again on every update; here only when the width changes, which
    a keystroke seldom does ("2 737 av 10 000" after "2 745 av 10 000").

    Given the widest text the count can show (every row shown), it keeps at least that width,
    so typing never changes it: "2 737 av 10 000" after "10 000 av 10 000" (the first key) or
    "400 av 10 000" (the second) then needs no layout at all, which was most of a keystroke's
    time beside a long table. A narrow screen leaves that out: there the filter box needs every
    column, and the count takes only what it shows.
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self._cells = 0
        #: The width kept for the widest text (0: none kept).
        self._floor = 0

    def show(self, text: str, *, widest: str | None = None) -> None:
        """Show ``text`` (plain text, never markup), keeping the width of ``widest`` if given."""
        floor = cell_len(widest) if widest is not None else 0
        if floor <= self._style_sheet_min_width():
            floor = 0  # the style sheet keeps this much already
        if floor != self._floor:
            self._floor = floor
            self.styles.min_width = floor or None  # (a layout, when the total changes)
        cells = max(cell_len(text), floor)
        self.update(text, layout=cells != self._cells)
        self._cells = cells

    def _style_sheet_min_width(self) -> int:
        """The minimum width (in cells) the style sheet gives the label, if any."""
        scalar = self.styles.base.min_width
        return int(scalar.value) if scalar is not None and scalar.unit == Unit.CELLS else 0
