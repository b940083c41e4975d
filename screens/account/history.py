"""The history tab: every change to the account from the change log, newest first."""

from __future__ import annotations

from textual.widgets import DataTable

from governance.i18n import action_label, t
from screens.account.part import AccountPart, stamp
from screens.plain import plain_cells
from screens.view_models import AccountDetail


class HistoryTable(AccountPart, DataTable[str]):
    """When, who, what and the value before and after, one change a row."""

    def __init__(self) -> None:
        super().__init__(id="history-table", cursor_type="row", zebra_stripes=True)
        self.add_columns(
            t("col.when"),
            t("col.user"),
            t("col.action"),
            t("col.field"),
            t("col.old"),
            t("col.new"),
        )

    def show_detail(self, detail: AccountDetail) -> None:
        if detail.history is None:  # not read yet: the screen reads it after its first frame
            self.loading = True
            return
        self.loading = False
        self.clear()
        for entry in detail.history:
            self.add_row(
                *plain_cells(
                    stamp(entry.at),
                    entry.user,
                    action_label(entry.action),
                    t(f"tui.field.{entry.field}") if entry.field else "",
                    "∅" if entry.old is None else entry.old,
                    "∅" if entry.new is None else entry.new,
                )
            )
