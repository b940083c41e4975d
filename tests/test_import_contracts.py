"""The layers hold: import-linter's contracts (pyproject.toml) run as part of the test suite.

kontokoll (the CLI and the app launcher) > screens (the Textual app) > audits > governance; each
package imports only those below it, and the core (governance, audits) imports no Textual or Rich,
so the CLI stays light and headless and a second front end needs no UI toolkit.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def test_the_import_contracts_hold() -> None:
    lint_imports = Path(sys.executable).parent / "lint-imports"
    assert lint_imports.exists(), "import-linter is missing: pip install -e '.[dev]'"
    result = subprocess.run(
        [str(lint_imports), "--no-cache"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_contracts_cover_every_package() -> None:
    """A new top-level package must get a place in the layers, not slip past them."""
    linted = set(PYPROJECT["tool"]["importlinter"]["root_packages"])
    assert linted == set(PYPROJECT["tool"]["mypy"]["packages"])
    layers = next(
        c for c in PYPROJECT["tool"]["importlinter"]["contracts"] if c["type"] == "layers"
    )
    assert set(layers["layers"]) == linted


def test_the_cli_does_not_load_textual_for_headless_commands() -> None:
    """The CLI may import the app lazily (``kontokoll`` with no command, ``serve``); the headless
    commands must not pay for loading Textual. The contracts see imports, not when they run."""
    code = (
        "import sys\n"
        "from kontokoll.cli.main import build_parser\n"
        "build_parser()\n"
        "print('textual' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True
    )
    assert result.stdout.strip() == "False"


def test_start_up_loads_no_heavy_package_a_command_may_not_need() -> None:
    """Every command pays for what the CLI imports at start-up: the platform clients (httpx),
    the holiday calendar, the spreadsheet reader and writer are loaded only by the commands
    that use them (session 1 took start-up from 0.66 s to 0.1 s this way; keep it)."""
    code = (
        "import sys\n"
        "from kontokoll.cli.main import build_parser\n"
        "import audits.service\n"
        "build_parser()\n"
        "heavy = ('httpx', 'holidays', 'openpyxl', 'xlsxwriter', 'textual')\n"
        "print(sorted(name for name in heavy if name in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True
    )
    assert result.stdout.strip() == "[]"
