"""The storage engine: atomic files, the redo journal, the lock, and refusing bad files."""

from __future__ import annotations

import json
import os
import stat
import threading
from pathlib import Path

import pytest

from governance.errors import StoreCorrupt, StoreLocked, StoreTooNew
from governance.register import Register
from governance.storage import transactions
from governance.storage.database import JOURNAL, SCHEMA_VERSION, Database
from governance.storage.files import write_atomic
from governance.storage.lock import DirectoryLock
from governance.store import CHANGE_LOG, Store, account_file


def test_write_atomic_replaces_whole_file_with_private_permissions(tmp_path: Path) -> None:
    target = tmp_path / "f.json"
    write_atomic(target, b'{"a":1}')
    write_atomic(target, b'{"a":2}')
    assert target.read_bytes() == b'{"a":2}'
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["f.json"]  # no temp file left


def test_data_directory_is_private(store: Store, data_dir: Path) -> None:
    Register(store, user="anna").create_account(
        {"platform": "facebook", "handle": "a", "department": "Kulturförvaltningen"}
    )
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    for path in data_dir.rglob("*"):
        expected = 0o700 if path.is_dir() else 0o600
        assert stat.S_IMODE(path.stat().st_mode) == expected, path


def test_a_transaction_that_fails_changes_nothing(store: Store, data_dir: Path) -> None:
    register = Register(store, user="anna")
    account = register.create_account(
        {"platform": "facebook", "handle": "a", "department": "Kulturförvaltningen"}
    )
    before = (data_dir / account_file(account.id)).read_bytes()
    with pytest.raises(RuntimeError), store.write() as txn:
        txn.tinydb(account_file(account.id)).table("accounts").truncate()
        raise RuntimeError("boom")
    assert (data_dir / account_file(account.id)).read_bytes() == before
    assert register.account("facebook:a").id == account.id


def test_a_commit_cut_short_after_its_journal_is_finished_by_the_next_process(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store(data_dir)
    register = Register(store, user="anna")
    register.create_account(
        {"platform": "facebook", "handle": "a", "department": "Kulturförvaltningen"}
    )

    def die(self: object, plan: object) -> None:
        raise KeyboardInterrupt  # the process dies right after its journal landed

    monkeypatch.setattr(transactions.PreparedCommit, "publish", die)
    with pytest.raises(KeyboardInterrupt):
        register.update_account("facebook:a", purpose="Från journalen", audience="Alla")
    monkeypatch.undo()
    assert (data_dir / JOURNAL).is_file()
    # A kill in the middle of the log append leaves half a line behind.
    with (data_dir / CHANGE_LOG).open("ab") as log:
        log.write(b'{"at":"2026')
    store.close()

    reopened = Store(data_dir)
    account = Register(reopened).account("facebook:a")
    assert (account.purpose, account.audience) == ("Från journalen", "Alla")
    assert not (data_dir / JOURNAL).exists()
    lines = (data_dir / CHANGE_LOG).read_bytes().split(b"\n")
    assert lines[-1] == b""
    entries = [json.loads(line) for line in lines[:-1]]
    assert [(e["action"], e["field"]) for e in entries[-2:]] == [
        ("account-changed", "purpose"),
        ("account-changed", "audience"),
    ]
    reopened.close()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"{not json", StoreCorrupt),
        (b"\xff\xfe garbage", StoreCorrupt),
        (b'["a list"]', StoreCorrupt),
        (b'{"accounts": {}}', StoreCorrupt),
        (b'{"_kontokoll": {"1": {"schema": 99, "kind": "core"}}}', StoreTooNew),
    ],
)
def test_bad_files_are_refused_by_name_and_never_overwritten(
    data_dir: Path, content: bytes, expected: type[Exception]
) -> None:
    store = Store(data_dir)
    register = Register(store, user="anna")
    register.create_account(
        {"platform": "facebook", "handle": "a", "department": "Kulturförvaltningen"}
    )
    core = data_dir / "register" / "core.json"
    core.write_bytes(content)
    store.close()

    fresh = Register(Store(data_dir), user="anna")
    with pytest.raises(expected) as caught:
        fresh.create_account(
            {"platform": "facebook", "handle": "b", "department": "Miljöförvaltningen"}
        )
    assert str(core) in str(caught.value)
    assert core.read_bytes() == content
    with pytest.raises(expected):
        fresh.departments()


def test_newer_schema_message_says_to_upgrade(data_dir: Path) -> None:
    store = Store(data_dir)
    Register(store, user="a").create_account(
        {"platform": "x", "handle": "a", "department": "Miljöförvaltningen"}
    )
    index = data_dir / "register" / "index.json"
    data = json.loads(index.read_bytes())
    data["_kontokoll"]["1"]["schema"] = SCHEMA_VERSION + 1
    index.write_text(json.dumps(data))
    with pytest.raises(StoreTooNew) as caught:
        Register(Store(data_dir)).account("x:a")
    assert "nyare version" in str(caught.value)
    assert str(index) in str(caught.value)


def test_lock_times_out_with_a_clear_message(data_dir: Path) -> None:
    holder = Database(data_dir)
    waiter = Database(data_dir, lock_timeout_s=0.2)
    with holder.write(), pytest.raises(StoreLocked) as caught:  # noqa: SIM117
        with waiter.read():
            pass
    assert "låst" in str(caught.value)
    with waiter.read():  # free again once the holder is done
        pass


def test_readers_share_the_lock(tmp_path: Path) -> None:
    first = DirectoryLock(tmp_path / ".lock", timeout_s=0.2)
    second = DirectoryLock(tmp_path / ".lock", timeout_s=0.2)
    with first.hold(exclusive=False), second.hold(exclusive=False):
        pass
    with first.hold(exclusive=True), pytest.raises(StoreLocked):  # noqa: SIM117
        with second.hold(exclusive=False):
            pass


def test_threads_of_one_process_read_together_and_write_alone(data_dir: Path) -> None:
    database = Database(data_dir, lock_timeout_s=0.3)
    reading, release = threading.Event(), threading.Event()

    def long_reader() -> None:
        with database.read():
            reading.set()
            release.wait(5)

    thread = threading.Thread(target=long_reader)
    thread.start()
    try:
        assert reading.wait(5)
        with database.read():  # another reader thread gets in at once
            pass
        with pytest.raises(StoreLocked), database.write():  # a writer must wait for readers
            pass
    finally:
        release.set()
        thread.join()
    with database.write():
        pass


def test_stale_temp_files_are_removed_by_the_next_writer(data_dir: Path) -> None:
    store = Store(data_dir)
    Register(store, user="a").create_account(
        {"platform": "x", "handle": "a", "department": "Miljöförvaltningen"}
    )
    store.close()
    stale = data_dir / "register" / "core.json.tmp-999-abcd"
    stale.write_text("half a file with anna@example.org")
    os.chmod(stale, 0o600)
    Register(Store(data_dir), user="a").update_account("x:a", purpose="Nytt syfte")
    assert not stale.exists()
