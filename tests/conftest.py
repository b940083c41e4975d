"""Shared fixtures: a fresh data directory per test, the CLI in-process and as a real process."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from governance.i18n import set_language
from governance.store import Store
from kontokoll.cli.main import main

REPO = Path(__file__).resolve().parent.parent
#: A fixed "now" so that demo data, timestamps and dates in tests are reproducible.
FIXED_NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def swedish() -> Iterator[None]:
    """Messages in Swedish (the default), whatever the machine's locale."""
    set_language("sv")
    yield
    set_language("sv")


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def store(data_dir: Path) -> Iterator[Store]:
    opened = Store(data_dir)
    yield opened
    opened.close()


@dataclass
class CliResult:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    """Run ``kontokoll --data-dir DATA ARGS...`` in this process."""

    def run(*args: str) -> CliResult:
        code = main(["--data-dir", str(data_dir), *args])
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


def child_env(**extra: str) -> dict[str, str]:
    """The environment for a child process: Swedish messages, the repo importable."""
    env = dict(os.environ)
    env.update({"KONTOKOLL_LANG": "sv", "PYTHONPATH": str(REPO), **extra})
    return env


def run_process(
    *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m kontokoll ARGS...`` as a real process."""
    return subprocess.run(
        [sys.executable, "-m", "kontokoll", *args],
        capture_output=True,
        text=True,
        env=env or child_env(),
        timeout=timeout,
        check=False,
    )


def store_snapshot(data_dir: Path) -> dict[str, bytes]:
    """Every regular file of a data directory (the lock file aside) and its bytes, to show that
    a refused command changed nothing."""
    return {
        str(path.relative_to(data_dir)): path.read_bytes()
        for path in sorted(data_dir.rglob("*"))
        if path.is_file() and not path.is_symlink() and path.name != ".lock"
    }
