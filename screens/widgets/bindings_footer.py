"""The footer of the app's screens: rebuilt only when the keys it would show have changed, and
its keys styled once each."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.dom import DOMNode
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey


class BindingsFooter(Footer):
    """Textual's footer, rebuilt only when the keys it would show have changed.

    The footer rebuilds its keys (a few dozen widgets, each styled anew) after the next refresh
    each time the screen's bindings change, and opening an account changes them several times
    before its first frame (the screen shown, the form's first field focused, F6 offered or
    not) mostly to the same keys; so does the app's start (the tab's table focused, the rights
    read), and each rebuild laid the main screen out again. A rebuild that would show what is
    shown is skipped; one asked for while another is pending is the same rebuild; and a screen
    that is covered or closed is not rebuilt (being shown again asks for a rebuild).
    """

    _rebuild_pending = False
    #: What the last rebuild showed (None before the first).
    _shown: tuple[object, ...] | None = None

    def bindings_changed(self, screen: Screen[object]) -> None:
        if self._rebuild_pending:
            self._bindings_ready = True
        else:
            self._rebuild_pending = True
            super().bindings_changed(screen)

    def _keys_shown(self) -> tuple[object, ...]:
        """What :meth:`compose` reads: each shown binding with its state, and the palette's."""
        active = self.screen.active_bindings
        shown = tuple(
            (binding, enabled, tooltip)
            for (_node, binding, enabled, tooltip) in active.values()
            if binding.show
        )
        palette = active.get(self.app.COMMAND_PALETTE_BINDING)
        palette_shown = palette[1:] if palette is not None and self.show_command_palette else None
        return (self._bindings_ready, shown, palette_shown, self.app.ENABLE_COMMAND_PALETTE)

    async def recompose(self) -> None:
        self._rebuild_pending = False
        if not self.is_attached:  # removed meanwhile (a spare dropped)
            return
        screen = self.screen
        if screen.stack_updates and not screen.is_current:
            # Shown before and covered or closed since: showing it again asks anew. (A screen
            # being closed must not hold the app's repaints while its children are removed.)
            return
        shown = self._keys_shown()
        if shown != self._shown:
            self._shown = shown
            await super().recompose()

    def compose(self) -> ComposeResult:
        # Most keys bind their ``compact`` to the footer's; bound once mounted, such a key first
        # took FooterKey's own default (compact) and then the footer's, and was styled again for
        # each: three stylings per key, of some twenty keys at start. Given the footer's value,
        # and the class that goes with it, before it is mounted, a key is styled once, as it
        # looks in the end. (The palette's key is not bound: it keeps its own value.)
        for widget in super().compose():
            if isinstance(widget, FooterKey):
                if bound_to(widget, "compact"):
                    widget.set_reactive(FooterKey.compact, self.compact)
                widget.set_class(widget.compact, "-compact", update=False)
            yield widget


def bound_to(widget: DOMNode, name: str) -> bool:
    """Whether ``widget``'s reactive ``name`` is bound to its parent's (``data_bind``)."""
    return name in (widget._reactive_connect or {})
