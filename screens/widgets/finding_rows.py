"""The worklist's rows: one finding each, as plain texts in column order, with its sort keys.

Built once per read of the worklist (15,000 findings take a few tens of milliseconds), so that
drawing, filtering and sorting never render a message or look up a title again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from rich.cells import cell_len

from audits.engine import SEVERITY_ORDER
from audits.worklist import RESOLVED, WORK_STATUSES, WorkItem
from governance.i18n import t
from governance.text_safety import visible
from screens.view_models import rule_title

UNKNOWN = "–"


@dataclass(frozen=True, slots=True)
class Column:
    """One column: its key, heading, minimum width, share of spare room, and when it goes.

    ``drop`` orders what a narrow terminal leaves out first (0: never left out).
    """

    key: str
    label_key: str
    min_width: int
    flex: int = 0
    right: bool = False
    drop: int = 0


COLUMNS: tuple[Column, ...] = (
    Column("mark", "worklist.col.mark", 1),
    Column("account", "worklist.col.account", 14, flex=4),
    Column("department", "worklist.col.department", 10, flex=3, drop=1),
    Column("rule", "worklist.col.rule", 14, flex=3),
    Column("severity", "worklist.col.severity", 7),
    Column("status", "worklist.col.status", 10),
    Column("first_seen", "worklist.col.first_seen", 10, drop=3),
    Column("days_open", "worklist.col.days_open", 5, right=True),
    # Who answers for it: the department, or Kontaktcenter (audits.responsibility). Last, so
    # the columns before it keep their places.
    Column("responsible", "responsibility.col.responsible", 10, flex=2, drop=2),
)
SORTABLE = tuple(c.key for c in COLUMNS if c.key != "mark")


def status_label(status: str) -> str:
    """öppen, kvitterad, undantagen or åtgärdad (in the current language)."""
    if status == RESOLVED:
        return t("worklist.status.resolved")
    return t(f"audit.status.{status}")


def register_label() -> str:
    """How a register-level finding names its "account"."""
    return t("audit.register_scope")


@dataclass(frozen=True, slots=True)
class FindingRow:
    """One line of the worklist."""

    item: WorkItem
    cells: tuple[str, ...]  # without the mark column
    haystack: str  # every cell, case-folded, for the filter

    @property
    def key(self) -> str:
        return self.item.key

    @property
    def department(self) -> str:
        return self.item.finding.department

    @property
    def responsible(self) -> str:
        """The department that answers for the finding ("" for the register's own)."""
        return self.item.finding.responsible

    @property
    def rule(self) -> str:
        return self.item.finding.rule

    @property
    def severity(self) -> str:
        return self.item.finding.severity

    @property
    def status(self) -> str:
        return self.item.status


class _Labels:
    """The texts many rows share (rule titles, severities, statuses, departments), each looked
    up once per build rather than once per row."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, str], str] = {}

    def get(self, kind: str, value: str) -> str:
        found = self._cache.get((kind, value))
        if found is None:
            if kind == "rule":
                found = rule_title(value)
            elif kind == "severity":
                found = t(f"audit.severity.{value}")
            elif kind == "status":
                found = status_label(value)
            else:
                found = visible(value) if value else register_label()
            self._cache[(kind, value)] = found
        return found


def row_of(item: WorkItem, labels: _Labels | None = None) -> FindingRow:
    """The row of one worklist item; the filter matches what the row shows."""
    labels = labels or _Labels()
    finding = item.finding
    first: date | None = finding.first_seen
    cells = (
        visible(finding.ref) if finding.ref else labels.get("department", ""),
        labels.get("department", finding.department),
        labels.get("rule", finding.rule),
        labels.get("severity", finding.severity),
        labels.get("status", item.status),
        first.isoformat() if first is not None else UNKNOWN,
        str(item.days_open) if item.days_open is not None else UNKNOWN,
        labels.get("department", finding.responsible),
    )
    return FindingRow(item, cells, "\t".join(cells).casefold())


def rows_of(items: Sequence[WorkItem]) -> list[FindingRow]:
    """The rows of every worklist item, in the worklist's order."""
    labels = _Labels()
    return [row_of(item, labels) for item in items]


def sort_key(row: FindingRow, column: str) -> Any:
    """The value a column sorts by; ``None`` (unknown) always sorts last."""
    item = row.item
    if column == "severity":
        return SEVERITY_ORDER.get(item.finding.severity, 9)
    if column == "status":
        return WORK_STATUSES.index(item.status)
    if column == "first_seen":
        return item.finding.first_seen
    if column == "days_open":
        return item.days_open
    index = SORTABLE.index(column)
    return row.cells[index].casefold()


def group_key(row: FindingRow, grouping: str) -> str:
    """The group a row belongs to: its rule id or its department."""
    return row.rule if grouping == "rule" else row.department


def group_label(key: str, grouping: str, count: int) -> str:
    """A group's heading line."""
    if grouping == "rule":
        return t("worklist.group_heading", name=rule_title(key), count=count)
    name = visible(key) if key else register_label()
    return t("worklist.group_heading", name=name, count=count)


def column_layout(width: int) -> tuple[tuple[Column, ...], list[int]]:
    """The columns that fit ``width`` and each one's width: a narrow terminal leaves out the
    least needed columns, and what is left over goes to the flexible ones."""
    columns = list(COLUMNS)
    widths = [max(c.min_width, cell_len(t(c.label_key)) + 1) for c in columns]
    while sum(widths) + len(columns) + 1 > width and any(c.drop for c in columns):
        worst = max(range(len(columns)), key=lambda i: columns[i].drop)
        del columns[worst], widths[worst]
    spare = width - sum(widths) - len(columns) - 1
    flex_total = sum(c.flex for c in columns)
    if spare > 0 and flex_total:
        for index, column in enumerate(columns):
            widths[index] += spare * column.flex // flex_total
    return tuple(columns), widths
