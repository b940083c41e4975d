"""Benchmark the city-wide quarterly report (``kontokoll report``) on 300 accounts.

Builds a store with 300 accounts in ten departments, 13 months of stats each (varied, with the
unknowns real platforms leave: no saves on some, no reach on others, followers only in some
months) and the audits of the quarter and the one before, then times the command as a whole
process, start-up, imports (matplotlib included) and writing the file. Target: <= 10 s. Prints
one JSON object on its last line: accounts, wall_s (the median of the repeats), target_s, bytes.

    python bench/report.py [--accounts N] [--repeats R] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from audits.quarters import Quarter  # noqa: E402
from audits.service import AuditService  # noqa: E402
from governance.fields import API_PLATFORMS  # noqa: E402
from governance.monthly import MonthlyStats, add_months  # noqa: E402
from governance.register import AccountRow, Register  # noqa: E402
from governance.store import Store  # noqa: E402

DEPARTMENTS = (
    "Arbetsmarknadsförvaltningen", "Fastighetsförvaltningen", "Kulturförvaltningen",
    "Miljöförvaltningen", "Skol- och fritidsförvaltningen", "Socialförvaltningen",
    "Stadsbyggnadsförvaltningen", "Stadsledningsförvaltningen", "Vård- och omsorgsförvaltningen",
    "Överförmyndarförvaltningen",
)  # fmt: skip
QUARTER = Quarter(2026, 3)
NOW = datetime(2026, 11, 2, 9, tzinfo=UTC)
TARGET_S = 10.0


def account_rows(count: int) -> list[AccountRow]:
    rows = []
    for n in range(count):
        values: dict[str, object] = {
            "platform": API_PLATFORMS[n % len(API_PLATFORMS)],
            "handle": f"konto{n:04d}",
            "department": DEPARTMENTS[n % len(DEPARTMENTS)],
            "purpose": f"Informera invånare om verksamhet {n}.",
            "visibility": "open",
            "status": "active",
        }
        editors = 1 if n % 17 == 0 else 2
        people = [(f"Redaktör {n} {k}", f"red{n}{k}@helsingborg.se") for k in "ab"[:editors]]
        rows.append(AccountRow(line=n + 2, values=values, editors=people))
    return rows


def month_record(account_id: str, n: int, month: str, m: int) -> MonthlyStats:
    """One month of one account: figures that vary, and the unknowns platforms leave."""
    year, mon = (int(p) for p in month.split("-"))
    scale = 1 + (n % 9)
    return MonthlyStats(
        account_id,
        month,
        posts=4 + (n + m) % 9,
        last_post_at=datetime(year, mon, 18, 12, tzinfo=UTC),
        followers=800 * scale + 15 * m if m % 4 != 1 else None,
        new_followers=None if n % 5 == 0 else 10 * scale + (m * 7) % 23,
        reach=None if n % 5 == 3 else 3000 * scale + (m * 811) % 1900,
        reactions=90 * scale + (m * 37) % 60,
        comments=12 * scale + m % 7,
        shares=6 * scale + m % 5,
        saves=None if n % 5 in (0, 1) else 3 * scale,
        replies_due=10 + m % 6,
        replies_on_time=9 + m % 6 if n % 7 else 5,
    )


def build(directory: Path, accounts: int) -> None:
    store = Store(directory)
    register = Register(store, user="bench", clock=lambda: NOW)
    register.import_rows(account_rows(accounts), "<bench>")
    last = QUARTER.months[-1]
    records = [
        month_record(account.id, n, add_months(last, m - 12), m)
        for n, account in enumerate(register.accounts())
        for m in range(13)
    ]
    store.stats.save_batch(records)
    audits = AuditService(store, user="bench", clock=lambda: NOW)
    audits.run(QUARTER.previous())
    audits.run(QUARTER)
    store.close()


def timed(data_dir: Path, target: Path) -> float:
    env = {**os.environ, "PYTHONPATH": str(REPO), "KONTOKOLL_LANG": "sv"}
    command = [sys.executable, "-m", "kontokoll", "--data-dir", str(data_dir), "report",
               "--quarter", str(QUARTER), "--output", str(target)]  # fmt: skip
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, env=env)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--keep", type=Path, default=None, help="build the store here and keep it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        root = args.keep or Path(scratch)
        data_dir, target = root / "data", root / "rapport.html"
        started = time.perf_counter()
        build(data_dir, args.accounts)
        print(f"built {args.accounts} accounts in {time.perf_counter() - started:.1f} s")
        walls = []
        for _ in range(args.repeats):
            walls.append(timed(data_dir, target))
            print(f"report: {walls[-1]:.2f} s")
        size = target.stat().st_size
    result = {
        "accounts": args.accounts,
        "wall_s": round(statistics.median(walls), 2),
        "target_s": TARGET_S,
        "bytes": size,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
