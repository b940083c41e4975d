"""The details tab: every editable field of the account in one form.

The form is driven by one table, :data:`FIELD_KINDS`: each field has a kind that knows how to
build its widget, fill it from the stored value, and read it back as the text the register parses
(exactly as the CSV import parses it). A new field needs one entry there, not three switches.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, cast

from textual import on
from textual.app import ComposeResult, SystemCommand
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.suggester import SuggestFromList
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Label, Select, Static, TabbedContent

from governance import access
from governance.edit_conflicts import EditConflict, describe
from governance.fields import CATEGORIES, GOALS, PLATFORMS, STATUSES, VISIBILITIES, format_value
from governance.i18n import t
from governance.model import EDITABLE_FIELDS, Account, Department, department_key
from screens.account.part import AccountPart, allowed, kontokoll
from screens.messages import ChangeRequested
from screens.plain import plain
from screens.view_models import AccountDetail

#: The class Textual gives an input without validators once its value first changes (none of
#: the stylesheets styles it): given from the start, filling the form does not restyle each
#: input it fills (a tenth of opening an account).
VALID = "-valid"


@dataclass(frozen=True)
class FieldKind:
    """How one kind of field is shown, filled from the account and read back as register text."""

    #: (field name, widget id, known department names) -> the field's widget.
    build: Callable[[str, str, Sequence[str]], Widget]
    #: (the widget, the stored value): show the value.
    fill: Callable[[Widget, Any], None]
    #: The widget's content as the text the register parses.
    read: Callable[[Widget], str]


def choice(values: Sequence[str], label_prefix: str | None = None) -> FieldKind:
    """A choice list of ``values``, labelled by the catalogue under ``label_prefix`` (or as is)."""

    def build(name: str, widget_id: str, departments: Sequence[str]) -> Widget:
        options = [(t(label_prefix + v) if label_prefix else v, v) for v in values]
        return Select[str](options, allow_blank=False, id=widget_id, compact=True)

    def fill(widget: Widget, value: Any) -> None:
        cast("Select[str]", widget).value = value

    def read(widget: Widget) -> str:
        value = cast("Select[str]", widget).value
        return value if isinstance(value, str) else ""

    return FieldKind(build, fill, read)


def text(*, placeholder: str = "", suggest_departments: bool = False) -> FieldKind:
    """A one-line text box, optionally suggesting the register's department names."""

    def build(name: str, widget_id: str, departments: Sequence[str]) -> Widget:
        suggester = (
            SuggestFromList(departments, case_sensitive=False) if suggest_departments else None
        )
        return Input(
            id=widget_id,
            compact=True,
            suggester=suggester,
            placeholder=t(placeholder) if placeholder else "",
            classes=VALID,
        )

    def fill(widget: Widget, value: Any) -> None:
        cast(Input, widget).value = format_value(value)

    def read(widget: Widget) -> str:
        return cast(Input, widget).value

    return FieldKind(build, fill, read)


def _build_checkbox(name: str, widget_id: str, departments: Sequence[str]) -> Widget:
    return Checkbox(t(f"tui.field.{name}_box"), id=widget_id, compact=True)


def _fill_checkbox(widget: Widget, value: Any) -> None:
    cast(Checkbox, widget).value = bool(value)


def _build_goals(name: str, widget_id: str, departments: Sequence[str]) -> Widget:
    boxes = (Checkbox(goal.capitalize(), id=f"goal-{goal}", compact=True) for goal in GOALS)
    return Horizontal(*boxes, id=widget_id)


def _fill_goals(widget: Widget, value: Any) -> None:
    for goal in GOALS:
        widget.query_one(f"#goal-{goal}", Checkbox).value = goal in value


def _read_goals(widget: Widget) -> str:
    return "|".join(g for g in GOALS if widget.query_one(f"#goal-{g}", Checkbox).value)


