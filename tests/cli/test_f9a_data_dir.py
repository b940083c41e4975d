"""Which folder a command may take as its data directory: never an empty path (an unset shell
variable), never ``/``, never a folder inside another store (but for its demo); and a data
directory the command had to create is said to be new."""

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


@pytest.fixture
def real(tmp_path: Path, capsys: Capture) -> Path:
    folder = tmp_path / "real"
    assert run(capsys, "--data-dir", str(folder), "departments", "add", "Kultur")[0] == 0
    return folder


@pytest.mark.parametrize("given", ["", "  "])
def test_an_empty_data_dir_is_refused_and_nothing_is_made_here(
    given: str, tmp_path: Path, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exit_:
        main(["--data-dir", given, "departments", "add", "Test"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "--data-dir" in err and "KONTOKOLL_DATA_DIR" in err and "tom" in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("inside", ["register", "snapshots/ny", "log", "register/ny/djup"])
def test_a_folder_inside_a_store_is_refused(inside: str, real: Path, capsys: Capture) -> None:
    before = store_snapshot(real)
    code, _, err = run(capsys, "--data-dir", str(real / inside), "departments", "add", "Test")
    assert code == 2
    assert f"{real / inside} används inte som datakatalog (--data-dir)" in err
    assert f"ligger i datakatalogen {real}," in err
    assert store_snapshot(real) == before
    assert not (real / inside / ".lock").exists()


def test_the_variable_is_named_when_it_points_inside_a_store(
    real: Path, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KONTOKOLL_DATA_DIR", str(real / "register"))
    code, _, err = run(capsys, "--lang", "en", "accounts", "list")
    assert code == 2
    assert "(KONTOKOLL_DATA_DIR)" in err and f"inside the data directory {real}," in err


def test_the_root_is_refused(capsys: Capture) -> None:
    code, _, err = run(capsys, "--data-dir", "/", "accounts", "list")
    assert code == 2 and "filsystemets rot" in err


def test_the_stores_own_demo_is_a_data_directory_of_its_own(real: Path, capsys: Capture) -> None:
    code, _, _ = run(capsys, "--data-dir", str(real / "demo"), "departments", "add", "Demo")
    assert code == 0
    assert (real / "demo" / "register").is_dir()
    assert run(capsys, "--data-dir", str(real / "demo" / "register"), "accounts", "list")[0] == 2


def test_a_data_directory_that_did_not_exist_is_said_to_be_new_once(
    tmp_path: Path, capsys: Capture
) -> None:
    typo = tmp_path / "kontokol"
    code, out, err = run(capsys, "--data-dir", str(typo), "accounts", "list")
    assert code == 0 and "0 konton" in out
    assert f"datakatalogen {typo} fanns inte och har skapats, tom" in err
    assert "--data-dir" in err and "KONTOKOLL_DATA_DIR" in err
    code, out, err = run(capsys, "--data-dir", str(typo), "accounts", "list")
    assert (code, err) == (0, "")
