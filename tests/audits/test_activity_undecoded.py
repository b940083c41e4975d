"""The audit reads each account's stats rows undecoded and decodes only the months it judges:
the activity is the same as from fully decoded rows, and a damaged row still stops the run with
a message naming the stats file."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from datetime import date
from pathlib import Path

import msgspec
import pytest

from audits.activity import ActivityReader
from audits.quarters import Quarter
from audits.service import AuditService
from governance.errors import StoreCorrupt
from governance.monthly import STORED_FIELDS, MonthlyStats, add_months
from governance.storage.layout import stats_file
from governance.store import Store
from tests.audits.conftest import posted


def _row(rng: random.Random, month: str) -> list[object]:
    year, mon = (int(p) for p in month.split("-"))
    stamp = posted(date(year, mon, rng.randint(1, 28))).isoformat() if rng.random() < 0.6 else None
    figures = [rng.choice([None, 0, 3, 12]) for _ in STORED_FIELDS[1:]]
    row = [stamp, *figures]
    return row[: rng.choice([len(row), 12])]  # some rows from before later fields existed


@pytest.mark.parametrize("seed", range(12))
def test_undecoded_rows_give_the_same_activity(seed: int) -> None:
    rng = random.Random(seed)
    months = {
        month: _row(rng, month)
        for n in range(24)
        if rng.random() < 0.85 and (month := add_months("2025-01", n))
    }
    raw = {m: msgspec.Raw(msgspec.json.encode(row)) for m, row in months.items()}
    for quarter, days in ((Quarter(2026, 4), 60), (Quarter(2026, 3), 120), (Quarter(2025, 2), 30)):
        for as_of in (quarter.last_day, quarter.first_day):
            reader = ActivityReader(quarter, as_of, days)
            assert reader.undecoded(raw) == reader(months)
            assert reader.undecoded(months) == reader(months)  # a write's own (decoded) rows
    reader = ActivityReader(Quarter(2026, 4), date(2026, 12, 31), 60)
    assert reader.undecoded(None).has_rows is False


def test_a_damaged_stats_row_stops_the_run_naming_the_file(
    make_accounts: Callable[..., dict[str, str]], service: AuditService, store: Store,
    data_dir: Path,
) -> None:
    account_id = make_accounts(("a", {}))["a"]
    store.stats.save_batch([MonthlyStats(account_id, "2026-08", posts=3)])
    path = data_dir / stats_file(account_id)
    data = json.loads(path.read_bytes())
    for doc in data["months"].values():
        doc["months"]["2026-08"] = {"posts": 3}  # an object where a row belongs
    path.write_bytes(json.dumps(data).encode())
    with pytest.raises(StoreCorrupt) as refused:
        service.run(Quarter(2026, 3))
    assert str(path) in str(refused.value)
