"""A filter box whose typing repaints the box alone, not the whole screen's layout."""

from __future__ import annotations

from textual.geometry import Size
from textual.reactive import Reactive
from textual.widgets import Input


class FilterInput(Input):
    """An :class:`~textual.widgets.Input` for a filter above a long table.

    Textual's Input sets its scrollable width to its text's on every keystroke, and that width is
    a layout reactive: each key laid out every widget of the screen again, a good part of a
    keystroke's time above the accounts table. The box's own size never follows its text (its
    width comes from the style sheet; an Input sized by its content still asks for a layout
    itself), so here the scrollable width is a plain reactive: scrolling the text within the box
    reads it directly, and the box is repainted.
    """

    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)
