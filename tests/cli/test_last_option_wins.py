"""``--lang`` and ``--data-dir`` given twice (before and after the command, or twice in a row):
the last one given wins, for both."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CliResult

Cli = Callable[..., CliResult]
SWEDISH, ENGLISH = "Förvaltning", "Department"


@pytest.mark.parametrize(
    ("args", "heading"),
    [(["--lang", "en", "departments", "list", "--lang", "sv"], SWEDISH),
     (["--lang", "sv", "departments", "list", "--lang", "en"], ENGLISH),
     (["--lang=en", "--lang", "sv", "departments", "list"], SWEDISH),
     (["departments", "list", "--lang", "sv", "--lang=en"], ENGLISH),
     (["departments", "list", "--lan", "en"], ENGLISH)],  # (argparse's abbreviation)
)
def test_the_last_lang_wins(cli: Cli, args: list[str], heading: str) -> None:
    assert cli("departments", "add", "Kulturförvaltningen").code == 0
    result = cli(*args)
    assert result.code == 0
    assert result.out.startswith(heading)


def test_the_last_data_dir_wins(cli: Cli, tmp_path: Path) -> None:
    other = tmp_path / "andra"
    assert cli("departments", "add", "Kulturförvaltningen").code == 0
    assert cli("--data-dir", str(other), "departments", "add", "Miljöförvaltningen").code == 0

    after = cli("departments", "list", "--data-dir", str(other)).out
    before = cli("--data-dir", str(other), "departments", "list").out

    assert "Miljöförvaltningen" in after and "Kulturförvaltningen" not in after
    assert before == after
