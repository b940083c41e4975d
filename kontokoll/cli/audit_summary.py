"""What ``kontokoll audit run`` prints of the run it stored: the totals, a table per rule and
one per department, and the warning when KC's findings stayed with the departments."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from governance.i18n import t
from governance.text_safety import visible
from kontokoll.cli.tables import render_table

if TYPE_CHECKING:
    from audits.service import AuditReport
    from kontokoll.cli.context import CliContext


def warn_kc_missing(ctx: CliContext, report: AuditReport) -> None:
    """Say so when findings that are KC's stayed with the department: KC is not in the register."""
    count = sum(1 for i in report.items if i.finding.kc_absent)
    if count:
        kc = report.run.settings.kc_department
        ctx.warn(t("responsibility.cli.kc_missing", count=count, department=kc))


def print_summary(ctx: CliContext, report: AuditReport) -> None:
    """The run's totals, then (if anything was found) a table per rule and one per department."""
    info = report.info
    severities = Counter(i.finding.severity for i in report.items)
    ctx.print(
        t(
            "audit.cli.run_summary",
            quarter=info.quarter,
            as_of=info.as_of,
            run=info.id,
            accounts=info.accounts,
            findings=len(report.items),
            critical=severities["critical"],
            warning=severities["warning"],
        )
    )
    if info.registered_later:
        day = info.as_of.isoformat()
        ctx.print(t("audit_scope.registered_later", count=info.registered_later, day=day))
        _name_later(ctx, info.registered_later, info.registered_later_refs)
    if not report.items:
        return
    ctx.print()
    ctx.print(_rule_table(report))
    ctx.print()
    ctx.print(_department_table(report))


def _name_later(ctx: CliContext, count: int, refs: tuple[str, ...]) -> None:
    """Name the accounts left out as registered after D (the run stored the first few): a
    stamp in the future hides an account from every audit, so a person should see which."""
    if not refs:  # (a run stored before the names were)
        return
    names = ", ".join(visible(ref) for ref in refs)
    if count > len(refs):
        names = t("audit_scope.registered_later_more", names=names, count=count - len(refs))
    ctx.print(t("audit_scope.registered_later_names", names=names))


def _rule_table(report: AuditReport) -> str:
    """How often each rule fired, how many of those are open, and the section it enforces.

    The rows of :meth:`AuditReport.by_rule` (rules in their order, each with the severity of its
    first finding), counted in one pass over the findings instead of grouping them first.
    """
    from audits.rules import RULE_IDS, RULES_BY_ID

    first: dict[str, str] = {}  # rule -> the severity of its first finding
    counts: dict[str, list[int]] = {}  # rule -> [findings, open]
    for item in report.items:
        rule = item.finding.rule
        row = counts.get(rule)
        if row is None:
            row = counts[rule] = [0, 0]
            first[rule] = item.finding.severity
        row[0] += 1
        row[1] += item.status == "open"
    rows = []
    for rule in RULE_IDS:  # (in the rules' order)
        if rule in counts:
            found, still_open = counts[rule]
            severity = t(f"audit.severity.{first[rule]}")
            rows.append([rule, severity, str(found), str(still_open), RULES_BY_ID[rule].guideline])
    header = [
        t("audit.col.rule"),
        t("audit.col.severity"),
        t("audit.col.count"),
        t("audit.col.open"),
        t("audit.col.guideline"),
    ]
    return render_table(header, rows)


def _department_table(report: AuditReport) -> str:
    """Critical, warning and open findings per department (the register on a row of its own).

    The rows of :meth:`AuditReport.by_department` (departments in name order), counted in one
    pass over the findings instead of sorting them first: a quarter has 15,000.
    """
    counts: dict[str, list[int]] = {}  # department -> [critical, warning, open]
    for item in report.items:
        finding = item.finding
        row = counts.get(finding.department)
        if row is None:
            row = counts[finding.department] = [0, 0, 0]
        severity = finding.severity
        if severity == "critical":
            row[0] += 1
        elif severity == "warning":
            row[1] += 1
        row[2] += item.status == "open"
    rows = [
        [department or t("audit.register_scope"), *map(str, counts[department])]
        for department in sorted(counts)
    ]
    header = [
        t("col.department"),
        t("audit.col.critical"),
        t("audit.col.warning"),
        t("audit.col.open"),
    ]
    return render_table(header, rows)
