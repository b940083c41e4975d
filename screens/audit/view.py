"""The audit screen: pick a quarter, run its audit (optionally after a sync), work its findings
through (the worklist), compare with the previous quarter, and export them.

The run happens in a thread worker that posts :class:`AuditProgress` messages and checks a
cancel flag between shards, so the screen stays responsive and Escape stops the run. Only AKN
(``audit.run``) sees the run controls enabled; anyone may read and export.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, ClassVar, cast

from textual import events, on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.widgets import Button, Checkbox, Label, ProgressBar, Select, Static
from textual.worker import Worker, WorkerState, get_current_worker

from audits.engine import AuditCancelled
from audits.quarters import Quarter
from governance import access
from governance.i18n import t
from screens.audit.controls import GROUPINGS, control_widgets
from screens.audit.export_dialog import open_export_dialog
from screens.audit.prepared import PreparedAudit, read_prepared
from screens.audit.reading import Reading
from screens.audit.summary import count_texts, summary_text
from screens.audit.worklist import WorklistPane
from screens.commands import may
from screens.messages import AuditFinished, AuditLoaded, AuditProgress, FirstReadDone
from screens.plain import plain
from screens.view_models import QuarterAudit, Rights
from screens.widgets.account_table import format_count
from screens.widgets.count_label import CountLabel
from screens.widgets.finding_rows import FindingRow, warm
from screens.widgets.findings_table import FindingsTable

if TYPE_CHECKING:
    from screens.app import KontokollApp

#: Share of the progress bar the sync takes when it runs before the evaluation.
SYNC_SHARE = 50
#: Below this width the detail goes under the table and the diff behind ``d``.
NARROW = 110
#: How long the audit's read waits for its first part to be drawn before it reads on anyway.
FIRST_FRAME_WAIT_S = 2.0


class AuditView(Vertical):
    """Run, work through, compare and export the quarterly audit."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "run", "tui.key.run_audit", id="audit.run", tooltip="tui.tip.run_audit"),
        Binding(
            "escape", "cancel", "tui.key.cancel_audit", id="audit.cancel", tooltip="tui.tip.cancel"
        ),
        Binding(
            "k",
            "acknowledge",
            "worklist.key.acknowledge",
            id="audit.acknowledge",
            tooltip="worklist.tip.acknowledge",
        ),
        Binding("u", "waive", "worklist.key.waive", id="audit.waive", tooltip="worklist.tip.waive"),
        Binding(
            "slash",
            "focus_filter",
            "worklist.key.filter",
            show=False,
            id="audit.filter",
            tooltip="worklist.tip.filter",
        ),
        Binding("g", "toggle_grouping", "tui.key.group", id="audit.group", tooltip="tui.tip.group"),
        Binding(
            "d", "toggle_diff", "worklist.key.diff", id="audit.diff", tooltip="worklist.tip.diff"
        ),
        Binding("e", "export", "tui.key.export", id="audit.export", tooltip="worklist.tip.export"),
    ]

    running: reactive[bool] = reactive(False)
    """Whether a sync or an audit run is under way."""

    grouping: reactive[str] = reactive("none", init=False)
    """How the findings are grouped: ``none``, ``rule`` or ``department``."""

    def __init__(self, *, id: str | None = None, read_now: bool = False) -> None:
        """``read_now``: read the audit at once, not when first shown (the tab the app starts
        on: the read then overlaps the building of the screen)."""
        super().__init__(id=id)
        self.current: QuarterAudit | None = None
        self._stop = threading.Event()
        self._quarters: list[Quarter] = []
        self._sync_share = 0
        self._snapshot_due = False
        self._shown = False  # read on first show (see on_show)
        self._first_shown = False  # whether a read has been shown
        self._reading: Reading | None = None  # (see ensure_loaded)
        self._rows: Sequence[FindingRow] = ()  # the rows on screen
        if read_now:
            self.ensure_loaded()

    @property
    def kontokoll(self) -> KontokollApp:
        """The app, with its services."""
        return cast("KontokollApp", self.app)

    @property
    def rights(self) -> Rights | None:
        """What the user may do, as the last read of the register said."""
        snapshot = self.kontokoll.snapshot
        return snapshot.rights if snapshot is not None else None

    @property
    def worklist(self) -> WorklistPane:
        """The findings table with its filters, detail and diff."""
        return self.query_one(WorklistPane)

    def commands(self) -> Iterator[SystemCommand]:
        """The audit's palette commands: run (if the user may), cancel (while running), the
        worklist's, export, grouping and the diff."""
        if may(self.rights, access.RUN_AUDIT):
            yield SystemCommand(t("tui.command.run_audit"), t("tui.tip.run_audit"), self.action_run)
        if self.running:
            yield SystemCommand(
                t("tui.command.cancel_audit"), t("tui.tip.cancel"), self.action_cancel
            )
        yield from self.worklist.commands()
        yield SystemCommand(
            t("worklist.command.export"), t("worklist.tip.export"), self.action_export
        )
        yield SystemCommand(t("tui.command.group"), t("tui.tip.group"), self.action_toggle_grouping)
        yield SystemCommand(
            t("worklist.command.diff"), t("worklist.tip.diff"), self.action_toggle_diff
        )

    # --- layout ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(id="audit-controls"):
            may_run, may_sync = self._allowed(running=False)  # (read, ``running`` would init)
            yield from control_widgets(may_run=may_run, may_sync=may_sync)
        with Horizontal(id="audit-progress-row"):
            yield ProgressBar(total=100, show_eta=False, id="audit-progress")
            yield Label(t("tui.audit.idle"), id="audit-phase")
            yield CountLabel(id="worklist-count")
        yield Static(t("tui.audit.loading"), id="audit-summary")
        yield WorklistPane(id="worklist")

    def on_mount(self) -> None:
        self.apply_rights()

    def on_show(self) -> None:
        self.ensure_loaded()

    def ensure_loaded(self) -> None:
        """Read the audit when the tab is first shown, not at start-up: a quarter's two runs
        take a good part of a second to read at 10,000 accounts, and the app starts on another
        tab more often than not. (The main screen calls this as it switches to the tab, so the
        read starts at once; ``on_show`` covers an app that starts on this tab.)"""
        if not self._shown:
            self._shown = True
            # The app that starts here reads the register after this first read (see
            # KontokollApp.snapshot_after_audit): _loaded, or a failed read, asks for it.
            self._snapshot_due = self.kontokoll.snapshot_after_audit
            self._reading = Reading.here(self.kontokoll.services)  # (read_now: not mounted yet)
            self.load()

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.width < NARROW, "-narrow")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Cancel only while a run is under way (so the footer offers it only then)."""
        if action == "cancel":
            return self.running
        return True

    def _allowed(self, *, running: bool) -> tuple[bool, bool]:
        """Whether the user may run an audit, and sync first (not while one runs)."""
        rights = self.rights
        if rights is None or running:
            return False, False
        return rights.may(access.RUN_AUDIT), rights.may(access.SYNC_STATS)

    def apply_rights(self) -> None:
        """Disable the run for users who may not run audits (the service refuses them anyway)."""
        may_run, may_sync = self._allowed(running=self.running)
        run = self.query_one("#audit-run", Button)
        run.disabled = not may_run
        allowed = self.rights is not None and self.rights.may(access.RUN_AUDIT)
        run.tooltip = None if allowed else t("tui.rights.admin_only")
        self.query_one("#audit-sync", Checkbox).disabled = not may_sync

    # --- loading a quarter ---------------------------------------------------------------------

    @work(
        thread=True,
        exclusive=True,
        group="audit-view",
        exit_on_error=False,
        description="read audit",
    )
    def load(self, quarter: Quarter | None = None) -> None:
        """Read a quarter's latest run, its worklist and its diff (default: the calendar's)."""
        reading = self._reading
        if reading is None:  # (never: ensure_loaded starts the first read)
            raise LookupError("the audit tab reads once it is shown")
        services = reading.services
        quarters = services.quarters()
        wanted = quarter or services.default_quarter()
        current, rows = self.current, self._rows
        if current is None or current.quarter != wanted:
            # Nothing of this quarter on screen yet: its findings first, then the comparison
            # with the quarter before (decoding that run too doubled the wait for the table).
            first, ready = read_prepared(lambda: services.audit_view_first(wanted), rows)
            drawn = threading.Event()
            reading.post(self, AuditLoaded(first, quarters, ready, drawn))
            # Read on once they are drawn (meanwhile, it would slow the frame that shows them).
            drawn.wait(FIRST_FRAME_WAIT_S)
            rows = ready.rows
        view, ready = read_prepared(lambda: services.audit_view(wanted), rows)
        reading.post(self, AuditLoaded(view, quarters, ready))
        warm(ready.rows)  # the texts the filter searches, made here, not at a keystroke

    def reload(self) -> None:
        """Read the shown quarter again (after a change made here or elsewhere)."""
        if self._shown and not self.running:  # never shown yet: it reads when it is
            self.load(self.current.quarter if self.current is not None else None)

    @on(AuditLoaded)
    def _loaded(self, message: AuditLoaded) -> None:
        self.show(message.view, message.quarters, message.prepared)
        if not self._first_done(message.drawn) and message.drawn is not None:
            self.call_after_refresh(message.drawn.set)
        if self._snapshot_due and not message.view.partial:
            self._snapshot_due = False
            self.kontokoll.load_snapshot()  # the overview and the accounts' rules column follow

    def _first_done(self, drawn: threading.Event | None) -> bool:
        """Tell the main screen, the first time, that the first read is shown (or failed): it
        draws its first frame then, and sets ``drawn``. Whether this was the first time."""
        if self._first_shown:
            return False
        self._first_shown = True
        self.screen.post_message(FirstReadDone(drawn))
        return True

    def show(
        self,
        view: QuarterAudit,
        quarters: list[Quarter] | None = None,
        prepared: PreparedAudit | None = None,
    ) -> None:
        """Show one quarter's audit (``prepared`` by the worker that read it, if it was)."""
        self.current = view
        select = self.query_one("#audit-quarter", Select)
        if quarters is not None and quarters != self._quarters:
            self._quarters = quarters
            with self.prevent(Select.Changed):
                select.set_options([(str(q), str(q)) for q in quarters])
        if select.value != str(view.quarter):
            with self.prevent(Select.Changed):
                select.value = str(view.quarter)
        summary = prepared.summary if prepared is not None else summary_text(view)
        self.query_one("#audit-summary", Static).update(plain(summary, keep_newlines=True))
        self.worklist.show(view, prepared)
        self._rows = self.worklist.table.rows  # reused by the next read (see load)

    @on(FindingsTable.ViewChanged)
    def _counted(self, event: FindingsTable.ViewChanged) -> None:
        # The width of "every finding shown" kept: a filter keystroke lays nothing out again.
        text, widest = count_texts(event.shown, event.total, event.selected)
        label = self.query_one("#worklist-count", CountLabel)
        label.show(text, widest=None if self.has_class("-narrow") else widest)

    @on(WorklistPane.Changed)
    def _worked(self) -> None:
        self._snapshot_due = True  # once the worklist shows the change (one read at a time)
        self.reload()

    @on(Select.Changed, "#audit-quarter")
    def _quarter_chosen(self, event: Select.Changed) -> None:
        event.stop()
        if isinstance(event.value, str) and not self.running:
            self.load(Quarter.parse(event.value))

    @on(Select.Changed, "#audit-grouping")
    def _grouping_chosen(self, event: Select.Changed) -> None:
        event.stop()
        if isinstance(event.value, str):
            self.grouping = event.value

    def watch_grouping(self) -> None:
        select = self.query_one("#audit-grouping", Select)
        if select.value != self.grouping:
            select.value = self.grouping
        self.query_one(FindingsTable).set_grouping(self.grouping)

    def action_toggle_grouping(self) -> None:
        """Group the findings by rule, by department, or not at all (in turn)."""
        self.grouping = GROUPINGS[(GROUPINGS.index(self.grouping) + 1) % len(GROUPINGS)]

    def action_toggle_diff(self) -> None:
        """Show or hide the comparison with the previous quarter (narrow: instead of the
        detail)."""
        self.toggle_class("-show-diff" if self.has_class("-narrow") else "-hide-diff")

    def action_acknowledge(self) -> None:
        """Acknowledge the selected findings (or the highlighted one)."""
        self.worklist.action_acknowledge()

    def action_waive(self) -> None:
        """Waive the selected findings (or the highlighted one)."""
        self.worklist.action_waive()

    def action_focus_filter(self) -> None:
        """Put the cursor in the worklist's filter box."""
        self.worklist.action_focus_filter()

    # --- running -------------------------------------------------------------------------------

    @property
    def chosen_quarter(self) -> Quarter | None:
        value = self.query_one("#audit-quarter", Select).value
        return Quarter.parse(value) if isinstance(value, str) else None

    @on(Button.Pressed, "#audit-run")
    def action_run(self) -> None:
        """Run the chosen quarter's audit (after a sync, if ticked)."""
        quarter = self.chosen_quarter
        if self.running or quarter is None:
            return
        rights = self.rights
        if rights is not None and not rights.may(access.RUN_AUDIT):
            self.notify(t("tui.rights.admin_only"), severity="warning")
            return
        sync_first = self.query_one("#audit-sync", Checkbox).value
        self._stop.clear()
        self._sync_share = SYNC_SHARE if sync_first else 0
        self.query_one("#audit-progress", ProgressBar).update(progress=0)
        self.query_one("#audit-phase", Label).update(t("tui.audit.starting"))
        self.running = True
        self.run_audit(quarter, sync_first)

    @work(
        thread=True, exclusive=True, group="audit-run", exit_on_error=False, description="run audit"
    )
    def run_audit(self, quarter: Quarter, sync_first: bool) -> None:
        """Sync (if asked) and audit in a thread; progress and the outcome come back as messages."""
        worker = get_current_worker()
        stop = self._stop

        def cancelled() -> bool:
            return stop.is_set() or worker.is_cancelled

        def progress(phase: str, done: int, total: int) -> None:
            self.post_message(AuditProgress(phase, done, total))

        view, synced = self.kontokoll.services.run_audit(
            quarter, sync_first=sync_first, progress=progress, cancelled=cancelled
        )
        self.post_message(AuditFinished(view, synced))

    @on(AuditProgress)
    def _progress(self, message: AuditProgress) -> None:
        if not self.running:
            return
        share = self._sync_share if message.phase == "sync" else 100 - self._sync_share
        base = 0 if message.phase == "sync" else self._sync_share
        fraction = message.done / message.total if message.total else 1.0
        self.query_one("#audit-progress", ProgressBar).update(progress=base + share * fraction)
        self.query_one("#audit-phase", Label).update(
            t(
                f"tui.audit.phase.{message.phase}",
                done=format_count(message.done),
                total=format_count(message.total),
            )
        )

    @on(AuditFinished)
    def _finished(self, message: AuditFinished) -> None:
        self.running = False
        self.query_one("#audit-progress", ProgressBar).update(progress=100)
        self.show(message.view)
        report = message.view.report
        count = len(report.items) if report is not None else 0
        self.query_one("#audit-phase", Label).update(t("tui.audit.done", count=count))
        synced = message.synced
        if synced is not None:
            self.notify(
                synced.describe(),
                severity="warning" if synced.failed or synced.stopped else "information",
            )
        self.notify(t("tui.audit.finished", quarter=str(message.view.quarter), count=count))
        self.kontokoll.load_snapshot()  # the rules column and the overview follow the new run

    @on(Button.Pressed, "#audit-cancel")
    def action_cancel(self) -> None:
        """Stop the running audit; it stores nothing."""
        if self.running:
            self._stop.set()
            self.query_one("#audit-phase", Label).update(t("tui.audit.cancelling"))

    def watch_running(self, running: bool) -> None:
        self.refresh_bindings()
        self.query_one("#audit-cancel", Button).disabled = not running
        self.query_one("#audit-quarter", Select).disabled = running
        self.apply_rights()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        failed = event.state in (WorkerState.ERROR, WorkerState.CANCELLED)
        if worker.group == "audit-view" and failed:
            self._first_done(None)
        if worker.group == "audit-view" and failed and self._snapshot_due:
            self._snapshot_due = False  # the register is read even if the audit could not be
            self.kontokoll.load_snapshot()
        if worker.group == "audit-run" and event.state in (
            WorkerState.ERROR,
            WorkerState.CANCELLED,
        ):
            self.running = False
            self.query_one("#audit-progress", ProgressBar).update(progress=0)
            if isinstance(worker.error, AuditCancelled):
                self.query_one("#audit-phase", Label).update(t("tui.audit.cancelled"))
                self.notify(str(worker.error), severity="warning")
                return
            self.query_one("#audit-phase", Label).update(t("tui.audit.failed"))
        if event.state == WorkerState.ERROR and worker.error is not None:
            self.kontokoll.report_error(worker.error)

    # --- export --------------------------------------------------------------------------------

    @on(Button.Pressed, "#audit-export")
    def action_export(self) -> None:
        """Export the shown quarter's findings: ask where (and in which format) first."""
        view = self.current
        if view is None or view.report is None:
            shown = str(view.quarter) if view is not None else "–"
            self.notify(t("tui.audit.nothing_to_export", quarter=shown), severity="warning")
            return
        open_export_dialog(self.kontokoll, view.quarter)
