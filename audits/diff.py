"""What changed between two quarters' audits: new, resolved and persisting findings.

Per department, a finding counts for the department that answers for it (``responsible``): KC's
findings on a shared account are in KC's share, not the owning department's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from audits.engine import Finding
from audits.runs import RunInfo


@dataclass(frozen=True)
class DepartmentDiff:
    """The share of a diff one department answers for (the register-level findings: "")."""

    department: str
    new: tuple[Finding, ...]
    resolved: tuple[Finding, ...]
    persisting: tuple[Finding, ...]


@dataclass(frozen=True)
class AuditDiff:
    """The findings of the latest run of ``old``'s quarter against those of ``new``'s."""

    old: RunInfo
    new_run: RunInfo
    new: tuple[Finding, ...]
    resolved: tuple[Finding, ...]
    persisting: tuple[Finding, ...]  # as found in the newer run

    def by_department(self) -> list[DepartmentDiff]:
        """Per responsible department, in name order (register-level first)."""
        names = sorted({f.responsible for f in (*self.new, *self.resolved, *self.persisting)})
        return [
            DepartmentDiff(
                name,
                _of(self.new, name),
                _of(self.resolved, name),
                _of(self.persisting, name),
            )
            for name in names
        ]


def _of(findings: Iterable[Finding], department: str) -> tuple[Finding, ...]:
    return tuple(f for f in findings if f.responsible == department)


def diff_findings(
    old: RunInfo, old_findings: Iterable[Finding], new: RunInfo, new_findings: Iterable[Finding]
) -> AuditDiff:
    """Compare two runs' findings by key (rule and account)."""
    before = {f.key: f for f in old_findings}
    after = {f.key: f for f in new_findings}
    return AuditDiff(
        old=old,
        new_run=new,
        new=tuple(f for k, f in after.items() if k not in before),
        resolved=tuple(f for k, f in before.items() if k not in after),
        persisting=tuple(f for k, f in after.items() if k in before),
    )
