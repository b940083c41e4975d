"""The overview: what needs attention first (open critical findings by department, an overdue
revision, accounts without editors), then accounts per platform and department, the latest audit,
the calendar and the last sync."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Grid, Vertical, VerticalScroll
from textual.widgets import DataTable, Label, Static

from governance.i18n import t, tn
from governance.monthly import STOCKHOLM
from governance.text_safety import visible
from screens.plain import plain_cells
from screens.view_models import (
    Attention,
    Overview,
    PendingRequest,
    calendar_label,
    rule_title,
    run_label,
)
from screens.widgets.account_table import UNKNOWN, format_count

#: How many accounts without editors the overview names before "… and N more".
EDITORLESS_SHOWN = 6
#: How many pending requests the overview names (the oldest) before "… and N more".
REQUESTS_SHOWN = 5


def _request_lines(requests: tuple[PendingRequest, ...]) -> list[str]:
    """The requests waiting for AKN's decision: how many, then the oldest with days waiting."""
    if not requests:
        return [t("lifecycle_tui.overview.none")]
    lines = [t("lifecycle_tui.overview.count", count=len(requests))]
    for request in requests[:REQUESTS_SHOWN]:
        line = t(
            "lifecycle_tui.overview.item",
            ref=visible(request.ref),
            department=visible(request.department),
            days=tn("noun.day", request.days_waiting),
        )
        if request.langsiktigt:
            line += " · " + t("lifecycle_tui.overview.langsiktigt")
        lines.append(line)
    if len(requests) > REQUESTS_SHOWN:
        lines.append(t("tui.overview.more_failures", count=len(requests) - REQUESTS_SHOWN))
    return lines


def _critical_lines(attention: Attention, quarter: str) -> list[str]:
    """Each department's open critical findings: the count, then the oldest few."""
    if not attention.departments:
        return [t("tui.overview.attention_none", quarter=quarter)]
    lines = [
        t(
            "tui.overview.attention_critical",
            findings=tn("noun.finding", attention.critical),
            quarter=quarter,
        )
    ]
    for department in attention.departments:
        name = visible(department.department) or t("tui.overview.register")
        lines.append(
            t(
                "tui.overview.attention_department",
                department=name,
                count=tn("noun.critical", department.count),
            )
        )
        for item in department.top:
            days = (
                t("tui.overview.attention_days", days=tn("noun.day", item.days_open))
                if item.days_open
                else ""
            )
            ref = visible(item.ref) or t("tui.overview.register")
            lines.append(
                t("tui.overview.attention_item", ref=ref, rule=rule_title(item.rule), days=days)
            )
        if department.count > len(department.top):
            more = department.count - len(department.top)
            lines.append(t("tui.overview.attention_more", count=more))
    return lines


def _editorless_lines(attention: Attention) -> list[str]:
    """The active accounts without editors, the first few by name."""
    refs = attention.without_editors
    if not refs:
        return [t("tui.overview.attention_no_editorless")]
    shown = ", ".join(visible(ref) for ref in refs[:EDITORLESS_SHOWN])
    if len(refs) > EDITORLESS_SHOWN:
        shown += " " + t("tui.overview.more_failures", count=len(refs) - EDITORLESS_SHOWN)
    return [t("tui.overview.attention_without_editors", count=len(refs)), "  " + shown]


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
        yield _panel(
            t("tui.overview.attention"),
            Static(self._attention_text(overview), id="attention", markup=False),
            id="panel-attention",
        )
        if overview.requests is not None:  # admins, and leads (their departments' requests)
            yield _panel(
                t("lifecycle_tui.overview.title"),
                Static(
                    "\n".join(_request_lines(overview.requests)),
                    id="pending-requests",
                    markup=False,
                ),
                id="panel-requests",
            )
        with Grid(id="overview-grid"):
            yield from self._panels(overview)
        yield Static(t("tui.overview.scroll_hint"), id="overview-scroll-hint", classes="legend")

    def on_mount(self) -> None:
        self.call_after_refresh(self._hint)

    def on_resize(self) -> None:
        """The scroll hint shows only while something is below the fold."""
        self.call_after_refresh(self._hint)

    def _hint(self) -> None:
        for hint in self.query("#overview-scroll-hint"):
            hint.display = self.max_scroll_y > 0 and self.scroll_y < self.max_scroll_y

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        self._hint()

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
                    days=tn(
                        "noun.day",
                        revision.overdue_days if key == "overdue" else revision.days_left,
                    ),
                ),
                id="overview-revision-banner",
                classes=f"banner -{revision.state}",
            )
        if audit is not None and audit.next_audit.overdue:
            yield Static(
                t(
                    "audit.calendar.overdue",
                    quarter=calendar_label(audit.next_audit),
                    due=audit.next_audit.due.isoformat(),
                    days=tn("noun.day", -audit.next_audit.days_left),
                ),
                id="overview-audit-banner",
                classes="banner -overdue",
            )

    @staticmethod
    def _attention_text(overview: Overview) -> str:
        """Open critical findings by department with the oldest few, and the accounts without
        editors."""
        lines: list[str] = []  # an overdue revision is the red banner just above
        audit, attention = overview.audit, overview.attention
        if audit is None or audit.latest is None:
            lines.append(t("tui.overview.no_audit"))
        else:
            lines += _critical_lines(attention, run_label(audit.latest))
        lines += _editorless_lines(attention)
        return "\n".join(lines)

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
                quarter=run_label(latest),
                as_of=latest.as_of.isoformat(),
                accounts=tn("noun.active_account", latest.accounts),
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
        key = "next_audit_overdue" if entry.overdue else "next_audit_when"
        when = t(
            f"tui.overview.{key}",
            quarter=calendar_label(entry),
            date=entry.due.isoformat(),
            days=tn("noun.day", abs(entry.days_left)),
        )
        status = t(
            f"tui.overview.revision_state.{revision.state}",
            deadline=revision.deadline.isoformat(),
            days=tn(
                "noun.day",
                revision.overdue_days if revision.state == "overdue" else revision.days_left,
            ),
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
        lines = [
            t(
                "tui.overview.synced",
                at=at,
                accounts=tn("noun.account", sync.accounts),
                failed=tn("noun.failed", len(sync.failures)),
            )
        ]
        shown = sync.failures[:8]
        lines += [t("tui.overview.sync_failure", ref=ref, reason=reason) for ref, reason in shown]
        if len(sync.failures) > len(shown):
            lines.append(t("tui.overview.more_failures", count=len(sync.failures) - len(shown)))
        return "\n".join(lines)
