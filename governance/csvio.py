"""CSV files the way Swedish Excel reads and writes them, and safely.

Written files are UTF-8 with a BOM (so Excel detects the encoding), ``;``-separated (Excel's list
separator in a Swedish locale) with CRLF line ends. Read files may use ``,`` or ``;``, with or
without a BOM. Any cell that a spreadsheet would take as a formula is prefixed with ``'``; reading
removes that prefix again, so export → import gives back the exact values.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from governance.errors import ImportRefused, InputError, RowProblem
from governance.i18n import t
from governance.storage.files import write_atomic

_FORMULA = re.compile(r"^'*[=+\-@\t\r]")
_ESCAPED = re.compile(r"^'+[=+\-@\t\r]")


def escape_cell(value: str) -> str:
    """Make a cell inert in a spreadsheet: prefix ``'`` to what would start a formula."""
    return "'" + value if _FORMULA.match(value) else value


def unescape_cell(value: str) -> str:
    """Undo :func:`escape_cell`."""
    return value[1:] if _ESCAPED.match(value) else value


def render_csv(header: Sequence[str], rows: Iterable[Sequence[str]], delimiter: str = ";") -> bytes:
    """The bytes of a formula-safe CSV file for Swedish Excel (BOM, CRLF)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([escape_cell(h) for h in header])
    for row in rows:
        writer.writerow([escape_cell(cell) for cell in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def write_csv(
    path: Path,
    header: Sequence[str],
    rows: Iterable[Sequence[str]],
    delimiter: str = ";",
    *,
    mode: int = 0o600,
) -> None:
    """Write a formula-safe CSV file atomically (a crash never leaves half a file)."""
    write_atomic(path, render_csv(header, rows, delimiter), mode=mode)


@dataclass(frozen=True)
class CsvTable:
    """A read CSV file: its header, its data rows (each with the line it starts on), and the
    problems of rows that could not be read at all (the caller adds its own and refuses)."""

    path: str
    header: list[str]
    rows: list[tuple[int, dict[str, str]]]
    problems: list[RowProblem]


def read_csv(
    path: Path,
    *,
    required: Sequence[str],
    optional: Sequence[str] = (),
    data: bytes | None = None,
) -> CsvTable:
    """Read a CSV file, checking its header; raise InputError naming the file and line.

    A bad header refuses the file at once; rows with the wrong number of cells are returned as
    problems, so that the caller can report them together with its own field checks.
    """
    name = str(path)
    try:
        raw = path.read_bytes() if data is None else data  # data: standard input, named by path
        text = raw.decode("utf-8-sig")
    except FileNotFoundError:
        raise InputError("error.file_not_found", path=name) from None
    except IsADirectoryError:
        raise InputError("error.file_not_found", path=name) from None
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise InputError("error.not_utf8", path=name, line=line) from None
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = [unescape_cell(h).strip().lower() for h in next(reader)]
    except StopIteration:
        raise InputError("error.empty_file", path=name) from None
    except csv.Error as error:
        raise InputError("error.csv_syntax", path=name, line=1, detail=str(error)) from None
    problems = [
        RowProblem(1, col, t("field.missing_column")) for col in required if col not in header
    ]
    known = set(required) | set(optional)
    problems += [
        RowProblem(1, col or "?", t("field.unknown_column", allowed=", ".join(known)))
        for col in header
        if col not in known
    ]
    problems += [
        RowProblem(1, col, t("field.repeated_column"))
        for col in set(header)
        if header.count(col) > 1
    ]
    if problems:
        raise ImportRefused(name, problems)
    rows: list[tuple[int, dict[str, str]]] = []
    line = 1
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            problems.append(RowProblem(start, "-", t("error.csv_cell", detail=str(error))))
            break
        line = start
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            problems.append(
                RowProblem(line, "-", t("field.cell_count", found=len(cells), expected=len(header)))
            )
            continue
        rows.append((line, {h: unescape_cell(c) for h, c in zip(header, cells, strict=True)}))
    return CsvTable(name, header, rows, problems)
