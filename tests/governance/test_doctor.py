"""``kontokoll doctor``: a read-only check that names each problem, and ``--repair``."""

from __future__ import annotations

import hashlib
import io
import os
import stat
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest

import governance.storage.transactions as transactions
from tests.conftest import CliResult

HEADER = (
    "platform,handle,department,purpose,visibility,closed_reason,project,project_end,"
    "editors,url,platform_id,status"
)
Cli = Callable[..., CliResult]


def populate(cli: Cli, tmp_path: Path) -> None:
    """A small register: two accounts, editors, a department contact, a change log."""
    assert cli("departments", "add", "Kulturförvaltningen",
               "--contact", "Kim Ek <kim.ek@hbg.se>").code == 0
    csv = tmp_path / "konton.csv"
    csv.write_text(
        "\n".join([
            HEADER,
            "facebook,kultur,Kulturförvaltningen,Informera,open,,,,"
            "Anna Berg <anna.berg@hbg.se>|Bo Ek <bo.ek@hbg.se>,,,active",
            "instagram,kultur,Kulturförvaltningen,Informera,open,,,,Bo Ek <bo.ek@hbg.se>,,,active",
        ]) + "\n",
        encoding="utf-8",
    )
    assert cli("accounts", "import", str(csv)).code == 0


def tree(root: Path) -> dict[str, tuple[int, str]]:
    """Every entry under ``root`` with its mode and content hash (a link: its target)."""
    found: dict[str, tuple[int, str]] = {}
    for folder, dirs, files in os.walk(root):
        for name in [*dirs, *files]:
            path = Path(folder) / name
            st = path.lstat()
            if stat.S_ISLNK(st.st_mode):
                digest = os.readlink(path)
            elif stat.S_ISREG(st.st_mode):
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
            else:
                digest = ""
            found[str(path.relative_to(root))] = (st.st_mode, digest)
    return found


def shard_of_account(data_dir: Path) -> Path:
    return sorted((data_dir / "register" / "accounts").glob("*.json"))[0]


def rewrite_json(path: Path, change: Callable[[dict[str, object]], None]) -> None:
    data = orjson.loads(path.read_bytes())
    change(data)
    path.write_bytes(orjson.dumps(data))


def test_a_healthy_store_passes_and_the_check_writes_nothing(
    cli: Cli, data_dir: Path, tmp_path: Path
) -> None:
    populate(cli, tmp_path)
    before = tree(data_dir)
    result = cli("doctor")
    assert (result.code, result.err) == (0, "")
    assert f"Inga problem i {data_dir}" in result.out
    assert tree(data_dir) == before


def test_the_check_never_creates_a_data_directory(cli: Cli, data_dir: Path) -> None:
    result = cli("doctor")
    assert result.code == 1
    assert "datakatalogen finns inte" in result.out
    assert not data_dir.exists()


def _drop_index_entry(data: dict[str, object]) -> None:
    refs = data["handles"]["1"]["refs"]  # type: ignore[index]
    refs.pop("facebook:kultur")
    refs["x:ghost"] = "0123456789ab"


def _damage_missing_index(d: Path) -> None:
    (d / "register/index.json").unlink()


def _damage_index_disagrees(d: Path) -> None:
    rewrite_json(d / "register/index.json", _drop_index_entry)


def _damage_corrupt_shard(d: Path) -> None:
    shard_of_account(d).write_bytes(b'{"accounts": {"1": ')


def _damage_wrong_shape(d: Path) -> None:
    rewrite_json(shard_of_account(d), lambda data: data.update(accounts={"5": {"id": 7}}))


def _damage_mode(d: Path) -> None:
    (d / "register/core.json").chmod(0o644)


def _damage_symlink(d: Path) -> None:
    (d / "log/other.jsonl").symlink_to("/etc/passwd")


def _damage_journal(d: Path) -> None:
    (d / "journal.json").write_bytes(b"{}")
    (d / "journal.json").chmod(0o600)


def _damage_temp_file(d: Path) -> None:
    (d / "register/core.json.tmp-999-abcd").write_bytes(b"half")


def _damage_log_line(d: Path) -> None:
    with (d / "log/changes.jsonl").open("ab") as log:
        log.write(b"this is not json\n")


DAMAGE = {
    "missing index": (_damage_missing_index, "register/index.json", "saknas men finns med i"),
    "index disagrees": (
        _damage_index_disagrees, "register/index.json", "indexet saknar facebook:kultur"
    ),
    "corrupt file": (_damage_corrupt_shard, "register/accounts/", "är skadad"),
    "wrong shape": (_damage_wrong_shape, "register/accounts/", "har fel form"),
    "wrong mode": (_damage_mode, "register/core.json", "har rättigheterna 0644, ska vara 0600"),
    "symlink": (_damage_symlink, "log/other.jsonl", "är en symbolisk länk"),
    "leftover journal": (_damage_journal, "journal.json", "kvarlämnad journal"),
    "temp file": (_damage_temp_file, "core.json.tmp-999-abcd", "kvarlämnad temporär fil"),
    "bad log line": (_damage_log_line, "log/changes.jsonl:", "felaktig rad i ändringsloggen"),
}


