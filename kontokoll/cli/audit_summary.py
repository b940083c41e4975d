"""What ``kontokoll audit run`` prints of the run it stored: the totals, a table per rule and
one per department, and the warning when KC's findings stayed with the departments."""

from __future__ import annotations

from typing import TYPE_CHECKING

from governance.i18n import t, tn
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
    ctx.print(
        t(
            "audit.cli.run_summary",
            quarter=info.quarter,
            as_of=info.as_of,
            run=info.id,
            accounts=tn("noun.active_account", info.accounts),
            findings=tn("noun.finding", len(report.items)),
            # (the run counted its findings by severity as it stored them)
            critical=tn("noun.critical", info.counts.get("critical", 0)),
            warning=tn("noun.warning", info.counts.get("warning", 0)),
        )
    )
    if info.registered_later:
        day = info.as_of.isoformat()
        ctx.print(t("audit_scope.registered_later", count=info.registered_later, day=day))
        _name_later(ctx, info.registered_later, info.registered_later_refs)
    if not report.items:
        return
    tally = _Tally(report)
    ctx.print()
    ctx.print(_rule_table(tally))
    ctx.print()
    ctx.print(_department_table(tally))


def _name_later(ctx: CliContext, count: int, refs: tuple[str, ...]) -> None:
    """Name the accounts left out as registered after D (the run stored the first few): a
    stamp in the future hides an account from every audit, so a person should see which."""
    if not refs:  # (a run stored before the names were)
        return
    names = ", ".join(visible(ref) for ref in refs)
    if count > len(refs):
        names = t("audit_scope.registered_later_more", names=names, count=count - len(refs))
    ctx.print(t("audit_scope.registered_later_names", names=names))


class _Tally:
    """Both tables' counts, from one pass over the run's findings (a quarter has 15,000).

    The rows of :meth:`AuditReport.by_rule` and :meth:`AuditReport.by_department` without
    grouping or sorting the findings first.
    """

    def __init__(self, report: AuditReport) -> None:
        #: rule -> the severity of its first finding
        self.first: dict[str, str] = {}
        #: rule -> [findings, open]
        self.rules: dict[str, list[int]] = {}
        #: department ("" for the register) -> [critical, warning, open]
        self.departments: dict[str, list[int]] = {}
        for item in report.items:
            finding, still_open = item.finding, item.status == "open"
            rule, severity = finding.rule, finding.severity
            counted = self.rules.get(rule)
            if counted is None:
                counted = self.rules[rule] = [0, 0]
                self.first[rule] = severity
            counted[0] += 1
            counted[1] += still_open
            row = self.departments.get(finding.department)
            if row is None:
                row = self.departments[finding.department] = [0, 0, 0]
            if severity == "critical":
                row[0] += 1
            elif severity == "warning":
                row[1] += 1
            row[2] += still_open


def _rule_table(tally: _Tally) -> str:
    """How often each rule fired, how many of those are open, and the section it enforces
    (rules in their order, each with the severity of its first finding)."""
    from audits.rules import RULE_IDS, RULES_BY_ID

    rows = []
    for rule in RULE_IDS:  # (in the rules' order)
        if rule in tally.rules:
            found, still_open = tally.rules[rule]
            severity = t(f"audit.severity.{tally.first[rule]}")
            rows.append([rule, severity, str(found), str(still_open), RULES_BY_ID[rule].guideline])
    header = [
        t("audit.col.rule"),
        t("audit.col.severity"),
        t("audit.col.count"),
        t("audit.col.open"),
        t("audit.col.guideline"),
    ]
    return render_table(header, rows)


def _department_table(tally: _Tally) -> str:
    """Critical, warning and open findings per department (departments in name order, the
    register on a row of its own)."""
    counts = tally.departments
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
