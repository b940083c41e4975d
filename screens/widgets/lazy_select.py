"""A compact ``Select`` whose parts are built when it is first used.

A Select is six widgets: itself, its current value (a row of a label and two arrows, one of them
hidden) and its option list (hidden until opened). The audit tab shows seven selects: 42 of the
~95 widgets its first paint composed, styled, laid out and drew. A :class:`LazySelect` is two
widgets, itself and a :class:`SelectFace` drawn as Textual draws a closed compact select, until
it is first focused, clicked, opened or disabled: then Textual's own parts take the face's place,
and the select is Textual's from then on. tests/tui/test_lazy_select.py draws both, alike, on
random options, widths and values, and compares them cell by cell.
"""

from __future__ import annotations

import asyncio
from typing import ClassVar, TypeVar

from rich.console import RenderableType
from rich.text import Text
from textual import events
from textual.app import ComposeResult, RenderResult
from textual.content import Content
from textual.geometry import Size
from textual.widget import Widget
from textual.widgets import Select
from textual.widgets.select import NoSelection

from screens.widgets.compact_select import CompactSelect

T = TypeVar("T")


def as_content(label: RenderableType) -> Content:
    """``label`` as Textual's ``Static`` shows it: a ``str`` as markup, Rich ``Text`` as is."""
    if isinstance(label, str):
        return Content.from_markup(label)
    if isinstance(label, Text):
        return Content.from_rich_text(label)
    return Content(str(label))


class SelectFace(Widget):
    """A closed compact select's value (or prompt) and its arrow, in one widget. Its styles are
    those of Textual's ``SelectCurrent`` in a compact ``Select`` (8.2.8)."""

    DEFAULT_CSS = """
    SelectFace {
        width: 1fr;
        height: auto;
        padding: 0 1 0 0;
        color: $foreground;
        background: $surface;
        pointer: pointer;
    }
    SelectFace > .select-face--prompt, SelectFace > .select-face--arrow {
        color: $foreground 50%;
    }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {"select-face--prompt", "select-face--arrow"}
    ALLOW_SELECT = False

    def __init__(self, label: RenderableType) -> None:
        super().__init__()
        self._label: RenderableType = label
        self._prompt = True

    def show(self, label: RenderableType, *, prompt: bool) -> None:
        """Show ``label``: the chosen option's, or the prompt (dimmed) if ``prompt``."""
        self._label, self._prompt = label, prompt
        self.refresh()

    def _lines(self, width: int) -> list[Content]:
        """The label wrapped to what a face ``width`` cells wide leaves beside the arrow."""
        width = max(0, width - 2)
        return (as_content(self._label).wrap(width) if width else None) or [Content("")]

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        """The label's lines at ``width``. (Textual's own way, rendering the face, read the
        face's size before it was laid out: that laid the whole screen out once more, a fifth
        of the audit tab's first frame.)"""
        return len(self._lines(width)) if width else 0

    def render(self) -> RenderResult:
        # The label wrapped to the width the arrow leaves; a space and the arrow on its first
        # line, two spaces on the others.
        width = max(0, self.content_size.width - 2)
        lines = self._lines(self.content_size.width)
        prompt = self.get_visual_style("select-face--prompt", partial=True)
        arrow = Content.styled(" ▼", self.get_visual_style("select-face--arrow", partial=True))
        shown = []
        for number, line in enumerate(lines):
            label = line.truncate(width, pad=True)
            shown.append(label.stylize(prompt) if self._prompt else label)
            shown.append(arrow if number == 0 else Content("  "))
            shown.append(Content("\n"))
        return Content.assemble(*shown[:-1])

    async def _on_click(self, event: events.Click) -> None:
        event.stop()
        select = self.parent
        if isinstance(select, LazySelect):
            await select.open()


class LazySelect(CompactSelect[T]):
    """A compact select shown by a :class:`SelectFace` until first focused, clicked, opened or
    disabled.

    Until then its value, options and prompt are kept as ``Select`` keeps them and shown on the
    face; it posts ``Select.Changed`` as ``Select`` does."""

    _built = False
    _building: asyncio.Task[None] | None = None

    def compose(self) -> ComposeResult:
        if self._built:
            yield from super().compose()
        else:
            yield SelectFace(self.prompt)

    @property
    def built(self) -> bool:
        """Whether Textual's parts are in place (and the face gone)."""
        return self._building is not None and self._building.done()

    async def build(self) -> None:
        """Put Textual's parts in the face's place (once; a second caller waits for the first)."""
        if self._building is None:
            # Built as the select's own work, whoever asks (its parts bind to its values).
            with self._context():
                self._building = asyncio.create_task(self._put_parts())
        await self._building

    async def _put_parts(self) -> None:
        self._built = True  # (what compose yields now)
        await self.recompose()
        super()._setup_options_renderables()
        with self.prevent(Select.Changed):  # shown as it is, not changed
            super()._watch_value(self.value)

    async def open(self) -> None:
        """Open the option list (a click on the face), built first."""
        await self.build()
        self.focus()
        self.expanded = True

    async def on_focus(self) -> None:
        await self.build()

    def on_mount(self) -> None:
        if self.disabled:
            self.call_later(self.build)

    def watch_disabled(self, disabled: bool) -> None:
        # Disabled, Textual's select is drawn faded in a way the face does not copy: built.
        super().watch_disabled(disabled)
        if disabled and self.is_mounted:
            self.call_later(self.build)

    def action_show_overlay(self) -> None:
        if self.built:
            super().action_show_overlay()
        else:  # (a key pressed as the select takes the focus: it opens once built)
            self.call_later(self._show_overlay_built)

    async def _show_overlay_built(self) -> None:
        await self.build()
        super().action_show_overlay()

    def _watch_expanded(self, expanded: bool) -> None:
        if self.built:
            super()._watch_expanded(expanded)
        elif expanded:  # opened by code before first use (``expanded = True``): built first
            self.call_later(self._expand_built)

    async def _expand_built(self) -> None:
        await self.build()
        super()._watch_expanded(self.expanded)

    # Until built (and while being built), the face stands in for Textual's parts; the parts
    # are given the options, value and prompt of the moment when they are put in place.

    def _setup_options_renderables(self) -> None:
        if self.built:
            super()._setup_options_renderables()

    def _watch_value(self, value: T | NoSelection) -> None:
        if self.built:
            super()._watch_value(value)
            return
        self._value = value
        faces = list(self.query(SelectFace))
        if not faces and self._building is None:  # not composed yet: Select posts nothing then
            return
        chosen = next((p for p, v in self._options if v == value != self.NULL), None)
        for face in faces:
            face.show(self.prompt if chosen is None else chosen, prompt=chosen is None)
        self.post_message(Select.Changed(self, value))

    def _watch_prompt(self, prompt: str) -> None:
        if self.built:
            super()._watch_prompt(prompt)
        elif self.is_mounted and self.value == self.NULL:
            for face in self.query(SelectFace):
                face.show(prompt, prompt=True)
