"""How fast this machine runs plain Python right now: one figure to read the other benches by.

Run ``python bench/machine.py``. The shared machines' speed drifts (the same code has measured
1.5-2x slower on one day than on another), so an absolute figure from one day cannot be compared
with one from another. This times a fixed pure-Python workload (dict and str work, as Kontokoll's
own loops do) and prints ``reference_s``, the CPU seconds it took (the best of five: the least
disturbed). The benches print it as well, so two of their runs compare by their figures
divided by ``reference_s``. The last line printed is one JSON object.
"""

from __future__ import annotations

import json
import os
import time

ROUNDS = 5
ITEMS = 200_000


def _workload() -> int:
    """Build, look up and join strings and dicts (0.15-0.22 s here on 2026-11-29, under load)."""
    table: dict[str, int] = {}
    for index in range(ITEMS):
        table[f"konto-{index % 5000}"] = table.get(f"konto-{index % 5000}", 0) + index
    words = [key.upper().casefold() for key in table]
    return len(",".join(sorted(words))) + sum(table.values()) % 7


def reference_s() -> float:
    """CPU seconds of the workload, the best of ``ROUNDS`` runs."""
    best = float("inf")
    for _ in range(ROUNDS):
        start = time.process_time()
        _workload()
        best = min(best, time.process_time() - start)
    return round(best, 4)


def main() -> None:
    print(json.dumps({"reference_s": reference_s(), "load_average_1m": os.getloadavg()[0]}))


if __name__ == "__main__":
    main()
