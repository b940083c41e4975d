"""What the audit tab shows of one read of a quarter, prepared in the worker that read it.

At 20,000 findings, building the table's rows, counting the summary, listing the departments of
the quick filters and splitting the diff per department took a good part of a second of the
thread that draws; the worker does it now, and the frame only puts the results in place. A row
makes its texts only when drawn or searched (:mod:`screens.widgets.finding_rows`), so the first
paint waits for none of them. Rows of findings that did not change since the last read (after a
waiver of 100, all but 100) are reused.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from audits.diff import DepartmentDiff
from audits.worklist import WorkItem
from governance.heap import settle_survivors
from governance.storage.format import bulk_allocation
from screens.audit.summary import summary_text
from screens.view_models import QuarterAudit
from screens.widgets.finding_rows import FindingRow, row_of, rows_of

#: The quick filters whose choices are the departments the quarter's findings name.
DEPARTMENT_FILTERS = ("department", "responsible")


@dataclass(frozen=True)
class PreparedAudit:
    """One read of a quarter, ready to show."""

    rows: list[FindingRow]
    summary: str
    #: Per quick filter (DEPARTMENT_FILTERS), the departments named, in name order.
    departments: dict[str, list[str]]
    #: The diff per answering department (None: no diff).
    diff_parts: list[DepartmentDiff] | None


def prepare(view: QuarterAudit, shown: Sequence[FindingRow] = ()) -> PreparedAudit:
    """Prepare ``view``; ``shown`` are the rows on screen, reused where nothing changed."""
    items = view.worklist.items if view.worklist is not None else ()
    # The (owning, answering) pairs first: a few hundred, where the findings are 20,000.
    pairs = {(i.finding.department, i.finding.responsible) for i in items}
    departments = {
        name: sorted({pair[index] for pair in pairs}, key=str.casefold)
        for index, name in enumerate(DEPARTMENT_FILTERS)
    }
    return PreparedAudit(
        reused_rows(items, shown),
        summary_text(view),
        departments,
        view.diff.by_department() if view.diff is not None else None,
    )


def read_prepared(
    read: Callable[[], QuarterAudit], shown: Sequence[FindingRow]
) -> tuple[QuarterAudit, PreparedAudit]:
    """``read()`` and :func:`prepare` it, the cyclic collector paused: a run of 20,000 findings
    is 100,000s of objects without a cycle among them, and each pass of the collector while they
    are made walks them all again (a third of the read's time); once made, they are moved out
    of the young generations (:func:`governance.heap.settle_survivors`) for the same reason."""
    with bulk_allocation():
        view = read()
        ready = prepare(view, shown)
        settle_survivors()
    return view, ready


def reused_rows(items: Sequence[WorkItem], shown: Sequence[FindingRow]) -> list[FindingRow]:
    """The rows of ``items``: a shown row where its item is the same finding (the very object:
    the service keeps decoded runs) with the same status, age and review; else a new row."""
    if not shown:
        return rows_of(items)
    before = {id(row.item.finding): row for row in shown}
    rows = []
    for item in items:
        row = before.get(id(item.finding))
        if row is None or not _same(row.item, item):
            row = row_of(item)
        rows.append(row)
    return rows


def _same(old: WorkItem, new: WorkItem) -> bool:
    return (
        old.finding is new.finding
        and old.status == new.status
        and old.days_open == new.days_open
        and old.acknowledgement == new.acknowledgement
        and old.waiver == new.waiver
    )
