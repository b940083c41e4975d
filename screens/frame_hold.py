"""Holding the app's repaints while a screen's first data is being read, so its first frame
shows it.

Drawn at once, a screen would be drawn twice: empty ("loading") first, and again a moment later
with its data (a full repaint of every widget, each time). :class:`FrameHold` holds the app's
repaints (Textual's ``batch_update``) from the moment the data is asked for until it is shown, or
until the screen says "loading" after a short wait, whichever comes first. Keys are handled as
ever meanwhile; only drawing waits. Used by the account detail screen (an account being opened)
and by the main screen started on the audit tab (the worklist's first read).
"""

from __future__ import annotations

from contextlib import AbstractContextManager

from textual.app import App


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
