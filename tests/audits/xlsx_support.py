"""Read back the workbooks Kontokoll writes: with openpyxl if installed, else from the zip's XML."""

from __future__ import annotations

import io
import re
import zipfile
from xml.etree import ElementTree

_NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def sheets(data: bytes) -> dict[str, list[list[str]]]:
    """Sheet name -> its rows of cell texts (empty cells as "")."""
    try:
        import openpyxl
    except ImportError:
        return _from_zip(data)
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return {
        sheet.title: [
            ["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)
        ]
        for sheet in book.worksheets
    }


def _from_zip(data: bytes) -> dict[str, list[list[str]]]:
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        shared = [
            "".join(t.text or "" for t in si.iter(f"{{{_NS['m']}}}t"))
            for si in ElementTree.fromstring(book.read("xl/sharedStrings.xml")).findall("m:si", _NS)
        ]
        workbook = ElementTree.fromstring(book.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(book.read("xl/_rels/workbook.xml.rels"))
        targets = {r.get("Id"): r.get("Target") for r in rels}
        result = {}
        for sheet in workbook.find("m:sheets", _NS) or []:
            target = str(targets[sheet.get(_REL)]).removeprefix("/xl/")
            root = ElementTree.fromstring(book.read(f"xl/{target}"))
            result[str(sheet.get("name"))] = _rows(root, shared)
    return result


def _rows(root: ElementTree.Element, shared: list[str]) -> list[list[str]]:
    rows = []
    for row in root.iter(f"{{{_NS['m']}}}row"):
        cells: dict[int, str] = {}
        for cell in row.findall("m:c", _NS):
            column = _column(str(cell.get("r")))
            value = cell.find("m:v", _NS)
            text = value.text if value is not None and value.text else ""
            cells[column] = shared[int(text)] if cell.get("t") == "s" and text else text
        rows.append([cells.get(i, "") for i in range(max(cells, default=-1) + 1)])
    return rows


def _column(ref: str) -> int:
    letters = re.match(r"[A-Z]+", ref)
    number = 0
    for letter in letters[0] if letters else "A":
        number = number * 26 + ord(letter) - 64
    return number - 1


def has_formulas(data: bytes) -> bool:
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        names = [n for n in book.namelist() if n.startswith("xl/worksheets/")]
        return any(b"<f>" in book.read(n) for n in names)
