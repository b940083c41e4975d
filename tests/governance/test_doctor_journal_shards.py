"""A commit killed after it renamed new shards into place but before the manifest listed them
leaves a journal; those shards are the journal's, which a replay lists, not strays to delete (a
tester's finding: doctor told the user to remove them)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

import governance.storage.transactions as transactions
from governance.storage.files import publish_atomic
from tests.conftest import CliResult
from tests.governance.test_doctor import HEADER

Cli = Callable[..., CliResult]
STRAY = "står inte i store.json"


class _Killed(Exception):
    """Stands for a kill -9 between renaming the shards and the manifest into place."""


def _accounts_csv(tmp_path: Path, count: int) -> Path:
    rows = [f"facebook,konto{n:03d},Kulturförvaltningen,Informera,open,,,,"
            f"Anna Berg <anna.berg@hbg.se>|Bo Ek <bo.ek@hbg.se>,,,active" for n in range(count)]
    path = tmp_path / f"konton{count}.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def _listed(data_dir: Path) -> set[str]:
    doc = json.loads((data_dir / "store.json").read_text(encoding="utf-8"))
    return set(doc["files"]["1"]["paths"])


def test_shards_of_a_leftover_journal_are_not_strays(
    cli: Cli, data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cli("departments", "add", "Kulturförvaltningen").code == 0
    assert cli("accounts", "import", str(_accounts_csv(tmp_path, 1))).code == 0
    publish = publish_atomic

    def die_at_the_manifest(temp: Path, path: Path) -> None:
        if path.name == "store.json":
            raise _Killed
        publish(temp, path)

    with monkeypatch.context() as patch:
        patch.setattr(transactions, "publish_atomic", die_at_the_manifest)
        with pytest.raises(_Killed):
            cli("accounts", "import", str(_accounts_csv(tmp_path, 60)))
    assert (data_dir / "journal.json").exists()
    on_disk = {p.relative_to(data_dir).as_posix()
               for p in (data_dir / "register" / "accounts").glob("*.json")}
    assert on_disk - _listed(data_dir), "the test needs shards the manifest does not list yet"

    checked = cli("doctor")
    assert checked.code == 1  # the journal itself is named
    assert "journal.json" in checked.out
    assert STRAY not in checked.out

    assert cli("doctor", "--repair", "--yes").code == 0
    assert on_disk <= _listed(data_dir)
    assert cli("doctor").code == 0


def test_a_planted_shard_beside_a_journal_is_still_named(
    cli: Cli, data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cli("departments", "add", "Kulturförvaltningen").code == 0
    assert cli("accounts", "import", str(_accounts_csv(tmp_path, 1))).code == 0
    listed = _listed(data_dir)
    free = next(n for n in range(64)
                if f"register/accounts/{n:02d}.json" not in listed)
    (data_dir / "journal.json").write_text("{}", encoding="utf-8")  # unreadable: names nothing
    source = sorted((data_dir / "register" / "accounts").glob("*.json"))[0]
    (data_dir / "register" / "accounts" / f"{free:02d}.json").write_bytes(source.read_bytes())
    assert STRAY in cli("doctor").out
