"""The accounts screen: every account in a table that sorts, filters and opens an account."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Select, Static

from governance.fields import PLATFORMS
from governance.i18n import t
from screens.view_models import AccountsSnapshot, AccountSummary, rule_choices
from screens.widgets.account_table import AccountTable
from screens.widgets.count_label import CountLabel
from screens.widgets.filter_input import FilterInput
from screens.widgets.lazy_select import LazySelect


class AccountsView(Vertical):
    """Filter box, quick filters, the table and its legend."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "slash",
            "focus_filter",
            "tui.key.filter",
            id="accounts.filter",
            tooltip="tui.tip.filter",
        ),
        Binding("escape", "focus_table", "tui.key.to_table", show=False, id="accounts.to_table"),
    ]

    def __init__(self, snapshot: AccountsSnapshot | None, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._snapshot = snapshot

    def compose(self) -> ComposeResult:
        # The quick filters are drawn as closed selects until first used (LazySelect): their
        # parts were 12 of the first paint's 53 widgets.
        with Horizontal(id="account-filters"):
            yield FilterInput(
                placeholder=t("tui.accounts.filter_placeholder"), id="filter", compact=True
            )
            yield LazySelect[str](
                [],
                prompt=t("tui.accounts.all_departments"),
                id="department-filter",
                compact=True,
            )
            yield LazySelect[str](
                [(p, p) for p in PLATFORMS],
                prompt=t("tui.accounts.all_platforms"),
                id="platform-filter",
                compact=True,
            )
            yield LazySelect[str](
                rule_choices(),
                prompt=t("tui.accounts.all_rules"),
                id="rule-filter",
                compact=True,
                tooltip=t("tui.accounts.rule_tip"),
            )
            yield CountLabel(id="account-count")
        table = AccountTable(id="accounts-table")
        table.loading = self._snapshot is None
        yield table
        yield Static(t("tui.accounts.legend"), id="accounts-legend", classes="legend")

    def on_mount(self) -> None:
        if self._snapshot is not None:
            self.show_snapshot(self._snapshot)

    def show_snapshot(self, snapshot: AccountsSnapshot) -> None:
        """Fill the table and the department quick filter."""
        self._snapshot = snapshot
        departments = self.query_one("#department-filter", Select)
        departments.set_options([(d.name, d.name) for d in snapshot.departments])
        table = self.query_one(AccountTable)
        table.set_rows(snapshot.summaries)
        table.loading = False

    def update_summary(self, summary: AccountSummary) -> None:
        """Show one changed account."""
        self.query_one(AccountTable).update_row(summary)

    # --- filtering ---------------------------------------------------------------------------

    @on(Input.Changed, "#filter")
    @on(Select.Changed)
    def _refilter(self) -> None:
        text = self.query_one("#filter", Input).value
        department = self.query_one("#department-filter", Select).value
        platform = self.query_one("#platform-filter", Select).value
        rule = self.query_one("#rule-filter", Select).value
        wanted_department = department if isinstance(department, str) else None
        wanted_platform = platform if isinstance(platform, str) else None
        wanted_rule = rule if isinstance(rule, str) else None

        def predicate(summary: AccountSummary) -> bool:
            return (
                (wanted_department is None or summary.department == wanted_department)
                and (wanted_platform is None or summary.platform == wanted_platform)
                and (wanted_rule is None or wanted_rule in (summary.rules or ()))
            )

        has_quick = (wanted_department, wanted_platform, wanted_rule) != (None, None, None)
        self.query_one(AccountTable).set_filter(text, predicate if has_quick else None)

    @on(Input.Submitted, "#filter")
    def action_focus_table(self) -> None:
        self.query_one(AccountTable).focus()

    def action_focus_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    @on(AccountTable.ViewChanged)
    def _count(self, event: AccountTable.ViewChanged) -> None:
        # On a wide screen the count keeps the width of "every account shown", so that typing
        # in the filter box does not lay the screen out again (screens.widgets.count_label).
        roomy = self.screen.has_class("-wide")
        total = event.total
        self.query_one("#account-count", CountLabel).show(
            t("tui.accounts.count", shown=event.shown, total=total),
            widest=t("tui.accounts.count", shown=total, total=total) if roomy else None,
        )
