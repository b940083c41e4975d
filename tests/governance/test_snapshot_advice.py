"""The damaged-file message recommends only a snapshot that holds the file, and says its cost."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from governance import snapshots
from governance.snapshots import list_snapshots, restore_hint
from tests.conftest import CliResult
from tests.governance.test_doctor import populate, shard_of_account

Cli = Callable[..., CliResult]


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[datetime]]:
    """The snapshots' clock, moved by the test: ``clock[0] += timedelta(hours=2)``."""
    now = [datetime.now(UTC)]
    monkeypatch.setattr(snapshots, "clock", lambda: now[0])
    yield now


def test_a_snapshot_without_the_damaged_file_is_not_recommended(
    cli: Cli, data_dir: Path, tmp_path: Path, clock: list[datetime]
) -> None:
    populate(cli, tmp_path)  # its only snapshot was taken before the import: core.json alone
    assert len(list_snapshots(data_dir)) == 1
    shard = shard_of_account(data_dir)
    shard.write_bytes(shard.read_bytes()[:100])

    result = cli("accounts", "list")

    assert result.code == 2
    assert "restore " + str(list_snapshots(data_dir)[0]) not in result.err
    rel = shard.relative_to(data_dir).as_posix()
    assert f"Ingen automatisk ögonblicksbild innehåller {rel}" in result.err
    assert f"kontokoll --data-dir {data_dir} doctor" in result.err


def test_the_newest_snapshot_holding_the_file_is_named_with_its_age_accounts_and_cost(
    cli: Cli, data_dir: Path, tmp_path: Path, clock: list[datetime]
) -> None:
    now = clock[0]
    clock[0] = now - timedelta(hours=5)  # snapshots in the past, files written now
    populate(cli, tmp_path)
    clock[0] = now - timedelta(hours=2)
    assert cli("editors", "add", "facebook:kultur", "Cia Ek <cia@hbg.se>").code == 0
    newest = list_snapshots(data_dir)[-1]  # taken before Cia was added: both accounts
    shard = shard_of_account(data_dir)
    shard.write_bytes(b"{broken")
    clock[0] = now

    result = cli("accounts", "list")

    assert f"kontokoll --data-dir {data_dir} restore {newest}" in result.err
    assert "(för 2 timmar sedan) och innehåller 2 konton" in result.err
    assert "Varning: registret har ändrats efter ögonblicksbilden" in result.err
    assert cli("restore", str(newest)).code == 0
    assert "kultur" in cli("accounts", "list").out


def test_no_warning_when_nothing_changed_after_the_snapshot(
    cli: Cli, data_dir: Path, tmp_path: Path, clock: list[datetime]
) -> None:
    populate(cli, tmp_path)
    clock[0] += timedelta(hours=3)
    assert cli("editors", "add", "facebook:kultur", "Cia Ek <cia@hbg.se>").code == 0
    newest = list_snapshots(data_dir)[-1]
    long_ago = (clock[0] - timedelta(days=2)).timestamp()
    for folder, _dirs, files in os.walk(data_dir / "register"):
        for name in files:
            os.utime(Path(folder) / name, (long_ago, long_ago))
    core = str(data_dir / "register/core.json")

    hint = restore_hint(core)

    assert f"restore {newest}" in hint and "innehåller 2 konton" in hint
    assert "Varning" not in hint


def test_an_unreadable_snapshot_is_passed_over_for_an_older_one(
    cli: Cli, data_dir: Path, tmp_path: Path, clock: list[datetime]
) -> None:
    populate(cli, tmp_path)
    clock[0] += timedelta(hours=3)
    assert cli("editors", "add", "facebook:kultur", "Cia Ek <cia@hbg.se>").code == 0
    good = list_snapshots(data_dir)[-1]
    clock[0] += timedelta(hours=3)
    assert cli("editors", "add", "facebook:kultur", "Dan Ek <dan@hbg.se>").code == 0
    broken = list_snapshots(data_dir)[-1]
    broken.write_bytes(broken.read_bytes()[:40])  # cut short: no member list to read

    hint = restore_hint(str(data_dir / "register/core.json"))

    assert f"restore {good}" in hint and str(broken) not in hint


def test_a_file_outside_the_register_points_at_backups(data_dir: Path, cli: Cli) -> None:
    assert cli("departments", "add", "Kulturförvaltningen").code == 0
    hint = restore_hint(str(data_dir / "log/changes.jsonl") + ":3")
    assert "säkerhetskopia gjord med kontokoll backup" in hint
