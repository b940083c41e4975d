"""A compact ``Select`` whose option list is styled once, as it looks in the end."""

from __future__ import annotations

from typing import TypeVar

from textual.app import ComposeResult
from textual.widgets import OptionList, Select

from screens.widgets.bindings_footer import bound_to

T = TypeVar("T")


class CompactSelect(Select[T]):
    """Textual's ``Select`` (pass ``compact=True``), minus one restyle of its option list.

    The option list binds its ``compact`` to the select's once mounted: it was styled as a
    full-size list first, then again as a compact one, for every select on screen (seven on the
    audit tab) before the first frame. Given the select's value before it is mounted, the list
    is styled once.
    """

    def compose(self) -> ComposeResult:
        for widget in super().compose():
            if isinstance(widget, OptionList) and bound_to(widget, "compact"):
                widget.set_reactive(OptionList.compact, self.compact)
                widget.set_class(self.compact, "-textual-compact", update=False)
            yield widget
