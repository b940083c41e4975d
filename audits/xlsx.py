"""Excel workbooks for the audit's readable exports: sheets of text, never of formulas.

Every cell is written as a string (``write_string``, and ``strings_to_formulas`` off), so no value
from the register (a handle ``=HYPERLINK(...)``, a department ``=cmd|...``) can become a formula,
whatever it holds. Each sheet gets a bold, frozen header row and a filter over its rows.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

#: What Excel does not allow in a sheet name; a name is at most 31 characters.
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
_MAX_WIDTH = 80


@dataclass(frozen=True)
class Sheet:
    """One sheet: its name, its header row and its rows (all text)."""

    name: str
    header: Sequence[str]
    rows: Iterable[Sequence[str]]


def sheet_name(text: str) -> str:
    """``text`` as Excel accepts a sheet name (no ``[]:*?/\\``, at most 31 characters)."""
    return _SHEET_NAME_BAD.sub("_", text).strip("'")[:31] or "_"


def workbook(sheets: Sequence[Sheet]) -> bytes:
    """The bytes of an .xlsx file holding ``sheets`` in order."""
    import xlsxwriter  # only the xlsx exports need it

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    bold = book.add_format({"bold": True})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    used: set[str] = set()
    for sheet in sheets:
        name = _unique(sheet_name(sheet.name), used)
        _write_sheet(book.add_worksheet(name), sheet, bold, wrap)
    book.close()
    return buffer.getvalue()


def _unique(name: str, used: set[str]) -> str:
    candidate, number = name, 2
    while candidate.casefold() in used:
        suffix = f" ({number})"
        candidate, number = name[: 31 - len(suffix)] + suffix, number + 1
    used.add(candidate.casefold())
    return candidate


def _write_sheet(sheet: Any, spec: Sheet, bold: Any, wrap: Any) -> None:
    write = sheet.write_string
    widths = [len(c) for c in spec.header]
    for column, name in enumerate(spec.header):
        write(0, column, name, bold)
    count = 0
    for count, row in enumerate(spec.rows, start=1):
        for column, value in enumerate(row):
            if len(value) > _MAX_WIDTH:
                write(count, column, value, wrap)
            else:
                write(count, column, value)
            widths[column] = max(widths[column], min(len(value), _MAX_WIDTH))
    for column, width in enumerate(widths):
        sheet.set_column(column, column, width + 2)
    sheet.freeze_panes(1, 0)
    if spec.header:
        sheet.autofilter(0, 0, count, len(spec.header) - 1)
