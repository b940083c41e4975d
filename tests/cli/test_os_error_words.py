"""An operating-system error that reaches the command line is told in the user's language
(governance.os_errors), never as the C library's English ``strerror``."""

from __future__ import annotations

from pathlib import Path

import pytest

from kontokoll.cli.main import main


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("sv", "en del av sökvägen är en fil, inte en mapp"),
        ("en", "part of the path is a file, not a folder"),
    ],
)
def test_a_data_dir_under_a_file_is_told_in_words_of_our_own(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], lang: str, expected: str
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", "utf-8")
    data_dir = blocker / "data"
    code = main(["--lang", lang, "--data-dir", str(data_dir), "accounts", "list"])
    err = capsys.readouterr().err
    assert code == 2
    assert expected in err and str(blocker) in err
    assert "Not a directory" not in err and "Traceback" not in err
    assert blocker.read_text("utf-8") == "not a folder"  # nothing written over it
