"""The accounts exchange format as an Excel workbook, so that a spreadsheet loses nothing.

A spreadsheet opening the accounts CSV reads an 18-digit X id as 3.5718449604286E+17 and saves it
so. The workbook avoids that at both ends:

- :func:`render_accounts_xlsx` writes every cell as text (and formats every column as text, so a
  typed-in id stays text too), with the CSV's column names as its header row, the editors cell in
  the CSV's ``Name <email>|...`` form, and drop-down lists for platform, visibility, status and
  goals. Text cells are never formulas, so no cell needs the CSV's ``'`` prefix.
- :func:`read_xlsx_table` reads the first sheet (openpyxl, read-only) into the same
  :class:`~governance.csvio.CsvTable` the CSV reader gives, the line of a row being its sheet
  row, so the import checks both alike. A number a spreadsheet stored in a cell anyway is read
  as the spreadsheet shows it: a whole number below 10^15 as its digits, anything longer in
  scientific notation, which the platform-id check then refuses (its digits are lost).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from itertools import combinations
from pathlib import Path
from typing import Any

from governance.csvio import CsvTable, _header_problems
from governance.errors import ImportRefused, InputError, RowProblem
from governance.fields import CATEGORIES, GOALS, PLATFORMS, STATUSES, VISIBILITIES
from governance.i18n import t
from governance.input_limit import check_unpacked, read_file_bounded

#: An xlsx file is a zip archive.
ZIP_MAGIC = b"PK\x03\x04"
#: Rows below the accounts that keep the drop-down lists, for accounts typed in.
SPARE_ROWS = 200
#: Spreadsheets keep 15 significant digits: a longer number has lost some.
EXACT_DIGITS = 15


def is_xlsx(path: Path, data: bytes | None) -> bool:
    """Whether an import reads a workbook: by the file's name, or standard input's first bytes."""
    return path.suffix.lower() == ".xlsx" or (data is not None and data.startswith(ZIP_MAGIC))


def _choices() -> dict[str, list[str]]:
    """The drop-down list of each column that has one (goals: every combination, in order)."""
    goals = ["|".join(c) for n in range(1, len(GOALS) + 1) for c in combinations(GOALS, n)]
    return {"platform": list(PLATFORMS), "visibility": list(VISIBILITIES),
            "status": list(STATUSES), "goals": goals}


def render_accounts_xlsx(header: Sequence[str], rows: Iterable[Sequence[str]]) -> bytes:
    """The workbook's bytes: one sheet, ``header`` then ``rows``, every cell text."""
    import xlsxwriter  # here, not at the top: every command imports this module, few write xlsx

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False,
                                        "strings_to_formulas": False, "strings_to_urls": False})
    sheet = book.add_worksheet("konton")
    as_text = book.add_format({"num_format": "@"})
    bold = book.add_format({"bold": True, "num_format": "@"})
    sheet.set_column(0, len(header) - 1, 22, as_text)
    for column, name in enumerate(header):
        sheet.write_string(0, column, name, bold)
    count = 0
    for count, cells in enumerate(rows, start=1):
        for column, value in enumerate(cells):
            sheet.write_string(count, column, value, as_text)
    last = count + SPARE_ROWS
    for name, allowed in _choices().items():
        if name in header:
            column = list(header).index(name)
            sheet.data_validation(1, column, last, column, {
                "validate": "list", "source": allowed, "ignore_blank": True,
            })
    if "categories" in header:  # 31 combinations are too many for a list: a hint instead
        column = list(header).index("categories")
        sheet.data_validation(1, column, last, column, {
            "validate": "any", "input_title": "categories", "input_message": "|".join(CATEGORIES),
        })
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(count, 1), len(header) - 1)
    book.close()
    return buffer.getvalue()


