"""The account detail screen: the tabs, reading the account, and applying changes.

The screen holds one reactive ``detail`` (the account and everything read with it) and each tab
data-binds to it. Only the details tab is mounted with the screen; the other tabs are held back
(:class:`~screens.account.part.AfterDetail`) until the frame that shows the account is drawn, and
the history (the change log is read whole) is read after it too, so Enter on the accounts table
shows the account without waiting for them. All store work runs in thread workers; results come
back as messages, errors as notifications.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import TYPE_CHECKING, ClassVar, cast

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.reactive import var
from textual.widget import Widget
from textual.widgets import Header, Static, TabbedContent, TabPane
from textual.worker import Worker, WorkerState

from governance import access
from governance.edit_conflicts import EditConflict
from governance.errors import FieldError
from governance.i18n import t
from governance.model import Account
from screens.account.activity import ActivityTab
from screens.account.editors import EditorsPane
from screens.account.findings import FindingsPane
from screens.account.form import AccountForm, conflict_notice, gap_warnings
from screens.account.history import HistoryTable
from screens.account.lifecycle import LifecyclePane, available_actions
from screens.account.moderation import ModerationPane
from screens.account.part import AfterDetail, size_classes
from screens.commands import CommandSource
from screens.frame_hold import FrameHold
from screens.localize import LocalizedScreen
from screens.messages import AccountChanged, AccountLoaded, ChangeRequested, LanguageChanged
from screens.plain import plain
from screens.view_models import AccountDetail, Rights
from screens.widgets.bindings_footer import BindingsFooter

if TYPE_CHECKING:
    from screens.app import KontokollApp

#: The tabs after the details form, each built lazily, in the order shown.
LAZY_TABS: dict[str, Callable[[], Widget]] = {
    "editors": EditorsPane,
    "activity": ActivityTab,
    "findings": FindingsPane,
    "life": LifecyclePane,
    "history": HistoryTable,
    "moderation": ModerationPane,
}
DETAIL_TABS = ("details", *LAZY_TABS)
#: How long the account may take to read before the tabs say they are loading.
LOADING_AFTER_S = 0.15
#: Tabs whose label lives in their own area's catalogue, not under ``tui.detail.tab``.
TAB_LABELS = {"moderation": "moderation.tui.tab"}


class AccountDetailScreen(LocalizedScreen[None]):
    """Edit one account. Escape goes back to the table."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "tui.key.back", id="detail.back", tooltip="tui.tip.back"),
        Binding("ctrl+s", "save", "tui.key.save", id="detail.save", tooltip="tui.tip.save"),
        Binding(
            "f2",
            "show_tab('editors')",
            "tui.key.editors",
            id="detail.editors",
            tooltip="tui.tip.editors",
        ),
        Binding(
            "f3",
            "show_tab('history')",
            "tui.key.history",
            id="detail.history",
            tooltip="tui.tip.history",
        ),
        Binding("f4", "show_tab('life')", "tui.key.life", id="detail.life", tooltip="tui.tip.life"),
        Binding(
            "f6",
            "accept_platform",
            "tui.key.accept_platform",
            id="detail.accept_platform",
            tooltip="tui.tip.accept_platform",
        ),
    ]

    detail: var[AccountDetail | None] = var(None, always_update=True)
    """The account and everything read with it (None until the first read); the tabs bind to it."""

    def __init__(self, account_id: str = "", *, focus_form: bool = False) -> None:
        super().__init__(classes=" ".join(("detail", *size_classes(self.app))))
        #: The account shown; "" for a screen built ahead (``screens.account.spare``), which
        #: :meth:`show_account` gives its account when it is opened.
        self.account_id = account_id
        #: Opened from the accounts list to work on it: the form takes the cursor when the
        #: account is shown. (Opened on another tab, from a finding, it must not.)
        self.focus_form = focus_form
        #: Whether the screen has been on show: its first resume may skip restyling (see
        #: :meth:`_on_screen_resume`).
        self._resumed = False
        self._mounted = False
        #: Laid out and rendered ahead, waiting for its account (see _lay_out_ahead).
        self.built_ahead = False
        #: Holds the app's repaints while the account is read (see screens.frame_hold).
        self._first_frame = FrameHold()
        if account_id:
            # Read at once, while the screen is still being built: the account is then usually
            # there when the screen is first laid out (messages wait until it is mounted).
            self.load()

    def show_account(self, account_id: str, *, focus_form: bool = False) -> None:
        """Give a screen built ahead its account (once, before it is pushed): read it now."""
        if self.account_id:
            raise RuntimeError("the detail screen already shows an account")
        self.account_id = account_id
        self.focus_form = focus_form
        self.load()
        if self._mounted:  # else on_mount does
            self._await_account()

    @property
    def kontokoll(self) -> KontokollApp:
        """The app, with its services."""
        return cast("KontokollApp", self.app)

    @property
    def account(self) -> Account | None:
        """The account as last read (None before the first read)."""
        return self.detail.account if self.detail is not None else None

    @property
    def rights(self) -> Rights | None:
        """What the user may do, as the last read of the register said."""
        snapshot = self.kontokoll.snapshot
        return snapshot.rights if snapshot is not None else None

    # --- layout ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        snapshot = self.kontokoll.snapshot
        departments = [d.name for d in snapshot.departments] if snapshot else []
        yield Header()
        yield Static(self._title(), id="detail-title")
        with TabbedContent(id="detail-tabs"):
            with TabPane(t("tui.detail.tab.details"), id="details"):
                yield AccountForm(departments).data_bind(AccountDetailScreen.detail)
            for tab, build in LAZY_TABS.items():
                with TabPane(t(TAB_LABELS.get(tab, f"tui.detail.tab.{tab}")), id=tab):
                    yield AfterDetail(build().data_bind(AccountDetailScreen.detail))
        yield BindingsFooter()

    def _title(self) -> str | Text:
        """The account, its department and status (and whether it is read-only), or "loading"."""
        account = self.account
        if account is None:
            return t("tui.detail.loading")
        status = t(f"value.{account.status}")
        title = t("tui.detail.title", ref=account.ref, department=account.department, status=status)
        if self.rights is not None and not self.rights.may(access.EDIT_ACCOUNT, account.department):
            title += " · " + t("tui.rights.read_only")
        return plain(title)

    def watch_detail(self, detail: AccountDetail | None) -> None:
        if detail is not None:
            title = self.query_one("#detail-title", Static)
            title.update(self._title())
            title.set_class(detail.account.status != "active", "-not-active")
            self.sub_title = detail.account.ref
            self.refresh_bindings()  # F6 shows only when the platform shows something new

    def commands(self) -> Iterator[SystemCommand]:
        """Each tab's commands (as the user's rights allow), then the history and going back."""
        parts: list[CommandSource] = [
            *self.query(AccountForm),
            *self.query(EditorsPane),  # the lazy tabs: there once mounted
            *self.query(FindingsPane),
            *self.query(LifecyclePane),
        ]
        for part in parts:
            yield from part.commands()
        yield SystemCommand(
            t("tui.command.history"),
            t("tui.tip.history"),
            lambda: self.action_show_tab("history"),
        )
        yield SystemCommand(t("tui.command.back"), t("tui.tip.back"), self.action_back)

    @on(LanguageChanged)
    async def _relabel(self) -> None:
        """Compose again in the language just chosen."""
        await self.recompose()

    # --- loading -----------------------------------------------------------------------------

    def on_mount(self) -> None:
        self._mounted = True
        if self.account_id:
            self._await_account()
        else:
            self.call_after_refresh(self._lay_out_ahead)

    def on_screen_suspend(self) -> None:
        # Closed (or covered by a dialog) before the account was read: the app draws again at
        # once, not when the read returns (a busy store) and the screen is finally removed.
        self._first_frame.release()

    def on_unmount(self) -> None:
        self._first_frame.release()

    def _await_account(self) -> None:
        """The account is being read: draw nothing until it is there (so the first frame shows
        it), or until LOADING_AFTER_S have passed: then draw, and say "loading" (a busy store).
        Said only then: shown and removed at once, it cost a layout of its own."""
        self._first_frame.hold(self.app)
        self.set_timer(LOADING_AFTER_S, self._show_loading)

    def _lay_out_ahead(self) -> None:
        """A screen built ahead is laid out for the terminal's size while it waits (once it is
        mounted), so that being pushed neither lays it out nor, newly shown at that size,
        resizes it and the screen below; and rendered (nowhere), so that each widget keeps its
        lines and the first frame draws anew only the widgets the account changed. Laid out
        twice: the first pass gives the form its scrollbar (its fields are taller than the
        screen), which only the next pass takes the width of; laid out once, every row of the
        form was narrowed, and so drawn anew, when the account was shown."""
        if not self._resumed and not self.account_id:  # not opened meanwhile
            for _ in range(2):
                self._refresh_layout(self.app.size)
            self._compositor.render_update(full=True)
            self.built_ahead = True
            # And the garbage of the screen closed before (widget trees are cycles, which only
            # a full pass of the collector frees) is freed now, not by a pass while the next
            # account is being opened: a full pass walks every object not frozen (app.py).
            gc.collect()

    async def _on_idle(self, event: events.Idle) -> None:
        """While the first frame is held, "after the refresh" callbacks (the tabs held back,
        the history, the footers' rebuilds) wait for the frame that shows the account, instead
        of running at once (Screen's handler, skipped here, would run them)."""
        if self._first_frame.held:
            event.prevent_default()

    def _on_screen_resume(self, event: events.ScreenResume) -> None:
        """The first time on show, skip Textual's restyling of the whole screen (it runs before
        Screen's own handler): every widget was styled as it was mounted, moments ago or, for a
        screen built ahead, with the theme and language still in force (``spare`` checks)."""
        if not self._resumed:
            event.refresh_styles = False
        self._resumed = True

    def _show_loading(self) -> None:
        self._first_frame.release()
        if self.detail is None:
            self.query_one("#detail-tabs").loading = True

    @work(
        thread=True,
        exclusive=True,
        group="account",
        exit_on_error=False,
        description="read account",
    )
    def load(self, notice: str = "") -> None:
        """Read the account, its chart and its findings (in a thread: the store may be busy)."""
        self._read(notice)

    def _read(self, notice: str) -> None:
        # The history follows once this is drawn (read_history): the change log is read whole.
        detail = self.kontokoll.services.account_detail(self.account_id, history=False)
        self.post_message(AccountLoaded(detail, notice))

    @work(
        thread=True,
        exclusive=True,
        group="account-history",
        exit_on_error=False,
        description="read history",
    )
    def read_history(self, detail: AccountDetail) -> None:
        """Read the account's change history and show it with the detail read before."""
        history = self.kontokoll.services.change_log(detail.account.id)
        self.post_message(AccountLoaded(replace(detail, history=history)))

    @on(AccountLoaded)
    def _loaded(self, message: AccountLoaded) -> None:
        # Drawing may go on: the frame after this handler shows the account. (Released first:
        # while repaints are held, "after the refresh" callbacks run at once.)
        self._first_frame.release()
        self.query_one("#detail-tabs").loading = False
        if message.detail.history is not None and (
            self.detail is None or replace(message.detail, history=None) != self.detail
        ):
            return  # the history of an earlier read: the account was read again since
        self.detail = message.detail
        if message.detail.history is None:
            self.call_after_refresh(self.read_history, message.detail)
        self.call_after_refresh(self._reveal_tabs)
        if message.notice:
            self.kontokoll.post_message(AccountChanged(message.detail.summary))
            self.notify(message.notice, title=message.detail.account.ref)

    async def _reveal_tabs(self) -> None:
        """Mount the tabs held back until the account was drawn (once; later calls find none)."""
        for waiting in list(self.query(AfterDetail)):
            await waiting.reveal()

    # --- running changes ---------------------------------------------------------------------

    @on(ChangeRequested)
    def _change_requested(self, message: ChangeRequested) -> None:
        message.stop()
        self.change(message.apply, message.notice)

    @work(
        thread=True,
        exclusive=True,
        group="account",
        exit_on_error=False,
        description="change account",
    )
    def change(self, apply: Callable[[], object], notice: str) -> None:
        """Apply one change to the store, then read the account again."""
        saved: object = None
        try:
            saved = apply()
        except EditConflict as conflict:  # the other fields were saved; the form shows the store
            self.app.call_from_thread(
                self.notify, conflict_notice(conflict), severity="warning", timeout=20
            )
            notice = t("tui.detail.saved", count=len(conflict.saved)) if conflict.saved else ""
        self._read(notice)
        if isinstance(saved, Account):  # the form's fields saved: what the guideline still asks
            for warning in gap_warnings(saved):  # (as ``kontokoll accounts edit`` warns)
                self.app.call_from_thread(self.notify, warning, severity="warning", timeout=20)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state != WorkerState.ERROR or event.worker.error is None:
            return
        self._first_frame.release()
        self.call_after_refresh(self._reveal_tabs)  # no account to wait for
        error = event.worker.error
        if isinstance(error, FieldError):
            self._mark_invalid(error.field)
        self.kontokoll.report_error(error)

    def _mark_invalid(self, field: str) -> None:
        target = {"editor": "new-editor", "email": "new-editor"}.get(field, f"field-{field}")
        for widget in self.query(f"#{target}"):
            widget.add_class("-invalid")
            if target != "new-editor":
                self.query_one(TabbedContent).active = "details"
            widget.focus()

    # --- actions -----------------------------------------------------------------------------

    def action_save(self) -> None:
        """Validate and save the changed fields."""
        self.query_one(AccountForm).save()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """F6 is offered only while the platform shows a new handle or identity to accept."""
        if action == "accept_platform":
            shown = available_actions(self.app, self.detail)
            return shown["rename-handle"] or shown["accept-identity"]
        return True

    async def action_accept_platform(self) -> None:
        """Accept what the platform shows: its new handle, or (admins) the new identity."""
        shown = available_actions(self.app, self.detail)
        await self.action_show_tab("life")
        for pane in self.query(LifecyclePane):
            if shown["rename-handle"]:
                pane.action_rename()
            elif shown["accept-identity"]:
                pane.action_accept_identity()

    def action_back(self) -> None:
        """Back to the accounts table."""
        self.dismiss(None)

    async def action_show_tab(self, tab: str) -> None:
        """Show one of the account's tabs."""
        if tab in DETAIL_TABS:
            self.query_one(TabbedContent).active = tab
