"""The demo marker holds wherever a demo goes: a backup and its restore, an older demo opened
again, a read-only store; and a marker that is not the demo's own file is named, never followed.

As in :mod:`tests.cli.test_sync_demo_store`, every platform's token is set and every base URL
points at a logging server on 127.0.0.1 standing in for the real APIs: a demo sends it nothing.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from audits.demo_history import seed_demo_audits
from governance.snapshots import build_archive, collect_files
from governance.store import Store
from governance.sync_source import DEMO_MARKER, MarkerInvalid, is_demo_store, read_demo_version
from kontokoll.cli.main import main
from kontokoll.demo_setup import stale_demo
from tests.cli import test_sync_demo_store as sync_demo
from tests.cli.test_sync_demo_store import Logger
from tests.conftest import FIXED_NOW, store_snapshot
from tests.governance.test_read_only_store import refuse_writing

# Its fixtures: the logging server, and a five-account store with the demo's marker.
logger = sync_demo.logger
demo_store = sync_demo.demo_store
DEMO_LINE = "Demoregister: siffrorna kommer från emuleringen, inte från plattformarna"


def run(capsys: pytest.CaptureFixture[str], data_dir: Path, *args: str) -> tuple[int, str]:
    """``kontokoll --data-dir DATA_DIR ARGS`` in this process: exit code, stdout + stderr."""
    code = main(["--data-dir", str(data_dir), *args])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_a_restored_demo_backup_is_a_demo_and_never_reaches_the_platforms(
    demo_store: Path, logger: Logger, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    archive, rest = tmp_path / "demo.bak", tmp_path / "rest"
    assert run(capsys, demo_store, "backup", "--output", str(archive))[0] == 0
    assert run(capsys, rest, "restore", str(archive))[0] == 0
    assert (rest / DEMO_MARKER).read_bytes() == b"5\n"

    code, said = run(capsys, rest, "sync", "--platform", "facebook")

    assert code == 0 and logger.seen == []
    assert DEMO_LINE in said


def test_a_real_backup_restored_over_a_demo_removes_the_marker_and_sets_it_aside(
    demo_store: Path, logger: Logger, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (demo_store / DEMO_MARKER).unlink()
    archive = tmp_path / "real.bak"
    assert run(capsys, demo_store, "backup", "--output", str(archive))[0] == 0
    (demo_store / DEMO_MARKER).write_text("5\n", encoding="ascii")

    assert run(capsys, demo_store, "restore", str(archive))[0] == 0

    assert not is_demo_store(demo_store)
    previous = next(demo_store.glob(".restore-previous-*"))
    assert (previous / DEMO_MARKER).read_bytes() == b"5\n"
    code, said = run(capsys, demo_store, "sync", "--platform", "x")  # a real store: real platforms
    assert code == 1 and logger.seen and DEMO_LINE not in said


def test_an_archive_whose_marker_is_no_version_is_refused_and_nothing_changes(
    demo_store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = collect_files(demo_store, "store")
    files[DEMO_MARKER] = b"garbage\n"
    archive = tmp_path / "tampered.bak"
    archive.write_bytes(build_archive(files, scope="store", created=FIXED_NOW, level=1))
    before = store_snapshot(demo_store)

    code, said = run(capsys, demo_store, "restore", str(archive))

    assert code == 2 and DEMO_MARKER in said and "Traceback" not in said
    assert store_snapshot(demo_store) == before


def test_an_older_demo_without_the_marker_is_marked_on_opening_and_still_called_older(
    demo_store: Path, logger: Logger, capsys: pytest.CaptureFixture[str]
) -> None:
    """The demo a Kontokoll built before the marker existed: ``kontokoll demo`` (and ``serve
    --demo``, through the same preparation) marks it, so a session opening the folder without
    any flag knows it is the demo."""
    store = Store(demo_store)
    try:
        seed_demo_audits(store, FIXED_NOW)  # a whole demo: its audit history is there
    finally:
        store.close()
    (demo_store / DEMO_MARKER).unlink()
    data_dir = demo_store.parent

    code, said = run(capsys, data_dir, "demo", "--no-app")

    assert code == 0 and "kontokoll demo --rebuild" in said  # still older: told how to rebuild
    assert (demo_store / DEMO_MARKER).read_bytes() == b"0\n" and stale_demo(data_dir)
    code, said = run(capsys, demo_store, "sync")
    assert code == 0 and logger.seen == [] and DEMO_LINE in said


@pytest.mark.parametrize("kind", ["link", "dangling link", "folder", "fifo", "garbage", "huge"])
def test_doctor_names_a_marker_that_is_not_the_demos_own_file(
    demo_store: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path, kind: str
) -> None:
    marker = demo_store / DEMO_MARKER
    marker.unlink()
    if kind == "link":
        (tmp_path / "version").write_text("5\n", encoding="ascii")
        marker.symlink_to(tmp_path / "version")
    elif kind == "dangling link":
        marker.symlink_to(tmp_path / "nowhere")
    elif kind == "folder":
        marker.mkdir()
    elif kind == "fifo":
        os.mkfifo(marker)  # opened for reading without a writer, it would wait forever
    elif kind == "garbage":
        marker.write_bytes(b"\x1b[2Jfive\n")
    else:
        with marker.open("wb") as huge:
            huge.truncate(100 << 20)  # 100 MB (sparse): only its first bytes may be read

    code, said = run(capsys, demo_store, "doctor")

    assert code != 0 and "Traceback" not in said
    assert f"{marker}: demomarkeringen" in said and "emuleringen" in said
    with pytest.raises(MarkerInvalid):
        read_demo_version(demo_store)
    assert is_demo_store(demo_store)  # still a demo: never synced for real on a doubt


def test_doctor_is_silent_about_the_demos_own_marker(
    demo_store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _code, said = run(capsys, demo_store, "doctor")
    assert "demomarkeringen" not in said
    assert read_demo_version(demo_store) == 5


def test_a_fifo_marker_on_a_whole_demo_is_reported_older_without_waiting(
    demo_store: Path,
) -> None:
    store = Store(demo_store)
    try:
        seed_demo_audits(store, FIXED_NOW)
    finally:
        store.close()
    (demo_store / DEMO_MARKER).unlink()
    os.mkfifo(demo_store / DEMO_MARKER)
    assert stale_demo(demo_store.parent)


@pytest.mark.parametrize("code", [errno.EROFS, errno.EACCES])
def test_a_sync_of_a_read_only_store_is_refused_before_any_request(
    demo_store: Path, logger: Logger, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch, code: int,
) -> None:
    (demo_store / DEMO_MARKER).unlink()  # a real store: its sync would reach the platforms
    before = store_snapshot(demo_store)
    refuse_writing(monkeypatch, code)

    status, said = run(capsys, demo_store, "sync")

    assert status == 2 and f"Kan inte ändra i {demo_store}" in said
    assert logger.seen == []
    assert store_snapshot(demo_store) == before
