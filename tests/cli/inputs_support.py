"""Shared by the bad-input tests: a small store, the CLI run in-process, and file hashes."""

from __future__ import annotations

import hashlib
import io
import shutil
import traceback
from collections.abc import Callable, Sequence
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

from audits.service import AuditService
from governance.demo_registered import backdate_registration
from governance.monthly import MonthlyStats
from governance.register import Register
from governance.store import Store
from kontokoll.cli.context import CliContext
from kontokoll.cli.main import main
from tests.audits.conftest import account_row
from tests.conftest import FIXED_NOW

#: The header of the stats CSV, and one good row for the store made by :func:`make_store`.
STATS_HEADER = (
    "platform,handle,month,posts,last_post_at,followers,new_followers,reach,video_views,"
    "link_clicks,reactions,comments,shares,saves,replies_due,replies_on_time"
)
STATS_ROW = "facebook,hbgbibliotek,2026-10,12,2026-10-30T09:15:00+01:00,900,4,,,,,,,,10,9"


@dataclass
class Outcome:
    code: int
    out: str
    err: str


def make_store(data_dir: Path) -> None:
    """Three accounts (one with a single editor), a month of stats, and one audit of 2026Q3."""
    store = Store(data_dir)
    try:
        register = Register(store, user="tester", clock=lambda: FIXED_NOW)
        register.import_rows(
            [
                account_row(2, "hbgbibliotek"),
                account_row(3, "hbgkrisinfo", editors=[("Anna Berg", "anna.berg@helsingborg.se")]),
                account_row(4, "sommarlov.hbg", project="Sommarlov", project_end=None),
            ],
            "<test>",
        )
        backdate_registration(store, FIXED_NOW)  # (registered before 2026Q3, audited below)
        for account in register.accounts():
            register.confirm_editors(account.id)
        first = register.accounts()[0]
        store.stats.save_batch([MonthlyStats(first.id, "2026-09", posts=3)])
        AuditService(store, clock=lambda: FIXED_NOW).run("2026Q3")
    finally:
        store.close()


def copy_store(template: Path, target: Path) -> Path:
    """A copy of a store made once by :func:`make_store` (quicker than making it again)."""
    shutil.copytree(template, target)
    return target


def hashes(directory: Path) -> dict[str, str]:
    """SHA-256 of every file under ``directory`` (the empty lock file aside)."""
    return {
        str(path.relative_to(directory)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(directory.rglob("*"))
        if path.is_file() and path.name != ".lock"
    }


def run_cli(
    argv: Sequence[str], *, context: Callable[[Path], CliContext] = CliContext
) -> Outcome:
    """``kontokoll ARGV`` in this process; any exception escaping main() is a bug and says so.

    ``context`` is passed on to main() (a test's sync source, for one)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        with redirect_stdout(out), redirect_stderr(err):
            code = main(list(argv), context=context)
    except SystemExit as exited:  # argparse's usage errors
        code = exited.code if isinstance(exited.code, int) else 2
    except Exception:  # reported as the traceback a user would have seen, with the arguments
        raise AssertionError(f"traceback for {list(argv)!r}:\n{traceback.format_exc()}") from None
    return Outcome(code, out.getvalue(), err.getvalue())


def assert_refused(outcome: Outcome, *needles: str) -> None:
    """Exit code 2, no traceback, and each needle in the message on stderr."""
    assert outcome.code == 2, outcome
    assert "Traceback" not in outcome.err, outcome.err
    for needle in needles:
        assert needle in outcome.err, (needle, outcome.err)
