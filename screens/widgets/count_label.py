"""A label for a table's "shown of total" count, which changes on every filter keystroke."""

from __future__ import annotations

from rich.cells import cell_len
from textual.widgets import Label


class CountLabel(Label):
    """A count beside a filter box. Its width follows its text (``width: auto``), so Textual
    lays the whole screen out again on every update; here only when the width changes, which
    a keystroke seldom does ("2 737 av 10 000" after "2 745 av 10 000")."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self._cells = 0

    def show(self, text: str) -> None:
        """Show ``text`` (plain text, never markup)."""
        cells = cell_len(text)
        self.update(text, layout=cells != self._cells)
        self._cells = cells
