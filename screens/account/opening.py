"""Holding the app's repaints while an account is being read, so its first frame shows it.

Pushed, a detail screen would be drawn twice: empty ("loading") at once, and again a moment
later with the account (a full repaint of every widget, each time). :class:`FrameHold` holds the
app's repaints (Textual's ``batch_update``) from the moment the account is asked for until it is
read, or until the screen says "loading" (``LOADING_AFTER_S``), whichever comes first. Keys are
handled as ever meanwhile; only drawing waits.
"""

from __future__ import annotations

from contextlib import AbstractContextManager

from textual.app import App
from textual.screen import Screen
from textual.widgets import Footer


class FrameHold:
    """One hold on an app's repaints, released once (releasing again does nothing)."""

    def __init__(self) -> None:
        self._held: AbstractContextManager[None] | None = None

    @property
    def held(self) -> bool:
        """Whether the repaints are held now."""
        return self._held is not None

    def hold(self, app: App[object]) -> None:
        """Hold ``app``'s repaints (once: a second hold before the release does nothing)."""
        if self._held is None:
            batch = app.batch_update()
            batch.__enter__()
            self._held = batch

    def release(self) -> None:
        """Let the app draw again (its next frame shows everything changed meanwhile)."""
        batch, self._held = self._held, None
        if batch is not None:
            batch.__exit__(None, None, None)


class BindingsFooter(Footer):
    """Textual's footer, rebuilt only when the keys it would show have changed.

    The footer rebuilds its keys (a few dozen widgets, each styled anew) after the next refresh
    each time the screen's bindings change, and opening an account changes them several times
    before its first frame (the screen shown, the form's first field focused, F6 offered or
    not) mostly to the same keys. A rebuild that would show what is shown is skipped; one
    asked for while another is pending is the same rebuild; and a screen that is covered or
    closed is not rebuilt (being shown again asks for a rebuild).
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
