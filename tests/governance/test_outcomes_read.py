"""Every account's last sync outcome, read in bulk straight from the stats files' bytes
(``Stats.outcomes``: the months only scanned), equals what the per-account read finds, and a
damaged outcome still stops the read naming its file."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from governance.errors import StoreCorrupt
from governance.monthly import MonthlyStats, SyncOutcome
from governance.storage.layout import stats_file
from governance.store import Store, repos


def _outcomes(rng: random.Random, count: int) -> list[SyncOutcome]:
    start = datetime(2026, 11, 1, tzinfo=UTC)
    return [
        SyncOutcome(
            account_id=f"{rng.randrange(16**12):012x}",
            platform=rng.choice(("facebook", "instagram", "x")),
            ok=rng.random() < 0.8,
            reason=rng.choice(("", "token-expired", "not-found")),
            finished_at=start + timedelta(minutes=rng.randrange(10_000)),
            requests=rng.randrange(40),
            cursor=rng.choice((None, {"since": "2026-10-01T00:00:00+00:00"})),
            identity=rng.choice((None, {"id": str(rng.randrange(10**9)), "username": "ö"})),
        )
        for n in range(count)
    ]


def _store_with(tmp_path: Path, outcomes: list[SyncOutcome]) -> Store:
    store = Store(tmp_path / "data")
    store.stats.save_batch(
        [MonthlyStats(o.account_id, "2026-10", posts=3, followers=10) for o in outcomes]
    )
    with store.write() as txn:
        repos(txn).stats.save_outcomes(outcomes)
    return store


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_bulk_read_equals_the_per_account_read(tmp_path: Path, seed: int) -> None:
    outcomes = _outcomes(random.Random(seed), 300)
    store = _store_with(tmp_path, outcomes)
    with store.read() as txn:
        bulk = repos(txn).stats.outcomes()
        one_by_one = {o.account_id: repos(txn).stats.outcome(o.account_id) for o in outcomes}
    assert bulk == one_by_one
    assert bulk == {o.account_id: o for o in outcomes}


def test_a_write_transaction_reads_its_own_outcomes(tmp_path: Path) -> None:
    outcomes = _outcomes(random.Random(4), 20)
    store = _store_with(tmp_path, outcomes[:10])
    with store.write() as txn:
        repos(txn).stats.save_outcomes(outcomes[10:])
        assert set(repos(txn).stats.outcomes()) == {o.account_id for o in outcomes}


def test_a_damaged_outcome_names_its_file(tmp_path: Path) -> None:
    outcomes = _outcomes(random.Random(5), 5)
    store = _store_with(tmp_path, outcomes)
    store.close()
    path = tmp_path / "data" / stats_file(outcomes[0].account_id)
    doc = json.loads(path.read_text(encoding="utf-8"))
    first = next(iter(doc["outcomes"]))
    doc["outcomes"][first] = ["not", "a", "document"]
    path.write_text(json.dumps(doc), encoding="utf-8")
    store = Store(tmp_path / "data")
    with pytest.raises(StoreCorrupt) as caught, store.read() as txn:
        repos(txn).stats.outcomes()
    assert str(path) in str(caught.value)
