"""Real processes: kill -9 in the middle of a stream of writes, and two writers at once."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from governance.register import Register
from governance.store import CHANGE_LOG, Store
from tests.conftest import REPO

WRITER = textwrap.dedent(
    """
    import sys
    from datetime import UTC, datetime
    from pathlib import Path
    from governance.monthly import MonthlyStats
    from governance.register import Register
    from governance.store import Store

    data_dir, tag, count = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    for n in range(count):
        store = Store(data_dir)
        register = Register(store, user="writer")
        register.add_editor("facebook:helsingborgsstad", f"Redaktör {tag} {n} <{tag}{n}@hbg.se>")
        if n % 3 == 0:  # a bigger transaction across every stats shard
            ids = [a.id for a in register.accounts()]
            store.stats.save_batch([MonthlyStats(i, "2026-11", posts=n) for i in ids])
        store.close()
        print(n, flush=True)
    """
)


def _seed(data_dir: Path, extra_accounts: int = 40) -> None:
    store = Store(data_dir)
    register = Register(store, user="seed")
    register.create_account(
        {
            "platform": "facebook",
            "handle": "helsingborgsstad",
            "department": "Stadsledningsförvaltningen",
        }
    )
    for n in range(extra_accounts):
        register.create_account(
            {"platform": "instagram", "handle": f"konto{n}", "department": "Kulturförvaltningen"}
        )
    store.close()


def _start_writer(data_dir: Path, tag: str, count: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(data_dir), tag, str(count)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )


def _assert_every_file_is_valid_json(data_dir: Path) -> None:
    for path in data_dir.rglob("*.json"):
        json.loads(path.read_bytes())  # raises if a file was left half-written
    for line in (data_dir / CHANGE_LOG).read_bytes().split(b"\n")[:-1]:
        json.loads(line)


def test_kill_9_during_writes_loses_at_most_the_write_in_flight(data_dir: Path) -> None:
    _seed(data_dir)
    rng = random.Random(7)
    confirmed: set[str] = set()
    for round_ in range(6):
        writer = _start_writer(data_dir, f"r{round_}x", 10_000)
        assert writer.stdout is not None
        first = writer.stdout.readline()  # it is writing now
        time.sleep(rng.uniform(0.01, 0.3))
        writer.send_signal(signal.SIGKILL)
        rest = writer.stdout.read()
        writer.wait()
        writer.stdout.close()
        done = [int(line) for line in (first + rest).split()]
        confirmed |= {f"r{round_}x{n}@hbg.se" for n in done}

        _assert_every_file_is_valid_json(data_dir)
        store = Store(data_dir)
        register = Register(store)
        emails = {e.email for e in register.account("facebook:helsingborgsstad").editors}
        log = [
            e
            for e in register.change_log("facebook:helsingborgsstad")
            if e.action == "editor-added"
        ]
        store.close()
        # Every write the writer reported done is there; at most one more (the one in flight).
        assert confirmed <= emails
        assert len(emails - confirmed) <= 1
        confirmed = emails
        # The data and the change log agree: no change without its log entry, or vice versa.
        assert len(log) == len(emails)
    store = Store(data_dir)
    Register(store, user="after").add_editor("facebook:helsingborgsstad", "Sist <sist@hbg.se>")
    store.close()
    assert not list(data_dir.rglob("*.tmp-*"))
    assert not (data_dir / "journal.json").exists()


def test_two_processes_each_making_100_edits_keep_all_200(data_dir: Path) -> None:
    _seed(data_dir, extra_accounts=0)
    writers = [_start_writer(data_dir, tag, 100) for tag in ("a", "b")]
    for writer in writers:
        out, _ = writer.communicate(timeout=300)
        assert writer.returncode == 0
        assert len(out.split()) == 100
    store = Store(data_dir)
    register = Register(store)
    editors = register.account("facebook:helsingborgsstad").editors
    assert len(editors) == 200
    assert {e.email for e in editors} == {f"{t}{n}@hbg.se" for t in "ab" for n in range(100)}
    added = [e for e in register.change_log() if e.action == "editor-added"]
    assert len(added) == 200
    store.close()


READER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from governance.store import Store, read_change_log
    from governance.register import resolve

    store = Store(Path(sys.argv[1]))
    for _ in range(int(sys.argv[2])):
        with store.read() as txn:
            editors = len(resolve(txn, "facebook:helsingborgsstad").editors)
            logged = sum(1 for e in read_change_log(txn) if e.action == "editor-added")
        print(editors, logged, flush=True)
    """
)


def test_readers_never_see_a_half_applied_change(data_dir: Path) -> None:
    _seed(data_dir, extra_accounts=0)
    writer = _start_writer(data_dir, "w", 60)
    reader = subprocess.run(
        [sys.executable, "-c", READER, str(data_dir), "300"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=300,
        check=True,
    )
    writer.communicate(timeout=300)
    assert writer.returncode == 0
    pairs = [tuple(map(int, line.split())) for line in reader.stdout.splitlines()]
    assert len(pairs) == 300
    # The account's editors and the change log always move together.
    assert all(editors == logged for editors, logged in pairs)
