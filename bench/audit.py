"""Benchmark the quarterly audit at city-wide scale, as whole processes.

Builds a store with 10,000 accounts and 24 months of stats each (a mix that breaks every rule),
then times ``kontokoll audit run --quarter 2026Q4`` followed by ``kontokoll audit export`` as two
separate processes, start-up and imports included. Target (issue 15): <= 0.5 s for both
together. Prints one JSON object on its last line with ``accounts``, ``wall_s`` (the median of the
repeats), the targets, and ``run_cpu_s``/``export_cpu_s``/``cpu_s``/``startup_cpu_s``: the CPU
time of the same processes (user + system), which a machine shared with other work hardly moves;
``imports_cpu_s`` is the CPU time of a process that only starts and imports what both commands
import before they read anything (each pays it once: the floor of the two). ``reference_s`` and
``load_average_1m`` (:mod:`bench.machine`, taken as the bench ends) say how fast the machine ran:
figures of two days compare divided by ``reference_s``.

    python bench/audit.py [--accounts N] [--months M] [--repeats R] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.machine import reference_s  # noqa: E402
from governance.fields import API_PLATFORMS  # noqa: E402
from governance.monthly import MonthlyStats, add_months  # noqa: E402
from governance.register import AccountRow, Register  # noqa: E402
from governance.store import Store, load_accounts, put_account  # noqa: E402

DEPARTMENTS = (
    "Skol- och fritidsförvaltningen",
    "Kulturförvaltningen",
    "Socialförvaltningen",
    "Stadsbyggnadsförvaltningen",
    "Miljöförvaltningen",
    "Fastighetsförvaltningen",
)
PLATFORMS = API_PLATFORMS
LAST_MONTH = "2026-12"


def account_rows(count: int) -> list[AccountRow]:
    """``count`` accounts; every 17th has one editor, every 23rd none, a few have projects."""
    rows = []
    for n in range(count):
        editors = 0 if n % 23 == 0 else 1 if n % 17 == 0 else 2
        values: dict[str, object] = {
            "platform": PLATFORMS[n % len(PLATFORMS)],
            "handle": f"konto{n:05d}",
            "department": DEPARTMENTS[n % len(DEPARTMENTS)],
            "purpose": "" if n % 31 == 0 else f"Informera invånare om verksamhet {n}.",
            "visibility": "closed" if n % 29 == 0 else "open",
            "status": "retired" if n % 97 == 0 else "active",
            "goals": ("informera",),
        }
        if n % 41 == 0:
            values["project"] = f"Projekt {n}"
            values["project_end"] = date(2026, 6, 30) if n % 2 else None
        people = [(f"Redaktör {n} {k}", f"red{n}{k}@helsingborg.se") for k in "ab"[:editors]]
        rows.append(AccountRow(line=n + 2, values=values, editors=people))
    return rows


def _confirm_most_editor_lists(store: Store) -> None:
    """Leads confirm their lists each quarter; every 19th account has gone unconfirmed.

    Written in one transaction (10,000 ``confirm_editors`` calls would take minutes to build).
    """
    confirmed = datetime(2026, 11, 2, 9, tzinfo=UTC)
    with store.write() as txn:
        for n, account in enumerate(load_accounts(txn)):
            if account.editors and n % 19:
                changed = account.with_changes(
                    editors_confirmed_at=confirmed, editors_confirmed_by="bench"
                )
                put_account(txn, changed, account)


def build(directory: Path, accounts: int, months: int) -> None:
    store = Store(directory)
    register = Register(store, user="bench")
    register.import_rows(account_rows(accounts), "<bench>")
    _confirm_most_editor_lists(store)
    first = add_months(LAST_MONTH, -(months - 1))
    records = []
    for n, account in enumerate(register.accounts()):
        if n % 13 == 0:
            continue  # no stats at all
        dormant = n % 11 == 0
        for m in range(months):
            month = add_months(first, m)
            year, mon = (int(p) for p in month.split("-"))
            posted = not (dormant and m >= months - 6)
            last_post = datetime(year, mon, 20, 12, tzinfo=UTC) if posted else None
            records.append(
                MonthlyStats(
                    account.id,
                    month,
                    posts=12 if posted else 0,
                    last_post_at=last_post,
                    followers=5000 + m,
                    new_followers=40,
                    reach=12000,
                    video_views=None,
                    link_clicks=120,
                    reactions=800,
                    comments=60,
                    shares=30,
                    saves=None,
                    replies_due=20,
                    replies_on_time=15 if n % 7 == 0 else 19,
                )
            )
    store.stats.save_batch(records)
    store.close()


TARGETS = {"wall_s": 0.5}
#: The CPU time of each timed process, in the order they ran.
CPU: list[float] = []


#: What ``audit run`` and ``audit export`` import before they read anything (their floor).
AUDIT_IMPORTS = "import kontokoll.cli.main, kontokoll.cli.audit, audits.service"


def timed(*args: str, env: dict[str, str], python: tuple[str, ...] = ("-m", "kontokoll")) -> float:
    """The wall time of ``kontokoll ARGS`` as a process (its CPU time is appended to CPU)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, *python, *args], check=True, env=env, capture_output=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return wall


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--keep", type=Path, default=None)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        directory = args.keep or Path(tmp) / "data"
        started = time.perf_counter()
        if not (directory / "register").exists():
            build(directory, args.accounts, args.months)
        build_s = time.perf_counter() - started
        # Byte-code is cached as an installed Kontokoll's would be, but outside the source tree;
        # one untimed warm-up of each command fills that cache (and the OS file cache).
        env = {
            **{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
            "KONTOKOLL_LANG": "sv",
            "PYTHONPATH": str(REPO),
            "PYTHONPYCACHEPREFIX": str(Path(tmp) / "pycache"),
        }
        out = Path(tmp) / "findings.csv"
        base = ["--data-dir", str(directory), "audit"]
        timed(*base, "run", "--quarter", "2026Q4", env=env)
        timed(*base, "export", "--quarter", "2026Q4", "--output", str(out), env=env)
        runs, exports, totals, startups = [], [], [], []
        timed(env=env, python=("-c", AUDIT_IMPORTS))  # (its byte-code cached too)
        CPU.clear()
        for _ in range(args.repeats):
            startups.append(timed("--help", env=env))
            run_s = timed(*base, "run", "--quarter", "2026Q4", env=env)
            export_s = timed(*base, "export", "--quarter", "2026Q4", "--output", str(out), env=env)
            timed(env=env, python=("-c", AUDIT_IMPORTS))
            runs.append(run_s)
            exports.append(export_s)
            totals.append(run_s + export_s)
        cpu = {  # each repeat timed --help, run, export and the imports alone, in that order
            "startup_cpu_s": statistics.median(CPU[0::4]),
            "run_cpu_s": statistics.median(CPU[1::4]),
            "export_cpu_s": statistics.median(CPU[2::4]),
            "cpu_s": statistics.median(r + e for r, e in zip(CPU[1::4], CPU[2::4], strict=True)),
            # The interpreter and the imports both commands pay before any work: their floor.
            "imports_cpu_s": statistics.median(CPU[3::4]),
        }
        findings = out.read_bytes().count(b"\r\n") - 1
    print(
        f"built in {build_s:.1f} s; run {statistics.median(runs):.2f} s, "
        f"export {statistics.median(exports):.2f} s (median of {args.repeats}); "
        f"{findings} findings exported; a bare `kontokoll --help` takes "
        f"{statistics.median(startups):.2f} s of start-up and imports"
    )
    print(
        json.dumps(
            {
                "accounts": args.accounts,
                "months": args.months,
                "findings": findings,
                "run_s": round(statistics.median(runs), 3),
                "export_s": round(statistics.median(exports), 3),
                "startup_s": round(statistics.median(startups), 3),
                "wall_s": round(statistics.median(totals), 3),
                **{key: round(value, 3) for key, value in cpu.items()},
                "reference_s": reference_s(),
                "load_average_1m": round(os.getloadavg()[0], 2),
                "targets": TARGETS,
            }
        )
    )


if __name__ == "__main__":
    main()
