"""A folder holding a store below it (``--data-dir ~``) is never made a store of its own, a
folder with someone's files becomes one only with a notice, and the default data directory is
named as such in a refusal."""

from __future__ import annotations

from pathlib import Path

import pytest

from kontokoll.cli.main import main
from tests.conftest import store_snapshot

Capture = pytest.CaptureFixture[str]


def run(capsys: Capture, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def tree(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.mark.parametrize("below", [".local/share/kontokoll", "kontokoll", "work/register-2026"])
def test_a_folder_holding_a_store_is_refused_and_nothing_is_written(
    below: str, tmp_path: Path, capsys: Capture
) -> None:
    home = tmp_path / "home"
    real = home / below
    assert run(capsys, "--data-dir", str(real), "departments", "add", "Kultur")[0] == 0
    (home / "anteckningar.txt").write_text("mina filer\n")
    before, files = tree(home), store_snapshot(real)
    code, _, err = run(capsys, "--data-dir", str(home), "departments", "add", "Test")
    assert code == 2
    assert f"{home} används inte som datakatalog (--data-dir)" in err
    assert f"datakatalogen {real} ligger i den" in err and "KONTOKOLL_DATA_DIR" in err
    assert tree(home) == before and store_snapshot(real) == files
    assert run(capsys, "--data-dir", str(real), "departments", "list")[0] == 0  # not locked out


def test_a_home_whose_only_store_is_the_default_places_demo_is_refused(
    tmp_path: Path, capsys: Capture
) -> None:
    """`kontokoll demo` as the first command makes only DEFAULT/demo: a home holding it is no
    data directory either (the demo would be locked out as lying inside it)."""
    home = tmp_path / "home"
    demo = home / ".local/share/kontokoll/demo"
    assert run(capsys, "--data-dir", str(demo), "departments", "add", "Kultur")[0] == 0
    before = tree(home)
    code, _, err = run(capsys, "--data-dir", str(home), "departments", "add", "Test")
    assert code == 2 and f"datakatalogen {demo} ligger i den" in err
    assert tree(home) == before
    assert run(capsys, "--data-dir", str(demo), "departments", "list")[0] == 0  # not locked out


def test_the_store_itself_with_its_demo_inside_still_opens(tmp_path: Path, capsys: Capture) -> None:
    real = tmp_path / "real"
    demo = real / "demo"
    assert run(capsys, "--data-dir", str(real), "departments", "add", "Kultur")[0] == 0
    assert run(capsys, "--data-dir", str(demo), "departments", "add", "Demo")[0] == 0
    code, out, _ = run(capsys, "--data-dir", str(real), "departments", "list")
    assert code == 0 and "Kultur" in out


def test_a_folder_whose_only_store_is_its_own_demo_is_its_data_dir(
    tmp_path: Path, capsys: Capture
) -> None:
    data = tmp_path / "data"  # ``kontokoll demo`` ran before any other command
    assert run(capsys, "--data-dir", str(data / "demo"), "departments", "add", "Demo")[0] == 0
    assert run(capsys, "--data-dir", str(data), "departments", "add", "Kultur")[0] == 0
    other = tmp_path / "top"
    assert run(capsys, "--data-dir", str(other / "demo"), "departments", "add", "Demo")[0] == 0
    assert run(capsys, "--data-dir", str(other / "x" / "real"), "departments", "add", "K")[0] == 0
    code, _, err = run(capsys, "--data-dir", str(other), "departments", "list")
    assert code == 2 and f"datakatalogen {other / 'x' / 'real'} ligger i den" in err


def test_a_folder_with_other_files_becomes_a_store_with_a_notice(
    tmp_path: Path, capsys: Capture
) -> None:
    folder = tmp_path / "dokument"
    folder.mkdir()
    (folder / "budget.xlsx").write_bytes(b"x")
    code, _, err = run(capsys, "--data-dir", str(folder), "departments", "add", "Kultur")
    assert code == 0
    assert f"Obs: {folder} innehöll andra filer och var ingen datakatalog" in err
    assert (folder / "register").is_dir() and (folder / "budget.xlsx").read_bytes() == b"x"
    again = run(capsys, "--data-dir", str(folder), "departments", "list")
    assert again[0] == 0 and "innehöll andra filer" not in again[2]  # said once, when made


def test_the_default_data_dir_is_named_in_a_refusal(
    tmp_path: Path, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    outer = home / ".local"  # a store made here holds the default data directory's place
    assert run(capsys, "--data-dir", str(outer), "departments", "add", "Kultur")[0] == 0
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.delenv("KONTOKOLL_DATA_DIR", raising=False)
    code, _, err = run(capsys, "--lang", "en", "accounts", "list")
    assert code == 2
    assert "(the default data directory)" in err and "(-)" not in err
    assert f"inside the data directory {outer}," in err
