"""The editors tab: who may publish for the account, adding and removing them, and confirming
that the list is current. Editors' names and e-mail addresses are personal data, shown only here.
"""

from __future__ import annotations

from collections.abc import Iterator

from textual import on
from textual.app import ComposeResult, SystemCommand
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, DataTable, Input, Static

from governance import access
from governance.i18n import t
from screens.account.part import AccountPart, allowed, kontokoll, stamp
from screens.dialogs import ConfirmDialog
from screens.messages import ChangeRequested
from screens.plain import plain, plain_cells
from screens.view_models import AccountDetail


def _acknowledged(detail: AccountDetail, email: str) -> str:
    """Whether the editor acknowledged the current revision: ja, nej, or – (not judged)."""
    if detail.acknowledged is None:
        return "–"
    return t("lifecycle.value.yes" if email in detail.acknowledged else "lifecycle.value.no")


class EditorsPane(AccountPart, Vertical):
    """The editor list, a box to appoint one as ``Name <e-post>``, remove and confirm."""

    def __init__(self) -> None:
        super().__init__(id="editors-pane")

    def compose(self) -> ComposeResult:
        table: DataTable[str] = DataTable(id="editors-table", cursor_type="row", zebra_stripes=True)
        table.add_columns(
            t("col.name"), t("col.email"), t("col.appointed"), t("lifecycle_tui.col.acknowledged")
        )
        yield table
        yield Static("", id="editors-confirmed")
        yield Static("", id="editors-revision", classes="legend", markup=False)
        with Horizontal(id="editor-add-row"):
            yield Input(
                placeholder=t("tui.detail.editor_placeholder"), id="new-editor", compact=True
            )
            yield Button(t("tui.button.add_editor"), id="add-editor", variant="primary")
        with Horizontal(id="editor-buttons"):
            yield Button(t("tui.button.remove_editor"), id="remove-editor", variant="error")
            yield Button(t("tui.button.confirm_editors"), id="confirm-editors", variant="success")
            yield Button(t("lifecycle_tui.button.acknowledge_revision"), id="acknowledge-revision")

    def show_detail(self, detail: AccountDetail) -> None:
        account = detail.account
        table = self.query_one("#editors-table", DataTable)
        table.clear()
        for editor in account.editors:
            table.add_row(
                *plain_cells(
                    editor.name,
                    editor.email,
                    editor.appointed.isoformat(),
                    _acknowledged(detail, editor.email),
                ),
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
        revision = detail.revision
        self.query_one("#editors-revision", Static).update(
            t("lifecycle_tui.revision_line", revision=revision.isoformat()) if revision else ""
        )
        may_edit = allowed(self.app, access.EDIT_EDITORS, detail)
        for selector in ("#new-editor", "#add-editor", "#remove-editor"):
            self.query_one(selector).disabled = not may_edit
        may_confirm = allowed(self.app, access.CONFIRM_EDITORS, detail)
        self.query_one("#confirm-editors").disabled = not may_confirm
        self.query_one("#acknowledge-revision").disabled = not self._may_acknowledge()

    def _may_acknowledge(self) -> bool:
        """Whether the user may record acknowledgements here (an active account, a revision)."""
        detail = self.detail
        return (
            detail is not None
            and detail.acknowledged is not None
            and bool(detail.account.editors)
            and allowed(self.app, access.ACKNOWLEDGE_REVISION, detail)
        )

    def commands(self) -> Iterator[SystemCommand]:
        """Confirm the list and remove an editor, for a user who may."""
        if allowed(self.app, access.CONFIRM_EDITORS, self.detail):
            yield SystemCommand(
                t("tui.command.confirm_editors"),
                t("tui.tip.confirm_editors"),
                self.action_confirm_editors,
            )
        if allowed(self.app, access.EDIT_EDITORS, self.detail):
            yield SystemCommand(
                t("tui.command.remove_editor"),
                t("tui.tip.remove_editor"),
                self.action_remove_editor,
            )
        if self._may_acknowledge():
            yield SystemCommand(
                t("lifecycle_tui.command.acknowledge_revision"),
                t("lifecycle_tui.tip.acknowledge_revision"),
                self.action_acknowledge_revision,
            )

    @on(Button.Pressed, "#acknowledge-revision")
    def action_acknowledge_revision(self) -> None:
        """Record that the highlighted editor acknowledged the guideline's current revision."""
        table = self.query_one("#editors-table", DataTable)
        detail = self.detail
        if detail is None or not detail.account.editors or detail.revision is None:
            self.notify(t("tui.detail.no_editor_selected"), severity="warning")
            return
        editors = detail.account.editors
        editor = editors[min(table.cursor_row, len(editors) - 1)]
        services, revision = kontokoll(self.app).services, detail.revision.isoformat()
        notice = t("lifecycle.cli.acknowledged", person=str(editor), revision=revision)
        if detail.acknowledged is not None and editor.email in detail.acknowledged:
            notice = t("lifecycle.cli.already", person=str(editor), revision=revision)
        self.post_message(
            ChangeRequested(lambda: services.acknowledge_revision(editor.email), notice)
        )

    @on(Button.Pressed, "#add-editor")
    @on(Input.Submitted, "#new-editor")
    def add_editor(self) -> None:
        """Appoint the person typed in the box as ``Name <e-post>``."""
        box = self.query_one("#new-editor", Input)
        person = box.value.strip()
        if self.detail is None:
            return
        if not person:
            box.focus()
            self.notify(t("tui.detail.editor_hint"), severity="warning")
            return
        ref, services = self.detail.account.id, kontokoll(self.app).services
        self.post_message(
            ChangeRequested(
                lambda: services.add_editor(ref, person),
                t("tui.detail.editor_added", person=person),
            )
        )

    @on(Button.Pressed, "#remove-editor")
    def action_remove_editor(self) -> None:
        """Remove the highlighted editor, after a confirmation."""
        table = self.query_one("#editors-table", DataTable)
        account = self.detail.account if self.detail is not None else None
        if account is None or not account.editors or table.row_count == 0:
            self.notify(t("tui.detail.no_editor_selected"), severity="warning")
            return
        editor = account.editors[min(table.cursor_row, len(account.editors) - 1)]
        ref, services = account.id, kontokoll(self.app).services

        def decided(yes: bool | None) -> None:
            if yes:
                self.post_message(
                    ChangeRequested(
                        lambda: services.remove_editor(ref, editor.email),
                        t("tui.detail.editor_removed", person=str(editor)),
                    )
                )

        self.app.push_screen(
            ConfirmDialog(
                t("tui.detail.remove_question", person=str(editor), account=account.ref),
                t("tui.button.remove_editor"),
            ),
            decided,
        )

    @on(Button.Pressed, "#confirm-editors")
    def action_confirm_editors(self) -> None:
        """Record that the editor list is current."""
        if self.detail is None:
            return
        account, services = self.detail.account, kontokoll(self.app).services
        self.post_message(
            ChangeRequested(
                lambda: services.confirm_editors(account.id),
                t("tui.detail.editors_confirmed", count=len(account.editors)),
            )
        )