@pytest.mark.parametrize("kind", list(DAMAGE))
def test_each_kind_of_damage_is_named_with_its_file_and_nothing_is_written(
    cli: Cli, data_dir: Path, tmp_path: Path, kind: str
) -> None:
    populate(cli, tmp_path)
    damage, where, message = DAMAGE[kind]
    damage(data_dir)
    before = tree(data_dir)
    result = cli("doctor")
    assert result.code == 1, result.out
    line = next((x for x in result.out.splitlines() if message in x), None)
    assert line is not None, result.out
    assert str(data_dir) in line and where in line
    assert "problem i" in result.out
    assert "Traceback" not in result.out + result.err
    assert tree(data_dir) == before


def test_repair_rebuilds_the_index_from_the_shards(
    cli: Cli, data_dir: Path, tmp_path: Path
) -> None:
    populate(cli, tmp_path)
    _damage_index_disagrees(data_dir)
    result = cli("doctor", "--repair")
    assert result.code == 0, result.out
    assert "Byggde om" in result.out and "2 konton" in result.out
    refs = orjson.loads((data_dir / "register/index.json").read_bytes())["handles"]["1"]["refs"]
    assert set(refs) == {"facebook:kultur", "instagram:kultur"}
    assert cli("doctor").code == 0
    assert "index ombyggt" in cli("log").out


def test_repair_rebuilds_a_missing_index(cli: Cli, data_dir: Path, tmp_path: Path) -> None:
    populate(cli, tmp_path)
    _damage_missing_index(data_dir)
    assert cli("accounts", "list").code == 2
    assert cli("doctor", "--repair").code == 0
    assert "facebook:kultur" in cli("accounts", "list").out


class _Killed(Exception):
    """Stands for a kill -9 between writing the journal and replacing the files."""


def _leave_a_journal(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    def die(*args: object) -> None:
        raise _Killed

    with monkeypatch.context() as patch:
        patch.setattr(transactions, "publish_atomic", die)
        with pytest.raises(_Killed):
            cli("editors", "add", "facebook:kultur", "Cia Ek <cia@hbg.se>")


def test_a_leftover_journal_is_replayed_only_after_confirmation(
    cli: Cli, data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    populate(cli, tmp_path)
    _leave_a_journal(cli, monkeypatch)
    assert (data_dir / "journal.json").exists()
    before = tree(data_dir)

    refused = cli("doctor", "--repair")  # no terminal under pytest, no --yes
    assert refused.code == 1
    assert "--yes" in refused.err
    assert (data_dir / "journal.json").exists()
    # Only the killed writer's temp file went (that needs no confirmation); nothing else changed.
    assert tree(data_dir) == {k: v for k, v in before.items() if ".tmp-" not in k}

    done = cli("doctor", "--repair", "--yes")
    assert done.code == 0, done.out
    assert "spelades upp" in done.out
    assert not (data_dir / "journal.json").exists()
    assert "cia@hbg.se" in cli("editors", "list", "facebook:kultur").out


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_the_answer_decides(
    cli: Cli, data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    populate(cli, tmp_path)
    _leave_a_journal(cli, monkeypatch)
    monkeypatch.setattr("sys.stdin", _Terminal("n\n"))
    assert cli("doctor", "--repair").code == 1
    assert (data_dir / "journal.json").exists()
    monkeypatch.setattr("sys.stdin", _Terminal("j\n"))
    result = cli("doctor", "--repair")
    assert result.code == 0
    assert "[j/N]" in result.err
    assert not (data_dir / "journal.json").exists()


def test_a_journal_that_cannot_be_replayed_is_discarded_with_yes(
    cli: Cli, data_dir: Path, tmp_path: Path
) -> None:
    populate(cli, tmp_path)
    _damage_journal(data_dir)
    result = cli("doctor", "--repair", "--yes")
    assert result.code == 0, result.out
    assert "kastades" in result.out
    assert not (data_dir / "journal.json").exists()


def test_repair_removes_temp_files(cli: Cli, data_dir: Path, tmp_path: Path) -> None:
    populate(cli, tmp_path)
    _damage_temp_file(data_dir)
    result = cli("doctor", "--repair")
    assert result.code == 0, result.out
    assert "Tog bort den temporära filen" in result.out
    assert not (data_dir / "register/core.json.tmp-999-abcd").exists()


def test_what_repair_cannot_fix_is_still_reported(
    cli: Cli, data_dir: Path, tmp_path: Path
) -> None:
    populate(cli, tmp_path)
    _damage_symlink(data_dir)
    result = cli("doctor", "--repair")
    assert result.code == 1
    assert "symbolisk länk" in result.out
    assert (data_dir / "log/other.jsonl").is_symlink()


def test_repair_rewrites_a_lost_manifest_and_the_index(
    cli: Cli, data_dir: Path, tmp_path: Path
) -> None:
    populate(cli, tmp_path)
    (data_dir / "store.json").unlink()
    (data_dir / "register/index.json").unlink()
    check = cli("doctor")
    assert check.code == 1
    assert "store.json: manifestet saknas" in check.out
    assert "index.json: saknas fast registret har konton" in check.out
    result = cli("doctor", "--repair")
    assert result.code == 0, result.out
    assert "Skrev" in result.out and "Byggde om" in result.out
    assert "facebook:kultur" in cli("accounts", "list").out
