"""One account: its fields in a form, its editors, its activity chart, its findings and history.

Personal data (editors' names and e-mail addresses) is shown here and nowhere else in the app.
All store work runs in thread workers; results come back as messages, errors as notifications.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, ClassVar, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.suggester import SuggestFromList
from textual.widget import Widget
from textual.widgets import (
    Button,
    Checkbox,
    DataTable,
    Footer,
    Header,
    Input,
    Label,
    Select,
    Static,
    TabbedContent,
    TabPane,
)
from textual.worker import Worker, WorkerState

from audits.quarters import Quarter
from governance import access
from governance.errors import FieldError
from governance.fields import GOALS, PLATFORMS, format_value
from governance.i18n import action_label, t
from governance.model import EDITABLE_FIELDS, Account, ChangeEntry
from governance.monthly import STOCKHOLM
from screens.dialogs import ConfirmDialog, FormDialog
from screens.localize import localize_bindings
from screens.messages import AccountChanged, AccountLoaded
from screens.plain import plain, plain_cells
from screens.services import AccountFindings, ChartPoint, Rights, rule_title
from screens.widgets.chart import ActivityChart

if TYPE_CHECKING:
    from screens.app import KontokollApp

#: Fields shown as a choice list, with the catalogue prefix of their labels (None: shown as is).
CHOICES: dict[str, tuple[tuple[str, ...], str | None]] = {
    "platform": (PLATFORMS, None),
    "visibility": (("open", "closed"), "value."),
    "status": (("active", "retired"), "value."),
}
CHECKBOXES = ("shared", "kc_handles_comments")
DETAIL_TABS = ("details", "editors", "activity", "findings", "history")


def waiver_default_end(today: date) -> date:
    """A waiver's suggested end: the last day of the next quarter (one more audit covered)."""
    return Quarter.of(today).next().last_day


def stamp(moment: object) -> str:
    """A timestamp as ``YYYY-MM-DD HH:MM`` in Swedish time (ISO 8601 with a space)."""
    from datetime import datetime

    if not isinstance(moment, datetime):
        return "–"
    return moment.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M")


