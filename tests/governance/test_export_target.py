"""Exports never destroy the store: every export goes through governance.export_target."""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from governance import export_target
from governance.errors import InputError
from governance.export_target import write_export
from tests.conftest import CliResult

CSV = (
    "platform,handle,department,purpose,visibility,closed_reason,project,project_end,"
    "editors,url,platform_id,status\n"
    "facebook,helsingborgsstad,Stadsledningsförvaltningen,Nyheter,open,,,,"
    "Anna Berg <anna@hbg.se>,,,active\n"
)


def _snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` with its bytes: the store, to compare before and after."""
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


@pytest.fixture
def filled(cli: Callable[..., CliResult], tmp_path: Path, data_dir: Path) -> Path:
    source = tmp_path / "in.csv"
    source.write_text(CSV, encoding="utf-8")
    assert cli("accounts", "import", str(source)).code == 0
    return data_dir


def _targets(tmp_path: Path, data_dir: Path) -> dict[str, tuple[Path, str]]:
    """One target of each refused class, with the words its message must contain."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (tmp_path / "linked-data").symlink_to(data_dir)  # the data dir reached through a link
    (outside / "into-register").symlink_to(data_dir / "register")  # a symlinked parent
    (outside / "link.csv").symlink_to(data_dir / "register" / "core.json")
    (outside / "elsewhere.csv").write_text("keep", encoding="utf-8")
    (outside / "link-out.csv").symlink_to(outside / "elsewhere.csv")
    os.mkfifo(outside / "fifo.csv")
    inside = "ligger i datamappen"
    return {
        "core.json": (data_dir / "register" / "core.json", inside),
        "dotdot": (outside / ".." / "data" / "register" / "index.json", inside),
        "symlinked parent": (outside / "into-register" / "core.json", inside),
        "data dir via link": (tmp_path / "linked-data" / "register" / "core.json", inside),
        "data dir itself": (data_dir, inside),
        "new file in data dir": (data_dir / "register" / "new.csv", inside),
        "symlink into store": (outside / "link.csv", inside),
        "symlink outside": (outside / "link-out.csv", "symbolisk länk"),
        "fifo": (outside / "fifo.csv", "ingen vanlig fil"),
        "device": (Path("/dev/null"), "ingen vanlig fil"),
        "directory": (outside, "är en mapp"),
    }


@pytest.mark.parametrize("command", ["accounts", "stats", "audit"])
def test_every_export_refuses_every_dangerous_target(
    cli: Callable[..., CliResult], filled: Path, tmp_path: Path, command: str
) -> None:
    assert cli("audit", "run", "--quarter", "2026Q3").code == 0
    targets = _targets(tmp_path, filled)
    before = _snapshot(filled)
    for label, (target, words) in targets.items():
        if command == "audit":
            result = cli("audit", "export", "--quarter", "2026Q3", "-o", str(target))
        else:
            result = cli(command, "export", str(target))
        assert result.code == 2, label
        assert str(target) in result.err and words in result.err, (label, result.err)
        assert "Traceback" not in result.err and ".tmp" not in result.err, label
    assert _snapshot(filled) == before  # the store is untouched, byte for byte
    assert (tmp_path / "outside" / "elsewhere.csv").read_text(encoding="utf-8") == "keep"
    assert (tmp_path / "outside" / "link-out.csv").is_symlink()
    leftovers = [p.name for p in (tmp_path / "outside").iterdir() if "kontokoll" in p.name]
    assert leftovers == []


def test_replacing_an_ordinary_file_outside_is_allowed_and_said(
    cli: Callable[..., CliResult], filled: Path, tmp_path: Path
) -> None:
    target = tmp_path / "konton.csv"
    first = cli("accounts", "export", str(target))
    assert first.code == 0 and "Ersatte" not in first.out
    target.write_text("old", encoding="utf-8")
    second = cli("accounts", "export", str(target))
    assert second.code == 0
    assert f"Ersatte den befintliga filen {target}." in second.out
    assert target.read_bytes().startswith(b"\xef\xbb\xbfplatform;handle;")
    assert b"helsingborgsstad" in target.read_bytes()
    assert target.stat().st_mode & 0o777 == 0o600  # personal data


def test_dash_writes_standard_output_and_nothing_else(
    cli: Callable[..., CliResult], filled: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = cli("accounts", "export", "-")
    assert result.code == 0
    assert result.out.startswith("\ufeffplatform;handle;") and "helsingborgsstad" in result.out
    assert "Exporterade" not in result.out  # stdout carries only the data
    assert not (Path.cwd() / "-").exists()

    # and back in through standard input: the same register, nothing new
    stdin = io.TextIOWrapper(io.BytesIO(result.out.encode("utf-8")), encoding="utf-8")
    monkeypatch.setattr(sys, "stdin", stdin)
    again = cli("accounts", "import", "-")
    assert again.code == 0 and "0 nya, 0 ändrade, 1 oförändrade" in again.out


def test_stats_import_reads_standard_input(
    cli: Callable[..., CliResult], filled: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    exported = cli("stats", "export", "-")
    assert exported.code == 0 and exported.out.startswith("\ufeff")
    stdin = io.TextIOWrapper(io.BytesIO(exported.out.encode("utf-8")), encoding="utf-8")
    monkeypatch.setattr(sys, "stdin", stdin)
    result = cli("stats", "import", "-", "--dry-run")
    assert result.code == 0, result.err


def test_a_link_planted_between_check_and_write_is_replaced_not_followed(
    tmp_path: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store_file = data_dir / "register" / "core.json"
    store_file.parent.mkdir(parents=True)
    store_file.write_bytes(b"the register")
    target = tmp_path / "out.csv"
    real_check = export_target._check_kind

    def check_then_plant(where: Path, parent_fd: int) -> bool:
        replaced = real_check(where, parent_fd)
        where.symlink_to(store_file)  # the attacker wins the race
        return replaced

    monkeypatch.setattr(export_target, "_check_kind", check_then_plant)
    assert write_export(target, b"export", data_dir=data_dir) is False
    assert store_file.read_bytes() == b"the register"
    assert not target.is_symlink() and target.read_bytes() == b"export"


def test_errors_name_the_target_never_a_temp_file(tmp_path: Path, data_dir: Path) -> None:
    missing = tmp_path / "no-such-folder" / "out.csv"
    with pytest.raises(InputError) as caught:
        write_export(missing, b"x", data_dir=data_dir)
    assert str(missing) in str(caught.value) and ".tmp" not in str(caught.value)
    if os.geteuid() != 0:  # root may write anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        with pytest.raises(InputError) as denied:
            write_export(locked / "out.csv", b"x", data_dir=data_dir)
        assert str(locked / "out.csv") in str(denied.value)
        assert ".tmp" not in str(denied.value)


def test_write_export_reports_whether_it_replaced(tmp_path: Path, data_dir: Path) -> None:
    target = tmp_path / "x.csv"
    assert write_export(target, b"one", data_dir=data_dir) is False
    assert write_export(target, b"two", data_dir=data_dir) is True
    assert target.read_bytes() == b"two"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.csv"]


@pytest.mark.parametrize(
    "args",
    [
        ("accounts", "export"),
        ("stats", "export"),
        ("audit", "export", "--output"),
        ("backup", "--output"),
    ],
)
def test_a_target_typed_with_a_trailing_slash_is_a_folder_not_a_file_name(
    cli: Callable[..., CliResult], tmp_path: Path, args: tuple[str, ...]
) -> None:
    target = f"{tmp_path}/newdir/"
    with pytest.raises(SystemExit) as exited:
        cli(*args, target)
    assert exited.value.code == 2
    assert not (tmp_path / "newdir").exists()


def test_check_export_refuses_as_write_export_would_and_writes_nothing(
    tmp_path: Path, data_dir: Path
) -> None:
    """The app asks before replacing a file: check_export says whether one is there, refuses
    every dangerous target write_export refuses, and leaves every folder as it was."""
    targets = _targets(tmp_path, data_dir)
    before = _snapshot(tmp_path)
    for name, (target, words) in targets.items():
        with pytest.raises(InputError) as refused:
            export_target.check_export(target, data_dir=data_dir)
        assert words in str(refused.value), name
    new, old = tmp_path / "outside" / "new.csv", tmp_path / "outside" / "elsewhere.csv"
    assert export_target.check_export(new, data_dir=data_dir) is False
    assert export_target.check_export(old, data_dir=data_dir) is True
    assert not new.exists() and _snapshot(tmp_path) == before
