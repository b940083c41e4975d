"""The bulk reads straight from a file's bytes (governance.storage.typed): the same records as the
general path, the same refusals of damaged files, and never a stale or uncommitted view."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from governance.errors import StoreCorrupt, StoreTooNew
from governance.model import Account, Retirement
from governance.register import Register
from governance.storage.layout import ACCOUNTS_TABLE, SHARDS, account_file, account_shard
from governance.store import Store, put_account, repos
from tests.conftest import CliResult, store_snapshot

ANNA = "Anna Berg <anna.berg@helsingborg.se>"


def _register(store: Store) -> Register:
    register = Register(store, user="anna")
    for handle in ("a", "b", "c"):
        register.create_account(
            {"platform": "facebook", "handle": handle, "department": "Kulturförvaltningen",
             "purpose": "Informera"}
        )
    register.add_editor("facebook:a", ANNA)
    return register


def _every_field_set(account: Account) -> Account:
    """The account with every kind of stored value: dates, lists, the lifecycle, a retirement."""
    return account.with_changes(
        goals=("informera", "engagera"),
        categories=("nyheter",),
        department_goals=("g1",),
        project="Sommarlov",
        project_end=date(1, 1, 1),
        editors_confirmed_at=datetime(9999, 12, 31, 22, 0, tzinfo=UTC),
        identity_seen_at=datetime(2026, 3, 1, 8, 30, 15, 123456, tzinfo=UTC),
        requested_at=datetime(2026, 1, 2, tzinfo=UTC),
        request_warnings=("langsiktigt",),
        retired_at=datetime(2026, 6, 1, tzinfo=UTC),
        retirement=Retirement(announced=True, followers_to="x", disposal="deleted",
                              disposal_on=date(2026, 7, 1)),
        shared=True,
        purpose="Ett \u202e syfte\x1b[2J",
    )


def _general_path(store: Store) -> list[Account]:
    with store.read() as txn:
        return [
            Account.from_doc(doc)
            for shard in range(SHARDS)
            for doc in txn.table(account_shard(shard), ACCOUNTS_TABLE).values()
        ]


def test_bulk_load_gives_the_same_accounts_as_the_general_path(store: Store) -> None:
    register = _register(store)
    before = register.account("facebook:b")
    with store.write() as txn:
        put_account(txn, _every_field_set(before), before)
    with store.read() as txn:
        loaded = repos(txn).accounts.all()
    assert loaded == _general_path(store)
    assert _every_field_set(before) in loaded
    assert len(loaded) == 3


def test_a_write_transaction_sees_its_own_changes_in_a_bulk_load(store: Store) -> None:
    register = _register(store)
    before = register.account("facebook:c")
    with store.write() as txn:
        put_account(txn, before.with_changes(purpose="Ändrat"), before)
        inside = {a.handle: a.purpose for a in repos(txn).accounts.all()}
    assert inside["c"] == "Ändrat"


def test_a_bulk_load_sees_what_another_process_committed(data_dir: Path) -> None:
    first = Store(data_dir)
    _register(first)
    assert {a.purpose for a in Register(first).accounts()} == {"Informera"}
    second = Store(data_dir)  # another process: its own cache
    Register(second, user="anna").update_from_text("facebook:a", {"purpose": "Nytt syfte"})
    second.close()
    assert {a.purpose for a in Register(first).accounts()} == {"Informera", "Nytt syfte"}
    first.close()


def _damage(data_dir: Path, change: Callable[[dict[str, object]], None]) -> Path:
    """Change the shard of facebook:a as a careless script would; returns its path."""
    store = Store(data_dir)
    account_id = Register(store).account("facebook:a").id
    store.close()
    path = data_dir / account_file(account_id)
    data = json.loads(path.read_bytes())
    change(data)
    path.write_bytes(json.dumps(data).encode())
    return path


@pytest.mark.parametrize(
    ("field", "value"),
    [("status", 5), ("created", "igår"), ("editors", [{"name": "x"}]), ("shared", "ja")],
)
def test_a_field_of_the_wrong_type_is_refused_naming_file_and_field(
    store: Store, data_dir: Path, cli: Callable[..., CliResult], field: str, value: object
) -> None:
    _register(store)
    store.close()

    def wrong(data: dict[str, object]) -> None:
        accounts = data["accounts"]
        assert isinstance(accounts, dict)
        for doc in accounts.values():
            doc[field] = value

    path = _damage(data_dir, wrong)
    before = store_snapshot(data_dir)
    result = cli("accounts", "list")
    assert result.code == 2
    assert str(path) in result.err and field in result.err
    assert "Traceback" not in result.err
    assert store_snapshot(data_dir) == before


def test_invalid_utf8_and_a_newer_schema_are_refused(store: Store, data_dir: Path) -> None:
    _register(store)
    store.close()
    path = _damage(data_dir, lambda data: None)
    raw = path.read_bytes()
    path.write_bytes(raw.replace(b"Kultur", b"Kult\xf2r", 1))
    with pytest.raises(StoreCorrupt) as corrupt:
        Register(Store(data_dir)).accounts()
    assert str(path) in str(corrupt.value)
    path.write_bytes(raw.replace(b'"schema": 2', b'"schema": 99'))
    with pytest.raises(StoreTooNew):
        Register(Store(data_dir)).accounts()
