"""The main screen: four tabs (overview, accounts, audit, guideline) under one header and footer."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from functools import partial
from typing import TYPE_CHECKING, ClassVar, cast

from textual import events, on
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.widget import Widget
from textual.widgets import Header, TabbedContent, TabPane, Tabs
from textual.widgets._tabs import Underline  # (Textual is pinned: see the frame hold)

from governance.i18n import t
from governance.lifecycle import LANGSIKTIGT
from governance.model import Account
from screens.accounts import AccountsView
from screens.frame_hold import FrameHold
from screens.localize import LocalizedScreen
from screens.messages import FirstReadDone, LanguageChanged
from screens.view_models import AccountsSnapshot, AccountSummary, request_departments
from screens.widgets.account_table import AccountTable
from screens.widgets.bindings_footer import BindingsFooter

TABS = ("overview", "accounts", "audit", "guideline")

# The other tabs' views (and the request form) are imported when first built: the first paint
# shows one tab, and their modules (the audit's worklist, the detail screen's chart, Markdown)
# took as long to import as the whole first paint.
if TYPE_CHECKING:
    from screens.app import KontokollApp
    from screens.audit import AuditView
    from screens.guideline import GuidelineView

#: The id of each tab's view.
VIEW_IDS = {tab: f"{tab}-view" for tab in TABS}
#: Started on the audit tab, how long the screen draws nothing while the worklist's first read
#: is under way; then it is drawn as it is, saying "loading" (a busy store). The read of 20,000
#: findings takes about 0.1 s.
LOADING_AFTER_S = 0.15
#: Started on the accounts tab, the same for the register's read (about 0.2 s of CPU at 10,000
#: accounts, beside the screen's own start). Drawn at once, the empty table said "loading" and
#: redrew its spinner until the rows came: a quarter of the first paint's CPU time.
REGISTER_LOADING_AFTER_S = 0.4
#: How soon the first frame is tried again while the app's start still holds the repaints.
RETRY_S = 0.005


def breakpoint_classes(app: App[object]) -> list[str]:
    """The breakpoint classes (``App.HORIZONTAL_BREAKPOINTS``, ``VERTICAL_BREAKPOINTS``) that a
    screen of the app's present size gets, as Textual chooses them on a resize."""
    found = []
    for size, breakpoints in (
        (app.size.width, app.HORIZONTAL_BREAKPOINTS),
        (app.size.height, app.VERTICAL_BREAKPOINTS),
    ):
        for edge, name in sorted(breakpoints or [], reverse=True):
            if size >= edge:
                found.append(name)
                break
    return found


