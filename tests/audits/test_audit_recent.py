"""The audit judges a stats shard's recent file exactly as it judges the shard itself: compared on
randomized stats (months missing, unknown figures, rows from before later fields, posts at unknown
times, last posts on either side of a month's end in several offsets, as-of days inside the
quarter, quarters whose window reaches into the year before), account by account and as a whole
run over a store whose recent files are then removed."""

from __future__ import annotations

import os
import random
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import orjson
import pytest

from audits.activity import ActivityReader
from audits.engine import evaluate
from audits.quarters import Quarter
from audits.settings import AuditSettings
from governance.monthly import STORED_FIELDS, add_months, month_start
from governance.storage import recent, typed
from governance.storage.layout import RECENT_FOLDER, shard_of
from governance.store import Store, repos

QUARTERS = (Quarter(2026, 1), Quarter(2026, 4), Quarter(2027, 1))
OFFSETS = (UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-5)))


def _stamp(rng: random.Random, month: str) -> str | None:
    if rng.random() < 0.25:
        return None
    first = month_start(month)
    day = first + timedelta(days=rng.randint(-1, 30))  # sometimes just outside its month
    moment = datetime(day.year, day.month, day.day, rng.choice((0, 12, 23)), 30,
                      tzinfo=rng.choice(OFFSETS))
    return moment.isoformat()


def _row(rng: random.Random, month: str) -> list[object]:
    figures = [rng.choice([None, 0, 1, 3, 12]) for _ in STORED_FIELDS[1:-1]]
    row = [_stamp(rng, month), *figures, None]
    return row[: rng.choice([len(row), len(row), 12, 13, 2])]  # older, shorter rows too


def _months(rng: random.Random, latest: int = 4) -> dict[str, list[object]]:
    """Up to 20 months, the newest one ``latest`` months after 2026-10 at the most."""
    newest = add_months("2026-10", rng.randint(0, latest))
    months = [add_months(newest, -n) for n in range(rng.randint(0, 20)) if rng.random() < 0.8]
    return {month: _row(rng, month) for month in sorted(months)}


def _readers() -> list[ActivityReader]:
    found = []
    for quarter in QUARTERS:
        for as_of in (quarter.first_day, quarter.first_day + timedelta(days=40), quarter.last_day):
            found += [ActivityReader(quarter, as_of, days) for days in (1, 30, 60, 90, 150)]
    return found


@pytest.mark.parametrize("seed", range(40))
def test_a_recent_file_gives_every_account_the_same_activity(seed: int) -> None:
    rng = random.Random(seed)
    latest = seed % 5  # how far the shard's newest month lies beyond the Q4 audits'
    table = {str(n): {"account_id": f"a{n}", "months": _months(rng, latest)} for n in range(12)}
    raw = orjson.dumps({"months": table, "_kontokoll": {"1": {"schema": 2}}})
    stored = typed.stats_months(Path("stats/00.json"), raw)
    document = recent.document(table, len(raw), 1)
    document["_kontokoll"] = {"1": {"schema": 2}}
    found = typed.recent_file(Path("stats-recent/00.json"), orjson.dumps(document))
    since = found.source["1"].since
    assert since is not None  # every row here can be carried
    compared = 0
    for reader in _readers():
        if since > reader.earliest:
            continue  # the audit reads the shard itself
        for key in table:
            assert reader.recent(found.recent.get(key)) == reader.undecoded(stored.get(key)), key
            compared += 1
    assert compared >= 12 * 15


def _store_stats(store: Store, rng: random.Random, accounts: list[str]) -> None:
    from governance.monthly import MonthlyStats

    records = []
    for account_id in accounts:
        for month, row in _months(rng).items():
            padded = [*row, *([None] * len(STORED_FIELDS))][: len(STORED_FIELDS)]
            records.append(MonthlyStats.from_row(account_id, month, padded))
    store.stats.save_batch(records)


@pytest.mark.parametrize("seed", range(4))
def test_a_whole_run_finds_the_same_with_and_without_the_recent_files(
    seed: int, make_accounts: Callable[..., dict[str, str]], store: Store, data_dir: Path
) -> None:
    rng = random.Random(seed)
    platforms = ("facebook", "instagram", "linkedin")
    ids = make_accounts(*((f"k{n}", {"platform": platforms[n % 3]}) for n in range(30)))
    _store_stats(store, rng, list(ids.values()))
    settings = AuditSettings(inactive_days_per_platform={"linkedin": 120})
    quarter = Quarter(2026, 4)
    for as_of in (date(2026, 10, 1), date(2026, 11, 17), date(2026, 12, 31)):
        with store.read() as txn:
            recent_run = evaluate(txn, quarter, as_of, settings)
            used = sum(shard.recent for shard in _shards(txn, as_of, settings, quarter))
        assert used  # the recent files were read
        for path in (data_dir / RECENT_FOLDER).iterdir():
            path.rename(path.with_name(path.name + ".away"))
        with store.read() as txn:
            assert evaluate(txn, quarter, as_of, settings).findings == recent_run.findings
            assert repos(txn).accounts.index()  # (the register reads as ever without them)
        for path in (data_dir / RECENT_FOLDER).iterdir():
            path.rename(path.with_name(path.name.removesuffix(".away")))


def _shards(txn: object, as_of: date, settings: AuditSettings, quarter: Quarter) -> list[object]:
    from audits import subjects
    from audits.engine import activity_readers

    readers = activity_readers(quarter, as_of, settings)
    since = min(reader.earliest for reader in readers.values())
    return list(subjects.shards(txn, since))  # type: ignore[arg-type]


