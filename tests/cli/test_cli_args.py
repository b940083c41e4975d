"""The global options after the command too, and argparse's own words in the UI's language."""

from __future__ import annotations

from pathlib import Path

import pytest

from kontokoll.cli.main import main
from tests.conftest import CliResult


def _main(capsys: pytest.CaptureFixture[str], *args: str) -> CliResult:
    """Run the command line in this process; a refusal by the parser exits (status 2)."""
    try:
        code = main(list(args))
    except SystemExit as stop:
        code = int(stop.code or 0)
    captured = capsys.readouterr()
    return CliResult(code, captured.out, captured.err)


def test_lang_and_data_dir_after_the_command(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name, where = "Kulturförvaltningen", str(data_dir)
    created = _main(capsys, "departments", "add", name, "--data-dir", where)
    assert created.code == 0, created.err
    listed = _main(capsys, "departments", "list", "--lang", "en", "--data-dir", str(data_dir))
    assert listed.code == 0 and "Kulturförvaltningen" in listed.out
    assert "Department" in listed.out and "Förvaltning" not in listed.out  # in English
    before = _main(capsys, "--lang", "en", "--data-dir", str(data_dir), "departments", "list")
    assert before.out == listed.out  # the same as before the command


def test_argparse_s_words_are_swedish_and_english_on_request(
    capsys: pytest.CaptureFixture[str],
) -> None:
    def cli(*args: str) -> CliResult:
        return _main(capsys, *args)

    unknown = cli("audit", "export", "--output", "x.md", "--bogus")
    assert unknown.code == 2
    assert unknown.err.startswith("användning: kontokoll ")
    assert "kontokoll: fel: okända argument: --bogus" in unknown.err
    required = cli("audit", "diff")
    assert "kontokoll audit diff: fel: följande argument krävs: YYYYQN, YYYYQN" in required.err
    choice = cli("audit", "frob")
    assert "fel: argument ACTION: ogiltigt val: 'frob' (välj bland 'run'," in choice.err
    english = cli("audit", "diff", "--lang", "en")
    assert "usage: kontokoll audit diff" in english.err
    assert "kontokoll audit diff: error: the following arguments are required" in english.err
    assert "flaggor:" in cli("audit", "diff", "--help").out


def test_a_typed_escape_sequence_is_shown_escaped(capsys: pytest.CaptureFixture[str]) -> None:
    result = _main(capsys, "audit", "list", "\x1b]0;pwned\x07")
    assert result.code == 2
    assert "\x1b" not in result.err and "\\x1b]0;pwned\\x07" in result.err
