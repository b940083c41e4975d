"""The moderation tab ("Moderering"): the account's hidden and deleted comments, a form to record
one (with the path of its screenshot), "Skicka till diariet" and the registry's number.

The store work runs in a thread worker and comes back as a :class:`ModerationRead` message;
a refusal is shown under the form (and marks its field), so nothing is stored on a bad input.
The core is reached through :class:`~governance.moderation.service.ModerationService` over the
app's own store and user (what :class:`screens.services.Services` holds).
"""

from __future__ import annotations

from collections.abc import Callable

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, DataTable, Input, Select, Static
from textual.worker import Worker, WorkerState

from governance import access
from governance.errors import FieldError, KontokollError
from governance.i18n import t
from governance.moderation.records import ACTIONS, CATEGORIES
from governance.moderation.requests import RecordRequest
from governance.moderation.service import Listed, ModerationService
from screens.account.part import AccountPart, allowed, kontokoll, stamp
from screens.plain import plain, plain_cells
from screens.view_models import AccountDetail

#: The form's inputs, by the field a FieldError names.
_FIELDS = {"at": "mod-at", "screenshot": "mod-screenshot", "comment_id": "mod-comment-id",
           "note": "mod-note", "notified": "mod-notified", "diarienummer": "mod-diarienummer"}


class ModerationRead(Message):
    """The account's records as read after a change (or on first show), and what to say."""

    def __init__(self, items: list[Listed], notice: str) -> None:
        super().__init__()
        self.items = items
        self.notice = notice


