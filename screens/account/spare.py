"""A detail screen built ahead, so that Enter on an account only has to read and show it.

Composing the detail screen and styling its hundred-odd widgets is most of the time it takes to
open an account. :class:`SpareDetail` builds one screen without an account while the user is
not typing on the accounts tab, and at once when an account screen it opened is closed (the
next account is likely to follow); :meth:`SpareDetail.open` gives that screen its account and
pushes it. The screen lays itself out, renders once (nowhere) and runs the garbage collector
when it is built (``AccountDetailScreen._lay_out_ahead``), so Enter only reads and fills.

Each spare is used once, exactly as a screen built on Enter would be: no state of one account
can reach the next. A spare built in another language, theme, terminal size or register
snapshot (its form suggests the snapshot's departments) is dropped, and the next account gets
a screen built on the spot.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from textual import events
from textual.message import Message

from governance.i18n import current_language

if TYPE_CHECKING:
    from screens.account.screen import AccountDetailScreen
    from screens.app import KontokollApp

#: How long the user must have left keys and mouse alone before a spare is built on the accounts
#: tab (building one takes a moment of the interpreter; keys typed meanwhile wait).
IDLE_S = 0.5
#: The main screen's tab from which accounts are opened.
ACCOUNTS_TAB = "accounts"


class SpareDetail:
    """Keeps at most one detail screen built ahead for the app it serves."""

    def __init__(self, app: KontokollApp) -> None:
        self._app = app
        self._screen: AccountDetailScreen | None = None
        #: What the spare was built with; it is used only while all of it still holds (the
        #: snapshot is compared by identity: its form suggests that snapshot's departments).
        self._built_for: tuple[object, ...] = ()
        self._built_snapshot: object = None
        self._last_input = time.monotonic()
        self._waiting = False

    @property
    def spare(self) -> AccountDetailScreen | None:
        """The screen built ahead, if there is one (it may still be composing)."""
        return self._screen

    def start(self) -> None:
        """Watch for input and for the register's snapshot (call once the app is mounted)."""
        self._app.message_signal.subscribe(self._app, self._heard, immediate=True)
        self._app.watch(self._app, "snapshot", self._snapshot_changed, init=False)

    def _heard(self, message: Message) -> None:
        if isinstance(message, events.InputEvent):
            self._last_input = time.monotonic()
            self._arm()  # the user may have just switched to the accounts tab

    def _snapshot_changed(self, snapshot: object) -> None:
        self._drop()  # its form suggests the departments of the snapshot it was built with
        self._arm()

    def _arm(self) -> None:
        """Build a spare once the user has left keys and mouse alone for IDLE_S (if wanted)."""
        if not self._waiting and self._screen is None and self._app.snapshot is not None:
            self._waiting = True
            self._app.set_timer(IDLE_S, self._when_idle)

    def _when_idle(self) -> None:
        quiet = time.monotonic() - self._last_input
        if quiet < IDLE_S:
            self._app.set_timer(IDLE_S - quiet, self._when_idle)
            return
        self._waiting = False
        if not self._app.is_running or not self._app.screen_stack:  # the app is closing
            return
        # Only on the accounts tab: elsewhere (the overview of a browser session, the audit)
        # an account is seldom opened, and building one costs every session a moment.
        if getattr(self._app.screen, "active_tab", None) == ACCOUNTS_TAB:
            self.prepare()

    def _conditions(self) -> tuple[object, ...]:
        app = self._app
        return (current_language(), app.theme, app.size)

    def _fits(self) -> bool:
        """Whether the spare was built as a screen built now would be."""
        return (
            self._built_snapshot is self._app.snapshot and self._built_for == self._conditions()
        )

    def prepare(self) -> None:
        """Build a spare screen now, unless one is ready (or the register is not read yet)."""
        if self._screen is not None and not self._fits():
            self._drop()
        if self._screen is not None or self._app.snapshot is None or not self._app.is_running:
            return
        from screens.account.screen import AccountDetailScreen

        screen = AccountDetailScreen()
        # Registering starts the screen's message loop, which composes and mounts (and so
        # styles) its widgets, as pushing it would, but without showing it. Textual (pinned,
        # 8.2.8) has no public call for this; push_screen takes a screen so started as is.
        self._app._register(self._app, screen)
        self._screen, self._built_for = screen, self._conditions()
        self._built_snapshot = self._app.snapshot

    def _drop(self) -> None:
        screen, self._screen = self._screen, None
        if screen is not None and screen.is_attached:
            self._app.call_later(screen.remove)

    def take(self, account_id: str, *, focus_form: bool) -> AccountDetailScreen:
        """A screen showing ``account_id``: the spare if it still fits, else a new one."""
        from screens.account.screen import AccountDetailScreen

        screen = self._screen
        self._screen = None
        if screen is None or not self._fits() or not screen.is_attached:
            if screen is not None:
                self._app.call_later(screen.remove)
            return AccountDetailScreen(account_id, focus_form=focus_form)
        screen.show_account(account_id, focus_form=focus_form)
        return screen

    def open(self, account_id: str, *, focus_form: bool = True) -> None:
        """Push the account's detail screen; build the next spare once it is closed."""
        self._app.push_screen(self.take(account_id, focus_form=focus_form), self._closed)

    def _closed(self, _result: Any = None) -> None:
        # Right after the accounts table is back on screen: the next account is likely next.
        self._app.call_after_refresh(self.prepare)
