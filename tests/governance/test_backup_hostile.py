"""Backups, restores, snapshots and forget against a hostile shared data directory: planted
links are refused, never followed; an incomplete store is neither backed up nor restored."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from governance import snapshots
from tests.conftest import CliResult
from tests.conftest import store_snapshot as snapshot
from tests.governance.test_backup import members
from tests.governance.test_doctor import populate, shard_of_account

Cli = Callable[..., CliResult]


def outside_files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_a_linked_snapshots_folder_is_refused_never_written_or_pruned(
    cli: Cli, data_dir: Path, tmp_path: Path
) -> None:
    populate(cli, tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    for number in range(12):
        (outside / f"register-20{number:02d}.tar.gz").write_bytes(b"theirs")
    kept = outside_files(outside)
    real = data_dir / "snapshots"
    if real.exists():
        real.rename(tmp_path / "snapshots.real")
    real.symlink_to(outside)
    os.utime(outside, (0, 0))  # "two hours old": a snapshot would be due
    result = cli("editors", "add", "facebook:kultur", "Eve T <eve@hbg.se>")
    assert result.code == 2 and "symbolisk länk" in result.err
    assert outside_files(outside) == kept


def test_forget_never_follows_a_planted_restore_previous_link(
    cli: Cli, data_dir: Path, tmp_path: Path
) -> None:
    populate(cli, tmp_path)
    outside = tmp_path / "outside"
    (outside / "sub").mkdir(parents=True)
    (outside / "notes.json").write_text('{"n": "cia@hbg.se"}')
    (outside / "sub" / "letter.txt").write_text("cia@hbg.se")
    kept = outside_files(outside)
    (data_dir / ".restore-previous-20260101T000000Z").symlink_to(outside)
    assert cli("editors", "add", "facebook:kultur", "Cia Ek <cia@hbg.se>").code == 0
    assert cli("editors", "forget", "cia@hbg.se").code == 0
    assert outside_files(outside) == kept


def test_a_restore_refused_for_a_linked_folder_copies_nothing_from_behind_it(
    cli: Cli, data_dir: Path, tmp_path: Path
) -> None:
    populate(cli, tmp_path)
    archive = tmp_path / "b.tar.gz"
    assert cli("backup", "--output", str(archive)).code == 0
    outside = tmp_path / "outside"
    (outside / ".ssh").mkdir(parents=True)
    (outside / ".ssh" / "id_rsa").write_text("KEY")
    if (data_dir / "audit").exists():
        (data_dir / "audit").rename(tmp_path / "audit.real")
    (data_dir / "audit").symlink_to(outside)
    result = cli("restore", str(archive))
    assert result.code == 2 and "symbolisk länk" in result.err
    assert not [p for p in data_dir.rglob("id_rsa")]
    assert not list(data_dir.glob(".restore-previous-*"))


def test_backup_refuses_a_store_with_a_listed_file_missing(
    cli: Cli, data_dir: Path, tmp_path: Path
) -> None:
    populate(cli, tmp_path)
    shard_of_account(data_dir).unlink()
    result = cli("backup", "--output", str(tmp_path / "b.tar.gz"))
    assert result.code == 2 and "saknas" in result.err
    assert not (tmp_path / "b.tar.gz").exists()


@pytest.mark.parametrize("left_out", ["register/index.json", "register/core.json"])
def test_restore_refuses_an_archive_without_a_whole_register(
    cli: Cli, data_dir: Path, tmp_path: Path, left_out: str
) -> None:
    populate(cli, tmp_path)
    good = tmp_path / "good.tar.gz"
    assert cli("backup", "--output", str(good)).code == 0
    files = {k: v for k, v in members(good).items() if k not in (snapshots.MANIFEST, left_out)}
    crafted = tmp_path / "crafted.tar.gz"
    created = datetime.now(UTC)
    crafted.write_bytes(snapshots.build_archive(files, scope="store", created=created, level=1))
    before = snapshot(data_dir)
    result = cli("restore", str(crafted))
    assert result.code == 2 and left_out in result.err
    assert snapshot(data_dir) == before