def _read_checkbox(widget: Widget) -> str:
    return format_value(cast(Checkbox, widget).value)


def _build_categories(name: str, widget_id: str, departments: Sequence[str]) -> Widget:
    labels = ((c, t(f"goals.category.{c}")) for c in CATEGORIES)
    boxes = (Checkbox(label, id=f"category-{c}", compact=True) for c, label in labels)
    return Vertical(*boxes, id=widget_id)


def _fill_categories(widget: Widget, value: Any) -> None:
    for category in CATEGORIES:
        widget.query_one(f"#category-{category}", Checkbox).value = category in value


def _read_categories(widget: Widget) -> str:
    return "|".join(c for c in CATEGORIES if widget.query_one(f"#category-{c}", Checkbox).value)


def _build_goal_links(name: str, widget_id: str, departments: Sequence[str]) -> Widget:
    """The ids typed (``g1|g3``), above the department's goals to choose from (filled later)."""
    box = Input(id="department-goals-input", compact=True, placeholder="g1|g3", classes=VALID)
    return Vertical(box, Static("", id="department-goals-hint", classes="legend"), id=widget_id)


def _fill_goal_links(widget: Widget, value: Any) -> None:
    widget.query_one("#department-goals-input", Input).value = format_value(value)


def _read_goal_links(widget: Widget) -> str:
    return widget.query_one("#department-goals-input", Input).value


def goals_hint(department: Department | None) -> str:
    """The department's own goals, as the form lists them beside the ids to type."""
    if department is None or not department.goals:
        return t("goals.label.no_goals")
    return "\n".join(f"{goal.id}: {goal.text}" for goal in department.goals)


CHECKBOX = FieldKind(_build_checkbox, _fill_checkbox, _read_checkbox)
GOAL_BOXES = FieldKind(_build_goals, _fill_goals, _read_goals)
CATEGORY_BOXES = FieldKind(_build_categories, _fill_categories, _read_categories)
GOAL_LINKS = FieldKind(_build_goal_links, _fill_goal_links, _read_goal_links)
#: The labels of fields that came with issue 12 (their texts are in goals.toml).
_LABELS = {name: f"goals.label.{name}" for name in ("categories", "department_goals")}

#: The kind of every editable field, in the form's order; a field not named here is plain text.
FIELD_KINDS: dict[str, FieldKind] = {
    name: {
        "platform": choice(PLATFORMS),
        "department": text(suggest_departments=True),
        "visibility": choice(VISIBILITIES, "value."),
        "project_end": text(placeholder="tui.detail.date_placeholder"),
        "status": choice(STATUSES, "value."),
        "shared": CHECKBOX,
        "goals": GOAL_BOXES,
        "kc_handles_comments": CHECKBOX,
        "categories": CATEGORY_BOXES,
        "department_goals": GOAL_LINKS,
    }.get(name, text())
    for name in EDITABLE_FIELDS
}


def field_label(name: str) -> str:
    """The form's label of a field."""
    return t(_LABELS.get(name, f"tui.field.{name}"))


def gap_warnings(account: Account) -> list[str]:
    """What the guideline asks of ``account`` that it lacks, in the words ``kontokoll accounts
    edit`` warns with (the field named as the form names it): saved all the same, the audit
    raises it later."""
    from governance.account_checks import guideline_gaps

    return [
        t(
            "error.field",
            field=account.ref,
            reason=t(f"f9d_input.gap.{name}", option=t("f9c_app.field", label=field_label(name))),
        )
        for name in guideline_gaps(account)
    ]


def conflict_notice(conflict: EditConflict) -> str:
    """Each field refused because someone else changed it: who, when, and what it holds now."""
    return "\n".join(
        t("edit_conflicts.notice", field=field_label(c.field), **describe(c))
        for c in conflict.conflicts
    )


