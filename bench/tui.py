"""Benchmark the accounts table with 10,000 accounts, headlessly.

    python bench/tui.py [--accounts N] [--keep DIR]

Measures (1) the first paint of the accounts table: from constructing the app (starting on the
accounts tab) until the table holds every row and has been drawn; and (2) one keystroke in the
filter box: from pressing the key until the table shows the narrowed rows and has been drawn
(the median of several keystrokes). Targets: ≤ 1.5 s and ≤ 100 ms.

Then the audit worklist, on a second store of the same 10,000 accounts with two quarters audited
(about 15,000 findings in the latest run): (3) the first paint of the audit screen, from
constructing the app (starting on the audit tab) until the table holds every finding and has been
drawn; (4) a keystroke in its filter box, as (2); (5) waiving 100 selected findings at once, from
confirming the dialog until the table shows them waived. Targets: ≤ 1 s, ≤ 100 ms, ≤ 1 s.

The last line of output is a JSON object with the keys ``accounts``, ``first_paint_s``,
``filter_ms``, ``audit_findings``, ``audit_first_paint_s``, ``audit_filter_ms``,
``audit_bulk_waive_s`` and ``targets``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from governance.demo import DEPARTMENTS  # noqa: E402
from governance.fields import PLATFORMS  # noqa: E402
from governance.register import AccountRow, Register  # noqa: E402
from governance.store import Store  # noqa: E402

NOW = datetime(2026, 11, 28, 10, tzinfo=UTC)
WORDS = ("stad", "skola", "kultur", "park", "jobb", "vard", "miljo", "hamn", "bibliotek", "fritid")


def rows(count: int, active: float = 0.95) -> list[AccountRow]:
    """``count`` plausible accounts (``active`` of them active), deterministic."""
    rng = random.Random(10_000)
    result = []
    for index in range(count):
        platform = PLATFORMS[index % len(PLATFORMS)]
        handle = f"{rng.choice(WORDS)}{rng.choice(WORDS)}.{index:05d}"
        values: dict[str, Any] = {
            "platform": platform,
            "handle": handle,
            "department": DEPARTMENTS[rng.randrange(len(DEPARTMENTS))],
            "purpose": "Informera invånarna om verksamheten.",
            "visibility": "open" if rng.random() < 0.9 else "closed",
            "status": "active" if rng.random() < active else "retired",
            "goals": ("informera",),
        }
        editors = [
            (f"Redaktör {index}-{n}", f"red{index}.{n}@helsingborg.se")
            for n in range(rng.randrange(0, 4))
        ]
        result.append(AccountRow(line=index + 2, values=values, editors=editors))
    return result


def build_store(directory: Path, count: int) -> float:
    """Fill ``directory`` with ``count`` accounts (unless it already has them); return seconds."""
    started = time.perf_counter()
    store = Store(directory)
    try:
        register = Register(store, user="bench", clock=lambda: NOW)
        if len(register.accounts()) != count:
            register.import_rows(rows(count), "<bench>")
    finally:
        store.close()
    return time.perf_counter() - started


class PaintSpy:
    """Records when the screen finished drawing and what filter the table showed when it did.

    Pilot's ``press`` waits until the process looks idle (it samples CPU time in sleeps), which
    adds about 100 ms to any keystroke even in an empty app. So the keystroke is timed here from
    handing the key to the driver until the screen has been redrawn with the filtered rows.
    """

    def __init__(self, screen: Any, table: Any) -> None:
        self.frames: list[tuple[float, str]] = []
        self.totals: list[tuple[float, int]] = []
        self._table = table
        refresh = screen._compositor_refresh  # the one place a frame is drawn

        def spy() -> None:
            refresh()
            now = time.perf_counter()
            self.frames.append((now, table.filter_text))
            self.totals.append((now, table.total))

        screen._compositor_refresh = spy

    async def keystroke(self, app: Any, key: str, char: str | None, expected: str) -> float:
        """Send one key; ms until a frame is drawn with the table filtered by ``expected``."""
        from textual import events

        seen = len(self.frames)
        event = events.Key(key, char)
        event.set_sender(app)
        begin = time.perf_counter()
        app._driver.send_message(event)
        while True:
            for at, text in self.frames[seen:]:
                if text == expected:
                    return (at - begin) * 1000
            await asyncio.sleep(0.0005)


async def measure(directory: Path, count: int) -> dict[str, Any]:
    """Run the app headlessly and time the first paint and filter keystrokes."""
    from textual.widgets import Input

    from screens.app import KontokollApp
    from screens.services import Services
    from screens.widgets.account_table import AccountTable

    services = Services(directory, clock=lambda: NOW)
    started = time.perf_counter()
    app = KontokollApp(services, language="sv", start="accounts")
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            table = app.screen.query_one(AccountTable)
            spy = PaintSpy(app.screen, table)
            while not any(total == count for _, total in spy.totals):
                await asyncio.sleep(0.0005)
            # The first frame drawn with every row in the table.
            first_paint = next(at for at, total in spy.totals if total == count) - started
            assert table.shown == count, (table.shown, count)

            await pilot.press("slash")
            box = app.screen.query_one("#filter", Input)
            samples = []
            typed = ""
            for key in ("k", "u", "l", "t", "backspace", "backspace", "backspace", "backspace"):
                typed = typed[:-1] if key == "backspace" else typed + key
                char = None if key == "backspace" else key
                samples.append(await spy.keystroke(app, key, char, typed))
            assert box.value == "" and table.shown == count
            pilot_samples = []
            for key in ("s", "k", "o", "l"):
                begin = time.perf_counter()
                await pilot.press(key)
                pilot_samples.append((time.perf_counter() - begin) * 1000)
            narrowed = table.shown
    finally:
        services.close()
    return {
        "accounts": count,
        "first_paint_s": round(first_paint, 3),
        "filter_ms": round(statistics.median(samples), 1),
        "filter_ms_max": round(max(samples), 1),
        "pilot_press_ms": round(statistics.median(pilot_samples), 1),
        "rows_after_filter": narrowed,
    }


#: The audit store: this share of the accounts is active, which gives about 15,000 findings.
AUDIT_ACTIVE = 0.6
TARGETS = {
    "first_paint_s": 1.5,
    "filter_ms": 100,
    "audit_first_paint_s": 1.0,
    "audit_filter_ms": 100,
    "audit_bulk_waive_s": 1.0,
}


def build_audit_store(directory: Path, count: int) -> int:
    """``count`` accounts audited in 2026Q3 and 2026Q4; return the latest run's findings."""
    from audits.service import AuditService

    store = Store(directory)
    try:
        register = Register(store, user="bench", clock=lambda: NOW)
        if len(register.accounts()) != count:
            register.import_rows(rows(count, AUDIT_ACTIVE), "<bench>")
        service = AuditService(store, user="bench", clock=lambda: NOW)
        if not service.runs():
            service.run("2026Q3")
            service.run("2026Q4", as_of=NOW.date())
        report = service.latest_report()
        return len(report.items) if report is not None else 0
    finally:
        store.close()


