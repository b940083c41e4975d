"""The accounts CSV: the register's own exchange format (it carries editors' names and e-mails)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from governance.accounts_xlsx import is_xlsx, read_xlsx_table
from governance.csvio import RepeatedRows, read_csv, write_csv
from governance.errors import FieldError, ImportRefused, RowProblem
from governance.fields import (
    ACCOUNT_FIELD_PARSERS,
    check_platform_id,
    format_value,
    parse_people,
)
from governance.model import EXCHANGED_FIELDS, OPTIONAL_EXCHANGED_FIELDS, Account
from governance.register import AccountRow

#: The columns, derived from the model: EXCHANGED_FIELDS in order, the optional ones last.
ALL_COLUMNS: tuple[str, ...] = EXCHANGED_FIELDS
REQUIRED_COLUMNS = tuple(c for c in ALL_COLUMNS if c not in OPTIONAL_EXCHANGED_FIELDS)
OPTIONAL_COLUMNS = tuple(c for c in ALL_COLUMNS if c in OPTIONAL_EXCHANGED_FIELDS)


def read_account_rows(
    path: Path, data: bytes | None = None, stored_ids: Mapping[str, str] | None = None
) -> list[AccountRow]:
    """Parse an accounts CSV or workbook (.xlsx, :mod:`governance.accounts_xlsx`); every bad cell
    is reported with its line (a workbook's sheet row) and field, or none is.

    ``data``, when given, is the file's content (standard input) and ``path`` only names it.
    A ``platform_id`` must be of its platform's id form (never a spreadsheet's 3.57E+17) when it
    is new or changed: ``stored_ids`` (``PLATFORM:HANDLE`` -> the register's id) says which are
    (None: every id is checked), so a register already holding odd ids still round-trips.
    """
    reader = read_xlsx_table if is_xlsx(path, data) else read_csv
    table = reader(path, required=REQUIRED_COLUMNS, optional=OPTIONAL_COLUMNS, data=data)
    problems: list[RowProblem] = list(table.problems)
    rows: list[AccountRow] = []
    repeated = RepeatedRows[str]("handle", "field.duplicate_in_file")
    for line, cells in table.rows:
        row = _parse_row(line, cells, problems)
        if row is None:
            continue
        ref = f"{row.values['platform']}:{row.values['handle']}"
        repeat = repeated.check(ref, line, ref=ref)
        if repeat is not None:
            problems.append(repeat)
            continue
        new_id = row.values.get("platform_id", "")
        if stored_ids is None or stored_ids.get(ref, "") != new_id:
            try:
                check_platform_id(row.values["platform"], new_id)
            except FieldError as error:
                problems.append(RowProblem(line, error.field, error.reason))
                continue
        rows.append(row)
    if problems:
        raise ImportRefused(table.path, sorted(problems, key=lambda p: p.line))
    return rows


def _parse_row(line: int, cells: dict[str, str], problems: list[RowProblem]) -> AccountRow | None:
    """One row's cells as typed values, or None with every bad cell added to ``problems``."""
    values: dict[str, Any] = {}
    editors = None
    bad = False
    for column, text in cells.items():
        try:
            if column == "editors":
                editors = parse_people(text)
            else:
                values[column] = ACCOUNT_FIELD_PARSERS[column](text)
        except FieldError as error:
            problems.append(RowProblem(line, error.field, error.reason))
            bad = True
    return None if bad else AccountRow(line=line, values=values, editors=editors)


def account_cells(account: Account) -> list[str]:
    """One account as the cells of an accounts CSV row, in ALL_COLUMNS order."""
    cells = []
    for column in ALL_COLUMNS:
        if column == "editors":
            cells.append("|".join(str(e) for e in account.editors))
        else:
            cells.append(format_value(getattr(account, column)))
    return cells


def write_accounts_csv(path: Path, accounts: Sequence[Account], delimiter: str = ";") -> None:
    """Write the accounts CSV (Swedish Excel: BOM, ``;``, CRLF; formula-safe)."""
    write_csv(path, ALL_COLUMNS, (account_cells(a) for a in accounts), delimiter)
