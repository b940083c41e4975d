"""The accounts CSV: the register's own exchange format (it carries editors' names and e-mails)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from governance.csvio import read_csv, write_csv
from governance.errors import FieldError, ImportRefused, RowProblem
from governance.fields import ACCOUNT_FIELD_PARSERS, format_value, parse_people
from governance.i18n import t
from governance.model import Account
from governance.register import AccountRow

REQUIRED_COLUMNS = (
    "platform",
    "handle",
    "department",
    "purpose",
    "visibility",
    "closed_reason",
    "project",
    "project_end",
    "editors",
    "url",
    "platform_id",
    "status",
)
OPTIONAL_COLUMNS = ("shared", "goals", "audience", "kc_handles_comments")
ALL_COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS


def read_account_rows(path: Path, data: bytes | None = None) -> list[AccountRow]:
    """Parse an accounts CSV; every bad cell is reported with its line and field, or none is.

    ``data``, when given, is the file's content (standard input) and ``path`` only names it.
    """
    table = read_csv(path, required=REQUIRED_COLUMNS, optional=OPTIONAL_COLUMNS, data=data)
    problems: list[RowProblem] = list(table.problems)
    rows: list[AccountRow] = []
    first_line: dict[str, int] = {}
    for line, cells in table.rows:
        values = {}
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
        if bad:
            continue
        ref = f"{values['platform']}:{values['handle']}"
        if ref in first_line:
            reason = t("field.duplicate_in_file", ref=ref, line=first_line[ref])
            problems.append(RowProblem(line, "handle", reason))
            continue
        first_line[ref] = line
        rows.append(AccountRow(line=line, values=values, editors=editors))
    if problems:
        raise ImportRefused(table.path, sorted(problems, key=lambda p: p.line))
    return rows


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
