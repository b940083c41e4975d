"""The whole demo: the register, its stats synced from the in-repo emulation, and an audit history.

``governance.demo`` builds the register; the platform emulation (driven by the demo's activity
levels, through ``governance.emulation.demo``, the one demo source the app's sync uses too) serves
its stats through the real clients and sync, exactly as the platforms would; and
``audits.demo_history`` records a guideline revision and runs two quarters' audits.

The demo is built whole or not at all: every step runs in a folder of its own next to
``DATA_DIR/demo`` (``.demo-building-*``), which is renamed into place only when the last step is
done. A build killed part-way leaves only that folder, which the next build removes before it
starts again; it never leaves a half-built demo that later builds would take as finished. Once in
place the demo is kept as it is, so opening it again is quick and keeps what a newcomer changed.
A demo built by an older Kontokoll (its ``demo-version`` file is missing or older) is kept too, but
``stale_demo`` says so, and the commands that open it tell how to rebuild it. One whose file is
missing (built before the file also marked the store a demo) is given one holding
``UNKNOWN_VERSION``: every later opening, however started, then knows the folder is a demo and
never syncs it against the real platforms, and it still counts as older.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from governance.demo import demo_dir, fill_demo_register
from governance.model import utc_now
from governance.register import Register
from governance.storage.files import fsync_directory, modes_for, write_atomic
from governance.storage.lock import DirectoryLock
from governance.store import Store
from governance.sync_source import (
    DEMO_MARKER,
    UNKNOWN_VERSION,
    MarkerInvalid,
    read_demo_version,
)

#: Folders next to the demo: one being built, and a replaced demo on its way out (``--rebuild``).
BUILDING_PREFIX = ".demo-building-"
REPLACED_PREFIX = ".demo-replaced-"
#: Held while a demo is built, so that two builds never clean up or replace each other's work.
BUILD_LOCK = ".demo.lock"
BUILD_LOCK_TIMEOUT_S = 600.0
#: What the demo holds, as a number: raise it whenever the demo gains or changes what it shows,
#: so that a demo built before is recognised as older (``stale_demo``).
DEMO_VERSION = 5
VERSION_FILE = DEMO_MARKER  # it also marks the store a demo: it never syncs with a real platform


def demo_ready(data_dir: Path) -> bool:
    """Whether a whole demo is in place (its last step, the audit history, is there)."""
    return (demo_dir(data_dir) / "audit" / "index.json").is_file()


def prepare_demo(data_dir: Path, *, now: datetime | None = None, rebuild: bool = False) -> Path:
    """Build the demo under ``data_dir/demo`` unless a whole one is there; return its directory."""
    moment = now or utc_now()
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    with _building(data_dir):
        remove_leftovers(data_dir)
        if rebuild or not demo_ready(data_dir):
            _build_and_move_into_place(demo_dir(data_dir), moment)
        elif not os.path.lexists(demo_dir(data_dir) / VERSION_FILE):
            write_marker(demo_dir(data_dir), UNKNOWN_VERSION)
    return demo_dir(data_dir)


def write_marker(directory: Path, version: int) -> None:
    """Mark the store ``directory`` a demo of ``version`` (atomically, in the store's mode)."""
    file_mode, _ = modes_for(directory)
    write_atomic(directory / VERSION_FILE, f"{version}\n".encode("ascii"), mode=file_mode)


def stale_demo(data_dir: Path) -> bool:
    """Whether a whole demo is in place that an older Kontokoll built (it lacks what is new)."""
    if not demo_ready(data_dir):
        return False
    try:
        return read_demo_version(demo_dir(data_dir)) != DEMO_VERSION
    except MarkerInvalid:  # a link, a FIFO, garbage: never followed, waited on or read whole
        return True


@contextmanager
def _building(data_dir: Path) -> Iterator[None]:
    lock = DirectoryLock(data_dir / BUILD_LOCK, timeout_s=BUILD_LOCK_TIMEOUT_S)
    try:
        with lock.hold(exclusive=True):
            yield
    finally:
        lock.close()


def remove_leftovers(data_dir: Path) -> list[Path]:
    """Remove what a killed build left next to the demo; return what was removed."""
    removed = []
    for path in sorted(data_dir.iterdir()):
        is_ours = path.name.startswith((BUILDING_PREFIX, REPLACED_PREFIX))
        if is_ours and path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
            removed.append(path)
    return removed


def _build_and_move_into_place(final: Path, now: datetime) -> None:
    staging = Path(tempfile.mkdtemp(prefix=BUILDING_PREFIX, dir=final.parent))
    try:
        build_demo_into(staging, now)
        if final.exists():  # --rebuild, or a half-built demo from an older version
            replaced = Path(tempfile.mkdtemp(prefix=REPLACED_PREFIX, dir=final.parent))
            final.rename(replaced / final.name)
            staging.rename(final)
            shutil.rmtree(replaced)
        else:
            staging.rename(final)
        fsync_directory(final.parent)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def build_demo_into(directory: Path, now: datetime) -> None:
    """Every step of the demo, into the empty store folder ``directory``."""
    # Imported here: the audit service is needed only when the demo is first built.
    from audits.demo_history import seed_demo_audits

    fill_demo_register(directory, now)
    store = Store(directory)
    try:
        sync_demo_stats(store, now)
        seed_demo_audits(store, now)
    finally:
        store.close()
    write_marker(directory, DEMO_VERSION)


def sync_demo_stats(store: Store, now: datetime) -> None:
    """Fill the demo's stats by syncing every account against the emulated platforms."""
    # Imported here: httpx and the emulation are needed only when the demo is first built.
    from governance.emulation.demo import demo_source
    from governance.sync_service import SyncService

    accounts = Register(store).accounts()
    SyncService(store, source=demo_source(accounts, now), clock=lambda: now).sync(accounts)
