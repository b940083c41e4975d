"""The main screen: four tabs (overview, accounts, audit, guideline) under one header and footer."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import TYPE_CHECKING, ClassVar, cast

from textual import on
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
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
        snapshot = self.kontokoll.snapshot
        yield Header()
        with TabbedContent(initial=self._start, id="tabs"):
            with TabPane(t("tui.tab.overview"), id="overview"):
                yield OverviewView(snapshot.overview if snapshot else None, id="overview-view")
            with TabPane(t("tui.tab.accounts"), id="accounts"):
                yield AccountsView(snapshot, id="accounts-view")
            with TabPane(t("tui.tab.audit"), id="audit"):
                yield AuditView(id="audit-view")
            with TabPane(t("tui.tab.guideline"), id="guideline"):
                yield GuidelineView(id="guideline-view")
        yield Footer()

    @property
    def active_tab(self) -> str:
        """The id of the tab on show."""
        return self.query_one(TabbedContent).active

    async def show_snapshot(self, snapshot: AccountsSnapshot) -> None:
        """Show freshly read figures in the overview and the accounts table."""
        self.query_one(AccountsView).show_snapshot(snapshot)
        self.refresh_bindings()  # "Nytt konto" follows the rights just read
        self.query_one(AuditView).apply_rights()
        self.query_one(GuidelineView).apply_rights()
        overview = self.query_one(OverviewView)
        new = OverviewView(snapshot.overview, id="overview-view")
        pane = self.query_one("#overview", TabPane)
        await overview.remove()
        await pane.mount(new)
        if self._focus_table_when_loaded or self.focused is None:
            self._focus_table_when_loaded = False  # a loading table cannot take the focus
            self._focus_tab(self.active_tab)

    def update_summary(self, summary: AccountSummary) -> None:
        """Show one changed account in the table, and read the audit again (its findings may
        have been acknowledged or waived from the account)."""
        self.query_one(AccountsView).update_summary(summary)
        self.query_one(AuditView).reload()

    def action_show_tab(self, tab: str) -> None:
        """Switch to a tab and focus what is in it."""
        self.query_one(TabbedContent).active = tab
        if tab == "audit":  # start reading now, not when the tab is first drawn
            self.query_one(AuditView).ensure_loaded()
        self._focus_tab(tab)

    def _focus_tab(self, tab: str) -> None:
        # Focus lands inside the tab, so that its own keys (r, g, e on the audit) work at once.
        if tab == "accounts":
            self.query_one(AccountTable).focus()
        elif tab == "audit":
            self.query_one("#audit-findings").focus()
        elif tab == "guideline":
            self.query_one("#revision-table").focus()
        else:
            self.query_one(TabbedContent).query_one("Tabs").focus()

    @on(TabbedContent.TabActivated)
    def _tab_activated(self, event: TabbedContent.TabActivated) -> None:
        focused = self.focused
        in_table_or_filter = isinstance(focused, AccountTable) or (
            focused is not None and focused.id == "filter"
        )
        if event.pane.id == "audit":
            self.query_one(AuditView).ensure_loaded()
        if event.pane.id == "accounts" and not in_table_or_filter:
            self.call_after_refresh(self.query_one(AccountTable).focus)

    def commands(self) -> Iterator[SystemCommand]:
        """The palette commands: the tabs, filter and reload, then the audit's and guideline's."""
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
        yield from self.query_one(AuditView).commands()
        yield from self.query_one(GuidelineView).commands(
            reveal=partial(self.action_show_tab, "guideline")
        )

    @on(LanguageChanged)
    async def _relabel(self) -> None:
        """Compose again in the language just chosen."""
        await self.recompose()

    def action_filter(self) -> None:
        """Show the accounts and put the cursor in the filter box."""
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