class AccountDetailScreen(Screen[None]):
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
    ]

    def __init__(self, account_id: str) -> None:
        super().__init__(classes="detail")
        localize_bindings(self)
        self.account_id = account_id
        self.account: Account | None = None
        self._chart: list[ChartPoint] = []
        self._history: list[ChangeEntry] = []
        self._findings: AccountFindings | None = None
        self._built: set[str] = {"details"}

    @property
    def kontokoll(self) -> KontokollApp:
        """The app, with its services."""
        return cast("KontokollApp", self.app)

    # --- layout ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        # Only the form is built up front; the other tabs are built when first shown, which
        # roughly halves the widgets styled before the account appears.
        self._built = {"details"}
        yield Header()
        yield Static(t("tui.detail.loading"), id="detail-title")
        with TabbedContent(id="detail-tabs"):
            with TabPane(t("tui.detail.tab.details"), id="details"):
                yield from self._compose_form()
            for tab in DETAIL_TABS[1:]:
                yield TabPane(t(f"tui.detail.tab.{tab}"), id=tab)
        yield Footer()

    async def build_tab(self, tab: str) -> None:
        """Build a tab's widgets (once), and fill them with the account if it is read."""
        if tab in self._built or tab not in DETAIL_TABS:
            return
        self._built.add(tab)
        pane = self.query_one(f"#{tab}", TabPane)
        await pane.mount(*self._tab_widgets(tab))
        if self.account is not None:
            self._fill_tab(tab)
            self._apply_rights(self.account)

    def _tab_widgets(self, tab: str) -> list[Widget]:
        if tab == "editors":
            return [self._editors_pane()]
        if tab == "activity":
            return [ActivityChart(id="chart")]
        if tab == "findings":
            return [self._findings_pane()]
        history: DataTable[str] = DataTable(
            id="history-table", cursor_type="row", zebra_stripes=True
        )
        history.add_columns(
            t("col.when"),
            t("col.user"),
            t("col.action"),
            t("col.field"),
            t("col.old"),
            t("col.new"),
        )
        return [history]

    @on(TabbedContent.TabActivated, "#detail-tabs")
    async def _tab_shown(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id is not None:
            await self.build_tab(event.pane.id)

    def _compose_form(self) -> ComposeResult:
        departments = (
            [d.name for d in self.kontokoll.snapshot.departments] if self.kontokoll.snapshot else []
        )
        with VerticalScroll(id="account-form"):
            for name in EDITABLE_FIELDS:
                with Horizontal(classes="form-row", id=f"row-{name}"):
                    yield Label(t(f"tui.field.{name}"), classes="form-label")
                    yield self._field_widget(name, departments)
            with Horizontal(id="form-buttons"):
                yield Button(t("tui.button.save"), variant="primary", id="save")
                yield Button(t("tui.button.reset"), id="reset")

    def _field_widget(self, name: str, departments: list[str]) -> Widget:
        widget_id = f"field-{name}"
        if name in CHOICES:
            values, prefix = CHOICES[name]
            options = [(t(prefix + v) if prefix else v, v) for v in values]
            return Select[str](options, allow_blank=False, id=widget_id, compact=True)
        if name in CHECKBOXES:
            return Checkbox(t(f"tui.field.{name}_box"), id=widget_id, compact=True)
        if name == "goals":
            return Horizontal(
                *(Checkbox(goal.capitalize(), id=f"goal-{goal}", compact=True) for goal in GOALS),
                id=widget_id,
            )
        suggester = (
            SuggestFromList(departments, case_sensitive=False) if name == "department" else None
        )
        placeholder = t("tui.detail.date_placeholder") if name == "project_end" else ""
        return Input(id=widget_id, compact=True, suggester=suggester, placeholder=placeholder)

    def _editors_pane(self) -> Vertical:
        table: DataTable[str] = DataTable(id="editors-table", cursor_type="row", zebra_stripes=True)
        table.add_columns(t("col.name"), t("col.email"), t("col.appointed"))
        return Vertical(
            table,
            Static("", id="editors-confirmed"),
            Horizontal(
                Input(
                    placeholder=t("tui.detail.editor_placeholder"), id="new-editor", compact=True
                ),
                Button(t("tui.button.add_editor"), id="add-editor", variant="primary"),
                id="editor-add-row",
            ),
            Horizontal(
                Button(t("tui.button.remove_editor"), id="remove-editor", variant="error"),
                Button(t("tui.button.confirm_editors"), id="confirm-editors", variant="success"),
                id="editor-buttons",
            ),
            id="editors-pane",
        )

    def _findings_pane(self) -> Vertical:
        table: DataTable[str] = DataTable(
            id="findings-table", cursor_type="row", zebra_stripes=True
        )
        table.add_columns(
            t("tui.findings.col.rule"),
            t("tui.findings.col.severity"),
            t("tui.findings.col.status"),
            t("tui.findings.col.since"),
            t("tui.findings.col.message"),
        )
        return Vertical(
            Static(t("tui.detail.loading"), id="findings-summary"),
            table,
            Horizontal(
                Button(t("tui.button.acknowledge"), id="acknowledge", variant="primary"),
                Button(t("tui.button.waive"), id="waive", variant="warning"),
                id="finding-buttons",
            ),
            id="findings-pane",
        )

    # --- loading -----------------------------------------------------------------------------

    def on_mount(self) -> None:
        if self.account is None:
            self.query_one("#detail-tabs").loading = True
            self.load()
        else:
            self.refill()

    def refill(self) -> None:
        """Show the account again in freshly composed widgets (after a language switch)."""
        if self.account is not None:
            self._show(self.account, self._chart, self._history)

    @work(
        thread=True,
        exclusive=True,
        group="account",
        exit_on_error=False,
        description="read account",
    )
    def load(self, notice: str = "") -> None:
        """Read the account, its chart and its history (in a thread: the store may be busy)."""
        self._read(notice)

    def _read(self, notice: str) -> None:
        services = self.kontokoll.services
        account = services.account(self.account_id)
        self.post_message(
            AccountLoaded(
                account,
                services.summary(account),
                services.chart(account.id),
                services.change_log(account.id),
                notice,
                services.account_findings(account.id),
            )
        )

    @on(AccountLoaded)
    def _loaded(self, message: AccountLoaded) -> None:
        self.query_one("#detail-tabs").loading = False
        if message.findings is not None:
            self._findings = message.findings
        self._show(message.account, message.chart, message.history)
        if message.notice:
            self.kontokoll.post_message(AccountChanged(message.summary))
            self.notify(message.notice, title=message.account.ref)

    def _show(self, account: Account, chart: list[ChartPoint], history: list[ChangeEntry]) -> None:
        self.account, self._chart, self._history = account, chart, history
        status = t(f"value.{account.status}")
        title = t("tui.detail.title", ref=account.ref, department=account.department, status=status)
        rights = self.rights
        if rights is not None and not rights.may(access.EDIT_ACCOUNT, account.department):
            title += " · " + t("tui.rights.read_only")
        self.query_one("#detail-title", Static).update(plain(title))
        self.sub_title = account.ref
        self._fill_form(account)
        for tab in self._built - {"details"}:
            self._fill_tab(tab)
        self._apply_rights(account)

    def _fill_tab(self, tab: str) -> None:
        account = self.account
        if account is None:
            return
        if tab == "editors":
            self._fill_editors(account)
        elif tab == "activity":
            self.query_one(ActivityChart).show(self._chart)
        elif tab == "findings":
            self._fill_findings()
        elif tab == "history":
            self._fill_history()

    def _fill_history(self) -> None:
        table = self.query_one("#history-table", DataTable)
        table.clear()
        for entry in self._history:
            table.add_row(
                *plain_cells(
                    stamp(entry.at),
                    entry.user,
                    action_label(entry.action),
                    t(f"tui.field.{entry.field}") if entry.field else "",
                    "∅" if entry.old is None else entry.old,
                    "∅" if entry.new is None else entry.new,
                )
            )

    def _fill_findings(self) -> None:
        findings = self._findings
        table = self.query_one("#findings-table", DataTable)
        table.clear()
        summary = self.query_one("#findings-summary", Static)
        if findings is None or findings.run is None:
            summary.update(t("tui.findings.no_audit"))
            return
        run = findings.run
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
                    text,
                ),
                key=finding.rule,
            )

    @property
    def rights(self) -> Rights | None:
        """What the user may do, as the last read of the register said."""
        snapshot = self.kontokoll.snapshot
        return snapshot.rights if snapshot is not None else None

    def _apply_rights(self, account: Account) -> None:
        """Disable what the user may not do with this account (the services refuse it anyway)."""
        rights = self.rights
        department = account.department

        def allowed(action: str) -> bool:
            return rights is not None and rights.may(action, department)

        groups = {
            access.EDIT_ACCOUNT: [
                "#account-form Input",
                "#account-form Select",
                "#account-form Checkbox",
                "#save",
                "#reset",
            ],
            access.EDIT_EDITORS: ["#new-editor", "#add-editor", "#remove-editor"],
            access.CONFIRM_EDITORS: ["#confirm-editors"],
            access.ACKNOWLEDGE_FINDING: ["#acknowledge"],
            access.WAIVE_FINDING: ["#waive"],
        }
        for action, selectors in groups.items():
            may = allowed(action)
            for selector in selectors:
                for widget in self.query(selector):
                    widget.disabled = not may
        no_findings = self._findings is None or not self._findings.items
        for selector in ("#acknowledge", "#waive"):
            for widget in self.query(selector):
                widget.disabled = widget.disabled or no_findings

    def _fill_form(self, account: Account) -> None:
        for name in EDITABLE_FIELDS:
            value = getattr(account, name)
            if name in CHOICES:
                self.query_one(f"#field-{name}", Select).value = value
            elif name in CHECKBOXES:
                self.query_one(f"#field-{name}", Checkbox).value = bool(value)
            elif name == "goals":
                for goal in GOALS:
                    self.query_one(f"#goal-{goal}", Checkbox).value = goal in value
            else:
                self.query_one(f"#field-{name}", Input).value = format_value(value)
        for widget in self.query(".-invalid"):
            widget.remove_class("-invalid")

    def _fill_editors(self, account: Account) -> None:
        if "editors" not in self._built:
            return
        table = self.query_one("#editors-table", DataTable)
        table.clear()
        for editor in account.editors:
            table.add_row(
                *plain_cells(editor.name, editor.email, editor.appointed.isoformat()),
                key=editor.email,
            )
        if account.editors_confirmed_at:
            text = t(
                "tui.detail.confirmed",
                at=stamp(account.editors_confirmed_at),
                by=account.editors_confirmed_by,
            )
        else:
            text = t("tui.detail.never_confirmed")
        if not account.editors:
            text = t("tui.detail.no_editors") + "\n" + text
        self.query_one("#editors-confirmed", Static).update(plain(text, keep_newlines=True))

    # --- the form ----------------------------------------------------------------------------

    def form_texts(self) -> dict[str, str]:
        """Each field as the text the register parses, as the form shows it now."""
        texts: dict[str, str] = {}
        for name in EDITABLE_FIELDS:
            if name in CHOICES:
                value = self.query_one(f"#field-{name}", Select).value
                texts[name] = value if isinstance(value, str) else ""
            elif name in CHECKBOXES:
                texts[name] = format_value(self.query_one(f"#field-{name}", Checkbox).value)
            elif name == "goals":
                checked = [g for g in GOALS if self.query_one(f"#goal-{g}", Checkbox).value]
                texts[name] = "|".join(checked)
            else:
                texts[name] = self.query_one(f"#field-{name}", Input).value
        return texts

    def changed_texts(self) -> dict[str, str]:
        """The fields whose text differs from the stored value."""
        if self.account is None:
            return {}
        account = self.account
        return {
            name: text
            for name, text in self.form_texts().items()
            if text.strip() != format_value(getattr(account, name))
        }

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        """Validate and save the changed fields."""
        if self.account is None:
            return
        changes = self.changed_texts()
        if not changes:
            self.notify(t("tui.detail.nothing_to_save"))
            return
        for widget in self.query(".-invalid"):
            widget.remove_class("-invalid")
        ref = self.account.id
        services = self.kontokoll.services
        self.change(
            lambda: services.update_fields(ref, changes),
            t("tui.detail.saved", count=len(changes)),
        )

    @on(Button.Pressed, "#reset")
    def _reset(self) -> None:
        if self.account is not None:
            self._fill_form(self.account)

    # --- editors -----------------------------------------------------------------------------

    @on(Button.Pressed, "#add-editor")
    @on(Input.Submitted, "#new-editor")
    def add_editor(self) -> None:
        """Appoint the person typed in the box as ``Name <e-post>``."""
        box = self.query_one("#new-editor", Input)
        person = box.value.strip()
        if self.account is None:
            return
        if not person:
            box.focus()
            self.notify(t("tui.detail.editor_hint"), severity="warning")
            return
        ref, services = self.account.id, self.kontokoll.services
        self.change(
            lambda: services.add_editor(ref, person), t("tui.detail.editor_added", person=person)
        )

    @on(Button.Pressed, "#remove-editor")
    def action_remove_editor(self) -> None:
        """Remove the highlighted editor, after a confirmation."""
        table = self.query_one("#editors-table", DataTable)
        if self.account is None or not self.account.editors or table.row_count == 0:
            self.notify(t("tui.detail.no_editor_selected"), severity="warning")
            return
        editor = self.account.editors[min(table.cursor_row, len(self.account.editors) - 1)]
        ref, services = self.account.id, self.kontokoll.services

        def decided(yes: bool | None) -> None:
            if yes:
                self.change(
                    lambda: services.remove_editor(ref, editor.email),
                    t("tui.detail.editor_removed", person=str(editor)),
                )

        self.app.push_screen(
            ConfirmDialog(
                t("tui.detail.remove_question", person=str(editor), account=self.account.ref),
                t("tui.button.remove_editor"),
            ),
            decided,
        )

    @on(Button.Pressed, "#confirm-editors")
    def action_confirm_editors(self) -> None:
        """Record that the editor list is current."""
        if self.account is None:
            return
        ref, services = self.account.id, self.kontokoll.services
        self.change(
            lambda: services.confirm_editors(ref),
            t("tui.detail.editors_confirmed", count=len(self.account.editors)),
        )

    # --- findings ----------------------------------------------------------------------------

    def _selected_finding(self) -> str | None:
        """The rule of the highlighted finding, or None (with a hint) if there is none."""
        findings = self._findings
        if "findings" not in self._built or findings is None or not findings.items:
            self.notify(t("tui.findings.none_selected"), severity="warning")
            return None
        table = self.query_one("#findings-table", DataTable)
        return findings.items[min(table.cursor_row, len(findings.items) - 1)].finding.rule

    @on(Button.Pressed, "#acknowledge")
    def action_acknowledge(self) -> None:
        """Acknowledge the highlighted finding, with a note."""
        rule = self._selected_finding()
        if rule is None or self.account is None:
            return
        account_id, ref, services = self.account.id, self.account.ref, self.kontokoll.services

        def decided(texts: dict[str, str] | None) -> None:
            if texts is not None:
                self.change(
                    lambda: services.acknowledge(rule, account_id, texts["note"]),
                    t("tui.findings.acknowledged", rule=rule_title(rule)),
                )

        self.app.push_screen(
            FormDialog(
                t("tui.findings.acknowledge_title", rule=rule_title(rule), account=ref),
                [("note", t("tui.findings.note"), "")],
                t("tui.button.acknowledge"),
                dialog_id="acknowledge-dialog",
            ),
            decided,
        )

    @on(Button.Pressed, "#waive")
    def action_waive(self) -> None:
        """Waive the highlighted finding until a date, with a reason and who decided it."""
        rule = self._selected_finding()
        if rule is None or self.account is None:
            return
        account_id, ref, services = self.account.id, self.account.ref, self.kontokoll.services
        until_default = waiver_default_end(services.today()).isoformat()

        def decided(texts: dict[str, str] | None) -> None:
            if texts is None:
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
            self.change(
                lambda: services.waive(
                    rule, account_id, reason=texts["reason"], name=texts["name"], until=until
                ),
                t("tui.findings.waived", rule=rule_title(rule), until=until.isoformat()),
            )

        self.app.push_screen(
            FormDialog(
                t("tui.findings.waive_title", rule=rule_title(rule), account=ref),
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

    # --- running changes ---------------------------------------------------------------------

    @work(
        thread=True,
        exclusive=True,
        group="account",
        exit_on_error=False,
        description="change account",
    )
    def change(self, apply: Callable[[], object], notice: str) -> None:
        """Apply one change to the store, then read the account again."""
        apply()
        self._read(notice)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state != WorkerState.ERROR or event.worker.error is None:
            return
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

    # --- navigation --------------------------------------------------------------------------

    def action_back(self) -> None:
        """Back to the accounts table."""
        self.dismiss(None)

    async def action_show_tab(self, tab: str) -> None:
        """Show one of the account's tabs."""
        await self.build_tab(tab)
        self.query_one(TabbedContent).active = tab