class MainScreen(LocalizedScreen[None]):
    """The app's home: switch tabs with 1–4, filter accounts with /, open one with Enter."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "1",
            "show_tab('overview')",
            "tui.key.overview",
            id="tab.overview",
            tooltip="tui.tip.overview",
        ),
        Binding(
            "2",
            "show_tab('accounts')",
            "tui.key.accounts",
            id="tab.accounts",
            tooltip="tui.tip.accounts",
        ),
        Binding("3", "show_tab('audit')", "tui.key.audit", id="tab.audit", tooltip="tui.tip.audit"),
        Binding(
            "4",
            "show_tab('guideline')",
            "tui.key.guideline",
            id="tab.guideline",
            tooltip="tui.tip.guideline",
        ),
        Binding(
            "slash",
            "filter",
            "tui.key.filter",
            show=False,
            id="main.filter",
            tooltip="tui.tip.filter",
        ),
        Binding("ctrl+r", "reload", "tui.key.reload", id="main.reload", tooltip="tui.tip.reload"),
        Binding(
            "ctrl+n",
            "new_account",
            "tui.key.new_account",
            id="main.new_account",
            tooltip="tui.tip.new_account",
        ),
    ]

    def __init__(self, start: str = "overview") -> None:
        super().__init__(id="main")
        self._start = start if start in TABS else "overview"
        # Starting on another tab than the overview, its table takes the focus once loaded, so
        # that the tab's own keys (n on the guideline, s on the accounts) work at once.
        self._focus_table_when_loaded = self._start != "overview"
        self._resumed = False
        #: Started on the audit or accounts tab, the first frame waits for the worklist or the
        #: register (hold_first_frame).
        self._first_frame = FrameHold()
        self._layout_held = False
        self._drawn: threading.Event | None = None  # set once the first read is drawn
        # The size classes (app.tcss) the first Resize would give the screen, given now: set
        # then, after every widget was styled, they restyled the whole screen once more.
        self.add_class(*breakpoint_classes(self.app))

    def _on_screen_resume(self, event: events.ScreenResume) -> None:
        # The first time on show, every widget has just been styled as it was mounted: Textual's
        # restyling of the whole screen on resuming (for styles changed while it was hidden)
        # would do it all again, a good part of the first paint. Later resumes restyle.
        if not self._resumed:
            self._resumed = True
            event.refresh_styles = False

    def on_mount(self) -> None:
        if self._start == "audit":
            self.hold_first_frame(LOADING_AFTER_S)
        elif self._start == "accounts":
            self.hold_first_frame(REGISTER_LOADING_AFTER_S)

    def hold_first_frame(self, limit: float) -> None:
        """Lay out and draw nothing until the tab shows its first read (the audit's worklist,
        the accounts' register), or until ``limit`` seconds have passed (screens.frame_hold).
        Drawn at once, the screen was laid out and drawn empty, laid out again for what its
        widgets did once mounted (the footer's keys, the diff table's size), and again with the
        data: now one layout and one frame show them. (The audit's read started as the tab was
        built: see _build; the register's as the app was mounted.)"""
        self._first_frame.hold(self.app)
        self.set_timer(limit, self._draw_held)

    def draw_first_frame(self) -> None:
        """Draw now, whatever the hold waits for (the register's first read failed)."""
        self._draw_held()

    @on(FirstReadDone)
    def _first_read_done(self, event: FirstReadDone) -> None:
        event.stop()
        self._drawn = event.drawn
        self._draw_held()

    def _draw_held(self) -> None:
        """Let the app draw again and, if a layout was held back, lay out and draw now: once,
        with everything that changed while held (so the layouts asked for meanwhile are done).
        Then tell the worker that the first read was drawn (it reads the diff next)."""
        if self._first_frame.held:
            if self.app._batch_count > 1:  # the app's start holds its repaints too: wait for it
                self.set_timer(RETRY_S, self._draw_held)
                return
            self._first_frame.release()
            if self._layout_held and self.is_current:
                self._layout_held = False
                self._layout_required = False
                underlines = self._hide_tab_underlines()
                super()._refresh_layout(self.app.size)  # (lays out and draws the first frame)
                self._place_tab_underlines(underlines)
        drawn, self._drawn = self._drawn, None
        if drawn is not None:
            self.call_after_refresh(drawn.set)

    def _hide_tab_underlines(self) -> list[tuple[Tabs, Underline]]:
        """Each tab bar and its underline, the active tab's highlight hidden: Textual places it
        after a refresh from the tab's region (``Tabs._highlight_active``), which is empty while
        the layout is held, so the first frame drew it at column 0 (found by a tester)."""
        underlines = [(tabs, tabs.query_one(Underline)) for tabs in self.query(Tabs)]
        for _tabs, underline in underlines:
            underline.show_highlight = False
        return underlines

    def _place_tab_underlines(self, underlines: list[tuple[Tabs, Underline]]) -> None:
        """Show each highlight under its active tab, now that the tabs are laid out (the next
        frame, drawn at once, redraws only the underline)."""
        for tabs, underline in underlines:
            active = tabs.query("#tabs-list > Tab.-active")
            if active:
                tab = active.first()
                start, end = tab.virtual_region.shrink(tab.styles.gutter).column_span
                underline.highlight_start, underline.highlight_end = start, end
                underline.show_highlight = True

    def on_screen_suspend(self) -> None:
        # Covered (a dialog, the help) before the first read: the app draws again at once; the
        # screen is laid out when it is resumed (it has no size yet).
        self._first_frame.release()
        self._layout_held = False

    def on_unmount(self) -> None:
        self._first_frame.release()

    def _refresh_layout(self, size: Size | None = None, scroll: bool = False) -> None:
        if self._first_frame.held:  # laid out once the hold ends (_draw_held)
            self._layout_held = True
            return
        super()._refresh_layout(size, scroll)

    def _screen_resized(self, size: Size) -> None:
        # Textual (pinned, 8.2.8) lays the whole screen out again and redraws it on every
        # Resize, even to the size it was just laid out at: the screen's own first layout sends
        # it one, and the terminal's size arrives once more as the app starts, so the first
        # paint laid out and drew every widget three times. A Resize to the size of the last
        # layout changes nothing (a widget that changed since asks for its own layout).
        if size != self._compositor.size:
            super()._screen_resized(size)

    @property
    def kontokoll(self) -> KontokollApp:
        """The app, with its services."""
        return cast("KontokollApp", self.app)

    def compose(self) -> ComposeResult:
        yield Header()
        # Only the tab on show is composed: the others are built when first shown (or when the
        # palette asks for their commands). Composing and styling all four tabs' ~150 widgets
        # made up most of the app's first paint, and of each browser session's start.
        with TabbedContent(initial=self._start, id="tabs"):
            for tab in TABS:
                with TabPane(t(f"tui.tab.{tab}"), id=tab):
                    if tab == self._start:
                        yield self._build(tab)
        yield BindingsFooter()

    def _build(self, tab: str) -> Widget:
        """The view of one tab, built from the register as last read."""
        snapshot = self.kontokoll.snapshot
        if tab == "overview":
            from screens.overview import OverviewView

            return OverviewView(snapshot.overview if snapshot else None, id=VIEW_IDS[tab])
        if tab == "accounts":
            return AccountsView(snapshot, id=VIEW_IDS[tab])
        if tab == "audit":
            from screens.audit import AuditView

            # The app started here reads the worklist at once, while the screen is being built.
            return AuditView(id=VIEW_IDS[tab], read_now=self._start == tab and not self.is_mounted)
        from screens.guideline import GuidelineView

        return GuidelineView(id=VIEW_IDS[tab])

    def _built(self, tab: str) -> Widget | None:
        """A tab's view, if that tab has been built (found by id: the view's module is not
        imported before the tab is built)."""
        found = self.query(f"#{VIEW_IDS[tab]}")
        return found.first() if found else None

    def _audit_built(self) -> AuditView:
        """The audit tab's view, which has been built."""
        view = self._audit()
        if view is None:
            raise LookupError("the audit tab is not built")
        return view

    def _accounts(self) -> AccountsView | None:
        return cast("AccountsView | None", self._built("accounts"))

    def _audit(self) -> AuditView | None:
        return cast("AuditView | None", self._built("audit"))

    def _guideline(self) -> GuidelineView | None:
        return cast("GuidelineView | None", self._built("guideline"))

    async def build_tab(self, tab: str) -> None:
        """Build a tab's view if it is not there yet (the first time the tab is shown)."""
        pane = self.query_one(f"#{tab}", TabPane)
        if not pane.children:
            await pane.mount(self._build(tab))

    async def build_all_tabs(self) -> None:
        """Build every tab not built yet (the palette offers every tab's commands)."""
        for tab in TABS:
            await self.build_tab(tab)

    @property
    def active_tab(self) -> str:
        """The id of the tab on show."""
        return self.query_one(TabbedContent).active

    async def show_snapshot(self, snapshot: AccountsSnapshot) -> None:
        """Show freshly read figures in the tabs built so far (the others read them when
        built)."""
        accounts = self._accounts()
        if accounts is not None:
            accounts.show_snapshot(snapshot)
        self.refresh_bindings()  # "Nytt konto" follows the rights just read
        for view in (self._audit(), self._guideline()):
            if view is not None:
                view.apply_rights()
        overview = self._built("overview")
        if overview is not None:
            from screens.overview import OverviewView

            pane = self.query_one("#overview", TabPane)
            await overview.remove()
            await pane.mount(OverviewView(snapshot.overview, id=VIEW_IDS["overview"]))
        if self._focus_table_when_loaded or self.focused is None:
            self._focus_table_when_loaded = False  # a loading table cannot take the focus
            self._focus_tab(self.active_tab)
        if self._start == "accounts":
            self._draw_held()  # the register's first read is shown (hold_first_frame)

    def update_summary(self, summary: AccountSummary) -> None:
        """Show one changed account in the table, and read the audit again (its findings may
        have been acknowledged or waived from the account)."""
        accounts = self._accounts()
        if accounts is not None:
            accounts.update_summary(summary)
        audit = self._audit()
        if audit is not None:
            audit.reload()

    async def action_show_tab(self, tab: str) -> None:
        """Switch to a tab and focus what is in it."""
        await self.build_tab(tab)
        self._show_built(tab)

    def _show_built(self, tab: str) -> None:
        """Switch to a tab already built and focus what is in it."""
        self.query_one(TabbedContent).active = tab
        if tab == "audit":  # start reading now, not when the tab is first drawn
            self._audit_built().ensure_loaded()
        self._focus_tab(tab)

    def _focus_tab(self, tab: str) -> None:
        # Focus lands inside the tab, so that its own keys (r, g, e on the audit) work at once.
        targets = {
            "accounts": "#accounts-table",
            "audit": "#audit-findings",
            "guideline": "#revision-table",
        }
        target = targets.get(tab)
        found = self.query(target) if target is not None else None
        if found:
            found.first().focus()
        else:
            self.query_one(TabbedContent).query_one("Tabs").focus()

    @on(TabbedContent.TabActivated)
    async def _tab_activated(self, event: TabbedContent.TabActivated) -> None:
        focused = self.focused
        in_table_or_filter = isinstance(focused, AccountTable) or (
            focused is not None and focused.id == "filter"
        )
        tab = event.pane.id or ""
        if tab in TABS:
            await self.build_tab(tab)
        if tab == "audit":
            self._audit_built().ensure_loaded()
        if tab == "accounts" and not in_table_or_filter:
            self.call_after_refresh(self.query_one(AccountTable).focus)

    def commands(self) -> Iterator[SystemCommand]:
        """The palette commands: the tabs, filter and reload, then the audit's and guideline's
        (the app builds every tab before it opens the palette)."""
        for tab in TABS:
            yield SystemCommand(
                t(f"tui.command.{tab}"), t(f"tui.tip.{tab}"), partial(self.action_show_tab, tab)
            )
        yield SystemCommand(t("tui.command.filter"), t("tui.tip.filter"), self.action_filter)
        yield SystemCommand(t("tui.command.reload"), t("tui.tip.reload"), self.action_reload)
        if request_departments(self.kontokoll.snapshot):
            yield SystemCommand(
                t("lifecycle_tui.command.new_account"),
                t("tui.tip.new_account"),
                self.action_new_account,
            )
        audit = self._audit()
        if audit is not None:
            yield from audit.commands()
        guideline = self._guideline()
        if guideline is not None:
            yield from guideline.commands(reveal=partial(self._show_built, "guideline"))

    @on(LanguageChanged)
    async def _relabel(self) -> None:
        """Compose again in the language just chosen."""
        await self.recompose()

    async def action_filter(self) -> None:
        """Show the accounts and put the cursor in the filter box."""
        await self.build_tab("accounts")
        self.query_one(TabbedContent).active = "accounts"
        self.query_one(AccountsView).action_focus_filter()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """ "Nytt konto" only for a user who may request accounts (a lead, an admin)."""
        if action == "new_account":
            return bool(request_departments(self.kontokoll.snapshot))
        return True

    def action_new_account(self) -> None:
        """The "Nytt konto" form: request an account for AKN to decide on."""
        departments = request_departments(self.kontokoll.snapshot)
        if not departments:
            self.notify(t("lifecycle_tui.new.not_allowed"), severity="warning")
            return
        from screens.new_account import NewAccountScreen

        form = NewAccountScreen(self.kontokoll.services, departments)
        self.app.push_screen(form, self._requested)

    def _requested(self, account: Account | None) -> None:
        if account is None:
            return
        self.notify(
            t("lifecycle_tui.new.requested", account=account.ref, department=account.department),
            title=t("lifecycle_tui.new.title"),
        )
        if LANGSIKTIGT in account.request_warnings:
            self.notify(t("lifecycle_tui.new.warning_stored"), severity="warning")
        from screens.account.form import gap_warnings  # (the account screen's module)

        for warning in gap_warnings(account):  # as ``kontokoll accounts add`` warns
            self.notify(warning, severity="warning", timeout=20)
        self.kontokoll.load_snapshot()

    def action_reload(self) -> None:
        """Read the register again, and on the audit tab its quarter too (after a failed read
        it had no other way back but a restart)."""
        self.kontokoll.load_snapshot()
        audit = self._audit()
        if audit is not None and self.active_tab == "audit":
            audit.reload()

    @on(AccountTable.Opened)
    def _open(self, event: AccountTable.Opened) -> None:
        self.kontokoll.open_account(event.summary.id)
