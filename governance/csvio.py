"""CSV files the way Swedish Excel reads and writes them, and safely.

Written files are UTF-8 with a BOM (so Excel detects the encoding), ``;``-separated (Excel's list
separator in a Swedish locale) with CRLF line ends. Read files may use ``,`` or ``;``, with or
without a BOM. Any cell that a spreadsheet would take as a formula is prefixed with ``'``; reading
removes that prefix again, so export → import gives back the exact values. A control or bidi
character, which no stored value should hold, is written as a visible escape, never raw.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from governance.errors import ImportRefused, InputError, RowProblem
from governance.i18n import t
from governance.input_limit import read_file_bounded
from governance.storage.files import write_atomic
from governance.text_safety import visible_in_text

if TYPE_CHECKING:
    from _csv import Reader as _CsvReader

K = TypeVar("K")

_FORMULA = re.compile(r"^'*[=+\-@\t\r]")
_ESCAPED = re.compile(r"^'+[=+\-@\t\r]")


def escape_cell(value: str) -> str:
    """Make a cell inert in a spreadsheet: prefix ``'`` to what would start a formula, and show
    every control or bidi character as an escape (``\\x1b``, ``\\u202e``; line feeds and tabs
    stay). The store refuses such characters on the way in, but a platform's answer or an older
    Kontokoll may have left one, and no exported file may carry it raw."""
    value = visible_in_text(value)
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
    text = _decode(path, name, data)
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    header = _read_header(reader, name)
    problems = _header_problems(header, required, optional)
    if problems:
        raise ImportRefused(name, problems)
    rows, stopped = _read_rows(reader, header, problems)
    if stopped is not None:
        problems.append(_syntax_problem(*stopped, text, header, delimiter))
    return CsvTable(name, header, rows, problems)


def _decode(path: Path, name: str, data: bytes | None) -> str:
    """The file's text (``data``, when given, is standard input and ``path`` only names it);
    a missing file or one that is not UTF-8 is refused naming the file (and the line)."""
    try:
        raw = read_file_bounded(path) if data is None else data
        return raw.decode("utf-8-sig")
    except (FileNotFoundError, IsADirectoryError):
        raise InputError("error.file_not_found", path=name) from None
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise InputError("error.not_utf8", path=name, line=line) from None


def _read_header(reader: _CsvReader, name: str) -> list[str]:
    """The column names, unescaped, trimmed and in lower case (people type headers by hand)."""
    try:
        return [unescape_cell(h).strip().lower() for h in next(reader)]
    except StopIteration:
        raise InputError("error.empty_file", path=name) from None
    except csv.Error as error:
        raise InputError("error.csv_syntax", path=name, line=1, detail=_described(error)) from None


def _header_problems(
    header: list[str], required: Sequence[str], optional: Sequence[str]
) -> list[RowProblem]:
    """Every problem of the header at once: missing, unknown and repeated columns (line 1)."""
    problems = [
        RowProblem(1, col, t("field.missing_column")) for col in required if col not in header
    ]
    known = set(required) | set(optional)
    allowed = ", ".join(dict.fromkeys((*required, *optional)))  # in the file's own order
    problems += [
        RowProblem(1, col or "?", t("field.unknown_column", allowed=allowed))
        for col in header
        if col not in known
    ]
    problems += [
        RowProblem(1, col, t("field.repeated_column"))
        for col in set(header)
        if header.count(col) > 1
    ]
    return problems


def _read_rows(
    reader: _CsvReader, header: list[str], problems: list[RowProblem]
) -> tuple[list[tuple[int, dict[str, str]]], tuple[int, csv.Error] | None]:
    """The data rows with the line each starts on (a quoted cell may span lines), and the line
    and error of a syntax error that stopped the reading; blank rows are skipped, and a row of
    the wrong width is added to ``problems``."""
    rows: list[tuple[int, dict[str, str]]] = []
    while True:
        line = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            return rows, (line, error)
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            problems.append(
                RowProblem(line, "-", t("field.cell_count", found=len(cells), expected=len(header)))
            )
            continue
        rows.append((line, {h: unescape_cell(c) for h, c in zip(header, cells, strict=True)}))
    return rows, None


_UNCLOSED = "unexpected end of data"  # the csv module's words for a quote never closed
_TOO_LARGE = re.compile(r"field larger than field limit \((\d+)\)")


def _described(error: csv.Error) -> str:
    """The csv module's complaint in the user's language (its own words only if unknown)."""
    detail = str(error)
    if detail == _UNCLOSED:
        return t("f9d_csv.unclosed")
    if detail.endswith("expected after '\"'"):
        return t("f9d_csv.after_quote")
    too_large = _TOO_LARGE.fullmatch(detail)
    if too_large:
        return t("f9d_csv.too_large", limit=too_large[1])
    return detail


def _syntax_problem(
    line: int, error: csv.Error, text: str, header: list[str], delimiter: str
) -> RowProblem:
    """The row (from ``line`` on) the csv module could not read. A quote never closed is named by
    its column and the line its cell begins on (the row may start lines earlier; the cell runs
    to the end of the file)."""
    if str(error) != _UNCLOSED:
        return RowProblem(line, "-", t("error.csv_cell", detail=_described(error)))
    rest = io.StringIO(text, newline="")  # (the line ends the reader counted)
    for _ in range(line - 1):
        rest.readline()
    # Read without strict, the row ends at the end of the file: its last cell is the open one.
    cells = next(csv.reader(rest, delimiter=delimiter), [""])
    before = "".join(cells[:-1])
    line += before.count("\n") + before.count("\r") - before.count("\r\n")
    column = header[len(cells) - 1] if len(cells) <= len(header) else str(len(cells))
    return RowProblem(line, column, t("f9d_csv.unclosed_cell"))


class RepeatedRows(Generic[K]):
    """The in-file duplicate check of an import: a row whose key an earlier row of the same file
    already had is refused, naming that earlier line, so that a file never says two different
    things about one account (or one account's month) and the import stays all or nothing.

    ``field`` is the column the problem is reported on; ``message`` is the catalogue key of the
    reason, which gets the earlier ``line`` and the ``params`` of :meth:`check`.
    """

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        self._first_line: dict[K, int] = {}

    def check(self, key: K, line: int, **params: Any) -> RowProblem | None:
        """None for the first row with ``key`` (which is remembered), else the problem."""
        if key in self._first_line:
            reason = t(self.message, line=self._first_line[key], **params)
            return RowProblem(line, self.field, reason)
        self._first_line[key] = line
        return None