class ModerationPane(AccountPart, Vertical):
    """The moderation register of one account."""

    DEFAULT_CSS = """
    ModerationPane { padding: 1 2; }
    ModerationPane #mod-table { height: auto; max-height: 10; }
    ModerationPane Horizontal { height: auto; margin-top: 1; }
    ModerationPane Input { width: 1fr; margin-right: 1; }
    ModerationPane Select { width: 26; margin-right: 1; }
    ModerationPane #mod-error { color: $error; margin-top: 1; }
    ModerationPane #mod-served-note { color: $warning; margin-bottom: 1; }
    """

    def __init__(self) -> None:
        super().__init__(id="moderation-pane")
        self._account_id = ""

    def compose(self) -> ComposeResult:
        if self.app.is_web:  # the served app opens no path on a caller's say: say so up front
            yield Static(t("moderation_input.served_tab_note"), id="mod-served-note", markup=False)
        table: DataTable[str] = DataTable(id="mod-table", cursor_type="row", zebra_stripes=True)
        table.add_columns(*(t(f"moderation.column.{c}") for c in
                            ("id", "at", "action", "reason", "sent_at", "diarienummer")))
        yield table
        with Horizontal():
            yield Select([(t(f"moderation.action.{a}"), a) for a in ACTIONS], value="hide",
                         allow_blank=False, id="mod-action")
            yield Select([(t(f"moderation.reason.{c}"), c) for c in CATEGORIES], value="spam",
                         allow_blank=False, id="mod-reason")
            yield Input(placeholder=t("moderation.tui.at"), id="mod-at", compact=True)
        with Horizontal():
            yield Input(placeholder=t("moderation.tui.screenshot"), id="mod-screenshot",
                        compact=True, disabled=self.app.is_web)
            yield Input(placeholder=t("moderation.tui.comment_id"), id="mod-comment-id",
                        compact=True)
            yield Input(placeholder=t("moderation.tui.notified"), id="mod-notified", compact=True)
        with Horizontal():
            yield Input(placeholder=t("moderation.tui.note"), id="mod-note", compact=True)
            yield Button(t("moderation.tui.record"), id="mod-record", variant="primary")
        with Horizontal():
            yield Button(t("moderation.tui.register"), id="mod-register", variant="warning")
            yield Input(placeholder="KS 2026/01234", id="mod-diarienummer", compact=True)
            yield Button(t("moderation.tui.save_number"), id="mod-save-number")
        yield Static("", id="mod-error", markup=False)

    # --- showing -----------------------------------------------------------------------------

    def show_detail(self, detail: AccountDetail) -> None:
        self._account_id = detail.account.id
        may_record = allowed(self.app, access.RECORD_MODERATION, detail)
        may_register = allowed(self.app, access.REGISTER_MODERATION, detail)
        self.query_one("#mod-record", Button).disabled = not may_record
        for name in ("#mod-register", "#mod-save-number"):
            self.query_one(name, Button).disabled = not may_register
        self._run(lambda service: None, "")

    @on(ModerationRead)
    def _read(self, message: ModerationRead) -> None:
        table = self.query_one("#mod-table", DataTable)
        table.clear()
        for item in message.items:
            r = item.record
            table.add_row(*plain_cells(r.id, stamp(r.at), t(f"moderation.action.{r.action}"),
                                       r.reason, stamp(r.sent_at), r.diarienummer or "–"),
                          key=r.id)
        if message.notice:
            self.query_one("#mod-error", Static).update("")
            self.app.notify(message.notice)

    # --- changing ----------------------------------------------------------------------------

    @on(Button.Pressed, "#mod-record")
    def _record(self) -> None:
        request = RecordRequest(
            self._account_id, str(self.query_one("#mod-action", Select).value),
            str(self.query_one("#mod-reason", Select).value), self._text("mod-at"),
            self._text("mod-screenshot"), self._text("mod-comment-id"),
            self._text("mod-notified"), self._text("mod-note"))  # fmt: skip

        def apply(service: ModerationService) -> object:
            saved = service.record(request)
            for name in ("mod-at", "mod-screenshot", "mod-comment-id", "mod-note"):
                self.app.call_from_thread(setattr, self.query_one(f"#{name}", Input), "value", "")
            return saved.id

        self._run(apply, t("moderation.tui.recorded"))

    @on(Button.Pressed, "#mod-register")
    def _register(self) -> None:
        from governance.moderation.registration import send_registration

        chosen = self._chosen()
        self._run(lambda service: send_registration(service, chosen), t("moderation.tui.sent"))

    @on(Button.Pressed, "#mod-save-number")
    def _save_number(self) -> None:
        chosen, number = self._chosen(), self._text("mod-diarienummer")
        # the row shows the number it has: typing another here is asking to replace it
        self._run(lambda service: service.set_diarienummer(chosen, number, replace_existing=True),
                  t("moderation.tui.number_saved"))

    def _chosen(self) -> str:
        table = self.query_one("#mod-table", DataTable)
        if table.row_count == 0:
            return ""
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def _text(self, name: str) -> str:
        return self.query_one(f"#{name}", Input).value

    def _run(self, apply: Callable[[ModerationService], object], notice: str) -> None:
        for widget in self.query(".-invalid"):
            widget.remove_class("-invalid")
        self._work(apply, notice)

    @work(thread=True, exclusive=True, group="moderation", exit_on_error=False,
          description="moderation")
    def _work(self, apply: Callable[[ModerationService], object], notice: str) -> None:
        """Apply one change (or none), then read the account's records again."""
        services = kontokoll(self.app).services
        # In a browser the server's account would open the typed path: never (the core also
        # detects a served session; this says it outright).
        service = ModerationService(services.store, user=services.user, clock=services.clock,
                                    opens_paths=False if self.app.is_web else None)
        apply(service)
        items = service.records(self._account_id) if self._account_id else []
        self.post_message(ModerationRead(items, notice))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state != WorkerState.ERROR or event.worker.group != "moderation":
            return
        error = event.worker.error
        event.stop()
        shown = str(error) if isinstance(error, KontokollError) else t(
            "tui.error.unexpected", kind=type(error).__name__)
        self.query_one("#mod-error", Static).update(plain(shown))
        if isinstance(error, FieldError) and error.field in _FIELDS:
            self.query_one(f"#{_FIELDS[error.field]}").add_class("-invalid")