async def _wait_for(condition: Any) -> None:
    while not condition():
        await asyncio.sleep(0.0005)


async def measure_audit(directory: Path) -> dict[str, Any]:
    """Open the audit worklist headlessly; time its first paint, a filter key and a bulk waive."""
    from textual.widgets import Input

    from screens.app import KontokollApp
    from screens.audit.review_dialog import ReviewDialog
    from screens.services import Services
    from screens.widgets.findings_table import FindingsTable

    services = Services(directory, clock=lambda: NOW, user="bench")
    started = time.perf_counter()
    app = KontokollApp(services, language="sv", start="audit")
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            table = app.screen.query_one(FindingsTable)
            spy = PaintSpy(app.screen, table)
            await _wait_for(lambda: any(total > 0 for _, total in spy.totals))
            first_paint = next(at for at, total in spy.totals if total > 0) - started
            await pilot.pause()
            await app.workers.wait_for_complete()
            app.screen.query_one("#worklist-filter", Input).focus()
            await pilot.pause()
            samples, typed = [], ""
            for key in ("k", "u", "l", "t", "backspace", "backspace", "backspace", "backspace"):
                typed = typed[:-1] if key == "backspace" else typed + key
                char = None if key == "backspace" else key
                samples.append(await spy.keystroke(app, key, char, typed))
            table.focus()
            keys = [r.key for r in table.visible_rows if r.status == "open"][:100]
            table.selected = set(keys)
            await pilot.press("u")
            dialog = app.screen
            assert isinstance(dialog, ReviewDialog)
            dialog.query_one("#form-reason", Input).value = "Benchmark"
            dialog.query_one("#form-name", Input).value = "Bench"
            begin = time.perf_counter()
            dialog.confirm()

            def all_waived() -> bool:
                shown = {r.key: r.status for r in table.visible_rows}
                return all(shown.get(k) == "waived" for k in keys)

            await _wait_for(all_waived)
            bulk = time.perf_counter() - begin
            await app.workers.wait_for_complete()
    finally:
        services.close()
    return {
        "audit_findings": table.total,
        "audit_first_paint_s": round(first_paint, 3),
        "audit_filter_ms": round(statistics.median(samples), 1),
        "audit_filter_ms_max": round(max(samples), 1),
        "audit_bulk_waive_s": round(bulk, 3),
        "audit_waived": len(keys),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--keep", type=Path, default=None, help="reuse/keep the stores in DIR")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kontokoll-bench-") as tmp:
        root = args.keep or Path(tmp)
        directory = root / "data"
        built = build_store(directory, args.accounts)
        print(f"store with {args.accounts} accounts ready in {built:.1f} s", file=sys.stderr)
        result = asyncio.run(measure(directory, args.accounts))
        audited = root / "audited"
        findings = build_audit_store(audited, args.accounts)
        print(f"audited store with {findings} findings ready", file=sys.stderr)
        result |= asyncio.run(measure_audit(audited))
    result["targets"] = TARGETS
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
