"""The guideline screen: the revision status, the revisions so far, recording a new one, the
quarterly audit calendar, and each rule with the guideline's words it applies and what is AKN's
application of them (:mod:`audits.attribution`), with the settings in force. Only AKN
(``revision.record``) may record a revision; others see the form disabled, and the service
refuses them anyway.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import TYPE_CHECKING, ClassVar, cast

from textual import on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, DataTable, Input, Static
from textual.worker import Worker, WorkerState

from audits.attribution import rule_lines
from governance import access
from governance.errors import FieldError, KontokollError
from governance.i18n import t, tn
from governance.monthly import STOCKHOLM
from screens.commands import may
from screens.messages import GuidelineLoaded
from screens.plain import plain, plain_cells
from screens.view_models import GuidelineState, Rights, calendar_label

if TYPE_CHECKING:
    from screens.app import KontokollApp


def revision_text(state: GuidelineState) -> str:
    """The revision status in words: the last revision, the deadline and how far off it is."""
    status = state.status
    if status.last is None:
        lines = [t("audit.revision.none_recorded")]
    else:
        lines = [
            t("audit.revision.last", date=status.last.day.isoformat(), note=status.last.note or "–")
        ]
    deadline = status.deadline.isoformat()
    if status.state == "overdue":
        days = tn("noun.day", status.overdue_days)
        lines.append(t("tui.guideline.revision_overdue", deadline=deadline, days=days))
    else:
        key = "revision_due_soon" if status.state == "due-soon" else "revision_due"
        days = tn("noun.day", status.days_left)
        lines.append(t(f"tui.guideline.{key}", deadline=deadline, days=days))
    entry = state.calendar[0] if state.calendar else None
    if entry is not None and entry.preliminary:
        lines.append(
            t(
                "tui.guideline.preliminary",
                quarter=calendar_label(entry),
                due=entry.due.isoformat(),
                days=tn("noun.day", max(entry.days_left, 0)),
            )
        )
    return "\n".join(lines)


class GuidelineView(VerticalScroll):
    """Revision status and history, recording a revision, and the audit calendar."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "n",
            "new_revision",
            "tui.key.new_revision",
            id="guideline.new_revision",
            tooltip="tui.tip.new_revision",
        ),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.state: GuidelineState | None = None

    @property
    def kontokoll(self) -> KontokollApp:
        """The app, with its services."""
        return cast("KontokollApp", self.app)

    def compose(self) -> ComposeResult:
        yield Static(t("tui.guideline.loading"), id="revision-status", classes="status-box")
        with Horizontal(id="guideline-columns"):
            with Vertical(id="revision-panel", classes="panel") as panel:
                panel.border_title = t("tui.guideline.revisions")
                revisions: DataTable[str] = DataTable(
                    id="revision-table", cursor_type="row", zebra_stripes=True
                )
                revisions.add_columns(
                    t("tui.guideline.col.date"),
                    t("tui.guideline.col.note"),
                    t("col.user"),
                    t("tui.guideline.col.recorded"),
                )
                yield revisions
                yield self._revision_form()
            with Vertical(id="calendar-panel", classes="panel") as panel:
                panel.border_title = t("tui.guideline.calendar")
                calendar: DataTable[str] = DataTable(
                    id="calendar-table", cursor_type="row", zebra_stripes=True
                )
                calendar.add_columns(
                    t("tui.guideline.col.quarter"),
                    t("tui.guideline.col.due"),
                    t("tui.guideline.col.days"),
                )
                yield calendar
        yield Static(t("tui.guideline.text"), id="guideline-text", classes="legend")
        yield Static("", id="guideline-rules", classes="legend")

    def _revision_form(self) -> Horizontal:
        """The date, the note and the button, disabled as the rights say from the start
        (changed after mounting, each costs a restyle)."""
        allowed = self._may_record()
        tip = None if allowed else t("tui.rights.admin_only")
        return Horizontal(
            Input(
                placeholder=t("tui.detail.date_placeholder"),
                id="revision-date",
                compact=True,
                disabled=not allowed,
                tooltip=tip,
            ),
            Input(
                placeholder=t("tui.guideline.note_placeholder"),
                id="revision-note",
                compact=True,
                disabled=not allowed,
                tooltip=tip,
            ),
            Button(
                t("tui.button.record_revision"),
                id="record-revision",
                variant="primary",
                compact=True,
                disabled=not allowed,
                tooltip=tip,
            ),
            id="revision-form",
        )

    def commands(self, reveal: Callable[[], object]) -> Iterator[SystemCommand]:
        """The palette command to record a revision (AKN only); ``reveal`` first shows this tab."""
        snapshot = self.kontokoll.snapshot
        if may(snapshot.rights if snapshot is not None else None, access.RECORD_REVISION):

            def new_revision() -> None:
                reveal()
                self.action_new_revision()

            yield SystemCommand(
                t("tui.command.new_revision"), t("tui.tip.new_revision"), new_revision
            )

    def on_mount(self) -> None:
        self.apply_rights()
        self.load()

    def _may_record(self) -> bool:
        snapshot = self.kontokoll.snapshot
        rights: Rights | None = snapshot.rights if snapshot is not None else None
        return rights is not None and rights.may(access.RECORD_REVISION)

    def apply_rights(self) -> None:
        """Disable recording a revision for users who may not (only AKN may)."""
        allowed = self._may_record()
        for selector in ("#revision-date", "#revision-note", "#record-revision"):
            widget = self.query_one(selector)
            widget.disabled = not allowed
            widget.tooltip = None if allowed else t("tui.rights.admin_only")

    @work(
        thread=True,
        exclusive=True,
        group="guideline",
        exit_on_error=False,
        description="read guideline",
    )
    def load(self, notice: str = "") -> None:
        """Read the revisions, the calendar and the rules' attribution under today's settings."""
        services = self.kontokoll.services
        self.post_message(GuidelineLoaded(services.guideline(), notice))
        try:
            settings = services.audits.settings()
        except KontokollError as error:  # a bad settings.toml: say so where the figures would be
            text = str(error)
        else:
            text = "\n\n".join([t("goals.attribution.heading"), *rule_lines(settings)])
        self.app.call_from_thread(self._show_rules, text)

    def _show_rules(self, text: str) -> None:
        self.query_one("#guideline-rules", Static).update(plain(text, keep_newlines=True))

    @on(GuidelineLoaded)
    def _loaded(self, message: GuidelineLoaded) -> None:
        self.show(message.view)
        if message.notice:
            self.notify(message.notice)

    def show(self, state: GuidelineState) -> None:
        """Show the status, the revisions (newest first) and the calendar."""
        self.state = state
        box = self.query_one("#revision-status", Static)
        box.update(plain(revision_text(state), keep_newlines=True))
        box.set_class(state.status.state == "overdue", "-overdue")
        box.set_class(state.status.state == "due-soon", "-due-soon")
        revisions = self.query_one("#revision-table", DataTable)
        revisions.clear()
        for revision in state.revisions:
            revisions.add_row(
                *plain_cells(
                    revision.day.isoformat(),
                    revision.note or "–",
                    revision.user,
                    revision.recorded_at.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M"),
                )
            )
        calendar = self.query_one("#calendar-table", DataTable)
        calendar.clear()
        for entry in state.calendar:
            days = (
                t("tui.guideline.overdue_days", days=tn("noun.day", -entry.days_left))
                if entry.overdue
                else t("tui.guideline.days_left", days=tn("noun.day", entry.days_left))
            )
            calendar.add_row(calendar_label(entry), entry.due.isoformat(), days)
        day = self.query_one("#revision-date", Input)
        if not day.value:
            day.value = state.today.isoformat()

    # --- recording -----------------------------------------------------------------------------

    def action_new_revision(self) -> None:
        """Put the cursor in the note: the date is filled in with today, and focusing it would
        select it, so that the first key typed replaced it."""
        self.query_one("#revision-note", Input).focus()

    @on(Button.Pressed, "#record-revision")
    @on(Input.Submitted, "#revision-note")
    @on(Input.Submitted, "#revision-date")
    def record(self) -> None:
        """Record a revision on the typed date, with the typed note."""
        box = self.query_one("#revision-date", Input)
        box.remove_class("-invalid")
        try:
            day = date.fromisoformat(box.value.strip())
        except ValueError:
            box.add_class("-invalid")
            box.focus()
            self.notify(
                t("tui.guideline.bad_date", value=box.value.strip()),
                title=t("tui.error.title"),
                severity="error",
            )
            return
        note = self.query_one("#revision-note", Input).value
        self.save_revision(day, note)

    @work(
        thread=True,
        exclusive=True,
        group="guideline",
        exit_on_error=False,
        description="record revision",
    )
    def save_revision(self, day: date, note: str) -> None:
        """Record the revision, then read the guideline state again."""
        services = self.kontokoll.services
        services.record_revision(day, note)
        notice = t("audit.revision.recorded", date=day.isoformat())
        self.post_message(GuidelineLoaded(services.guideline(), notice))

    @on(GuidelineLoaded)
    def _clear_note(self, message: GuidelineLoaded) -> None:
        if message.notice:
            self.query_one("#revision-note", Input).value = ""
            self.kontokoll.load_snapshot()  # the overview's banner follows the revision

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state != WorkerState.ERROR or event.worker.error is None:
            return
        error = event.worker.error
        if isinstance(error, FieldError):
            target = "#revision-note" if error.field == "note" else "#revision-date"
            self.query_one(target, Input).add_class("-invalid")
        self.kontokoll.report_error(error)
