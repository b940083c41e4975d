"""Benchmark the register store at city-wide scale.

Builds a store with 10,000 accounts (two editors each) and 24 months of stats per account, then
times, each with a freshly opened store as a CLI command would have:
- ``edit_ms``: one editor change (add an editor by PLATFORM:HANDLE), median of several;
- ``load_ms``: a full register load (every account with its editors), median of several.
Targets: edit_ms <= 50, load_ms <= 120 (issue 15). Prints one JSON object on its last line, with
the targets and ``load_cpu_ms``/``edit_cpu_ms``: the same medians in CPU time, which a machine
shared with other work hardly moves.

    python bench/register.py [--accounts N] [--months M] [--keep DIR]
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from governance.fields import API_PLATFORMS
from governance.model import utc_now
from governance.monthly import MonthlyStats, add_months
from governance.register import AccountRow, Register
from governance.store import Store

DEPARTMENTS = (
    "Skol- och fritidsförvaltningen",
    "Kulturförvaltningen",
    "Socialförvaltningen",
    "Stadsbyggnadsförvaltningen",
    "Miljöförvaltningen",
    "Fastighetsförvaltningen",
)
PLATFORMS = API_PLATFORMS


def account_rows(count: int) -> list[AccountRow]:
    """``count`` plausible accounts with two editors each."""
    rows = []
    for n in range(count):
        values = {
            "platform": PLATFORMS[n % len(PLATFORMS)],
            "handle": f"konto{n:05d}",
            "department": DEPARTMENTS[n % len(DEPARTMENTS)],
            "purpose": f"Informera invånare om verksamhet nummer {n} och svara på frågor.",
            "visibility": "open",
            "status": "active",
            "url": f"https://example.org/konto{n:05d}",
            "platform_id": str(10**14 + n),
            "goals": ("informera", "engagera"),
            "audience": "Invånare i Helsingborg",
        }
        editors = [
            (f"Redaktör {n} A", f"red{n}a@helsingborg.se"),
            (f"Redaktör {n} B", f"red{n}b@helsingborg.se"),
        ]
        rows.append(AccountRow(line=n + 2, values=values, editors=editors))
    return rows


def build(directory: Path, accounts: int, months: int) -> None:
    """Fill ``directory`` with the register and the stats."""
    store = Store(directory)
    register = Register(store, user="bench")
    register.import_rows(account_rows(accounts), "<bench>")
    first = add_months("2026-11", -(months - 1))
    records = []
    for account in register.accounts():
        for m in range(months):
            month = add_months(first, m)
            records.append(
                MonthlyStats(
                    account.id,
                    month,
                    posts=12,
                    last_post_at=datetime(2026, 1, 1, tzinfo=UTC),
                    followers=5000 + m,
                    new_followers=40,
                    reach=12000,
                    video_views=900,
                    link_clicks=120,
                    reactions=800,
                    comments=60,
                    shares=30,
                    saves=None,
                    replies_due=20,
                    replies_on_time=19,
                )
            )
    store.stats.save_batch(records)
    store.close()


TARGETS = {"edit_ms": 50, "load_ms": 120}


def time_ms(action: Callable[[], None], repeats: int) -> tuple[float, float]:
    """The median wall time and the median CPU time of ``action()``, in milliseconds."""
    samples, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        action()
        samples.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return statistics.median(samples), statistics.median(cpu)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--keep", type=Path, default=None)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        directory = args.keep or Path(tmp) / "data"
        started = time.perf_counter()
        build(directory, args.accounts, args.months)
        build_s = time.perf_counter() - started
        gc.collect()  # measure as a fresh CLI process would, not amid the build's garbage
        counter = iter(range(10**6))

        def edit() -> None:
            store = Store(directory)
            n = next(counter)
            Register(store, user="bench").add_editor(
                "facebook:konto00000", f"Ny Redaktör <ny{n}@helsingborg.se>"
            )
            store.close()

        def load() -> None:
            store = Store(directory)
            assert len(Register(store).accounts()) == args.accounts
            store.close()

        edit_ms, edit_cpu_ms = time_ms(edit, args.repeats)
        load_ms, load_cpu_ms = time_ms(load, args.repeats)
        register_bytes = sum(p.stat().st_size for p in (directory / "register").rglob("*.json"))
        stats_bytes = sum(p.stat().st_size for p in (directory / "stats").rglob("*.json"))
    print(
        f"built in {build_s:.1f} s; register {register_bytes / 1e6:.1f} MB, "
        f"stats {stats_bytes / 1e6:.1f} MB; at {utc_now().isoformat()}"
    )
    print(
        json.dumps(
            {
                "accounts": args.accounts,
                "edit_ms": round(edit_ms, 1),
                "load_ms": round(load_ms, 1),
                "edit_cpu_ms": round(edit_cpu_ms, 1),
                "load_cpu_ms": round(load_cpu_ms, 1),
                "targets": TARGETS,
            }
        )
    )


if __name__ == "__main__":
    main()
