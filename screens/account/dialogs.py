"""Dialogs of an account's life that send what was typed and stay open on a refusal.

:class:`SubmitDialog` runs the service call in a thread worker and dismisses with its result
only when it succeeds. A refusal is a notification in the service's words; the dialog keeps
everything typed, marks the field the service named (``-invalid``) and puts the cursor there.
Escape cancels and says that nothing was changed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar, Generic, TypeVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Select, Static
from textual.worker import Worker, WorkerState

from governance.errors import FieldError
from governance.i18n import t
from governance.lifecycle import RETIREMENT_PARSERS
from governance.model import Retirement
from screens.account.part import kontokoll
from screens.localize import LocalizedModalScreen
from screens.plain import plain

ResultT = TypeVar("ResultT")

#: A field the service names -> the id of the box that holds it, where the two differ.
FIELD_BOXES = {"editors": "field-editor", "email": "field-editor", "account": "field-handle"}


class SubmitDialog(LocalizedModalScreen[ResultT | None], Generic[ResultT]):
    """A modal form whose OK runs ``call()`` through the services; see the module."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "tui.key.cancel", id="submit.cancel", tooltip="tui.tip.cancel"),
    ]

    def __init__(self, *, dialog_id: str) -> None:
        super().__init__(classes="dialog", id=dialog_id)

    def call(self) -> Callable[[], ResultT] | None:
        """The service call for what is typed now (None: nothing to send, already explained)."""
        raise NotImplementedError

    def buttons(self, confirm_label: str) -> Horizontal:
        """OK and Cancel, as every dialog of this kind ends."""
        return Horizontal(
            Button(confirm_label, variant="primary", id="submit-ok"),
            Button(t("tui.button.cancel"), id="submit-cancel"),
            id="dialog-buttons",
        )

    @on(Button.Pressed, "#submit-ok")
    @on(Input.Submitted)
    def _ok(self) -> None:
        self.submit()  # a subclass may override submit (Textual binds the handler itself)

    def submit(self) -> None:
        """Send what is typed (the service validates)."""
        for widget in self.query(".-invalid"):
            widget.remove_class("-invalid")
        call = self.call()
        if call is not None:
            self.send(call)

    def send(self, call: Callable[[], ResultT]) -> None:
        """Run ``call`` in a worker; the dialog closes only when it succeeds."""
        self.query_one("#submit-ok", Button).disabled = True
        self._run(call)

    @work(thread=True, exclusive=True, group="submit", exit_on_error=False, description="submit")
    def _run(self, call: Callable[[], ResultT]) -> ResultT:
        return call()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "submit":
            return
        if event.state == WorkerState.SUCCESS:
            self.dismiss(event.worker.result)
        elif event.state == WorkerState.ERROR and event.worker.error is not None:
            self.query_one("#submit-ok", Button).disabled = False
            error = event.worker.error
            if isinstance(error, FieldError):
                self.mark(error.field)
            kontokoll(self.app).report_error(error)

    def mark(self, field: str) -> None:
        """Mark the box of ``field`` as refused and put the cursor there."""
        box = FIELD_BOXES.get(field, f"field-{field}")
        for widget in self.query(f"#{box}"):
            widget.add_class("-invalid")
            widget.focus()

    @on(Button.Pressed, "#submit-cancel")
    def action_cancel(self) -> None:
        """Close without sending; say that nothing changed."""
        self.notify(t("lifecycle_tui.cancelled"))
        self.dismiss(None)


def row(label: str, widget: Widget) -> Horizontal:
    """One labelled row of a form."""
    return Horizontal(Label(label, classes="form-label"), widget, classes="form-row")


class ReasonDialog(SubmitDialog[object]):
    """AKN's decision on a request, with its reason (and the request's warning, if any)."""

    def __init__(
        self, title: str, notice: str, confirm_label: str, decide: Callable[[str], object]
    ) -> None:
        super().__init__(dialog_id="reason-dialog")
        self._title, self._notice, self._label = title, notice, confirm_label
        self._decide = decide

    def compose(self) -> ComposeResult:
        with Vertical(id="form-box"):
            yield Label(plain(self._title), id="form-title")
            if self._notice:
                yield Static(plain(self._notice), id="reason-warning", classes="banner")
            yield Label(t("lifecycle_tui.reason"), classes="form-dialog-label")
            yield Input(id="field-reason", compact=True)
            yield self.buttons(self._label)

    def call(self) -> Callable[[], object]:
        reason, decide = self.query_one("#field-reason", Input).value, self._decide
        return lambda: decide(reason)


#: The yes/no questions of the checklist, and the disposal, as choice lists.
_YES_NO = ("announced", "admins_removed")


def _choices(name: str) -> list[tuple[str, str]]:
    if name == "disposal":
        return [(t(f"lifecycle_tui.disposal.{d}"), d) for d in ("deleted", "dormant")]
    return [(t("lifecycle.value.yes"), "ja"), (t("lifecycle.value.no"), "nej")]


def _stored(retirement: Retirement, name: str) -> str:
    value = getattr(retirement, name)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nej"
    return value if isinstance(value, str) else value.isoformat()


class ChecklistDialog(SubmitDialog[Retirement]):
    """The closing checklist: the questions ``kontokoll accounts retire`` asks, each answered
    or left open (blank); answers already stored are shown and kept."""

    def __init__(
        self, title: str, stored: Retirement, retire: Callable[[dict[str, str]], Retirement]
    ) -> None:
        super().__init__(dialog_id="checklist-dialog")
        self._title, self._stored, self._retire = title, stored, retire

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="form-box"):
            yield Label(plain(self._title), id="form-title")
            yield Static(t("lifecycle_tui.checklist_hint"), classes="legend")
            for name in RETIREMENT_PARSERS:
                yield Label(t(f"lifecycle.ask.{name}"), classes="form-dialog-label")
                value = _stored(self._stored, name)
                if name in (*_YES_NO, "disposal"):
                    yield Select[str](
                        _choices(name),
                        value=value or Select.NULL,
                        prompt=t("lifecycle_tui.open_answer"),
                        id=f"field-{name}",
                        compact=True,
                    )
                else:
                    yield Input(value, id=f"field-{name}", compact=True)
            yield self.buttons(t("lifecycle_tui.button.save_checklist"))

    def answers(self) -> dict[str, str]:
        """The answers given (a blank one is left as stored, as on the command line)."""
        found = {}
        for name in RETIREMENT_PARSERS:
            widget = self.query_one(f"#field-{name}")
            value = widget.value if isinstance(widget, Input | Select) else ""
            if isinstance(value, str) and value.strip():
                found[name] = value
        return found

    def call(self) -> Callable[[], Retirement]:
        answers, retire = self.answers(), self._retire
        return lambda: retire(answers)
