"""``kontokoll restore`` reads a regular file, up to AKN's backup limit, never through a link in
the data directory; the damaged-file advice never recommends a linked snapshot."""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from governance import input_limit
from governance.snapshots import list_snapshots, restore_hint
from tests.conftest import CliResult, store_snapshot
from tests.governance.test_doctor import populate, shard_of_account

Cli = Callable[..., CliResult]
SMALL_LIMIT = 1 << 20


class _Zeros(io.RawIOBase):
    """An endless standard input that counts what was read from it."""

    def __init__(self) -> None:
        self.read_so_far = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        view = memoryview(buffer)
        view[:] = bytes(len(view))
        self.read_so_far += len(view)
        return len(view)


class _Stdin:
    def __init__(self, raw: io.RawIOBase) -> None:
        self.buffer = io.BufferedReader(raw)


@pytest.fixture
def registered(cli: Cli, data_dir: Path, tmp_path: Path) -> dict[str, bytes]:
    populate(cli, tmp_path)
    return store_snapshot(data_dir)


def test_a_device_is_refused_by_name_without_reading_it(
    cli: Cli, data_dir: Path, registered: dict[str, bytes]
) -> None:
    result = cli("restore", "/dev/zero")
    assert result.code != 0
    assert "/dev/zero återställs inte: det är ingen vanlig fil" in result.err
    assert "Traceback" not in result.err
    assert store_snapshot(data_dir) == registered


def test_a_fifo_is_refused_without_waiting_for_a_writer(
    cli: Cli, data_dir: Path, tmp_path: Path, registered: dict[str, bytes]
) -> None:
    fifo = tmp_path / "arkiv.tar.gz"
    os.mkfifo(fifo)  # (no writer: opening it for reading would block)
    result = cli("restore", str(fifo))
    assert result.code != 0
    assert f"{fifo} återställs inte: det är ingen vanlig fil" in result.err
    assert store_snapshot(data_dir) == registered


def test_endless_standard_input_is_refused_at_the_backup_limit(
    cli: Cli, data_dir: Path, monkeypatch: pytest.MonkeyPatch, registered: dict[str, bytes]
) -> None:
    monkeypatch.setattr(input_limit, "MAX_BACKUP_BYTES", SMALL_LIMIT)  # (not 2 GiB in a test)
    zeros = _Zeros()
    monkeypatch.setattr(sys, "stdin", _Stdin(zeros))
    result = cli("restore", "-")
    assert result.code != 0
    assert "-: återställs inte: arkivet är större än 1 MB, AKN:s gräns" not in result.err
    assert "- återställs inte: arkivet är större än 1 MB, AKN:s gräns för en säkerhetskopia" \
        in result.err
    assert zeros.read_so_far <= SMALL_LIMIT + 1 + io.DEFAULT_BUFFER_SIZE
    assert store_snapshot(data_dir) == registered


def test_a_file_beyond_the_limit_is_refused_before_it_is_read(
    cli: Cli, data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    registered: dict[str, bytes]
) -> None:
    monkeypatch.setattr(input_limit, "MAX_BACKUP_BYTES", SMALL_LIMIT)
    big = tmp_path / "stor.tar.gz"
    with big.open("wb") as out:
        out.truncate(SMALL_LIMIT + 1)  # (sparse)
    result = cli("restore", str(big))
    assert result.code != 0
    assert f"{big} återställs inte: arkivet är större än 1 MB" in result.err
    assert store_snapshot(data_dir) == registered


def test_the_real_limit_is_generous_and_labelled() -> None:
    # A backup of 10,000 accounts x 24 months is 2.2 MB: the limit must never refuse a real one.
    assert input_limit.MAX_BACKUP_BYTES >= 1 << 30


def _linked_snapshot(data_dir: Path, tmp_path: Path) -> tuple[Path, Path]:
    """The newest snapshot moved out of the store and linked back under its own name."""
    snapshot = list_snapshots(data_dir)[-1]
    outside = tmp_path / "flyttad" / snapshot.name
    outside.parent.mkdir()
    snapshot.rename(outside)
    snapshot.symlink_to(outside)
    return snapshot, outside


def test_a_linked_snapshot_is_not_recommended(
    cli: Cli, data_dir: Path, tmp_path: Path, registered: dict[str, bytes]
) -> None:
    link, outside = _linked_snapshot(data_dir, tmp_path)
    shard = shard_of_account(data_dir)
    shard.write_bytes(b"{broken")

    hint = restore_hint(str(shard))

    assert str(link) not in hint and str(outside) not in hint
    assert "Ingen automatisk ögonblicksbild innehåller" in hint


def test_restoring_a_linked_snapshot_is_refused_naming_it(
    cli: Cli, data_dir: Path, tmp_path: Path, registered: dict[str, bytes]
) -> None:
    link, outside = _linked_snapshot(data_dir, tmp_path)
    before = store_snapshot(data_dir)

    result = cli("restore", str(link))

    assert result.code != 0
    assert f"{link} återställs inte: det är en symbolisk länk i datakatalogen" in result.err
    assert "Traceback" not in result.err
    assert store_snapshot(data_dir) == before
    assert cli("restore", str(outside)).code == 0  # the file itself, named outright, is fine


def test_a_link_outside_any_data_directory_is_still_followed(
    cli: Cli, data_dir: Path, tmp_path: Path, registered: dict[str, bytes]
) -> None:
    archive = tmp_path / "kopia.tar.gz"
    assert cli("backup", "--output", str(archive)).code == 0
    latest = tmp_path / "senaste.tar.gz"
    latest.symlink_to(archive)
    assert cli("restore", str(latest)).code == 0
