"""The main screen: four tabs (overview, accounts, audit, guideline) under one header and footer."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import TYPE_CHECKING, ClassVar, TypeVar, cast

from textual import on
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import Footer, Header, TabbedContent, TabPane

from governance.i18n import t
from governance.lifecycle import LANGSIKTIGT
from governance.model import Account
from screens.accounts import AccountsView
from screens.audit import AuditView
from screens.guideline import GuidelineView
from screens.localize import LocalizedScreen
from screens.messages import LanguageChanged
from screens.new_account import NewAccountScreen, request_departments
from screens.overview import OverviewView
from screens.view_models import AccountsSnapshot, AccountSummary
from screens.widgets.account_table import AccountTable

if TYPE_CHECKING:
    from screens.app import KontokollApp

TABS = ("overview", "accounts", "audit", "guideline")
ViewT = TypeVar("ViewT", bound=Widget)


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
        yield Footer()

    def _build(self, tab: str) -> Widget:
        """The view of one tab, built from the register as last read."""
        snapshot = self.kontokoll.snapshot
        if tab == "overview":
            return OverviewView(snapshot.overview if snapshot else None, id="overview-view")
        if tab == "accounts":
            return AccountsView(snapshot, id="accounts-view")
        if tab == "audit":
            return AuditView(id="audit-view")
        return GuidelineView(id="guideline-view")

    def _view(self, kind: type[ViewT]) -> ViewT | None:
        """A tab's view, if that tab has been built."""
        found = self.query(kind)
        return found.first() if found else None

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
        accounts = self._view(AccountsView)
        if accounts is not None:
            accounts.show_snapshot(snapshot)
        self.refresh_bindings()  # "Nytt konto" follows the rights just read
        for view in (self._view(AuditView), self._view(GuidelineView)):
            if view is not None:
                view.apply_rights()
        overview = self._view(OverviewView)
        if overview is not None:
            pane = self.query_one("#overview", TabPane)
            await overview.remove()
            await pane.mount(OverviewView(snapshot.overview, id="overview-view"))
        if self._focus_table_when_loaded or self.focused is None:
            self._focus_table_when_loaded = False  # a loading table cannot take the focus
            self._focus_tab(self.active_tab)

    def update_summary(self, summary: AccountSummary) -> None:
        """Show one changed account in the table, and read the audit again (its findings may
        have been acknowledged or waived from the account)."""
        accounts = self._view(AccountsView)
        if accounts is not None:
            accounts.update_summary(summary)
        audit = self._view(AuditView)
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
            self.query_one(AuditView).ensure_loaded()
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
            self.query_one(AuditView).ensure_loaded()
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
        audit = self._view(AuditView)
        if audit is not None:
            yield from audit.commands()
        guideline = self._view(GuidelineView)
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
        self.kontokoll.load_snapshot()

    def action_reload(self) -> None:
        """Read the register again."""
        self.kontokoll.load_snapshot()

    @on(AccountTable.Opened)
    def _open(self, event: AccountTable.Opened) -> None:
        self.kontokoll.open_account(event.summary.id)
