"""The recent files (stats-recent/NN.json): written by the commit that writes their stats shard,
read only while the stats file on disk is the one they were derived from, checked by doctor."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from governance.doctor import check
from governance.doctor_repair import repair
from governance.errors import StoreTooNew
from governance.monthly import MonthlyStats
from governance.register import Register
from governance.storage import recent, transactions, typed
from governance.storage.database import JOURNAL
from governance.storage.files import write_atomic
from governance.storage.layout import MANIFEST, recent_of, shard_of, stats_file
from governance.store import Store

Records = Callable[..., list[MonthlyStats]]


def _account(store: Store, handle: str = "a") -> str:
    register = Register(store, user="anna")
    return register.create_account(
        {"platform": "facebook", "handle": handle, "department": "Kulturförvaltningen"}
    ).id


def _months(account_id: str, *months: str, posts: int = 4) -> list[MonthlyStats]:
    return [
        MonthlyStats(account_id, m, posts=posts, replies_due=3, replies_on_time=2,
                     last_post_at=datetime.fromisoformat(f"{m}-10T09:00:00+00:00"))
        for m in months
    ]


def _shard(account_id: str) -> int:
    return int(shard_of(account_id))


def test_the_commit_that_writes_the_stats_writes_their_recent_file(
    store: Store, data_dir: Path
) -> None:
    account_id = _account(store)
    store.stats.save_batch(_months(account_id, *(f"2026-{m:02d}" for m in range(1, 13))))
    stats_rel = stats_file(account_id)
    found = json.loads((data_dir / recent_of(stats_rel)).read_bytes())
    st = (data_dir / stats_rel).stat()
    source = found["source"]["1"]
    assert (source["size"], source["mtime_ns"]) == (st.st_size, st.st_mtime_ns)
    assert source["since"] == "2026-08"  # the five newest months whole
    rows = next(iter(found["recent"].values()))
    assert sorted(rows) == ["2026-07", "2026-08", "2026-09", "2026-10", "2026-11", "2026-12"]
    assert rows["2026-12"] == ["2026-12-10", 4, 3, 2, None, None, None, None, None]
    assert rows["2026-07"] == ["2026-07-10"]  # the latest post before them: its day alone
    listed = json.loads((data_dir / MANIFEST).read_bytes())["files"]["1"]["paths"]
    assert recent_of(stats_rel) in listed
    with store.read() as txn:
        assert typed.recent_rows(txn, _shard(account_id), "2026-08") is not None
        assert typed.recent_rows(txn, _shard(account_id), "2026-07") is None  # not covered


def test_a_stats_file_written_by_other_code_is_read_instead(store: Store, data_dir: Path) -> None:
    account_id = _account(store)
    store.stats.save_batch(_months(account_id, "2026-10", "2026-11"))
    path = data_dir / stats_file(account_id)
    data = json.loads(path.read_bytes())  # an older Kontokoll rewrites the shard, not the file
    next(iter(data["months"].values()))["months"]["2026-11"][1] = 99
    write_atomic(path, json.dumps(data).encode())
    with store.read() as txn:
        assert typed.recent_rows(txn, _shard(account_id), "2026-10") is None
    problems = [p for p in check(data_dir) if p.key == "recent.stale"]
    assert [p.path for p in problems] == [str(data_dir / recent_of(stats_file(account_id)))]
    repair(store, os.environ.get("USER", "root"), lambda _question: True)
    assert not [p for p in check(data_dir) if p.key.startswith("recent.")]
    with store.read() as txn:
        rows = typed.recent_rows(txn, _shard(account_id), "2026-10")
    assert rows is not None and next(iter(rows.values()))["2026-11"][1] == 99


def test_doctor_names_a_recent_file_that_disagrees_with_its_stats(
    store: Store, data_dir: Path
) -> None:
    account_id = _account(store)
    store.stats.save_batch(_months(account_id, "2026-10", "2026-11"))
    stats_path = data_dir / stats_file(account_id)
    path = data_dir / recent_of(stats_file(account_id))
    data = json.loads(path.read_bytes())
    key = next(iter(data["recent"]))
    data["recent"][key]["2026-11"][1] = 0  # the posts changed behind the stats' back
    times = stats_path.stat().st_mtime_ns
    path.write_bytes(json.dumps(data).encode())
    os.utime(stats_path, ns=(times, times))
    [problem] = [p for p in check(data_dir) if p.key.startswith("recent.")]
    assert (problem.key, problem.path, problem.params["doc"]) == (
        "recent.mismatch", str(path), key)


def _damaged(raw: bytes, how: str) -> bytes:
    """``raw`` (a recent file's bytes) damaged as a disk, a tool or a person may leave it."""
    if how == "cut short":
        return raw[:100]
    if how == "empty":
        return b""
    if how == "garbage":  # of the same size
        return (bytes(range(256)) * (len(raw) // 256 + 1))[: len(raw)]
    data = json.loads(raw)
    next(iter(data["recent"].values()))["2026-11"][1] = "many"  # not a whole number
    return json.dumps(data).encode()


@pytest.mark.parametrize("how", ["cut short", "empty", "garbage", "wrong type"])
def test_a_damaged_recent_file_is_not_used_named_and_derived_anew(
    store: Store, data_dir: Path, how: str
) -> None:
    account_id = _account(store)
    store.stats.save_batch(_months(account_id, "2026-11"))
    path = data_dir / recent_of(stats_file(account_id))
    raw = path.read_bytes()
    path.write_bytes(_damaged(raw, how))
    with store.read() as txn:  # derived data: the audit reads the stats shard instead
        assert typed.recent_rows(txn, _shard(account_id), "2026-10") is None
    [problem] = [p for p in check(data_dir) if p.path == str(path)]
    assert problem.key == "recent.damaged" and problem.params["stats"] == stats_file(account_id)
    assert str(path) in str(problem) and "--repair" in str(problem)
    report = repair(store, os.environ.get("USER", "root"), lambda _question: True)
    assert report.left == [] and path.read_bytes() == raw  # derived anew, exactly as it was
    with store.read() as txn:
        assert typed.recent_rows(txn, _shard(account_id), "2026-10") is not None


def test_a_later_commit_writes_a_damaged_recent_file_anew(store: Store, data_dir: Path) -> None:
    account_id = _account(store)
    store.stats.save_batch(_months(account_id, "2026-10"))
    path = data_dir / recent_of(stats_file(account_id))
    path.write_bytes(path.read_bytes()[:100])
    store.stats.save_batch(_months(account_id, "2026-11"))
    with store.read() as txn:
        rows = typed.recent_rows(txn, _shard(account_id), "2026-10")
    assert rows is not None and sorted(next(iter(rows.values()))) == ["2026-10", "2026-11"]
    assert check(data_dir) == []


def test_a_recent_file_of_a_newer_schema_is_still_refused(store: Store, data_dir: Path) -> None:
    account_id = _account(store)
    store.stats.save_batch(_months(account_id, "2026-11"))
    path = data_dir / recent_of(stats_file(account_id))
    data = json.loads(path.read_bytes())
    data["_kontokoll"]["1"]["schema"] = 99
    path.write_bytes(json.dumps(data).encode())
    with store.read() as txn, pytest.raises(StoreTooNew) as refused:
        typed.recent_rows(txn, _shard(account_id), "2026-10")
    assert str(path) in str(refused.value)
    assert [p.key for p in check(data_dir) if p.path == str(path)] == ["doctor.problem.too_new"]


def test_a_lost_recent_file_only_costs_time_and_is_written_anew(
    store: Store, data_dir: Path
) -> None:
    account_id = _account(store)
    store.stats.save_batch(_months(account_id, "2026-11"))
    path = data_dir / recent_of(stats_file(account_id))
    path.unlink()
    with store.read() as txn:  # every command still works; the audit reads the shard
        assert typed.recent_rows(txn, _shard(account_id), "2026-10") is None
    assert [p.key for p in check(data_dir)] == ["recent.missing"]
    repair(store, os.environ.get("USER", "root"), lambda _question: True)
    assert path.is_file() and check(data_dir) == []


def test_a_commit_killed_after_its_journal_lands_both_files_with_their_times(
    store: Store, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    account_id = _account(store)
    store.stats.save_batch(_months(account_id, "2026-10"))

    def die(self: object, plan: object) -> None:
        raise KeyboardInterrupt  # killed right after the journal landed

    monkeypatch.setattr(transactions.PreparedCommit, "publish", die)
    with pytest.raises(KeyboardInterrupt):
        store.stats.save_batch(_months(account_id, "2026-11"))
    monkeypatch.undo()
    plan = json.loads((data_dir / JOURNAL).read_bytes())["journal"]["1"]["plan"]
    assert {stats_file(account_id), recent_of(stats_file(account_id))} <= set(plan["files"])
    again = Store(data_dir)
    with again.read() as txn:  # the replay writes both, the stats file with the recorded time
        rows = typed.recent_rows(txn, _shard(account_id), "2026-10")
    assert rows is not None and "2026-11" in next(iter(rows.values()))
    assert not (data_dir / JOURNAL).exists()
    again.close()


def test_a_row_the_audit_rows_cannot_carry_leaves_the_shard_uncovered() -> None:
    good = ["2026-11-10T09:00:00+00:00", 3, *([None] * 17)]
    for bad in (["2026-11-10T09:00:00+00:00", "3"], ["9999-12-31T23:59:59-01:00", 3], {"x": 1},
                [None, True], ["2026-11-10T09:00:00+00:00", 1.5]):
        table = {"1": {"account_id": "a", "months": {"2026-10": good, "2026-11": bad}}}
        assert recent.document(table, 1, 1)["source"]["1"]["since"] is None
    table = {"1": {"account_id": "a", "months": {"2026-10": good, "2026-11": good}}}
    assert recent.document(table, 1, 1)["source"]["1"]["since"] == ""


def test_a_restore_writes_the_recent_files_of_the_stats_it_restores(
    store: Store, data_dir: Path, tmp_path: Path
) -> None:
    from governance.backup import Backups

    account_id = _account(store)
    store.stats.save_batch(_months(account_id, "2026-10"))
    user = os.environ.get("USER", "root")
    archive = Backups(store, user=user).backup(tmp_path / "b.tar.gz").path
    store.stats.save_batch(_months(account_id, "2026-11"))
    Backups(store, user=user).restore(archive)
    with store.read() as txn:
        rows = typed.recent_rows(txn, _shard(account_id), "2026-10")
    assert rows is not None and sorted(next(iter(rows.values()))) == ["2026-10"]
    assert check(data_dir) == []


@pytest.mark.parametrize("when", [datetime(2026, 11, 30, 23, 30, tzinfo=UTC)])
def test_the_day_kept_is_the_stockholm_day(store: Store, data_dir: Path, when: datetime) -> None:
    account_id = _account(store)
    store.stats.save_batch([MonthlyStats(account_id, "2026-12", posts=1, last_post_at=when)])
    found = json.loads((data_dir / recent_of(stats_file(account_id))).read_bytes())
    assert next(iter(found["recent"].values()))["2026-12"][0] == "2026-12-01"


@pytest.mark.parametrize("seed", range(3))
def test_accounts_a_commit_leaves_alone_keep_their_rows_as_derived_anew(
    store: Store, data_dir: Path, seed: int
) -> None:
    import random

    rng = random.Random(seed)
    ids = [_account(store, f"k{n}") for n in range(40)]
    for _batch in range(6):  # a sync's batches: a few accounts' months each
        records = []
        for account_id in rng.sample(ids, 7):
            months = [f"{rng.choice((2025, 2026))}-{rng.randint(1, 12):02d}" for _ in range(4)]
            records += _months(account_id, *months, posts=rng.choice((0, 2, 9)))
        store.stats.save_batch(records)
        assert [p for p in check(data_dir) if p.key.startswith("recent.")] == []
    for path in (data_dir / "stats-recent").iterdir():  # and each equals a derivation anew
        stats = json.loads((data_dir / "stats" / path.name).read_bytes())
        st = (data_dir / "stats" / path.name).stat()
        expected = recent.derived(stats, st.st_size, st.st_mtime_ns)
        assert {k: v for k, v in json.loads(path.read_bytes()).items() if k != "_kontokoll"} == (
            expected)
