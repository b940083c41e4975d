"""``kontokoll accounts rename|accept-identity`` through the CLI: messages, exit codes, the log."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from governance.identity_check import Identities
from governance.monthly import SyncOutcome
from governance.register import Register
from governance.store import Store
from tests.conftest import FIXED_NOW

Cli = Callable[..., Any]


def _register(data_dir: Path, *, mismatch: str = "") -> str:
    """One X account, and (with ``mismatch``) a sync that found its handle leading elsewhere."""
    store = Store(data_dir)
    try:
        account = Register(store).create_account({
            "platform": "x", "handle": "hbgstad", "department": "Kulturförvaltningen",
            "platform_id": "2244994945"})
        identity = {"id": mismatch or "2244994945", "username": "hbg_stad",
                    "handle_id": mismatch or None}
        outcome = SyncOutcome(account.id, "x", False, "identity-mismatch", FIXED_NOW,
                              identity=identity)
        Identities(store, clock=lambda: FIXED_NOW).record([outcome])
        return account.id
    finally:
        store.close()


def test_rename_takes_the_new_handle_and_logs_it(cli: Cli, data_dir: Path) -> None:
    account_id = _register(data_dir)
    done = cli("accounts", "rename", "x:hbgstad", "hbg_stad")
    assert (done.code, done.err) == (0, "")
    assert "x:hbgstad heter nu x:hbg_stad." in done.out
    assert account_id in cli("accounts", "list").out and "x:hbg_stad" in cli(
        "accounts", "list").out
    log = cli("log", "x:hbg_stad").out
    assert "hbgstad" in log and "hbg_stad" in log
    again = cli("accounts", "rename", "x:hbg_stad", "hbg_stad")
    assert again.code != 0 and "handle" in again.err
    unknown = cli("accounts", "rename", "x:finns-inte", "ny")
    assert unknown.code != 0 and "Hittar inget konto" in unknown.err


def test_accept_identity_takes_the_new_id(cli: Cli, data_dir: Path) -> None:
    _register(data_dir, mismatch="1700000000000000001")
    done = cli("accounts", "accept-identity", "x:hbgstad")
    assert (done.code, done.err) == (0, "")
    assert "1700000000000000001" in done.out
    store = Store(data_dir)
    try:
        account = Register(store).account("x:hbgstad")
    finally:
        store.close()
    assert (account.platform_id, account.identity_mismatch) == ("1700000000000000001", "")
    log = cli("log", "x:hbgstad").out
    assert "2244994945" in log and "1700000000000000001" in log
    nothing = cli("accounts", "accept-identity", "x:hbgstad")
    assert nothing.code != 0 and "ingen identitetsavvikelse" in nothing.err
