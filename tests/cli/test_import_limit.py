"""AKN's limit on how much an import reads (governance.input_limit): checked while reading.

A file, standard input or an xlsx's unpacked parts beyond the limit are refused naming the
source and the limit, with the store unchanged and no more read than the limit and a byte.
"""

from __future__ import annotations

import io
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from governance.input_limit import MAX_IMPORT_BYTES
from governance.register import Register
from governance.store import Store
from tests.conftest import CliResult

Cli = Callable[..., CliResult]
LIMIT_MB = MAX_IMPORT_BYTES // (1024 * 1024)


class _Zeros(io.RawIOBase):
    """An endless stream of NUL bytes (``/dev/zero``) that counts what was read of it."""

    def __init__(self) -> None:
        self.read_so_far = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        view = memoryview(buffer).cast("B")
        view[:] = bytes(len(view))
        self.read_so_far += len(view)
        return len(view)


class _Stdin:
    def __init__(self, raw: io.RawIOBase) -> None:
        self.buffer = io.BufferedReader(raw)


def _accounts(data_dir: Path) -> int:
    store = Store(data_dir)
    try:
        return len(Register(store).accounts())
    finally:
        store.close()


@pytest.mark.parametrize("command", ["accounts", "stats"])
def test_endless_standard_input_is_refused_at_the_limit(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, data_dir: Path, command: str
) -> None:
    zeros = _Zeros()
    monkeypatch.setattr(sys, "stdin", _Stdin(zeros))
    result = cli(command, "import", "-", "--dry-run")
    assert result.code != 0
    assert f"-: filen är större än {LIMIT_MB} MB, AKN:s gräns" in result.err
    assert "Traceback" not in result.err
    assert zeros.read_so_far <= MAX_IMPORT_BYTES + 1 + io.DEFAULT_BUFFER_SIZE


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_file_beyond_the_limit_is_refused_naming_it(
    cli: Cli, tmp_path: Path, data_dir: Path, suffix: str
) -> None:
    big = tmp_path / f"konton{suffix}"
    with big.open("wb") as out:
        out.truncate(MAX_IMPORT_BYTES + 1)  # (sparse: no 50 MB written)
    result = cli("accounts", "import", str(big))
    assert result.code != 0
    assert f"{big}: filen är större än {LIMIT_MB} MB" in result.err
    assert _accounts(data_dir) == 0
    stats = cli("stats", "import", str(big))
    assert f"filen är större än {LIMIT_MB} MB" in stats.err


def test_a_workbook_that_unpacks_beyond_the_limit_is_refused_unread(
    cli: Cli, tmp_path: Path, data_dir: Path
) -> None:
    """A small xlsx (a zip bomb) whose sheet unpacks past the limit: refused before openpyxl
    unpacks it (the parts are summed as the archive declares them)."""
    bomb = tmp_path / "bomb.xlsx"
    with (
        zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as book,
        book.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet,
    ):
        for _ in range(LIMIT_MB + 1):
            sheet.write(b" " * (1024 * 1024))
    assert bomb.stat().st_size < 1024 * 1024
    result = cli("accounts", "import", str(bomb))
    assert result.code != 0
    assert f"{bomb}: filen är större än {LIMIT_MB} MB" in result.err
    assert _accounts(data_dir) == 0
