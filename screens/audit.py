"""The audit screen: pick a quarter, run its audit (optionally after a sync), see the findings
grouped by rule or department, the diff against the previous quarter, and export them to CSV.

The run happens in a thread worker that posts :class:`AuditProgress` messages and checks a
cancel flag between shards, so the screen stays responsive and Escape stops the run. Only AKN
(``audit.run``) sees the run controls enabled; anyone may read and export.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, ClassVar, cast

from textual import on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.widgets import Button, Checkbox, DataTable, Label, ProgressBar, Select, Static, Tree
from textual.worker import Worker, WorkerState, get_current_worker

from audits.engine import AuditCancelled
from audits.exports import ReportItem
from audits.quarters import Quarter
from governance import access
from governance.i18n import t
from governance.monthly import STOCKHOLM
from screens.commands import may
from screens.dialogs import ConfirmDialog
from screens.messages import AuditFinished, AuditLoaded, AuditProgress, ExportReady
from screens.plain import plain, plain_cells
from screens.view_models import QuarterAudit, Rights, rule_title
from screens.widgets.account_table import format_count

if TYPE_CHECKING:
    from screens.app import KontokollApp

GROUPINGS = ("rule", "department")
#: Share of the progress bar the sync takes when it runs before the evaluation.
SYNC_SHARE = 50


def _finding_line(item: ReportItem, grouping: str) -> str:
    finding = item.finding
    status = t(f"audit.status.{item.status}")
    what = finding.ref or t("audit.register_scope")
    if grouping == "rule":
        head = f"{what} · {finding.department}" if finding.department else what
    else:
        head = f"{what} · {rule_title(finding.rule)}"
    return f"{head}: {finding.message} [{status}]"


class AuditView(Vertical):
    """Run, read, compare and export the quarterly audit."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "run", "tui.key.run_audit", id="audit.run", tooltip="tui.tip.run_audit"),
        Binding(
            "escape", "cancel", "tui.key.cancel_audit", id="audit.cancel", tooltip="tui.tip.cancel"
        ),
        Binding("g", "toggle_grouping", "tui.key.group", id="audit.group", tooltip="tui.tip.group"),
        Binding("e", "export", "tui.key.export", id="audit.export", tooltip="tui.tip.export"),
    ]

    running: reactive[bool] = reactive(False)
    """Whether a sync or an audit run is under way."""

    grouping: reactive[str] = reactive("rule", init=False)
    """How the findings are grouped: ``rule`` or ``department``."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.current: QuarterAudit | None = None
        self._stop = threading.Event()
        self._quarters: list[Quarter] = []
        self._sync_share = 0

    @property
    def kontokoll(self) -> KontokollApp:
        """The app, with its services."""
        return cast("KontokollApp", self.app)

    @property
    def rights(self) -> Rights | None:
        """What the user may do, as the last read of the register said."""
        snapshot = self.kontokoll.snapshot
        return snapshot.rights if snapshot is not None else None

    def commands(self) -> Iterator[SystemCommand]:
        """The audit's palette commands: run (if the user may), cancel (while running), export
        and grouping."""
        if may(self.rights, access.RUN_AUDIT):
            yield SystemCommand(t("tui.command.run_audit"), t("tui.tip.run_audit"), self.action_run)
        if self.running:
            yield SystemCommand(
                t("tui.command.cancel_audit"), t("tui.tip.cancel"), self.action_cancel
            )
        yield SystemCommand(t("tui.command.export"), t("tui.tip.export"), self.action_export)
        yield SystemCommand(t("tui.command.group"), t("tui.tip.group"), self.action_toggle_grouping)

    # --- layout ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(id="audit-controls"):
            yield Label(t("tui.audit.quarter"), classes="control-label")
            yield Select[str]([], allow_blank=True, prompt="…", id="audit-quarter", compact=True)
            yield Checkbox(
                t("tui.audit.sync_first"),
                id="audit-sync",
                compact=True,
                tooltip=t("tui.audit.sync_tip"),
            )
            yield Button(t("tui.button.run_audit"), id="audit-run", variant="primary", compact=True)
            yield Button(t("tui.button.cancel"), id="audit-cancel", disabled=True, compact=True)
            yield Button(t("tui.button.export"), id="audit-export", compact=True)
            yield Select[str](
                [(t(f"tui.audit.group.{g}"), g) for g in GROUPINGS],
                value="rule",
                allow_blank=False,
                id="audit-grouping",
                compact=True,
            )
        with Horizontal(id="audit-progress-row"):
            yield ProgressBar(total=100, show_eta=False, id="audit-progress")
            yield Label(t("tui.audit.idle"), id="audit-phase")
        yield Static(t("tui.audit.loading"), id="audit-summary")
        with Horizontal(id="audit-body"):
            tree: Tree[ReportItem | None] = Tree(t("tui.audit.findings"), id="audit-findings")
            tree.show_root = False
            yield tree
            with Vertical(id="audit-diff"):
                yield Static("", id="audit-diff-summary")
                diff: DataTable[str] = DataTable(
                    id="audit-diff-table", cursor_type="row", zebra_stripes=True
                )
                diff.add_columns(
                    t("col.department"),
                    t("tui.audit.new"),
                    t("tui.audit.resolved"),
                    t("tui.audit.persisting"),
                )
                yield diff

    def on_mount(self) -> None:
        self.apply_rights()
        self.load()

    def apply_rights(self) -> None:
        """Disable the run for users who may not run audits (the service refuses them anyway)."""
        rights = self.rights
        allowed = rights is not None and rights.may(access.RUN_AUDIT)
        run = self.query_one("#audit-run", Button)
        run.disabled = self.running or not allowed
        run.tooltip = None if allowed else t("tui.rights.admin_only")
        self.query_one("#audit-sync", Checkbox).disabled = self.running or not (
            rights is not None and rights.may(access.SYNC_STATS)
        )

    # --- loading a quarter ---------------------------------------------------------------------

    @work(
        thread=True,
        exclusive=True,
        group="audit-view",
        exit_on_error=False,
        description="read audit",
    )
    def load(self, quarter: Quarter | None = None) -> None:
        """Read a quarter's latest run and its diff (default: the one the calendar points at)."""
        services = self.kontokoll.services
        quarters = services.quarters()
        view = services.audit_view(quarter or services.default_quarter())
        self.post_message(AuditLoaded(view, quarters))

    @on(AuditLoaded)
    def _loaded(self, message: AuditLoaded) -> None:
        self.show(message.view, message.quarters)

    def show(self, view: QuarterAudit, quarters: list[Quarter] | None = None) -> None:
        """Show one quarter's audit."""
        self.current = view
        select = self.query_one("#audit-quarter", Select)
        if quarters is not None and quarters != self._quarters:
            self._quarters = quarters
            with self.prevent(Select.Changed):
                select.set_options([(str(q), str(q)) for q in quarters])
        if select.value != str(view.quarter):
            with self.prevent(Select.Changed):
                select.value = str(view.quarter)
        self.query_one("#audit-summary", Static).update(self._summary(view))
        self._fill_tree()
        self._fill_diff(view)

    def _summary(self, view: QuarterAudit) -> str:
        report = view.report
        if report is None:
            return t("tui.audit.not_run", quarter=str(view.quarter))
        info = report.info
        counts = report.counts()
        by_status = {
            s: sum(n for (_, st), n in counts.items() if st == s)
            for s in ("open", "acknowledged", "waived")
        }
        return "\n".join(
            (
                t(
                    "tui.audit.summary",
                    quarter=str(info.quarter),
                    run=info.id,
                    as_of=info.as_of.isoformat(),
                    accounts=format_count(info.accounts),
                    user=info.user,
                    at=info.at.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M"),
                ),
                t(
                    "tui.audit.counts",
                    total=len(report.items),
                    critical=info.counts.get("critical", 0),
                    warning=info.counts.get("warning", 0),
                    open=by_status["open"],
                    acknowledged=by_status["acknowledged"],
                    waived=by_status["waived"],
                ),
            )
        )

    def _fill_tree(self) -> None:
        tree = cast("Tree[ReportItem | None]", self.query_one("#audit-findings", Tree))
        tree.clear()
        view = self.current
        if view is None or view.report is None:
            return
        report = view.report
        if not report.items:
            tree.root.add_leaf(t("tui.audit.no_findings"), None)
            return
        if self.grouping == "rule":
            for rule, items in report.by_rule().items():
                severity = t(f"audit.severity.{items[0].finding.severity}")
                label = f"{rule_title(rule)} ({rule}) · {severity} · {len(items)}"
                node = tree.root.add(plain(label), None, expand=True)
                for item in items:
                    node.add_leaf(plain(_finding_line(item, "rule")), item)
        else:
            for department, items in report.by_department().items():
                name = department or t("audit.register_scope")
                node = tree.root.add(plain(f"{name} · {len(items)}"), None, expand=True)
                for item in items:
                    node.add_leaf(plain(_finding_line(item, "department")), item)

    def _fill_diff(self, view: QuarterAudit) -> None:
        table = self.query_one("#audit-diff-table", DataTable)
        table.clear()
        summary = self.query_one("#audit-diff-summary", Static)
        diff = view.diff
        if diff is None:
            summary.update(t("tui.audit.no_diff") if view.report is not None else "")
            return
        summary.update(
            t(
                "audit.cli.diff_summary",
                old=str(diff.old.quarter),
                old_run=diff.old.id,
                new=str(diff.new_run.quarter),
                new_run=diff.new_run.id,
                added=len(diff.new),
                resolved=len(diff.resolved),
                persisting=len(diff.persisting),
            )
        )
        for part in diff.by_department():
            table.add_row(
                *plain_cells(
                    part.department or t("audit.register_scope"),
                    len(part.new),
                    len(part.resolved),
                    len(part.persisting),
                )
            )

    @on(Select.Changed, "#audit-quarter")
    def _quarter_chosen(self, event: Select.Changed) -> None:
        if isinstance(event.value, str) and not self.running:
            self.load(Quarter.parse(event.value))

    @on(Select.Changed, "#audit-grouping")
    def _grouping_chosen(self, event: Select.Changed) -> None:
        if isinstance(event.value, str):
            self.grouping = event.value

    def watch_grouping(self) -> None:
        select = self.query_one("#audit-grouping", Select)
        if select.value != self.grouping:
            select.value = self.grouping
        self._fill_tree()

    def action_toggle_grouping(self) -> None:
        """Group the findings by the other key."""
        self.grouping = GROUPINGS[(GROUPINGS.index(self.grouping) + 1) % len(GROUPINGS)]

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
                t("tui.audit.synced", accounts=synced.accounts, failed=synced.failed)
                + "".join(f"\n{reason}" for reason in synced.stopped),
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
        self.query_one("#audit-cancel", Button).disabled = not running
        self.query_one("#audit-quarter", Select).disabled = running
        self.apply_rights()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
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
        """Export the shown quarter's findings to CSV, after a confirmation."""
        view = self.current
        if view is None or view.report is None:
            shown = str(view.quarter) if view is not None else "–"
            self.notify(t("tui.audit.nothing_to_export", quarter=shown), severity="warning")
            return
        quarter = view.quarter
        count = len(view.report.items)
        filename = f"kontokoll-avvikelser-{quarter}.csv"

        def decided(yes: bool | None) -> None:
            if yes:
                self.export(quarter, filename, count)

        self.app.push_screen(
            ConfirmDialog(
                t("tui.audit.export_question", count=count, quarter=str(quarter), file=filename),
                t("tui.button.export"),
                variant="primary",
            ),
            decided,
        )

    @work(
        thread=True,
        exclusive=True,
        group="audit-export",
        exit_on_error=False,
        description="export findings",
    )
    def export(self, quarter: Quarter, filename: str, count: int) -> None:
        """Write the CSV bytes in a thread; the app delivers them (a file or a browser download)."""
        data = self.kontokoll.services.export_findings(quarter)
        self.post_message(ExportReady(data, filename, count))

    @on(ExportReady)
    def _deliver(self, message: ExportReady) -> None:
        self.kontokoll.deliver_export(message.data, message.filename, "text/csv")
