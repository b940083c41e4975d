"""The audit as a worklist: a quarter's findings with what has been done about each.

A quarter's latest run gives each finding its status (open, acknowledged, waived: see
:func:`audits.exports.report_items`), the day it was first seen and how many days it has been open
(from first seen to the day the run judged). A finding of the quarter audited before that the run
no longer has is *resolved* (åtgärdad), as the diff says; the worklist carries those too, so a
screen or a report can show them.

    worklist = AuditService(store).worklist("2026Q4")
    worklist.open_items(); worklist.counts(); worklist.diff
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from audits.diff import AuditDiff, diff_findings
from audits.engine import Finding
from audits.exports import ReportItem
from audits.runs import ACKNOWLEDGED, OPEN, WAIVED, Acknowledgement, AuditRun, Reviews, Waiver
from governance.i18n import t

RESOLVED = "resolved"
#: Every status a worklist item may have, in the order people work through them.
WORK_STATUSES = (OPEN, ACKNOWLEDGED, WAIVED, RESOLVED)


class WorkItem(NamedTuple):
    """One finding on the worklist: its status, age and the review on it (if any).

    A named tuple, not a dataclass: a run has 20,000 of them and a screen makes them all before
    it can draw one, and a tuple is made in a third of the time of a frozen dataclass.
    """

    finding: Finding
    status: str  # one of WORK_STATUSES
    #: Days from first seen to the day the run judged (for a resolved finding: the day the
    #: earlier run judged, the last day it was seen); None when the first day is unknown.
    days_open: int | None
    acknowledgement: Acknowledgement | None = None
    waiver: Waiver | None = None

    @property
    def key(self) -> str:
        """The finding's key (rule and account id), the same across runs."""
        return self.finding.key

    @property
    def actionable(self) -> bool:
        """Whether it can be acknowledged or waived (a resolved finding is not in the run)."""
        return self.status != RESOLVED


@dataclass(frozen=True)
class Worklist:
    """A quarter's latest run as a worklist, with the run before it and the diff to it."""

    run: AuditRun
    items: tuple[WorkItem, ...]  # the run's findings in run order, then the resolved ones
    report_items: tuple[ReportItem, ...]  # the run's findings as the exports show them
    previous: AuditRun | None = None
    diff: AuditDiff | None = None

    @property
    def as_of(self) -> date:
        return self.run.info.as_of

    def open_items(self) -> list[WorkItem]:
        """The findings of the run (not the resolved ones)."""
        return [i for i in self.items if i.status != RESOLVED]

    def counts(self) -> Counter[tuple[str, str]]:
        """How many findings per (severity, status), resolved ones included."""
        return Counter((i.finding.severity, i.status) for i in self.items)

    def by_status(self) -> dict[str, int]:
        """How many findings per status (every status present, zero or not)."""
        found = Counter(i.status for i in self.items)
        return {status: found.get(status, 0) for status in WORK_STATUSES}


def days_between(first: date | None, last: date) -> int | None:
    """Whole days from ``first`` to ``last`` (never negative), or None if ``first`` is unknown."""
    return max(0, (last - first).days) if first is not None else None


def build_worklist(run: AuditRun, reviews: Reviews, previous: AuditRun | None = None) -> Worklist:
    """The worklist of ``run``, given the reviews and the latest run of the quarter before it.

    Each finding's status is decided as :func:`audits.exports.report_items` decides it (a waiver
    covering the audit, else an acknowledgement of the quarter), looked up once per finding.
    """
    quarter, as_of = run.info.quarter, run.info.as_of
    limit = run.settings.waiver_max_days  # (a waiver stored longer runs out there)
    items: list[WorkItem] = []
    reported: list[ReportItem] = []
    waivers, acks = reviews.waivers, reviews.acks
    ages: dict[date | None, int | None] = {}  # a run's findings share a few first days
    for finding in run.findings:
        key = finding.key
        first = finding.first_seen
        days = ages.get(first, -1)
        if days == -1:
            days = ages[first] = days_between(first, as_of)
        if key in waivers and (waiver := reviews.waiver(key, quarter, as_of, limit)) is not None:
            ack = acks.get((quarter, key))
            items.append(WorkItem(finding, WAIVED, days, ack, waiver))
            note = t_waived(waiver.reason, waiver.name, waiver.until)
            reported.append(ReportItem(finding, WAIVED, note))
        elif (ack := acks.get((quarter, key)) if acks else None) is not None:
            items.append(WorkItem(finding, ACKNOWLEDGED, days, ack))
            reported.append(ReportItem(finding, ACKNOWLEDGED, ack.note))
        else:
            items.append(WorkItem(finding, OPEN, days))
            note = reviews.ran_out_note(key, quarter, as_of, limit) if key in waivers else ""
            reported.append(ReportItem(finding, OPEN, note))
    diff = None
    if previous is not None:
        diff = diff_findings(previous.info, previous.findings, run.info, run.findings)
        last_seen = previous.info.as_of
        items += [
            WorkItem(f, RESOLVED, days_between(f.first_seen, last_seen)) for f in diff.resolved
        ]
    return Worklist(run, tuple(items), tuple(reported), previous, diff)


def t_waived(reason: str, name: str, until: date) -> str:
    """The note of a waived finding, as the exports show it."""
    return t("audit.waived_note", reason=reason, name=name, until=until)
