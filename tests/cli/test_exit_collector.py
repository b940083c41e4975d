"""A command run as the process's own (``python -m kontokoll``, the ``kontokoll`` script) spares
the interpreter's last collector pass by freezing the heap as it returns; a caller that runs
``main([...])`` in its own process (the tests, the zygote) keeps its collector as it was."""

from __future__ import annotations

import contextlib
import gc
import io
import subprocess
import sys
from pathlib import Path

import pytest

from kontokoll.cli.main import main

REPO = Path(__file__).resolve().parents[2]


def test_main_with_arguments_leaves_the_callers_collector_alone() -> None:
    before = gc.get_freeze_count()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):
        main(["--help"])
    assert gc.get_freeze_count() == before


def test_the_process_own_command_freezes_the_heap_as_it_ends(tmp_path: Path) -> None:
    probe = (
        "import gc, sys\n"
        "from kontokoll.cli.main import main\n"
        f"sys.argv = ['kontokoll', '--data-dir', {str(tmp_path / 'data')!r}, 'log']\n"
        "code = main()\n"
        "print('frozen' if gc.get_freeze_count() else 'not frozen', code)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO, check=True
    )
    assert result.stdout.splitlines()[-1] == "frozen 0"


def test_the_process_output_is_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    """What a command prints is all there when its process ends: freezing keeps the collector
    from objects, not the interpreter from flushing its output on the way out."""
    monkeypatch.setenv("COLUMNS", "100")
    result = subprocess.run(
        [sys.executable, "-m", "kontokoll", "--lang", "en", "audit", "--help"],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=True,
    )
    shown = io.StringIO()
    with contextlib.redirect_stdout(shown), contextlib.suppress(SystemExit):
        main(["--lang", "en", "audit", "--help"])
    assert result.stdout == shown.getvalue()
    assert "export" in result.stdout
