"""The audit's summary line and the diff against the previous quarter, both from one read."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from audits.diff import DepartmentDiff
from audits.worklist import RESOLVED, WORK_STATUSES
from governance.i18n import t
from governance.monthly import STOCKHOLM
from screens.plain import plain, plain_cells
from screens.view_models import QuarterAudit
from screens.widgets.account_table import format_count


def summary_text(view: QuarterAudit) -> str:
    """Which run is shown, and its findings per severity and status (resolved ones too)."""
    worklist = view.worklist
    if view.report is None or worklist is None:
        return t("tui.audit.not_run", quarter=str(view.quarter))
    info = worklist.run.info
    # One pass over the findings (20,000 at 10,000 accounts) counts them all.
    tally = worklist.counts()  # per (severity, status)
    statuses = dict.fromkeys(WORK_STATUSES, 0)
    severities = dict.fromkeys(SEVERITIES, 0)
    current = 0
    for (severity, status), count in tally.items():
        statuses[status] = statuses.get(status, 0) + count
        if status != RESOLVED:
            current += count
            severities[severity] = severities.get(severity, 0) + count
    previous = worklist.previous
    key = "worklist.summary.statuses" if previous is not None else "worklist.summary.statuses_first"
    status_line = t(
        "auditload.statuses" if view.partial else key,
        open=statuses["open"],
        acknowledged=statuses["acknowledged"],
        waived=statuses["waived"],
        resolved=statuses["resolved"],
        previous=str(previous.info.quarter) if previous is not None else "",
    )
    run_line = t(
        "worklist.summary.run",
        quarter=str(info.quarter),
        run=info.id,
        as_of=info.as_of.isoformat(),
        user=info.user,
        at=info.at.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M"),
        accounts=format_count(info.accounts),
    )
    counts = t(
        "worklist.summary.counts",
        count=current,
        critical=severities["critical"],
        warning=severities["warning"],
    )
    return f"{run_line}\n{counts} · {status_line}"


SEVERITIES = ("critical", "warning")


def count_texts(shown: int, total: int, selected: int) -> tuple[str, str]:
    """The worklist's count ("shown of total", and how many are selected), and the widest it
    can be without a selection (every finding shown), whose width the count keeps."""
    text = t("worklist.count", shown=shown, total=total)
    if selected:
        text += " · " + t("worklist.selected", count=selected)
    return text, t("worklist.count", shown=total, total=total)


class DiffPanel(Vertical):
    """New, resolved and persisting findings per department that answers for them (KC's on a
    row of its own), against the previous quarter."""

    def compose(self) -> ComposeResult:
        yield Static("", id="audit-diff-summary")
        table: DataTable[str] = DataTable(
            id="audit-diff-table", cursor_type="row", zebra_stripes=True
        )
        _add_columns(table, [])
        yield table

    def show(self, view: QuarterAudit, parts: list[DepartmentDiff] | None = None) -> None:
        """Show the diff of ``view`` (or why there is none); ``parts``: its share per
        department, if split already."""
        table = self.query_one("#audit-diff-table", DataTable)
        summary = self.query_one("#audit-diff-summary", Static)
        diff = view.diff
        table.clear(columns=True)
        if diff is None:
            _add_columns(table, [])
            none = t("auditload.comparing") if view.partial else t("tui.audit.no_diff")
            summary.update(none if view.report is not None else "")
            return
        summary.update(
            plain(
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
        )
        rows = [
            plain_cells(
                part.department or t("audit.register_scope"),
                len(part.new),
                len(part.resolved),
                len(part.persisting),
            )
            for part in (parts if parts is not None else diff.by_department())
        ]
        _add_columns(table, rows)
        table.add_rows(rows)


def _add_columns(table: DataTable[str], rows: list[list[str]]) -> None:
    """The diff's columns, each as wide as its heading or widest cell in ``rows``. Left to size
    its columns itself, a DataTable does it when it next idles: a frame drawn before that (the
    audit tab's first frame is drawn as soon as the read is shown) kept the rows cut at the
    headings' widths in its caches for good."""
    headings = [
        t("responsibility.col.responsible"),
        t("tui.audit.new"),
        t("tui.audit.resolved"),
        t("tui.audit.persisting"),
    ]
    for index, heading in enumerate(headings):
        cells = [heading, *(row[index] for row in rows)]  # (markup, as the table reads them)
        table.add_column(heading, width=max(Text.from_markup(cell).cell_len for cell in cells))
