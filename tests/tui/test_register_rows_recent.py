"""The register's rows read what they show of the stats (last post day, latest known followers)
from the stats shards' recent files (governance.storage.recent's latest table), and exactly what
a full read of every month gives; a recent file that cannot be used is not, and the full read
gives the rows."""

from __future__ import annotations

import json
import os
import random
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from governance.errors import StoreCorrupt
from governance.monthly import MonthlyStats, add_months
from governance.register import Register
from governance.storage import typed
from governance.storage.layout import SHARDS, recent_of, stats_file, stats_shard
from governance.store import Store
from screens import register_rows
from screens.view_models import AccountSummary

ADMIN = os.environ.get("USER", "root")


def _rows(store: Store) -> list[AccountSummary]:
    with store.read() as txn:
        return register_rows.read_rows(txn, None).summaries


def _rows_in_full(store: Store, monkeypatch: pytest.MonkeyPatch) -> list[AccountSummary]:
    """The rows with every recent file refused: every month of every account read."""
    with monkeypatch.context() as patched:
        patched.setattr(typed, "latest_figures", lambda _txn, _shard: None)
        return _rows(store)


def _shards_read_from_recent_files(store: Store) -> int:
    with store.read() as txn:
        return sum(typed.latest_figures(txn, shard) is not None for shard in range(SHARDS))


def _stats_files(data_dir: Path) -> list[Path]:
    paths = [data_dir / stats_shard(n) for n in range(SHARDS)]
    return [path for path in paths if path.exists()]


def _accounts(store: Store, count: int) -> list[str]:
    register = Register(store, user="anna")
    return [
        register.create_account(
            {"platform": "facebook", "handle": f"konto{n}", "department": "Kulturförvaltningen"}
        ).id
        for n in range(count)
    ]


def _moment(rng: random.Random, month: str) -> datetime:
    """A time in ``month`` (or just before or after it: an offset far from Stockholm's)."""
    year, mon = (int(part) for part in month.split("-"))
    offset = timezone(timedelta(hours=rng.randint(-12, 14)))
    return datetime(year, mon, rng.randint(1, 28), rng.randint(0, 23), rng.randint(0, 59),
                    tzinfo=rng.choice((UTC, offset)))


def _random_stats(rng: random.Random, account_ids: list[str]) -> list[MonthlyStats]:
    """Stats as syncs over years leave them: some accounts none, some silent for years, follower
    counts unknown in the newest months but known before, gaps between months."""
    records = []
    for account_id in account_ids:
        kind = rng.choice(
            ("none", "steady", "silent for years", "never posted", "followers lost",
             "followers never known", "sparse")
        )
        if kind == "none":
            continue
        newest = f"{rng.choice((2024, 2025, 2026))}-{rng.randint(1, 12):02d}"
        count = rng.randint(1, 30)
        months = sorted({add_months(newest, -rng.randint(0, 60) if kind == "sparse" else -m)
                         for m in range(count)})
        for index, month in enumerate(months):
            newer = len(months) - index
            posted = kind != "never posted" and (kind != "silent for years" or newer > 14)
            posted = posted and rng.random() < 0.85
            followers = None if kind == "followers lost" and newer <= 3 else rng.randint(0, 99999)
            if rng.random() < 0.1 or kind == "followers never known":
                followers = None
            records.append(MonthlyStats(
                account_id, month, posts=rng.randint(1, 40) if posted else rng.choice((0, None)),
                last_post_at=_moment(rng, month) if posted else None, followers=followers,
                replies_due=rng.choice((None, 5)), replies_on_time=rng.choice((None, 4)),
            ))
    return records


def _edit_by_hand(rng: random.Random, data_dir: Path) -> None:
    """Times without an offset (Stockholm time), a row cut short before the follower count, a
    post of year 0001, a time a year after its month: what a person editing the files leaves."""
    for path in _stats_files(data_dir):
        data = json.loads(path.read_bytes())
        for doc in data["months"].values():
            for row in doc["months"].values():
                chance = rng.random()
                if chance < 0.15 and row[0]:
                    row[0] = row[0][:19]  # naive: Stockholm time
                elif chance < 0.17 and row[0]:
                    row[0] = "0001-01-02T12:00:00"
                elif chance < 0.19:
                    del row[2:]  # an older, shorter row: no follower count
                elif chance < 0.23 and row[0]:
                    row[0] = f"{int(row[0][:4]) + 1}{row[0][4:]}"  # later than newer months'?
        path.write_text(json.dumps(data))


