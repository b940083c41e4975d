"""The demo is built whole or not at all: a build that fails or is killed part-way leaves no
half-built demo behind, and the next build cleans up and builds it whole."""

from __future__ import annotations

from pathlib import Path

import pytest

import kontokoll.demo_setup as demo_setup
from audits.service import AuditService
from governance.demo import CATALOGUE, build_demo
from governance.register import Register
from governance.store import Store
from kontokoll.demo_setup import BUILDING_PREFIX, demo_ready, prepare_demo
from tests.conftest import FIXED_NOW


def _assert_whole(directory: Path) -> None:
    store = Store(directory)
    try:
        accounts = Register(store).accounts()
        runs = AuditService(store).runs()
        outcomes = store.stats.outcomes()
    finally:
        store.close()
    unconfirmed = {f"{a.platform}:{a.handle}" for a in CATALOGUE if not a.confirmed}
    assert len(accounts) == len(CATALOGUE)
    assert all(
        a.editors_confirmed_at is not None
        for a in accounts
        if a.editors and a.ref not in unconfirmed
    )
    assert outcomes and len(runs) == 2


def test_a_build_that_fails_part_way_leaves_nothing_and_the_next_is_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = tmp_path / "data"

    def fail(store: Store, now: object) -> None:
        raise RuntimeError("the sync step died")

    with monkeypatch.context() as patched:
        patched.setattr(demo_setup, "sync_demo_stats", fail)
        with pytest.raises(RuntimeError):
            prepare_demo(data_dir, now=FIXED_NOW)
    assert not (data_dir / "demo").exists()
    assert not demo_ready(data_dir)
    assert not [p for p in data_dir.iterdir() if p.name.startswith(BUILDING_PREFIX)]

    directory = prepare_demo(data_dir, now=FIXED_NOW)
    assert demo_ready(data_dir)
    _assert_whole(directory)


def test_leftovers_of_a_killed_build_and_a_half_built_demo_are_replaced(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    leftover = data_dir / f"{BUILDING_PREFIX}killed"
    leftover.mkdir(parents=True)
    (leftover / "half.json").write_text("{}")
    build_demo(data_dir, now=FIXED_NOW)  # a register alone: what an older version left when killed
    assert not demo_ready(data_dir)

    directory = prepare_demo(data_dir, now=FIXED_NOW)
    assert not leftover.exists()
    assert sorted(p.name for p in data_dir.iterdir()) == [".demo.lock", "demo"]
    _assert_whole(directory)
