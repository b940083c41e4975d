"""What a process imports before it does any work: ``--help`` builds every command's parser without
the register, the audit engine or the services behind them, and the command line itself starts
without the session-proof crypto or platformdirs (each module imports them where they are used)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _loaded_after(code: str, names: tuple[str, ...]) -> list[str]:
    """Which of ``names`` a fresh interpreter has imported after running ``code``."""
    probe = f"{code}\nimport sys\nprint(sorted(n for n in {names!r} if n in sys.modules))\n"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO, check=True
    )
    loaded: list[str] = ast.literal_eval(result.stdout.strip().splitlines()[-1])
    return loaded


def test_help_lists_every_command_without_loading_what_they_do() -> None:
    code = (
        "import contextlib, io\n"
        "from kontokoll.cli.main import COMMANDS, main\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):\n"
        "    main(['--help'])\n"
        "assert all(name in out.getvalue() for name in COMMANDS), out.getvalue()\n"
    )
    heavy = (
        "audits.engine",
        "audits.service",
        "governance.register",
        "governance.backup",
        "governance.people",
        "governance.lifecycle",
        "governance.accounts_csv",
        "governance.acknowledgements",
        "kontokoll.demo_setup",
    )
    assert _loaded_after(code, heavy) == []


def test_the_command_line_starts_without_crypto_or_platformdirs() -> None:
    code = "import kontokoll.cli.main, governance.model, governance.i18n, audits.quarters"
    lazy = ("platformdirs", "hmac", "secrets", "base64", "json", "calendar", "locale")
    assert _loaded_after(code, lazy) == []


def test_the_default_data_dir_still_comes_from_platformdirs(tmp_path: Path) -> None:
    code = (
        "import os\n"
        "os.environ.pop('KONTOKOLL_DATA_DIR', None)\n"
        f"os.environ['XDG_DATA_HOME'] = {str(tmp_path)!r}\n"
        "from kontokoll.cli.context import default_data_dir\n"
        "print(default_data_dir())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True
    )
    assert result.stdout.strip() == str(tmp_path / "kontokoll")
