"""Benchmark of ``kontokoll comments classify``: 100,000 comments through the whole command.

Run ``python bench/classify.py``. The comments are the labelled test comments
(tests/data/comments_labelled.tsv) repeated in a shuffled order, each with one of seven suffixes
(signatures, emoji, a hashtag), about 1,800 different lines in all. The classifier keeps no
cache of labels, so the repetition does not flatter it; each line is tokenized and judged.
The command runs as a real process (``python -m kontokoll``, start-up included) reading them on
standard input, into a throw-away data directory with no extension file. The last line printed
is one JSON object:

    comments, wall_s (the whole process), target_s, per_comment_us (wall ÷ comments),
    cpu_s (the process's CPU time, user + system), startup_s (the same command on empty input:
    Python and the CLI's imports, which every command pays), startup_cpu_s (its CPU time),
    load_average_1m, questions (how many were judged questions), lines_out (must equal comments),
    one_core_wall_s and one_core_cpu_s (the same run held to one core: the command then judges
    every line itself instead of forking a helper for every other block; what the fork gains)

Other load on the machine shows up in wall_s and startup_s alike; cpu_s much less so.

Target: wall_s ≤ 1.0 for 100,000 comments (cpu_s ≤ 0.7 on a quiet machine, for headroom).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
LABELLED = REPO / "tests" / "data" / "comments_labelled.tsv"
COMMENTS = 100_000
TARGET_S = 1.0
#: Endings that change a comment's bytes but not what it asks.
SUFFIXES = ("", " 🙂", " #helsingborg", " /Anna", " mvh Erik", "  ", " 👍👍")


def comments(count: int, seed: int = 10) -> bytes:
    """``count`` comments, one a line, drawn from the labelled ones."""
    texts = [
        line.split("\t", 1)[1]
        for line in LABELLED.read_text(encoding="utf-8").splitlines()
        if not line.startswith("#")
    ]
    pick = random.Random(seed)
    lines = (f"{pick.choice(texts)}{SUFFIXES[i % len(SUFFIXES)]}" for i in range(count))
    return ("\n".join(lines) + "\n").encode("utf-8")


def _children_cpu_s() -> float:
    """CPU seconds (user + system) of the finished child processes so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _one_core() -> None:
    """Hold the command (run in the child before it starts) to the first core it may use."""
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def run(count: int = COMMENTS) -> dict[str, Any]:
    stdin = comments(count)
    with tempfile.TemporaryDirectory() as directory:
        env = {**os.environ, "PYTHONPATH": str(REPO), "KONTOKOLL_LANG": "sv"}
        command = [sys.executable, "-m", "kontokoll", "--data-dir", directory,
                   "comments", "classify"]  # fmt: skip
        cpu_before = _children_cpu_s()
        started = time.perf_counter()
        subprocess.run(command, input=b"", capture_output=True, env=env, check=True)
        startup = time.perf_counter() - started
        startup_cpu = _children_cpu_s() - cpu_before
        cpu_before = _children_cpu_s()
        started = time.perf_counter()
        done = subprocess.run(command, input=stdin, capture_output=True, env=env, check=True)
        wall = time.perf_counter() - started
        cpu = _children_cpu_s() - cpu_before
        cpu_before = _children_cpu_s()
        started = time.perf_counter()
        alone = subprocess.run(command, input=stdin, capture_output=True, env=env, check=True,
                               preexec_fn=_one_core)  # fmt: skip
        one_core_wall = time.perf_counter() - started
        one_core_cpu = _children_cpu_s() - cpu_before
    if alone.stdout != done.stdout:
        raise SystemExit("one core and two gave different labels")
    labels = done.stdout.decode().splitlines()
    return {
        "comments": count,
        "wall_s": round(wall, 3),
        "target_s": TARGET_S,
        "per_comment_us": round(wall / count * 1e6, 2),
        "cpu_s": round(cpu, 3),
        "startup_s": round(startup, 3),
        "startup_cpu_s": round(startup_cpu, 3),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "questions": labels.count("question"),
        "lines_out": len(labels),
        "one_core_wall_s": round(one_core_wall, 3),
        "one_core_cpu_s": round(one_core_cpu, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--comments", type=int, default=COMMENTS, help="how many comments")
    args = parser.parse_args()
    print(json.dumps(run(args.comments)))


if __name__ == "__main__":
    main()
