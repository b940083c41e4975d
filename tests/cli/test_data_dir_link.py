"""A data directory given as a link to a folder works for every command, doctor included."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kontokoll.cli.main import main
from tests.conftest import CliResult


def run(capsys: pytest.CaptureFixture[str], data_dir: Path, *args: str) -> CliResult:
    code = main(["--data-dir", str(data_dir), *args])
    captured = capsys.readouterr()
    return CliResult(code, captured.out, captured.err)


def test_every_command_and_doctor_work_through_a_linked_data_dir(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    real = tmp_path / "data"
    assert run(capsys, real, "departments", "add", "Kulturförvaltningen").code == 0
    link = tmp_path / "datalink"
    link.symlink_to(real, target_is_directory=True)

    assert run(capsys, link, "accounts", "add", "facebook:kultur",
               "--department", "Kulturförvaltningen").code == 0  # fmt: skip
    listed = run(capsys, link, "accounts", "list")
    doctor = run(capsys, link, "doctor")
    repair = run(capsys, link, "doctor", "--repair")

    assert listed.code == 0 and "kultur" in listed.out
    assert doctor.code == 0, doctor.out + doctor.err
    assert f"Inga problem i {real}" in doctor.out
    assert repair.code == 0, repair.out + repair.err
    assert link.is_symlink()  # followed, not replaced


def test_a_link_inside_the_data_dir_is_still_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    real = tmp_path / "data"
    assert run(capsys, real, "departments", "add", "Kulturförvaltningen").code == 0
    elsewhere = tmp_path / "elsewhere"
    shutil.move(real / "register", elsewhere)
    (real / "register").symlink_to(elsewhere, target_is_directory=True)
    link = tmp_path / "datalink"
    link.symlink_to(real, target_is_directory=True)

    doctor = run(capsys, link, "doctor")
    listed = run(capsys, link, "accounts", "list")

    assert doctor.code == 1 and "register" in doctor.out + doctor.err
    assert listed.code != 0 and "register" in listed.err
