"""The command line loads only the module of the command it runs (start-up is per command)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from kontokoll.cli.main import COMMANDS, build_parser, command_named

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["comments", "classify"], "comments"),
        (["--data-dir", "audit", "stats", "show"], "stats"),
        (["--lang", "en", "--data-dir=/x", "audit", "run"], "audit"),
        (["--help"], None),
        ([], None),
        (["nonsense", "x"], None),
        (["--data-dir"], None),
    ],
)
def test_the_command_word_is_found_after_the_global_options(
    argv: list[str], expected: str | None
) -> None:
    assert command_named(argv) == expected


def test_one_command_builds_only_its_own_parser() -> None:
    parser = build_parser("comments")
    assert parser.parse_args(["comments", "classify"]).command == "comments"
    with pytest.raises(SystemExit):
        parser.parse_args(["audit", "run"])


def test_help_and_unknown_commands_still_see_every_command(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        build_parser(command_named(["nonsense"])).parse_args(["nonsense"])
    err = capsys.readouterr().err
    for name in COMMANDS:
        assert name in err


def test_a_short_command_does_not_import_the_other_commands() -> None:
    code = (
        "import sys\n"
        "from kontokoll.cli.main import build_parser\n"
        "build_parser('comments')\n"
        "print(sorted(m for m in sys.modules if m.startswith('kontokoll.cli.')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True
    )
    loaded = ast.literal_eval(result.stdout)  # a printed list of module names
    assert "kontokoll.cli.comments" in loaded
    assert "kontokoll.cli.accounts" not in loaded
    assert "kontokoll.cli.audit" not in loaded
