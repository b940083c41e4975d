"""The dialog that acknowledges or waives findings, and stays open until the change is saved.

The service validates (the same rules as on the command line). The dialog hands what was typed
to ``submit``, which runs in a thread worker; a refused field keeps its text, is marked and gets
the focus, and the reason is a notification that names the field by its label. A submit that
needs a yes first (a file to replace) raises :class:`AskFirst`, and the dialog asks. Escape or
Avbryt closes it and says that nothing changed. The first box has the focus, so no key press acts
before something is typed; Enter in a box, or on the focused confirm button, confirms.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select
from textual.worker import Worker, WorkerState

from governance.errors import FieldError
from governance.i18n import t
from screens.localize import LocalizedModalScreen
from screens.plain import plain, plain_markup

if TYPE_CHECKING:
    from screens.app import KontokollApp

#: (key, label, initial text) of one box.
Field = tuple[str, str, str]
#: (key, label, options as (label, value), initial value) of one choice.
Choice = tuple[str, str, list[tuple[str, str]], str]
#: Applies what was typed (in a thread) and returns the notice to show once it is saved.
Submit = Callable[[dict[str, str]], str]


class AskFirst(Exception):
    """Raised by a submit that needs a yes first (a file it would replace): the dialog asks
    ``question``; on yes it submits the same texts again with ``flag`` in them, on no it stays
    open with the focus in the box ``field``."""

    def __init__(self, question: str, confirm_label: str, flag: str, field: str) -> None:
        super().__init__(question)
        self.question = question
        self.confirm_label = confirm_label
        self.flag = flag
        self.field = field


class ReviewDialog(LocalizedModalScreen[str | None]):
    """A few labelled boxes and OK/Cancel; dismisses the saved change's notice, or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "tui.key.cancel", id="review.cancel", tooltip="tui.tip.cancel"),
    ]

    def __init__(
        self,
        title: str,
        fields: list[Field],
        confirm_label: str,
        submit: Submit,
        *,
        dialog_id: str = "review-dialog",
        choice: Choice | None = None,
        note: str = "",
    ) -> None:
        super().__init__(classes="dialog", id=dialog_id)
        self._title = title
        self._fields = fields
        self._choice = choice
        self._note = note
        self._confirm_label = confirm_label
        self._submit = submit
        self._texts: dict[str, str] = {}  # what the last submit was given

    def compose(self) -> ComposeResult:
        with Vertical(id="form-box"):
            yield Label(plain(self._title), id="form-title")
            for key, label, value in self._fields:
                yield Label(label, classes="form-dialog-label")
                yield Input(value, id=f"form-{key}", compact=True)
            if self._choice is not None:
                key, label, options, value = self._choice
                yield Label(label, classes="form-dialog-label")
                yield Select(
                    options, value=value, allow_blank=False, id=f"form-{key}", compact=True
                )
            if self._note:
                yield Label(plain(self._note), classes="form-dialog-label form-dialog-note")
            with Horizontal(id="dialog-buttons"):
                yield Button(self._confirm_label, variant="primary", id="form-ok")
                yield Button(t("tui.button.cancel"), id="form-cancel")

    def on_mount(self) -> None:
        if self._fields:
            self.query_one(f"#form-{self._fields[0][0]}", Input).focus()
        else:  # nothing to type: the safe choice has the focus
            self.query_one("#form-cancel", Button).focus()

    @property
    def texts(self) -> dict[str, str]:
        """What is typed in each box (and chosen in the choice) now."""
        texts = {key: self.query_one(f"#form-{key}", Input).value for key, _, _ in self._fields}
        if self._choice is not None:
            key = self._choice[0]
            texts[key] = str(self.query_one(f"#form-{key}", Select).value)
        return texts

    @on(Button.Pressed, "#form-ok")
    @on(Input.Submitted)
    def confirm(self) -> None:
        """Hand what was typed to the service (in a thread); the dialog waits for its answer."""
        if not self.query_one("#form-ok", Button).disabled:
            self._start(self.texts)

    def _start(self, texts: dict[str, str]) -> None:
        ok = self.query_one("#form-ok", Button)
        for box in self.query(Input):
            box.remove_class("-invalid")
        ok.disabled = True
        ok.label = t("worklist.dialog.working")
        self._texts = texts
        self._apply(texts)

    @work(thread=True, exclusive=True, group="review", exit_on_error=False, description="review")
    def _apply(self, texts: dict[str, str]) -> str:
        return self._submit(texts)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.group != "review":
            return
        if event.state == WorkerState.SUCCESS:
            self.dismiss(cast(str, worker.result))
        elif event.state == WorkerState.ERROR and worker.error is not None:
            ok = self.query_one("#form-ok", Button)
            ok.disabled = False
            ok.label = self._confirm_label
            self._refused(worker.error)

    def _refused(self, error: BaseException) -> None:
        """Say why, marking the box at fault and naming it by its label (not by its key)."""
        if isinstance(error, AskFirst):
            self._ask(error)
            return
        app = cast("KontokollApp", self.app)
        if not isinstance(error, FieldError) or error.field not in self._labels():
            app.report_error(error)
            return
        for box in self.query(f"#form-{error.field}").results(Input):
            box.add_class("-invalid")
            box.focus()
        text = t("review_dialog.field", label=self._labels()[error.field], reason=error.reason)
        app.notify(text, title=t("tui.error.title"), severity="error", timeout=10)

    def _labels(self) -> dict[str, str]:
        labels = {key: label for key, label, _ in self._fields}
        if self._choice is not None:
            labels[self._choice[0]] = self._choice[1]
        return labels

    def _ask(self, question: AskFirst) -> None:
        """Ask ``question``; on yes submit again, saying yes; on no stay, nothing done."""
        from screens.dialogs import ConfirmDialog  # (only the export asks; loaded when it does)

        texts = {**self._texts, question.flag: "yes"}

        def answered(yes: bool | None) -> None:
            if yes:
                self._start(texts)
            else:
                for box in self.query(f"#form-{question.field}").results(Input):
                    box.focus()

        dialog = ConfirmDialog(
            plain_markup(question.question), question.confirm_label, variant="warning"
        )
        self.app.push_screen(dialog, answered)

    @on(Button.Pressed, "#form-cancel")
    def action_cancel(self) -> None:
        """Close without changing anything, and say so."""
        self.notify(t("worklist.cancelled"), severity="warning")
        self.dismiss(None)
