"""Benchmark the register store at city-wide scale.

Builds a store with 10,000 accounts (two editors each) and 24 months of stats per account, then
times, each with a freshly opened store as a CLI command would have:
- ``edit_ms``: one editor change (add an editor by PLATFORM:HANDLE), median of several;
- ``load_ms``: a full register load (every account with its editors), median of several.
Targets: edit_ms <= 50, load_ms <= 120 (issue 15). Prints one JSON object on its last line, with
the targets and ``load_cpu_ms``/``edit_cpu_ms``: the same medians in CPU time, which a machine
shared with other work hardly moves. ``load_parts_cpu_ms`` splits a load's CPU time by step, each
step timed on its own (medians): ``open`` (the store and its first read transaction: lock,
manifest, the register files' checks), ``read`` (the account shards' bytes), ``decode`` (bytes to
accounts, every field's type checked), ``sort`` (by platform and handle), ``free`` (the accounts
released, as closing the store does); ``model_import_cpu_ms`` is the CPU time of importing
``governance.model`` alone in a fresh interpreter, its own imports already loaded (the median of
five). With ``--keep DIR`` a store already holding the accounts is measured as it is.

    python bench/register.py [--accounts N] [--months M] [--keep DIR]
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from governance.account_order import by_ref
from governance.fields import API_PLATFORMS
from governance.model import utc_now
from governance.monthly import MonthlyStats, add_months
from governance.register import AccountRow, Register
from governance.storage import typed
from governance.storage.files import read_store_file
from governance.storage.layout import SHARDS, account_shard
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
    """Fill ``directory`` with the register and the stats (a store kept from an earlier run with
    as many accounts is left as it is)."""
    store = Store(directory)
    register = Register(store, user="bench")
    if len(register.accounts()) == accounts:
        store.close()
        return
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


def load_parts(directory: Path, repeats: int) -> dict[str, float]:
    """A load's CPU time (ms) by step, each step timed on its own: the median of ``repeats``."""
    paths = [directory / account_shard(shard) for shard in range(SHARDS)]
    parts: dict[str, list[float]] = {"open": [], "read": [], "decode": [], "sort": [], "free": []}

    def since(start: float) -> float:
        return (time.process_time() - start) * 1000

    for _ in range(repeats):
        start = time.process_time()
        store = Store(directory)
        with store.read():  # entering it runs the checks every command pays
            parts["open"].append(since(start))
        store.close()
        start = time.process_time()
        raws = [read_store_file(path) or b"" for path in paths]
        parts["read"].append(since(start))
        gc.disable()  # as the load decodes and sorts: the collector paused (bulk_allocation)
        start = time.process_time()
        shards = [typed.account_shard(path, raw) for path, raw in zip(paths, raws, strict=True)]
        parts["decode"].append(since(start))
        accounts = [account for shard in shards for account in shard]
        start = time.process_time()
        by_ref(accounts)
        parts["sort"].append(since(start))
        gc.enable()
        start = time.process_time()
        del accounts, shards
        parts["free"].append(since(start))
    return {part: round(statistics.median(times), 1) for part, times in parts.items()}


def model_import_cpu_ms() -> float:
    """CPU time (ms) of ``import governance.model`` alone in a fresh interpreter: the median of
    five. What every command and the app pay at start-up for the model's classes."""
    code = (
        "import time, dataclasses, datetime, typing, collections.abc, governance.fields\n"
        "start = time.process_time()\n"
        "import governance.model\n"
        "print((time.process_time() - start) * 1000)\n"
    )
    runs = [
        float(
            subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, check=True
            ).stdout
        )
        for _ in range(5)
    ]
    return round(statistics.median(runs), 1)


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
        # New e-mails each run (a store kept with --keep has the earlier runs' editors).
        counter = iter(range(time.time_ns() // 1000, 10**20))

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
        parts = load_parts(directory, args.repeats)
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
                "load_parts_cpu_ms": parts,
                "model_import_cpu_ms": model_import_cpu_ms(),
                "targets": TARGETS,
            }
        )
    )


if __name__ == "__main__":
    main()
