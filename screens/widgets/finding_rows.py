"""The worklist's rows: one finding each, as plain texts in column order, with its sort keys.

A row is made for each of a run's (20,000) findings at every read, but its texts only when first
asked for: drawing asks for the few dozen rows on screen, so the first paint no longer waits for
20,000 rows of texts. The text filter needs every row's texts (``haystack``); the worker that
reads the quarter makes them after the first paint (:func:`warm`), and a row keeps them, so
drawing, filtering and sorting never render a message or look up a title twice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from rich.cells import cell_len

from audits.engine import SEVERITY_ORDER
from audits.rules import RULE_ORDER
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


class FindingRow:
    """One line of the worklist: the item, and its texts once asked for (never changed after)."""

    __slots__ = ("_cells", "_haystack", "_labels", "item")

    def __init__(self, item: WorkItem, labels: _Labels | None = None) -> None:
        self.item = item
        self._labels = labels
        self._cells: tuple[str, ...] | None = None
        self._haystack: str | None = None

    @property
    def cells(self) -> tuple[str, ...]:
        """The texts of the columns, without the mark column."""
        cells = self._cells
        if cells is None:
            # Two threads may make them at once (the worker warming, a frame drawing): both
            # make the same texts, so whichever is kept is right.
            cells = self._cells = _cells_of(self.item, self._labels or _Labels())
        return cells

    @property
    def haystack(self) -> str:
        """Every cell, case-folded, for the filter: the filter matches what the row shows."""
        found = self._haystack
        if found is None:
            found = self._haystack = "\t".join(self.cells).casefold()
        return found

    @property
    def key(self) -> str:
        return self.item.finding.key

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
    """The texts many rows share (rule titles, severities, statuses, departments, days), each
    looked up once per read rather than once per row."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, object], str] = {}

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

    def day(self, value: date | None) -> str:
        found = self._cache.get(("day", value))
        if found is None:
            found = self._cache[("day", value)] = value.isoformat() if value else UNKNOWN
        return found


def _cells_of(item: WorkItem, labels: _Labels) -> tuple[str, ...]:
    finding = item.finding
    return (
        visible(finding.ref) if finding.account_id else labels.get("department", ""),
        labels.get("department", finding.department),
        labels.get("rule", finding.rule),
        labels.get("severity", finding.severity),
        labels.get("status", item.status),
        labels.day(finding.first_seen),
        str(item.days_open) if item.days_open is not None else UNKNOWN,
        labels.get("department", finding.responsible),
    )


def row_of(item: WorkItem, labels: _Labels | None = None) -> FindingRow:
    """The row of one worklist item (its texts made when first asked for)."""
    return FindingRow(item, labels)


def rows_of(items: Sequence[WorkItem]) -> list[FindingRow]:
    """The rows of every worklist item, in the worklist's order; they share one label cache."""
    labels = _Labels()
    return [FindingRow(item, labels) for item in items]


def warm(rows: Sequence[FindingRow]) -> None:
    """Make every row's texts now (in a worker, after the first paint), so that the first
    keystroke in the filter box does not make 20,000 rows of texts on the thread that draws."""
    for row in rows:
        _ = row.haystack


#: What the findings are filtered by: the text, the quick filters, the statuses (None: any).
Filters = tuple[str, Mapping[str, str] | None, frozenset[str] | None]
#: The columns whose value may be unknown (None), which sorts last.
MAY_BE_UNKNOWN = frozenset(("first_seen", "days_open"))


def sorted_order(rows: Sequence[FindingRow], column: str, reverse: bool) -> list[int]:
    """The rows' indexes sorted by ``column`` (stable; unknown values last either way)."""
    keys = sort_keys(rows, column)
    if column in MAY_BE_UNKNOWN:
        known = [i for i, k in enumerate(keys) if k is not None]
        unknown = [i for i, k in enumerate(keys) if k is None]
    else:  # (every row has a value: one list, and no pass to split it)
        known, unknown = list(range(len(keys))), []
    known.sort(key=keys.__getitem__, reverse=reverse)
    return known + unknown


def sort_keys(rows: Sequence[FindingRow], column: str) -> list[Any]:
    """Each row's sort key for ``column`` (as :func:`sort_key`); the severity, the default sort,
    in one pass without a call per row (20,000 rows before the first paint)."""
    if column == "severity":
        order = SEVERITY_ORDER
        return [order.get(row.item.finding.severity, 9) for row in rows]
    return [sort_key(row, column) for row in rows]


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


def group_lines(
    rows: Sequence[FindingRow], view: list[int], grouping: str
) -> tuple[list[tuple[str, tuple[int, ...]]], list[int]]:
    """The shown rows (``view``: indexes into ``rows``) grouped by ``rule`` or ``department``:
    each group's (heading, member indexes), and the lines to draw (a row's index, or -1 - the
    group's number for its heading). Not grouped: no groups, and the lines are ``view``."""
    if grouping not in ("rule", "department"):
        return [], view
    buckets: dict[str, list[int]] = {}
    for index in view:
        buckets.setdefault(group_key(rows[index], grouping), []).append(index)
    if grouping == "rule":
        names = sorted(buckets, key=lambda rule: RULE_ORDER.get(rule, 99))
    else:
        names = sorted(buckets, key=str.casefold)
    groups: list[tuple[str, tuple[int, ...]]] = []
    lines: list[int] = []
    for number, name in enumerate(names):
        members = buckets[name]
        groups.append((group_label(name, grouping, len(members)), tuple(members)))
        lines.append(-1 - number)
        lines.extend(members)
    return groups, lines


def shown_selection(
    selected: set[str], rows: Sequence[FindingRow], view: Sequence[int], index: Mapping[str, int]
) -> set[str]:
    """The keys of ``selected`` whose rows are shown (in ``view``) and still to act on;
    ``index`` gives each key's place in ``rows``. The work grows with the selection, not with
    the 20,000 rows a cleared filter shows (whose keys would each be made again)."""
    shown = set(view)  # (ints: a set of 20,000 costs far less than their keys)
    kept = set()
    for key in selected:
        number = index.get(key)
        if number is not None and number in shown and rows[number].item.actionable:
            kept.add(key)
    return kept


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
