"""The accounts table's texts: its columns, each row's cell texts and what the filter searches.

Kept apart from the widget (screens.widgets.account_table) so that the rows' texts can be made
and tested without Textual, and so that each stays a small module.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from governance.i18n import t
from governance.text_safety import visible
from screens.view_models import AccountSummary, rule_title

UNKNOWN = "–"


@dataclass(frozen=True, slots=True)
class Column:
    """One column: the summary attribute it shows, its minimum width and its share of spare room."""

    key: str
    label_key: str
    min_width: int
    flex: int = 0
    right: bool = False


COLUMNS: tuple[Column, ...] = (
    Column("platform", "tui.col.platform", 9),
    Column("handle", "tui.col.handle", 14, flex=4),
    Column("department", "col.department", 14, flex=5),
    Column("visibility", "col.visibility", 6),
    Column("status", "col.status", 9),
    Column("editors", "col.editors", 3, right=True),
    Column("last_post", "tui.col.last_post", 10),
    Column("followers", "tui.col.followers", 7, right=True),
    Column("rules", "tui.col.rules", 6, flex=1),
)


def format_count(value: int | None) -> str:
    """A count with a space between thousands (Swedish style), or the unknown mark."""
    if value is None:
        return UNKNOWN
    return f"{value:,}".replace(",", "\u00a0")


#: Audited and breaking no rule (not "0", which would read as a count in a column of names).
NO_FINDINGS = "✓"


class RowTexts:
    """Turns rows into their cell texts, translating each distinct value once.

    Translating is the dear part of a row (about 0.3 s of CPU for 10,000 rows when every row
    asks again), yet a register has a handful of visibilities, statuses and rule combinations.
    One instance serves one batch of rows, in the language of the moment: a language switch
    rebuilds the rows with a new one.
    """

    def __init__(self) -> None:
        self._words: dict[str, str] = {}
        self._rules: dict[tuple[str, ...], str] = {}
        self._departments: dict[str, str] = {}

    def word(self, key: str) -> str:
        """The translation of ``key``, looked up once."""
        found = self._words.get(key)
        if found is None:
            found = self._words[key] = t(key)
        return found

    def rules(self, rules: tuple[str, ...] | None) -> str:
        """The rules column: the rules' titles, the no-findings mark, or unknown (not audited)."""
        if rules is None:
            return UNKNOWN
        found = self._rules.get(rules)
        if found is None:
            found = self._rules[rules] = ", ".join(rule_title(r) for r in rules) or NO_FINDINGS
        return found

    def department(self, name: str) -> str:
        """A department's name as shown (a register has a few dozen, on thousands of rows)."""
        found = self._departments.get(name)
        if found is None:
            found = self._departments[name] = visible(name)
        return found

    def cells(self, summary: AccountSummary) -> tuple[str, ...]:
        """The texts of one row, in column order."""
        return (
            summary.platform,
            visible(summary.handle),  # drawn as segments (never markup), but never raw controls
            self.department(summary.department),
            self.word(f"value.{summary.visibility}"),
            self.word(f"value.{summary.status}"),
            str(summary.editors),
            summary.last_post.isoformat() if summary.last_post else UNKNOWN,
            format_count(summary.followers),
            self.rules(summary.rules),
        )

    def haystack(self, summary: AccountSummary) -> str:
        """What the filter searches in a row: its reference and every cell, case-folded (in
        one string, built without the cells' tuple: this runs for every row of the register)."""
        return (
            f"{summary.ref}\t{summary.platform}\t{visible(summary.handle)}\t"
            f"{self.department(summary.department)}\t{self.word(f'value.{summary.visibility}')}\t"
            f"{self.word(f'value.{summary.status}')}\t{summary.editors}\t"
            f"{summary.last_post.isoformat() if summary.last_post else UNKNOWN}\t"
            f"{format_count(summary.followers)}\t{self.rules(summary.rules)}"
        ).casefold()


def cells_of(summary: AccountSummary) -> tuple[str, ...]:
    """The texts of one row, in column order."""
    return RowTexts().cells(summary)


def sort_key(summary: AccountSummary, column: str) -> Any:
    """The value a column sorts by; ``None`` (unknown) always sorts last."""
    return sort_keys([summary], column)[0]


def sort_keys(summaries: Sequence[AccountSummary], column: str) -> list[Any]:
    """:func:`sort_key` of every row, a column at a time (one attribute fetch in C per row)."""
    values = list(map(attrgetter(column), summaries))
    if column == "rules":
        return [None if value is None else len(value) for value in values]
    return [value.casefold() if isinstance(value, str) else value for value in values]
