"""The overview: accounts per platform and department, audit and guideline state, last sync."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Grid, Vertical, VerticalScroll
from textual.widgets import DataTable, Label, Static

from governance.i18n import t
from governance.monthly import STOCKHOLM
from screens.plain import plain_cells
from screens.view_models import Overview
from screens.widgets.account_table import UNKNOWN, format_count


def _panel(title: str, *children: Static | DataTable[str], id: str) -> Vertical:
    panel = Vertical(*children, id=id, classes="panel")
    panel.border_title = title
    return panel


class OverviewView(VerticalScroll):
    """The overview of the register; shows a loading state until the figures are read."""

    def __init__(self, overview: Overview | None, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._overview = overview

    def compose(self) -> ComposeResult:
        overview = self._overview
        if overview is None:
            yield Label(t("tui.overview.loading"), id="overview-loading")
            return
        yield from self._banners(overview)
        with Grid(id="overview-grid"):
            yield from self._panels(overview)

    @staticmethod
    def _banners(overview: Overview) -> ComposeResult:
        """Warnings above the figures: an empty register, an overdue revision or audit."""
        if overview.accounts == 0:
            yield Static(t("tui.overview.empty"), id="overview-empty", classes="banner")
        audit = overview.audit
        if audit is not None and audit.revision.state != "ok":
            revision = audit.revision
            key = "overdue" if revision.state == "overdue" else "due_soon"
            yield Static(
                t(
                    f"tui.overview.revision_{key}",
                    deadline=revision.deadline.isoformat(),
                    days=revision.overdue_days if key == "overdue" else revision.days_left,
                ),
                id="overview-revision-banner",
                classes=f"banner -{revision.state}",
            )
        if audit is not None and audit.next_audit.overdue:
            yield Static(
                t(
                    "audit.calendar.overdue",
                    quarter=str(audit.next_audit.quarter),
                    due=audit.next_audit.due.isoformat(),
                    days=-audit.next_audit.days_left,
                ),
                id="overview-audit-banner",
                classes="banner -overdue",
            )

    def _panels(self, overview: Overview) -> ComposeResult:
        """The five panels: per platform, per department, findings, calendar, last sync."""
        platforms: DataTable[str] = DataTable(
            cursor_type="none", zebra_stripes=True, id="per-platform", show_cursor=False
        )
        platforms.add_columns(t("tui.col.platform"), t("tui.col.accounts"))
        for platform, count in overview.per_platform:
            platforms.add_row(platform, format_count(count))
        yield _panel(
            t("tui.overview.per_platform", total=overview.accounts),
            platforms,
            id="panel-platforms",
        )
        departments: DataTable[str] = DataTable(
            cursor_type="none", zebra_stripes=True, id="per-department", show_cursor=False
        )
        departments.add_columns(t("col.department"), t("tui.col.accounts"))
        for department, count in overview.per_department:
            departments.add_row(*plain_cells(department, format_count(count)))
        yield _panel(t("tui.overview.per_department"), departments, id="panel-departments")
        yield _panel(
            t("tui.overview.findings"),
            Static(self._findings_text(overview), id="findings-by-severity", markup=False),
            id="panel-findings",
        )
        yield _panel(
            t("tui.overview.calendar"),
            Static(self._calendar_text(overview), id="next-audit"),
            id="panel-calendar",
        )
        yield _panel(
            t("tui.overview.sync"),
            Static(self._sync_text(overview), id="last-sync", markup=False),
            id="panel-sync",
        )

    @staticmethod
    def _findings_text(overview: Overview) -> str:
        audit = overview.audit
        if audit is None or audit.latest is None:
            return "\n".join(
                (t("tui.overview.findings_by_severity", count=UNKNOWN), t("tui.overview.no_audit"))
            )
        latest = audit.latest
        lines = [
            t(
                "tui.overview.latest_run",
                quarter=str(latest.quarter),
                as_of=latest.as_of.isoformat(),
                accounts=format_count(latest.accounts),
            ),
            t("tui.overview.findings_by_severity", count=sum(audit.counts.values())),
        ]
        for severity in ("critical", "warning"):
            total = sum(n for (sev, _), n in audit.counts.items() if sev == severity)
            still_open = audit.counts.get((severity, "open"), 0)
            lines.append(
                t(
                    "tui.overview.severity_line",
                    severity=t(f"audit.severity.{severity}"),
                    count=total,
                    open=still_open,
                )
            )
        return "\n".join(lines)

    @staticmethod
    def _calendar_text(overview: Overview) -> str:
        audit = overview.audit
        if audit is None:
            return "\n".join(
                (
                    t("tui.overview.next_audit", date=UNKNOWN),
                    t("tui.overview.revision", status=UNKNOWN),
                )
            )
        entry, revision = audit.next_audit, audit.revision
        when = (
            t(
                "tui.overview.next_audit_when",
                quarter=str(entry.quarter),
                date=entry.due.isoformat(),
                days=abs(entry.days_left),
            )
            if not entry.overdue
            else t(
                "tui.overview.next_audit_overdue",
                quarter=str(entry.quarter),
                date=entry.due.isoformat(),
                days=-entry.days_left,
            )
        )
        status = t(
            f"tui.overview.revision_state.{revision.state}",
            deadline=revision.deadline.isoformat(),
            days=revision.overdue_days if revision.state == "overdue" else revision.days_left,
        )
        return "\n".join(
            (t("tui.overview.next_audit", date=when), t("tui.overview.revision", status=status))
        )

    @staticmethod
    def _sync_text(overview: Overview) -> str:
        sync = overview.sync
        if sync is None:
            return t("tui.overview.never_synced")
        at = sync.finished_at.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M")
        lines = [t("tui.overview.synced", at=at, accounts=sync.accounts, failed=len(sync.failures))]
        shown = sync.failures[:8]
        lines += [t("tui.overview.sync_failure", ref=ref, reason=reason) for ref, reason in shown]
        if len(sync.failures) > len(shown):
            lines.append(t("tui.overview.more_failures", count=len(sync.failures) - len(shown)))
        return "\n".join(lines)