def _stored_run(store: Store, quarter: Quarter, as_of: date) -> tuple[object, bool]:
    """The findings of a run as of ``as_of`` and whether it read any recent file."""
    settings = AuditSettings()
    with store.read() as txn:
        findings = evaluate(txn, quarter, as_of, settings).findings
        used = any(shard.recent for shard in _shards(txn, as_of, settings, quarter))
    return findings, used


@pytest.mark.parametrize("how", ["cut short", "garbage"])
def test_a_damaged_recent_file_leaves_the_audit_to_read_the_stats(
    how: str, make_accounts: Callable[..., dict[str, str]], store: Store, data_dir: Path,
    cli: Callable[..., object],
) -> None:
    ids = make_accounts(*((f"k{n}", {}) for n in range(12)))
    _store_stats(store, random.Random(7), list(ids.values()))
    quarter, as_of = Quarter(2026, 4), date(2026, 11, 17)
    whole, used = _stored_run(store, quarter, as_of)
    assert used
    for path in (data_dir / RECENT_FOLDER).iterdir():
        raw = path.read_bytes()
        path.write_bytes(raw[:100] if how == "cut short" else b"\xff" * len(raw))
    assert _stored_run(store, quarter, as_of) == (whole, False)
    result = cli("audit", "run", "--as-of", "2026-11-17")
    assert result.code == 0, result.err  # type: ignore[attr-defined]


def _naive_stats(store: Store, account_id: str) -> None:
    """A last post stored without an offset (a hand edit) at 23:30 on the day before an
    inactivity window opens that ends on 2026-09-14: in UTC it would be the window's first day."""
    from governance.monthly import MonthlyStats

    store.stats.save_batch([
        MonthlyStats(account_id, "2026-07", posts=1, last_post_at=datetime(2026, 7, 15, 23, 30)),
        MonthlyStats(account_id, "2026-08", posts=0),
        MonthlyStats(account_id, "2026-09", posts=0),
    ])


def test_a_time_without_an_offset_is_stockholm_time_on_every_machine(
    make_accounts: Callable[..., dict[str, str]], store: Store, data_dir: Path, tmp_path: Path
) -> None:
    import shutil

    from tests.conftest import child_env, run_process

    ids = make_accounts(("tyst", {}))
    _naive_stats(store, ids["tyst"])
    with store.read() as txn:
        assert typed.recent_rows(txn, int(shard_of(ids["tyst"])), "2026-07") is not None
    outputs = {}
    for zone in ("Asia/Tokyo", "UTC"):
        for with_recent in (True, False):
            copy = tmp_path / f"{zone.replace('/', '-')}-{with_recent}"
            shutil.copytree(data_dir, copy)  # (copy2: the modification times kept to the ns)
            if not with_recent:
                shutil.rmtree(copy / RECENT_FOLDER)
            else:  # (the copy's are used: else this compared the full read with itself)
                copied = Store(copy)
                with copied.read() as txn:
                    assert typed.recent_rows(txn, int(shard_of(ids["tyst"])), "2026-07")
                copied.close()
            done = run_process("--data-dir", str(copy), "audit", "run", "--as-of", "2026-09-14",
                               env=child_env(TZ=zone))
            assert done.returncode == 0, done.stderr
            outputs[zone, with_recent] = done.stdout
    assert len(set(outputs.values())) == 1, outputs
    assert "inactive" in outputs["UTC", True]  # the last post on 15 July: before the window


def _whole_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    """A file system that keeps modification times to the second (FAT: two; some SMB and NFS
    mounts: one): a time set is stored cut to it."""
    real = os.utime

    def utime(path: Any, times: Any = None, *, ns: tuple[int, int] | None = None,
              **options: Any) -> None:
        if ns is None:
            return real(path, times, **options)
        return real(path, ns=tuple(value - value % 10**9 for value in ns), **options)

    monkeypatch.setattr(os, "utime", utime)


def test_on_a_file_system_with_coarse_times_the_recent_files_are_used(
    make_accounts: Callable[..., dict[str, str]], store: Store, data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from governance.doctor import check

    _whole_seconds(monkeypatch)
    ids = make_accounts(*((f"k{n}", {}) for n in range(12)))
    _store_stats(store, random.Random(3), list(ids.values()))
    recorded = [orjson.loads(path.read_bytes())["source"]["1"]["mtime_ns"]
                for path in (data_dir / RECENT_FOLDER).iterdir()]
    assert recorded and all(ns % 10**9 == 0 for ns in recorded)  # the time the disk kept
    _, used = _stored_run(store, Quarter(2026, 4), date(2026, 11, 17))
    assert used and check(data_dir) == []


def test_a_journal_replayed_on_a_file_system_with_coarse_times_lands_usable_files(
    make_accounts: Callable[..., dict[str, str]], store: Store, data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from governance.doctor import check
    from governance.storage import transactions
    from governance.storage.layout import JOURNAL

    _whole_seconds(monkeypatch)
    ids = make_accounts(*((f"k{n}", {}) for n in range(12)))

    def die(self: object, plan: object) -> None:
        raise KeyboardInterrupt  # killed right after the journal landed

    with monkeypatch.context() as killed:
        killed.setattr(transactions.PreparedCommit, "publish", die)
        with pytest.raises(KeyboardInterrupt):
            _store_stats(store, random.Random(5), list(ids.values()))
    assert (data_dir / JOURNAL).exists()
    again = Store(data_dir)
    _, used = _stored_run(again, Quarter(2026, 4), date(2026, 11, 17))  # replays the journal
    again.close()
    assert used and not (data_dir / JOURNAL).exists() and check(data_dir) == []
