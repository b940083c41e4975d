"""A register whose users cannot be read may have users: an archive without users needs
--without-users there, says the register is now single-user, and only the OS owner of the data
directory may restore it. A backup of a missing or empty data directory is refused."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from governance.backup import Backups
from governance.errors import AccessRefused, InputError
from governance.identity import current_login
from governance.storage.layout import CORE
from governance.store import Store
from tests.conftest import child_env, store_snapshot
from tests.governance.test_doctor import populate

ME = current_login()


@pytest.fixture
def damaged(cli, data_dir: Path, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    """An archive without users; since, the store got users, and one's role was damaged."""
    populate(cli, tmp_path)
    archive = tmp_path / "old.tar.gz"
    assert cli("backup", "--output", str(archive)).code == 0
    assert cli("users", "add", ME, "--role", "admin").code == 0
    assert cli("users", "add", "anna", "--role", "admin").code == 0
    assert cli("users", "add", ME, "--role", "viewer").code == 0  # anna keeps the register
    core = json.loads((data_dir / CORE).read_bytes())
    for user in core["users"].values():
        if user["login"] == "anna":
            user["role"] = "superadmin"
    (data_dir / CORE).write_text(json.dumps(core))
    return archive


def test_an_archive_without_users_needs_the_option_and_says_single_user(
    cli, data_dir: Path, damaged: Path  # type: ignore[no-untyped-def]
) -> None:
    before = store_snapshot(data_dir)
    refused = cli("restore", str(damaged))
    assert refused.code == 2
    assert f"{damaged} återställs inte: registrets användare går inte att läsa" in refused.err
    assert "--without-users" in refused.err and "Traceback" not in refused.err
    assert store_snapshot(data_dir) == before
    done = cli("restore", "--without-users", str(damaged))
    assert done.code == 0
    assert "registret går nu i enanvändarläge" in done.out
    assert "anna" not in cli("users", "list").out


def test_only_the_owner_of_the_data_dir_may_restore_it(data_dir: Path, damaged: Path) -> None:
    assert data_dir.stat().st_uid == os.getuid()  # ME owns it
    before = store_snapshot(data_dir)
    store = Store(data_dir)
    try:
        with pytest.raises(AccessRefused) as refused:
            Backups(store, user="mallory").restore(damaged, without_users=True)
        assert refused.value.key == "g1_restore.damaged_not_owner"
        assert str(data_dir) in str(refused.value)
        after = store_snapshot(data_dir)
        log = "log/changes.jsonl"  # the refusal is logged, as every refusal is
        assert b'"g1_restore.damaged_not_owner"' in after.pop(log)
        before.pop(log)
        assert after == before
        with pytest.raises(InputError) as needs:
            Backups(store, user=ME).restore(damaged)
        assert needs.value.key == "g1_restore.no_users_unreadable"
        result = Backups(store, user=ME).restore(damaged, without_users=True)
        assert result.users_dropped
    finally:
        store.close()


def test_a_backup_of_a_missing_data_dir_is_refused_and_nothing_is_made(
    cli, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    from kontokoll.cli.main import main

    typo = tmp_path / "stor"
    archive = tmp_path / "typo.tar.gz"
    code = main(["--data-dir", str(typo), "backup", "--output", str(archive)])
    assert code == 2
    assert not typo.exists() and not archive.exists()


def test_a_backup_of_a_store_without_register_is_refused(
    cli, data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]  # type: ignore[no-untyped-def]
) -> None:
    assert cli("whoami").code == 0  # opens (creates) the store, writes no register
    assert not (data_dir / CORE).exists()
    archive = tmp_path / "tom.tar.gz"
    refused = cli("backup", "--output", str(archive))
    assert refused.code == 2
    assert f"datakatalogen {data_dir} har inget register ännu" in refused.err
    assert not archive.exists()


def test_a_backup_to_standard_output_says_so_not_dash(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = child_env()
    base = [sys.executable, "-m", "kontokoll", "--data-dir", str(data)]
    subprocess.run([*base, "departments", "add", "Kultur"], env=env, check=True,
                   capture_output=True)
    done = subprocess.run([*base, "backup", "--output", "-"], env=env, capture_output=True,
                          check=False, timeout=60)
    assert done.returncode == 0 and done.stdout[:2] == b"\x1f\x8b"
    err = done.stderr.decode("utf-8")
    assert "Säkerhetskopian är skriven till standard ut:" in err and "Säkerhetskopian -" not in err