def read_xlsx_table(
    path: Path, *, required: Sequence[str], optional: Sequence[str] = (),
    data: bytes | None = None,
) -> CsvTable:
    """The first sheet of a workbook as a table (see the module); ``data`` as for read_csv."""
    # Here, not at the top: openpyxl takes ~0.1 s to import, and every command imports this.
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    name = str(path)
    try:
        raw = read_file_bounded(path) if data is None else data
    except (FileNotFoundError, IsADirectoryError):
        raise InputError("error.file_not_found", path=name) from None
    try:
        check_unpacked(zipfile.ZipFile(io.BytesIO(raw)).infolist(), name)  # (a zip bomb)
        # Formulas as written (not their cached values): a cell holding one is refused below.
        book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError,
            SyntaxError) as error:  # (SyntaxError: XML's ParseError, a DTD or entity bomb too)
        raise _not_xlsx(name, error) from None
    try:
        if not book.worksheets:
            raise ImportRefused(name, [RowProblem(1, "-", t("identity.field.no_sheet"))])
        lines, formulas = _sheet_lines(book.worksheets[0])
    except SyntaxError as error:  # a sheet's XML is parsed only now, row by row
        raise _not_xlsx(name, error) from None
    finally:
        book.close()
    if not lines:
        raise InputError("error.empty_file", path=name)
    header = [h.strip().lower() for h in _trimmed(lines[0][1])]
    problems = _header_problems(header, required, optional)
    if problems:
        raise ImportRefused(name, problems)
    problems += _formula_problems(formulas, header)
    refused = {problem.line for problem in problems}
    rows = _rows([line for line in lines[1:] if line[0] not in refused], header, problems)
    return CsvTable(name, header, rows, problems)


def _not_xlsx(name: str, error: Exception) -> ImportRefused:
    problem = RowProblem(1, "-", t("identity.field.not_xlsx", detail=type(error).__name__))
    return ImportRefused(name, [problem])


def _sheet_lines(sheet: Any) -> tuple[list[tuple[int, list[str]]], list[tuple[int, int]]]:
    """Each row's cells as text, and where (row, column) a cell holds a formula.

    A formula's value is what the spreadsheet last computed, if it saved one (a workbook a
    script wrote has none): the import would store a guess or wipe the field, so such a cell
    is refused; the CSV side keeps a cell from being one (``csvio.escape_cell``).
    """
    lines, formulas = [], []
    for n, row in enumerate(sheet.iter_rows(), 1):
        cells = []
        for column, cell in enumerate(row):
            if cell.data_type == "f":
                formulas.append((n, column))
            cells.append(_text(cell.value))
        lines.append((n, cells))
    return lines, formulas


def _formula_problems(formulas: list[tuple[int, int]], header: list[str]) -> list[RowProblem]:
    """A problem per formula cell below the header, named by its column's name."""
    return [
        RowProblem(line, header[column] if column < len(header) else "-", t("xlsx_input.formula"))
        for line, column in formulas
        if line > 1
    ]


def _rows(
    lines: list[tuple[int, list[str]]], header: list[str], problems: list[RowProblem]
) -> list[tuple[int, dict[str, str]]]:
    rows = []
    for line, cells in lines:
        if not any(cell.strip() for cell in cells):
            continue
        cells = cells + [""] * (len(header) - len(cells))
        if any(cell.strip() for cell in cells[len(header):]):
            found = len(_trimmed(cells))
            problems.append(RowProblem(
                line, "-", t("field.cell_count", found=found, expected=len(header))))
            continue
        rows.append((line, dict(zip(header, cells[: len(header)], strict=True))))
    return rows


def _trimmed(cells: list[str]) -> list[str]:
    """Cells without the empty ones at the end (a sheet's used range may run wider)."""
    end = len(cells)
    while end and not cells[end - 1].strip():
        end -= 1
    return cells[:end]


def _text(value: Any) -> str:
    """A cell's value as the text the spreadsheet shows (see the module on numbers)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value) if len(str(abs(value))) <= EXACT_DIGITS else f"{value:.14E}"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 10**EXACT_DIGITS:
            return str(int(value))
        return f"{value:.15G}"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
