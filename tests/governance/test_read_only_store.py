"""A read-only data directory (a backup mount, no write rights): reads work, changes refuse.

The file system's refusal is injected where the lock file is opened for writing (the tests run
as any user, where a read-only mount cannot be made); the rest of the store is left writable,
which only makes the checks stricter: nothing may have been written all the same.
"""

from __future__ import annotations

import errno
import fcntl
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from governance.storage import lock
from tests.conftest import CliResult, store_snapshot
from tests.governance.test_doctor import populate

Cli = Callable[..., CliResult]
NOTICE = "går bara att läsa (skrivskyddat filsystem eller ingen skrivrätt)"


def refuse_writing(monkeypatch: pytest.MonkeyPatch, code: int) -> list[int]:
    """Make opening the lock file for writing fail with ``code``; returns the read-only opens."""
    real = lock.open_store_file
    read_only_opens: list[int] = []

    def opener(path: Path, flags: int, mode: int = 0o600) -> int:
        if flags & (os.O_RDWR | os.O_WRONLY | os.O_CREAT):
            raise OSError(code, os.strerror(code), str(path))
        read_only_opens.append(flags)
        return real(path, flags, mode)

    monkeypatch.setattr(lock, "open_store_file", opener)
    return read_only_opens


@pytest.mark.parametrize("code", [errno.EROFS, errno.EACCES])
def test_reads_work_without_a_lock_file_and_changes_are_refused(
    cli: Cli, data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int
) -> None:
    populate(cli, tmp_path)
    (data_dir / ".lock").unlink()  # a copy made without it
    before = store_snapshot(data_dir)
    refuse_writing(monkeypatch, code)

    listed = cli("accounts", "list")
    backed_up = cli("backup", "--output", str(tmp_path / "kopia.tar.gz"))
    changed = cli("accounts", "edit", "facebook:kultur", "--purpose", "Nytt")

    assert listed.code == 0 and "facebook" in listed.out and "kultur" in listed.out
    assert backed_up.code == 0 and (tmp_path / "kopia.tar.gz").stat().st_size > 0
    assert listed.err.count(NOTICE) == 1  # said once
    assert changed.code == 2
    assert f"Kan inte ändra i {data_dir}" in changed.err and "Inget har ändrats" in changed.err
    assert "Traceback" not in changed.err
    assert store_snapshot(data_dir) == before
    assert not (data_dir / ".lock").exists()


def test_an_existing_lock_file_is_held_shared_so_a_writer_is_waited_for(
    cli: Cli, data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    populate(cli, tmp_path)
    opens = refuse_writing(monkeypatch, errno.EROFS)
    monkeypatch.setenv("KONTOKOLL_LOCK_TIMEOUT", "0.2")
    writer = os.open(data_dir / ".lock", os.O_RDWR)  # a writer with rights, mid-commit
    try:
        fcntl.flock(writer, fcntl.LOCK_EX)
        waited = cli("accounts", "list")
        fcntl.flock(writer, fcntl.LOCK_UN)
        listed = cli("accounts", "list")
    finally:
        os.close(writer)

    assert waited.code == 2 and "Registret är låst av en annan process" in waited.err
    assert listed.code == 0 and "kultur" in listed.out
    assert opens and all(flags & os.O_ACCMODE == os.O_RDONLY for flags in opens)


def test_english_notice(
    cli: Cli, data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    populate(cli, tmp_path)
    refuse_writing(monkeypatch, errno.EROFS)
    changed = cli("--lang", "en", "departments", "add", "Ny")
    assert changed.code == 2
    assert "can only be read" in changed.err and "Nothing was changed" in changed.err
