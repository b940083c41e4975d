"""The findings tab: the account's findings in the latest audit, acknowledging and waiving them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from textual import on
from textual.app import ComposeResult, SystemCommand
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, DataTable, Static

from audits.quarters import Quarter
from governance import access
from governance.i18n import t
from screens.account.part import AccountPart, kontokoll
from screens.commands import may
from screens.dialogs import FormDialog
from screens.messages import ChangeRequested
from screens.plain import plain_cells
from screens.view_models import AccountDetail, rule_title


def waiver_default_end(today: date) -> date:
    """A waiver's suggested end: the last day of the next quarter (one more audit covered)."""
    return Quarter.of(today).next().last_day


class FindingsPane(AccountPart, Vertical):
    """The latest audit's findings of the account, with Acknowledge and Waive."""

    def __init__(self) -> None:
        super().__init__(id="findings-pane")

    def compose(self) -> ComposeResult:
        yield Static(t("tui.detail.loading"), id="findings-summary")
        table: DataTable[str] = DataTable(
            id="findings-table", cursor_type="row", zebra_stripes=True
        )
        table.add_columns(
            t("tui.findings.col.rule"),
            t("tui.findings.col.severity"),
            t("tui.findings.col.status"),
            t("tui.findings.col.since"),
            t("responsibility.col.responsible"),  # before the message, which runs long
            t("tui.findings.col.message"),
        )
        yield table
        with Horizontal(id="finding-buttons"):
            yield Button(t("tui.button.acknowledge"), id="acknowledge", variant="primary")
            yield Button(t("tui.button.waive"), id="waive", variant="warning")

    def show_detail(self, detail: AccountDetail) -> None:
        self._fill(detail)
        no_findings = not detail.findings.items
        for selector, action in (
            ("#acknowledge", access.ACKNOWLEDGE_FINDING),
            ("#waive", access.WAIVE_FINDING),
        ):
            may = self._may(action, detail)
            self.query_one(selector).disabled = not may or no_findings

    def _may(self, action: str, detail: AccountDetail | None) -> bool:
        """Whether the user may do ``action`` on any of the findings shown: rights follow who
        answers for each (a KC lead for KC's on a shared account; the services check again)."""
        if detail is None:
            return False
        snapshot = kontokoll(self.app).snapshot
        rights = snapshot.rights if snapshot is not None else None
        answering = {i.finding.responsible for i in detail.findings.items}
        return any(may(rights, action, d or None) for d in answering)

    def _fill(self, detail: AccountDetail) -> None:
        findings = detail.findings
        table = self.query_one("#findings-table", DataTable)
        table.clear()
        summary = self.query_one("#findings-summary", Static)
        run = findings.run
        if run is None:
            summary.update(t("tui.findings.no_audit"))
            return
        summary.update(
            t(
                "tui.findings.summary",
                quarter=str(run.quarter),
                run=run.id,
                as_of=run.as_of.isoformat(),
                count=len(findings.items),
            )
        )
        for item in findings.items:
            finding = item.finding
            text = finding.message + (f" ({item.note})" if item.note else "")
            table.add_row(
                *plain_cells(
                    rule_title(finding.rule),
                    t(f"audit.severity.{finding.severity}"),
                    t(f"audit.status.{item.status}"),
                    finding.first_seen.isoformat() if finding.first_seen else "–",
                    finding.responsible,
                    text,
                ),
                key=finding.rule,
            )

    def commands(self) -> Iterator[SystemCommand]:
        """Acknowledge and waive, each for a user who may."""
        if self._may(access.ACKNOWLEDGE_FINDING, self.detail):
            yield SystemCommand(
                t("tui.command.acknowledge"), t("tui.tip.acknowledge"), self.action_acknowledge
            )
        if self._may(access.WAIVE_FINDING, self.detail):
            yield SystemCommand(t("tui.command.waive"), t("tui.tip.waive"), self.action_waive)

    def _selected_rule(self) -> str | None:
        """The rule of the highlighted finding, or None (with a hint) if there is none."""
        items = self.detail.findings.items if self.detail is not None else []
        if not items:
            self.notify(t("tui.findings.none_selected"), severity="warning")
            return None
        table = self.query_one("#findings-table", DataTable)
        return items[min(table.cursor_row, len(items) - 1)].finding.rule

    @on(Button.Pressed, "#acknowledge")
    def action_acknowledge(self) -> None:
        """Acknowledge the highlighted finding, with a note."""
        rule = self._selected_rule()
        if rule is None or self.detail is None:
            return
        account, services = self.detail.account, kontokoll(self.app).services

        def decided(texts: dict[str, str] | None) -> None:
            if texts is not None:
                self.post_message(
                    ChangeRequested(
                        lambda: services.acknowledge(rule, account.id, texts["note"]),
                        t("tui.findings.acknowledged", rule=rule_title(rule)),
                    )
                )

        self.app.push_screen(
            FormDialog(
                t("tui.findings.acknowledge_title", rule=rule_title(rule), account=account.ref),
                [("note", t("tui.findings.note"), "")],
                t("tui.button.acknowledge"),
                dialog_id="acknowledge-dialog",
            ),
            decided,
        )

    @on(Button.Pressed, "#waive")
    def action_waive(self) -> None:
        """Waive the highlighted finding until a date, with a reason and who decided it."""
        rule = self._selected_rule()
        if rule is None or self.detail is None:
            return
        account, services = self.detail.account, kontokoll(self.app).services
        until_default = waiver_default_end(services.today()).isoformat()

        def decided(texts: dict[str, str] | None) -> None:
            if texts is not None:
                self._waive(rule, texts)

        self.app.push_screen(
            FormDialog(
                t("tui.findings.waive_title", rule=rule_title(rule), account=account.ref),
                [
                    ("reason", t("tui.findings.reason"), ""),
                    ("name", t("tui.findings.decided_by"), ""),
                    ("until", t("tui.findings.until"), until_default),
                ],
                t("tui.button.waive"),
                dialog_id="waive-dialog",
            ),
            decided,
        )

    def _waive(self, rule: str, texts: dict[str, str]) -> None:
        """Ask for the waiver typed in the dialog; a date that is not ISO is refused here."""
        if self.detail is None:
            return
        try:
            until = date.fromisoformat(texts["until"].strip())
        except ValueError:
            self.notify(
                t("tui.guideline.bad_date", value=texts["until"].strip()),
                title=t("tui.error.title"),
                severity="error",
            )
            return
        account_id, services = self.detail.account.id, kontokoll(self.app).services
        self.post_message(
            ChangeRequested(
                lambda: services.waive(
                    rule, account_id, reason=texts["reason"], name=texts["name"], until=until
                ),
                t("tui.findings.waived", rule=rule_title(rule), until=until.isoformat()),
            )
        )
