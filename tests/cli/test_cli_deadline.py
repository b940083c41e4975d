"""``kontokoll deadline``: one deadline per input, or every bad input on stderr and exit 2."""

from __future__ import annotations

import os
import string
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from kontokoll.cli.main import main

LOCALE = Path(__file__).resolve().parents[2] / "governance" / "locale"


@pytest.fixture(autouse=True)
def _swedish(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("KONTOKOLL_LANG", "sv")
    monkeypatch.setenv("KONTOKOLL_DATA_DIR", str(tmp_path / "data"))


def test_one_deadline(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["deadline", "2026-12-23T16:30"]) == 0
    captured = capsys.readouterr()
    assert captured.out == "2026-12-28T16:30:00+01:00\n"
    assert captured.err == ""


def test_one_line_per_input_in_order(capsys: pytest.CaptureFixture[str]) -> None:
    inputs = ["2026-12-21T10:00", "2026-12-18T16:00", "2026-12-19T12:00Z", "2026-03-27T09:00Z"]
    assert main(["deadline", *inputs]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "2026-12-22T10:00:00+01:00",
        "2026-12-21T16:00:00+01:00",
        "2026-12-22T08:00:00+01:00",
        "2026-03-30T10:00:00+02:00",
    ]


def test_bad_inputs_are_all_named_and_nothing_is_printed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["deadline", "2026-12-21T10:00", "imorgon", "2026-13-01"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    problems = captured.err.splitlines()
    assert len(problems) == 2
    assert "Tidpunkt 2" in problems[0] and "'imorgon'" in problems[0]
    assert "Tidpunkt 3" in problems[1] and "'2026-13-01'" in problems[1]


def test_messages_follow_the_language(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--lang", "en", "deadline", "tomorrow"]) == 2
    err = capsys.readouterr().err
    assert "Timestamp 1" in err and "'tomorrow'" in err and "ISO 8601" in err


def test_a_year_without_a_calendar_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    inputs = ["1900-01-02T10:00", "2026-12-21T10:00", "2200-01-04T10:00", "0001-01-01T00:00+01:00"]
    assert main(["deadline", *inputs]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    problems = captured.err.splitlines()
    assert [problem.split(" (")[0] for problem in problems] == [
        "Svarsfristen för tidpunkt 1",
        "Svarsfristen för tidpunkt 3",
        "Svarsfristen för tidpunkt 4",
    ]
    assert all("2000–2100" in problem for problem in problems)


def test_no_timestamp_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["deadline"])
    assert exited.value.code == 2
    assert capsys.readouterr().out == ""


def test_help_is_localised(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["deadline", "--help"])
    assert exited.value.code == 0
    assert "Arbetstid är vardagar" in capsys.readouterr().out


def _run(*args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KONTOKOLL_LANG": "sv", "KONTOKOLL_DATA_DIR": str(tmp_path / "data")}
    return subprocess.run(
        [sys.executable, "-m", "kontokoll", "deadline", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def test_as_a_real_process(tmp_path: Path) -> None:
    done = _run("2026-12-23T16:30", "2026-12-30T10:00+01:00", tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["2026-12-28T16:30:00+01:00", "2027-01-04T10:00:00+01:00"]
    assert done.stderr == ""


def test_as_a_real_process_with_a_bad_input(tmp_path: Path) -> None:
    done = _run("2026-12-23T16:30", "23/12/2026", tmp_path=tmp_path)
    assert done.returncode == 2
    assert done.stdout == ""
    assert "Tidpunkt 2" in done.stderr and "'23/12/2026'" in done.stderr


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_both_languages_have_the_same_keys_and_placeholders() -> None:
    tables = {}
    for language in ("sv", "en"):
        with (LOCALE / language / "deadline.toml").open("rb") as handle:
            tables[language] = tomllib.load(handle)
    assert tables["sv"].keys() == tables["en"].keys()
    for key, template in tables["sv"].items():
        assert _placeholders(template) == _placeholders(tables["en"][key]), key
