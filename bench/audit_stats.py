"""Benchmark the audit's read of the stats at city-wide scale, in one process (issue 15).

On bench/audit.py's store (10,000 accounts x 24 months; built unless ``--keep DIR`` has one),
times the stats read of ``audit run --quarter 2026Q4`` as of 2026-11-29 both ways, alternating:
from the recent files (``stats-recent/``, :mod:`governance.storage.recent`) and from the stats
shards themselves (what an audit whose window reaches further back, or a store written by an
older Kontokoll, reads). Each way: decoding the files (with the checks that choose them) and
judging every active account (:class:`audits.activity.ActivityReader`); the account shards are
decoded before the clock starts. CPU time (``time.process_time``), best of ``--repeats``, which
a machine shared with other work moves less than wall time. Prints one JSON object on its last
line: ``recent_cpu_s`` (decode + judge, target <= 0.05), ``stats_cpu_s``, each part, the ratio,
and the bytes decoded each way.

    python bench/audit_stats.py [--repeats R] [--keep DIR]
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import tempfile
import time
from collections.abc import Mapping
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from audits import subjects  # noqa: E402
from audits.activity import ActivityReader  # noqa: E402
from audits.engine import activity_readers  # noqa: E402
from audits.quarters import Quarter  # noqa: E402
from audits.settings import AuditSettings  # noqa: E402
from bench.audit import build  # noqa: E402
from governance.storage.layout import (  # noqa: E402
    SHARDS,
    account_shard,
    recent_shard,
    stats_shard,
)
from governance.store import Store  # noqa: E402

TARGETS = {"recent_cpu_s": 0.05}


def _once(
    data: Path, since: str | None, readers: Mapping[str, ActivityReader]
) -> tuple[float, float]:
    """(decode, judge) CPU seconds of one stats read; ``since`` None reads the stats shards."""
    store = Store(data)
    with store.read() as txn:
        for shard in range(SHARDS):
            txn.typed(account_shard(shard), subjects._decode_shard, {})  # (not timed)
        gc.collect()
        gc.disable()
        started = time.process_time()
        shards = list(subjects.shards(txn, since))
        decoded = time.process_time()
        for shard in shards:
            assert shard.recent == (since is not None), "the recent files were not read"
            for doc_id, doc in shard.accounts.items():
                if doc.status == "active":
                    read = readers[doc.platform]
                    found = shard.stats.get(doc_id)
                    read.recent(found) if shard.recent else read.undecoded(found)
        judged = time.process_time()
        gc.enable()
    store.close()
    return decoded - started, judged - decoded


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--keep", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = args.keep or Path(tmp) / "data"
        if not (data / "register").exists():
            build(data, 10_000, 24)
        readers = activity_readers(Quarter(2026, 4), date(2026, 11, 29), AuditSettings())
        since = readers.earliest()
        runs: dict[str, list[tuple[float, float]]] = {"recent": [], "stats": []}
        for _ in range(args.repeats):
            runs["recent"].append(_once(data, since, readers))
            runs["stats"].append(_once(data, None, readers))
        sizes = {
            "recent": sum((data / recent_shard(n)).stat().st_size for n in range(SHARDS)),
            "stats": sum((data / stats_shard(n)).stat().st_size for n in range(SHARDS)),
        }
    best = {way: min(runs[way], key=sum) for way in runs}
    figures = {
        "recent_cpu_s": round(sum(best["recent"]), 4),
        "recent_decode_cpu_s": round(best["recent"][0], 4),
        "recent_judge_cpu_s": round(best["recent"][1], 4),
        "stats_cpu_s": round(sum(best["stats"]), 4),
        "stats_decode_cpu_s": round(best["stats"][0], 4),
        "stats_judge_cpu_s": round(best["stats"][1], 4),
        "ratio": round(sum(best["recent"]) / sum(best["stats"]), 3),
        "recent_bytes": sizes["recent"],
        "stats_bytes": sizes["stats"],
    }
    print(json.dumps({**figures, "targets": TARGETS}))


if __name__ == "__main__":
    main()
