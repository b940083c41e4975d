"""An xlsx whose XML declares a DTD with an entity bomb is refused as no workbook, with the
file and line named, the store unchanged and no traceback: in a sheet (parsed row by row, while
importing) and in the workbook part (parsed on opening)."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from governance.accounts_csv import ALL_COLUMNS
from tests.conftest import store_snapshot

Cli = Callable[..., Any]
#: Ten levels of ten: 10^10 expansions of a three-byte text, stopped by the XML parser's limit.
_ENTITIES = "".join(
    f'<!ENTITY e{n} "{"".join(f"&e{n - 1};" for _ in range(10))}">' for n in range(1, 11)
)
BOMB_DTD = f'<!DOCTYPE bomb [<!ENTITY e0 "lol">{_ENTITIES}]>'


def _bombed_workbook(tmp_path: Path, part: str) -> Path:
    """A real workbook whose ``part`` carries the bomb, used in its first text."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(ALL_COLUMNS[:12]))
    sheet.append(["facebook", "kultur"])
    plain = tmp_path / "plain.xlsx"
    book.save(plain)
    bombed = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(bombed, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == part:
                text = data.decode("utf-8")
                body_at = text.index("?>") + 2 if text.startswith("<?xml") else 0
                root_end = text.index(">", body_at + 1) + 1
                head, root, body = text[:body_at], text[body_at:root_end], text[root_end:]
                text = head + BOMB_DTD + root + "&e10;" + body
                data = text.encode("utf-8")
            target.writestr(info, data)
    return bombed


@pytest.mark.parametrize("part", ["xl/worksheets/sheet1.xml", "xl/workbook.xml"])
def test_an_entity_bomb_is_refused_as_no_workbook(
    cli: Cli, tmp_path: Path, data_dir: Path, part: str
) -> None:
    assert cli("departments", "add", "Kulturförvaltningen").code == 0
    before = store_snapshot(data_dir)
    bombed = _bombed_workbook(tmp_path, part)

    result = cli("accounts", "import", str(bombed))

    assert result.code != 0
    assert f"{bombed}:1: -: ingen Excel-arbetsbok (.xlsx)" in result.err
    assert "Traceback" not in result.err
    assert store_snapshot(data_dir) == before
