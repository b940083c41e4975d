"""Small modal screens: a yes/no confirmation and the help."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Label
from textual.widgets.button import ButtonVariant

from governance.i18n import t
from screens.localize import LocalizedModalScreen


class ConfirmDialog(LocalizedModalScreen[bool]):
    """Ask before doing something that cannot be undone from the screen; dismisses True or False."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "tui.key.cancel", id="dialog.cancel", tooltip="tui.tip.cancel"),
    ]

    def __init__(
        self, question: str, confirm_label: str, *, variant: ButtonVariant = "error"
    ) -> None:
        super().__init__(classes="dialog")
        self._question = question
        self._confirm_label = confirm_label
        self._variant: ButtonVariant = variant

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog-box"):
            yield Label(self._question, id="dialog-question")
            with Horizontal(id="dialog-buttons"):
                yield Button(self._confirm_label, variant=self._variant, id="confirm")
                yield Button(t("tui.button.cancel"), id="cancel")

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()

    @on(Button.Pressed, "#confirm")
    def _confirm(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(False)


class HelpScreen(LocalizedModalScreen[None]):
    """What each screen is for, the keys, and what the marks in the tables mean."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape,question_mark,q",
            "close",
            "tui.key.close",
            id="help.close",
            tooltip="tui.tip.close",
        ),
    ]

    def __init__(self) -> None:
        super().__init__(classes="dialog")

    def compose(self) -> ComposeResult:
        # Markdown (markdown-it, pygments) is imported when the help is shown: this module is
        # imported by every screen that asks a question, the audit tab's among them, and the
        # import took as long as the audit tab's whole first paint should.
        from textual.widgets import Markdown

        with VerticalScroll(id="help-box"):
            yield Markdown(t("tui.help.text"), id="help-text")
            yield Button(t("tui.button.close"), id="close-help")

    @on(Button.Pressed, "#close-help")
    def action_close(self) -> None:
        self.dismiss(None)


class FormDialog(LocalizedModalScreen[dict[str, str] | None]):
    """A few labelled text boxes and OK/Cancel; dismisses the texts typed, or None.

    The dialog does not validate: the service does, and its error comes back as a notification,
    the same wording as on the command line.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "tui.key.cancel", id="form.cancel", tooltip="tui.tip.cancel"),
    ]

    def __init__(
        self,
        title: str,
        fields: list[tuple[str, str, str]],
        confirm_label: str,
        *,
        dialog_id: str = "form-dialog",
    ) -> None:
        """``fields``: (key, label, initial value) per box."""
        super().__init__(classes="dialog", id=dialog_id)
        self._title = title
        self._fields = fields
        self._confirm_label = confirm_label

    def compose(self) -> ComposeResult:
        with Vertical(id="form-box"):
            yield Label(self._title, id="form-title")
            for key, label, value in self._fields:
                yield Label(label, classes="form-dialog-label")
                yield Input(value, id=f"form-{key}", compact=True)
            with Horizontal(id="dialog-buttons"):
                yield Button(self._confirm_label, variant="primary", id="form-ok")
                yield Button(t("tui.button.cancel"), id="form-cancel")

    @on(Button.Pressed, "#form-ok")
    @on(Input.Submitted)
    def _ok(self) -> None:
        self.dismiss(
            {key: self.query_one(f"#form-{key}", Input).value for key, _, _ in self._fields}
        )

    @on(Button.Pressed, "#form-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
