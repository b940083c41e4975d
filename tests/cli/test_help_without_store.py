"""``kontokoll --help`` lists every command without opening the store's machinery: the roles of
``users add`` come without the store behind them, ``doctor`` loads its checks when it runs, and
``serve`` its temporary folder when it serves."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_help_loads_no_store_reader_no_checks_and_no_tempfile() -> None:
    probe = (
        "import contextlib, io, sys\n"
        "from kontokoll.cli.main import COMMANDS, main\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):\n"
        "    main(['--help'])\n"
        "assert all(name in out.getvalue() for name in COMMANDS)\n"
        "print(sorted(n for n in sys.modules if n.startswith(('governance.stor', 'tinydb'))\n"
        "             or n in ('orjson', 'governance.doctor', 'tempfile')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO, check=True
    )
    assert ast.literal_eval(result.stdout.strip().splitlines()[-1]) == []


def test_users_add_still_offers_the_roles() -> None:
    from governance.access import ROLES

    result = subprocess.run(
        [sys.executable, "-m", "kontokoll", "--lang", "en", "users", "add", "--help"],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=True,
    )
    assert "{" + ",".join(ROLES) + "}" in result.stdout
