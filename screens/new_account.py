"""The "Nytt konto" form: a request for a new account, for AKN to approve or reject.

A communications lead requests accounts for their own departments, an admin for any; a viewer
never sees the form (the service refuses anyway). What the guideline asks of a new account is
asked here in its words: the purpose (*Effektivt*), the audience (*Målgrupp*), the goals
(*Målsättning*) and at least two editors (AKN:s tillämpning). The service validates and refuses in
those words; the form keeps what was typed and marks the field. A request for a time-limited
project shows the *Långsiktigt* warning before it is sent.

The content categories (*Innehållskategorier*) and the department's own goals the purpose serves
(*Effektivt*) are asked too, optionally: the goals offered are the chosen department's. They are
set on the filed request right after it (the same user's edit of it, validated as the form is).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Checkbox, Input, Label, Select, Static

from governance.fields import CATEGORIES, GOALS, PLATFORMS
from governance.i18n import t
from governance.model import Account, Department, department_key
from screens.account.dialogs import SubmitDialog, row
from screens.dialogs import ConfirmDialog
from screens.plain import plain_markup
from screens.services import Services

if TYPE_CHECKING:
    from screens.app import KontokollApp

#: How many editor boxes the form offers (a box may also hold several, separated by ``|``).
EDITOR_BOXES = 3
#: The form's text boxes, in order: field -> placeholder key (or "").
TEXT_FIELDS = {
    "purpose": "lifecycle_tui.placeholder.purpose",
    "audience": "lifecycle_tui.placeholder.audience",
}


class NewAccountScreen(SubmitDialog[Account]):
    """The request form; dismisses with the requested account, or None when cancelled."""

    def __init__(self, services: Services, departments: list[str]) -> None:
        super().__init__(dialog_id="new-account")
        self._services = services
        self._departments = departments

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="new-account-box"):
            yield Label(t("lifecycle_tui.new.title"), id="form-title")
            yield Static(t("lifecycle_tui.new.intro"), classes="legend")
            platforms = [(p, p) for p in PLATFORMS]
            yield row(
                t("tui.field.platform"),
                Select[str](platforms, allow_blank=False, id="field-platform", compact=True),
            )
            yield row(t("tui.field.handle"), Input(id="field-handle", compact=True))
            departments = [(d, d) for d in self._departments]
            yield row(
                t("tui.field.department"),
                Select[str](
                    departments,
                    allow_blank=len(departments) != 1,
                    prompt=t("lifecycle_tui.new.choose_department"),
                    id="field-department",
                    compact=True,
                ),
            )
            for name, placeholder in TEXT_FIELDS.items():
                box = Input(id=f"field-{name}", placeholder=t(placeholder), compact=True)
                yield row(t(f"tui.field.{name}"), box)
            goals = Horizontal(
                *(Checkbox(g.capitalize(), id=f"goal-{g}", compact=True) for g in GOALS),
                id="field-goals",
            )
            yield row(t("tui.field.goals"), goals)
            categories = Vertical(
                *(Checkbox(t(f"goals.category.{c}"), id=f"category-{c}", compact=True)
                  for c in CATEGORIES),
                id="field-categories",
            )  # fmt: skip
            yield row(t("goals.label.categories"), categories)
            yield row(t("goals.label.department_goals"), Vertical(id="field-department_goals"))
            for n in range(1, EDITOR_BOXES + 1):
                box_id = "field-editor" if n == 1 else f"field-editor-{n}"
                box = Input(id=box_id, placeholder=t("tui.detail.editor_placeholder"), compact=True)
                yield row(t("lifecycle_tui.new.editor", n=n), box)
            yield row(t("tui.field.project"), Input(id="field-project", compact=True))
            end = Input(
                id="field-project_end", placeholder=t("tui.detail.date_placeholder"), compact=True
            )
            yield row(t("tui.field.project_end"), end)
            yield self.buttons(t("lifecycle_tui.button.send_request"))

    def on_mount(self) -> None:
        self.query_one("#field-handle", Input).focus()
        self._offer_goals()

    def _department(self) -> Department | None:
        """The chosen department, as the last read of the register knows it."""
        value = self.query_one("#field-department", Select).value
        snapshot = cast("KontokollApp", self.app).snapshot
        if not isinstance(value, str) or snapshot is None:
            return None
        key = department_key(value)
        return next((d for d in snapshot.departments if d.key == key), None)

    @on(Select.Changed, "#field-department")
    def _offer_goals(self) -> None:
        """One box per goal of the chosen department (a note when it has none)."""
        box = self.query_one("#field-department_goals", Vertical)
        box.remove_children()
        department = self._department()
        if department is None or not department.goals:
            box.mount(Static(t("goals.label.no_goals"), classes="legend"))
            return
        box.mount_all(
            Checkbox(f"{g.id}: {g.text}", id=f"dgoal-{g.id}", compact=True, name=g.id)
            for g in department.goals
        )

    def texts(self) -> dict[str, str]:
        """The form's texts as the service parses them (goals joined by ``|``)."""
        found = {
            name: self.query_one(f"#field-{name}", Input).value
            for name in ("handle", *TEXT_FIELDS, "project", "project_end")
        }
        for name in ("platform", "department"):
            value = self.query_one(f"#field-{name}", Select).value
            found[name] = value if isinstance(value, str) else ""
        checked = (g for g in GOALS if self.query_one(f"#goal-{g}", Checkbox).value)
        found["goals"] = "|".join(checked)
        chosen = (c for c in CATEGORIES if self.query_one(f"#category-{c}", Checkbox).value)
        found["categories"] = "|".join(chosen)
        links = self.query_one("#field-department_goals").query(Checkbox)
        found["department_goals"] = "|".join(box.name or "" for box in links if box.value)
        return found

    def editors(self) -> list[str]:
        """Every editor typed, one ``Name <e-post>`` each (a box may hold several, by ``|``)."""
        found = [self.query_one("#field-editor", Input).value]
        found += [
            self.query_one(f"#field-editor-{n}", Input).value for n in range(2, EDITOR_BOXES + 1)
        ]
        return [text.strip() for text in found if text.strip()]

    def call(self) -> Callable[[], Account]:
        texts, editors, services = self.texts(), self.editors(), self._services
        ref = f"{texts['platform']}:{texts['handle'].strip()}"

        def request() -> Account:  # whole, categories and goals included, or not at all
            return services.request_account(ref, texts, editors)

        return request

    def submit(self) -> None:
        """Send the request; a time-limited project's request shows the Långsiktigt warning
        first, and is sent only when the user goes on."""
        for widget in self.query(".-invalid"):
            widget.remove_class("-invalid")
        texts, call = self.texts(), self.call()
        project = texts["project"].strip()
        if not project:
            self.send(call)
            return
        warning = t(
            "lifecycle.warning.langsiktigt", project=project, end=texts["project_end"] or "–"
        )

        def decided(yes: bool | None) -> None:
            if yes:
                self.send(call)
            else:
                self.query_one("#field-project", Input).focus()

        question = warning + "\n\n" + t("lifecycle_tui.new.send_anyway_question")
        dialog = ConfirmDialog(plain_markup(question), t("lifecycle_tui.button.send_anyway"))
        self.app.push_screen(dialog, decided)

    def mark(self, field: str) -> None:
        """Mark the refused field; the goals' boxes take the cursor on the first goal."""
        super().mark(field)
        if field == "goals":
            self.query_one(f"#goal-{GOALS[0]}", Checkbox).focus()