class AccountForm(AccountPart, VerticalScroll):
    """The account's fields, with Save and Reset."""

    def __init__(self, departments: Sequence[str]) -> None:
        super().__init__(id="account-form")
        self._departments = departments
        self._filled_from: Account | None = None  # the account the fields were filled from

    def compose(self) -> ComposeResult:
        for name, kind in FIELD_KINDS.items():
            with Horizontal(classes="form-row", id=f"row-{name}"):
                yield Label(field_label(name), classes="form-label")
                yield kind.build(name, f"field-{name}", self._departments)
        with Horizontal(id="form-buttons"):
            yield Button(t("tui.button.save"), variant="primary", id="save")
            yield Button(t("tui.button.reset"), id="reset")

    def show_detail(self, detail: AccountDetail) -> None:
        first = self._filled_from is None
        if detail.account != self._filled_from:  # the same account read again (its history
            self.fill(detail)  # came in, a finding was waived) keeps what is being typed
        may_edit = allowed(self.app, access.EDIT_ACCOUNT, detail)
        for widget in self.query("Input, Select, Checkbox, #save, #reset"):
            widget.disabled = not may_edit
        wanted = getattr(self.screen, "focus_form", False) and self._details_tab_shown()
        if first and may_edit and wanted:
            # The cursor in the form's first field as the account is shown: keys typed from now
            # on land in the form, however late the screen was styled.
            self.query_one("#field-platform").focus()

    def _details_tab_shown(self) -> bool:
        """Whether the details tab is the one on show (an f-key may have left it already)."""
        return bool(self.screen.query_one(TabbedContent).active == "details")

    def fill(self, detail: AccountDetail) -> None:
        """Show the stored values, and clear any field marked invalid."""
        self._filled_from = detail.account
        for name, kind in FIELD_KINDS.items():
            kind.fill(self.query_one(f"#field-{name}"), getattr(detail.account, name))
        snapshot = kontokoll(self.app).snapshot
        key = department_key(detail.account.department)
        found = (d for d in (snapshot.departments if snapshot else ()) if d.key == key)
        hint = plain(goals_hint(next(found, None)), keep_newlines=True)
        self.query_one("#department-goals-hint", Static).update(hint)
        for widget in self.query(".-invalid"):
            widget.remove_class("-invalid")

    def texts(self) -> dict[str, str]:
        """Each field as the text the register parses, as the form shows it now."""
        return {
            name: kind.read(self.query_one(f"#field-{name}")) for name, kind in FIELD_KINDS.items()
        }

    def changed_texts(self) -> dict[str, str]:
        """The fields whose text differs from the stored value."""
        if self.detail is None:
            return {}
        account = self.detail.account
        return {
            name: text
            for name, text in self.texts().items()
            if text.strip() != format_value(getattr(account, name))
        }

    def commands(self) -> Iterator[SystemCommand]:
        """Save, for a user who may edit the account."""
        if allowed(self.app, access.EDIT_ACCOUNT, self.detail):
            yield SystemCommand(t("tui.command.save"), t("tui.tip.save"), self.save)

    @on(Button.Pressed, "#save")
    def save(self) -> None:
        """Validate and save the changed fields (the register validates, as for the CSV)."""
        if self.detail is None:
            return
        changes = self.changed_texts()
        if not changes:
            self.notify(t("tui.detail.nothing_to_save"))
            return
        for widget in self.query(".-invalid"):
            widget.remove_class("-invalid")
        ref, services = self.detail.account.id, kontokoll(self.app).services
        # What the form showed of each changed field: one someone else has saved since is not
        # overwritten (the screen then says who changed it and shows the stored value).
        seen = {name: getattr(self.detail.account, name) for name in changes}
        self.post_message(
            ChangeRequested(
                lambda: services.update_fields(ref, changes, seen),
                t("tui.detail.saved", count=len(changes)),
            )
        )

    @on(Button.Pressed, "#reset")
    def _reset(self) -> None:
        if self.detail is not None:
            self.fill(self.detail)
