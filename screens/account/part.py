"""What every tab of the account detail screen shares: the account it shows, rights, timestamps.

Each tab is a widget that mixes in :class:`AccountPart`. The screen owns one reactive
``detail`` (:class:`~screens.view_models.AccountDetail`) and data-binds each tab's ``detail`` to it
(``data_bind``), so a tab shows the account as soon as it is mounted, however late (tabs are mounted
lazily), and again whenever the account is read anew. Tabs never call the store themselves: a
change goes to the screen as a :class:`~screens.messages.ChangeRequested` message, and the
screen's worker applies it and reads the account again.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, cast

from textual.app import App
from textual.reactive import var
from textual.widget import Widget

from governance.monthly import STOCKHOLM
from screens.commands import may
from screens.view_models import AccountDetail

if TYPE_CHECKING:
    from screens.app import KontokollApp


def stamp(moment: object) -> str:
    """A timestamp as ``YYYY-MM-DD HH:MM`` in Swedish time (ISO 8601 with a space)."""
    if not isinstance(moment, datetime):
        return "–"
    return moment.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M")


def kontokoll(app: App[object]) -> KontokollApp:
    """The app, with its services and the last read of the register."""
    return cast("KontokollApp", app)


def allowed(app: App[object], action: str, detail: AccountDetail | None) -> bool:
    """Whether the user may do ``action`` on the account shown (the services check again)."""
    snapshot = kontokoll(app).snapshot
    rights = snapshot.rights if snapshot is not None else None
    return detail is not None and may(rights, action, detail.account.department)


def size_classes(app: App[object]) -> list[str]:
    """The app's breakpoint classes (``-wide``, ``-tall``...) for its size now.

    A screen gets these when it first hears its size, after it was composed and styled; a screen
    that already has them is not styled a second time then (about 0.1 s for a detail screen).
    """
    width, height = app.size
    found = []
    for size, breakpoints in (
        (width, app.HORIZONTAL_BREAKPOINTS),
        (height, app.VERTICAL_BREAKPOINTS),
    ):
        for threshold, name in sorted(breakpoints or [], reverse=True):
            if size >= threshold:
                found.append(name)
                break
    return found


class AccountPart:
    """Mixed into each tab's widget: the account shown, bound to the screen's ``detail``."""

    detail: var[AccountDetail | None] = var(None, always_update=True)
    """The account and everything read with it; None until the first read."""

    def watch_detail(self, detail: AccountDetail | None) -> None:
        if detail is not None:
            self.show_detail(detail)

    def show_detail(self, detail: AccountDetail) -> None:
        """Fill the tab with ``detail`` and enable only what the user may do."""
        raise NotImplementedError


class AfterDetail(Widget):
    """Holds a tab's widget back until the account is on screen, then mounts it in its place.

    Like Textual's ``Lazy``, but later: ``Lazy`` mounts after the screen's first frame, which
    comes before the account is read, so styling the other tabs' widgets delayed the frame that
    shows the account. The screen calls :meth:`reveal` once that frame is drawn.
    """

    DEFAULT_CSS = "AfterDetail { display: none; }"

    def __init__(self, widget: Widget) -> None:
        super().__init__()
        self._held = widget

    def compose_add_child(self, widget: Widget) -> None:
        self._held.compose_add_child(widget)

    async def reveal(self) -> None:
        """Mount the held widget where this stands, and go."""
        parent = self.parent
        if isinstance(parent, Widget) and self.is_attached:
            await parent.mount(self._held, after=self)
            await self.remove()
