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
        # The model (and msgspec with it, ~20 ms): the parsers need only its field names and the
        # department key (governance.account_fields).
        "governance.model",
        "msgspec",
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


def _command(data_dir: Path, *args: str) -> str:
    """Code that runs ``kontokoll --data-dir DATA_DIR ARGS`` in the probe's interpreter."""
    argv = ["--data-dir", str(data_dir), *args]
    return (
        "import contextlib, io\n"
        "from kontokoll.cli.main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    assert main({argv!r}) == 0\n"
    )


#: What an audit command may load only where it is used (issue 15: each process pays its imports).
_WRITERS = ("audits.exports", "csv", "governance.csvio", "audits.xlsx", "xlsxwriter")
_EVALUATION = ("audits.subjects", "audits.activity", "governance.acknowledgements")
_CALENDARS = ("governance.worktime", "holidays", "governance.moderation.facts")


def test_an_audit_run_loads_no_export_writer_and_no_moderation_records(tmp_path: Path) -> None:
    """A run writes no file (the CSV writer and the workbook are the export's) and, in a store
    without moderation records, loads neither them nor the working-time calendar."""
    data = tmp_path / "data"
    code = _command(data, "audit", "run", "--quarter", "2026Q3")
    loaded = _loaded_after(code, (*_WRITERS, *_EVALUATION, *_CALENDARS))
    assert loaded == sorted(_EVALUATION)  # (the probe sees what a run does load)
    assert (data / "audit" / "runs" / "2026Q3-1.json").is_file()


def test_an_audit_export_loads_no_evaluation(tmp_path: Path) -> None:
    """An export reads a stored run: nothing that judges accounts (the register's shards, the
    stats, the working-time calendar, the moderation records), and no workbook for a CSV."""
    data = tmp_path / "data"
    run = _command(data, "audit", "run", "--quarter", "2026Q3")
    subprocess.run([sys.executable, "-c", run], cwd=REPO, check=True)
    out = tmp_path / "findings.csv"  # (never into the data directory)
    code = _command(data, "audit", "export", "--quarter", "2026Q3", "--output", str(out))
    loaded = _loaded_after(code, (*_WRITERS, *_EVALUATION, *_CALENDARS))
    assert loaded == ["audits.exports", "csv", "governance.csvio"]
    assert out.read_bytes().startswith("\ufeffquarter;platform;handle;".encode())


def test_writing_the_store_loads_no_crypto(tmp_path: Path) -> None:
    """The store's temp files and journal ids take their random part from ``os.urandom`` (what
    ``secrets.token_hex`` returns), so a run commits without loading secrets and with it hmac,
    random and base64 (a few ms of every command that writes)."""
    data = tmp_path / "data"
    code = _command(data, "audit", "run", "--quarter", "2026Q3")
    assert _loaded_after(code, ("secrets", "hmac", "random", "base64")) == []
    assert (data / "audit" / "runs" / "2026Q3-1.json").is_file()