def _repair(store: Store, *, left: int = 0) -> None:
    from governance.doctor_repair import repair

    report = repair(store, ADMIN, lambda _question: True)
    assert len(report.left) == left  # (what --repair cannot mend: a bad row, named)


@pytest.mark.parametrize("seed", range(6))
def test_the_rows_from_the_recent_files_are_those_of_every_month(
    store: Store, data_dir: Path, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    rng = random.Random(seed)
    ids = _accounts(store, 60)
    store.stats.save_batch(_random_stats(rng, ids))
    if seed % 2:  # edited by hand, then derived anew (doctor --repair)
        _edit_by_hand(rng, data_dir)
        assert _shards_read_from_recent_files(store) == 0  # (the stats files changed)
        _repair(store)
    rows = _rows(store)
    assert _shards_read_from_recent_files(store) == len(_stats_files(data_dir)) > 0
    assert rows == _rows_in_full(store, monkeypatch)
    shown = [row for row in rows if row.last_post or row.followers is not None]
    assert shown and any(row.last_post is None for row in shown)
    assert any(row.followers is None for row in shown)


def test_followers_unknown_lately_show_the_last_known_and_an_old_post_its_day(
    store: Store, data_dir: Path
) -> None:
    [account_id] = _accounts(store, 1)
    old_post = datetime(2019, 3, 31, 22, 30, tzinfo=UTC)  # 1 April in Stockholm
    records = [MonthlyStats(account_id, "2019-03", posts=3, last_post_at=old_post, followers=812)]
    records += [MonthlyStats(account_id, f"2026-{m:02d}", posts=0) for m in range(1, 12)]
    store.stats.save_batch(records)
    assert _shards_read_from_recent_files(store) == 1
    [row] = _rows(store)
    assert (row.last_post, row.followers) == (date(2019, 4, 1), 812)


def test_a_stats_file_edited_by_hand_is_read_in_full(store: Store, data_dir: Path) -> None:
    [account_id] = _accounts(store, 1)
    store.stats.save_batch([MonthlyStats(account_id, "2026-10", posts=2, followers=100)])
    path = data_dir / stats_file(account_id)
    data = json.loads(path.read_bytes())
    [doc] = data["months"].values()
    doc["months"]["2026-10"][2] = 250
    doc["months"]["2026-11"] = ["2026-11-03T10:00:00", 1, 260]  # naive: Stockholm time
    path.write_text(json.dumps(data))
    [row] = _rows(store)
    assert (row.last_post, row.followers) == (date(2026, 11, 3), 260)
    assert _shards_read_from_recent_files(store) == 0


def test_a_follower_count_the_file_cannot_carry_leaves_the_shard_to_the_full_read(
    store: Store, data_dir: Path
) -> None:
    [account_id] = _accounts(store, 1)
    store.stats.save_batch([MonthlyStats(account_id, "2026-10", posts=2, followers=100)])
    path = data_dir / stats_file(account_id)
    data = json.loads(path.read_bytes())
    next(iter(data["months"].values()))["months"]["2026-10"][2] = 12.5
    path.write_text(json.dumps(data))
    _repair(store)
    found = json.loads((data_dir / recent_of(stats_file(account_id))).read_bytes())
    assert found["source"]["1"]["since"] is None and found["latest"] == {}
    [row] = _rows(store)
    assert row.followers == 12.5  # shown as the full read shows it


def test_a_bad_time_in_an_old_month_is_still_refused_naming_the_stats_file(
    store: Store, data_dir: Path
) -> None:
    [account_id] = _accounts(store, 1)
    store.stats.save_batch(
        [MonthlyStats(account_id, f"2026-{m:02d}", posts=1, followers=m) for m in range(1, 12)]
    )
    path = data_dir / stats_file(account_id)
    data = json.loads(path.read_bytes())
    next(iter(data["months"].values()))["months"]["2026-01"][0] = "9999-12-31T23:59:59-01:00"
    path.write_text(json.dumps(data))
    _repair(store, left=1)  # (doctor names the row; the recent file covers nothing)
    found = json.loads((data_dir / recent_of(stats_file(account_id))).read_bytes())
    assert found["source"]["1"]["since"] is None
    with pytest.raises(StoreCorrupt) as raised:
        _rows(store)
    assert str(path) in str(raised.value)


def _as_the_previous_code_wrote_it(path: Path) -> None:
    """The recent file without the latest table and the format (its times kept: in step)."""
    data = json.loads(path.read_bytes())
    del data["latest"], data["source"]["1"]["format"]
    path.write_text(json.dumps(data))


def test_a_recent_file_of_the_previous_format_is_not_read_for_the_rows(
    store: Store, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = _accounts(store, 30)
    store.stats.save_batch(_random_stats(random.Random(7), ids))
    expected = _rows(store)
    for path in (data_dir / "stats-recent").iterdir():
        _as_the_previous_code_wrote_it(path)
    assert _shards_read_from_recent_files(store) == 0
    with store.read() as txn:  # the audit's rows are still of use
        assert typed.recent_rows(txn, int(path.stem), "9999-12") is not None
    calls: list[Any] = []
    full_read = register_rows._stats_figures
    monkeypatch.setattr(
        register_rows, "_stats_figures", lambda *a: calls.append(a) or full_read(*a)
    )
    assert _rows(store) == expected and calls


def test_doctor_names_a_recent_file_of_the_previous_format_and_repair_writes_it_anew(
    store: Store, data_dir: Path
) -> None:
    from governance.doctor import check

    [account_id] = _accounts(store, 1)
    store.stats.save_batch([MonthlyStats(account_id, "2026-10", posts=2, followers=100)])
    path = data_dir / recent_of(stats_file(account_id))
    written = path.read_bytes()
    _as_the_previous_code_wrote_it(path)
    [problem] = [p for p in check(data_dir) if p.path == str(path)]
    assert problem.key == "recent_format.older" and "--repair" in str(problem)
    assert problem.params["stats"] == stats_file(account_id)
    _repair(store)
    assert path.read_bytes() == written and check(data_dir) == []
    assert _shards_read_from_recent_files(store) == 1


def test_the_next_commit_writes_a_recent_file_of_the_previous_format_anew(
    store: Store, data_dir: Path
) -> None:
    first, second = _accounts(store, 2)
    same_shard = stats_file(first) == stats_file(second)
    store.stats.save_batch([MonthlyStats(first, "2026-10", posts=2, followers=100)])
    _as_the_previous_code_wrote_it(data_dir / recent_of(stats_file(first)))
    store.stats.save_batch([MonthlyStats(second, "2026-10", posts=1, followers=7)])
    store.stats.save_batch([MonthlyStats(first, "2026-11", posts=1, followers=120)])
    assert _shards_read_from_recent_files(store) == (1 if same_shard else 2)
    figures = {row.id: row.followers for row in _rows(store)}
    assert figures == {first: 120, second: 7}


def test_doctor_names_figures_that_disagree_with_the_stats_and_repair_writes_them_anew(
    store: Store, data_dir: Path
) -> None:
    from governance.doctor import check

    [account_id] = _accounts(store, 1)
    store.stats.save_batch([MonthlyStats(account_id, "2026-10", posts=2, followers=100)])
    path = data_dir / recent_of(stats_file(account_id))
    written = path.read_bytes()
    data = json.loads(written)
    [(key, figures)] = data["latest"].items()
    figures["followers"] = 99999  # (the stats file untouched: the register would believe it)
    path.write_text(json.dumps(data))
    [problem] = [p for p in check(data_dir) if p.path == str(path)]
    assert (problem.key, problem.params["doc"]) == ("recent_format.mismatch", key)
    _repair(store)
    assert path.read_bytes() == written
    [row] = _rows(store)
    assert row.followers == 100


def test_figures_of_the_wrong_type_are_not_read_and_named_damaged(
    store: Store, data_dir: Path
) -> None:
    from governance.doctor import check

    [account_id] = _accounts(store, 1)
    store.stats.save_batch([MonthlyStats(account_id, "2026-10", posts=2, followers=100)])
    path = data_dir / recent_of(stats_file(account_id))
    data = json.loads(path.read_bytes())
    next(iter(data["latest"].values()))["followers"] = "many"
    path.write_text(json.dumps(data))
    assert _shards_read_from_recent_files(store) == 0
    [row] = _rows(store)
    assert row.followers == 100  # from the stats shard
    with store.read() as txn:  # the audit's rows decode still
        assert typed.recent_rows(txn, int(path.stem), "2026-10") is not None
    [problem] = [p for p in check(data_dir) if p.path == str(path)]
    assert problem.key == "recent.damaged"
