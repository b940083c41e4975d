"""A restore never silently takes a store with users back to single-user mode (everyone admin),
says when it turns a register into the demo; a backup to standard output says who protects it;
and a browser session behind the proxy never inherits single-user mode's admin."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from governance import identity
from governance.access import READ, authorize
from governance.backup import Backups
from governance.errors import AccessRefused, InputError
from governance.identity import current_login
from governance.session_proof import SessionIdentity
from governance.store import Store
from tests.conftest import CliResult, child_env, store_snapshot
from tests.governance.test_doctor import populate

ME = current_login()


def with_users(cli: Callable[..., CliResult]) -> None:
    assert cli("users", "add", ME, "--role", "admin").code == 0
    assert cli("users", "add", "anna@helsingborg.se", "--role", "viewer").code == 0


@pytest.fixture
def old_backup(cli, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    """A backup made before any user was defined; the store has two users since."""
    populate(cli, tmp_path)
    archive = tmp_path / "old.tar.gz"
    assert cli("backup", "--output", str(archive)).code == 0
    with_users(cli)
    return archive


def test_a_backup_without_users_is_refused_for_a_store_with_users(
    cli, data_dir: Path, old_backup: Path  # type: ignore[no-untyped-def]
) -> None:
    before = store_snapshot(data_dir)
    refused = cli("restore", str(old_backup))
    assert refused.code == 2
    said = f"{old_backup} återställs inte: registret har 2 användare, men arkivet har inga"
    assert said in refused.err
    assert "enanvändarläge" in refused.err and "--without-users" in refused.err
    assert store_snapshot(data_dir) == before
    assert not list(data_dir.glob(".restore-previous-*"))
    assert "anna@helsingborg.se" in cli("users", "list").out


def test_without_users_restores_it_and_says_the_store_is_now_single_user(
    cli, data_dir: Path, old_backup: Path  # type: ignore[no-untyped-def]
) -> None:
    done = cli("restore", "--without-users", str(old_backup))
    assert done.code == 0
    assert "registret går nu i enanvändarläge" in done.out
    assert "anna@helsingborg.se" not in cli("users", "list").out
    assert "enanvändarläge" in cli("whoami").out


def test_a_backup_with_users_restores_as_before(
    cli, tmp_path: Path, old_backup: Path  # type: ignore[no-untyped-def]
) -> None:
    archive = tmp_path / "new.tar.gz"
    assert cli("backup", "--output", str(archive)).code == 0
    done = cli("restore", str(archive))
    assert done.code == 0 and "enanvändarläge" not in done.out
    assert "anna@helsingborg.se" in cli("users", "list").out


def test_a_store_without_users_takes_a_backup_without_users(
    cli, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    populate(cli, tmp_path)
    archive = tmp_path / "b.tar.gz"
    assert cli("backup", "--output", str(archive)).code == 0
    done = cli("restore", str(archive))
    assert done.code == 0 and "enanvändarläge" not in done.out


def test_the_service_refuses_the_same_without_the_option(
    data_dir: Path, old_backup: Path
) -> None:
    store = Store(data_dir)
    try:
        with pytest.raises(InputError) as refused:
            Backups(store, user=ME).restore(old_backup)
        assert refused.value.key == "f9a_restore.no_users"
        result = Backups(store, user=ME).restore(old_backup, without_users=True)
        assert result.users_dropped and not result.now_demo
    finally:
        store.close()


def test_restoring_a_demo_backup_into_a_real_store_says_it_is_now_the_demo(
    cli, data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]  # type: ignore[no-untyped-def]
) -> None:
    from kontokoll.cli.main import main

    populate(cli, tmp_path)
    demo = tmp_path / "demo"
    assert main(["--data-dir", str(demo), "departments", "add", "Demoförvaltningen"]) == 0
    (demo / "demo-version").write_text("5\n")
    archive = tmp_path / "demo.tar.gz"
    assert main(["--data-dir", str(demo), "backup", "--output", str(archive)]) == 0
    capsys.readouterr()
    done = cli("restore", str(archive))
    assert done.code == 0
    assert f"{data_dir} är nu demot" in done.out and ".restore-previous-" in done.out
    again = cli("restore", str(archive))  # a demo restored into the demo: nothing new to say
    assert again.code == 0 and "är nu demot" not in again.out


def test_a_backup_to_standard_output_does_not_claim_its_mode(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = child_env()
    base = [sys.executable, "-m", "kontokoll", "--data-dir", str(data)]
    subprocess.run([*base, "departments", "add", "Kultur"], env=env, check=True,
                   capture_output=True)
    done = subprocess.run([*base, "backup", "--output", "-"], env=env, capture_output=True,
                          check=False, timeout=60)
    assert done.returncode == 0 and done.stdout[:2] == b"\x1f\x8b"  # the archive, gzip
    err = done.stderr.decode("utf-8")
    assert "0600" not in err and "bara läsbar för dig" not in err
    assert "standard ut" in err and "skydda den själv" in err


def test_a_served_session_is_never_admin_by_single_user_mode(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from governance.register import Register

    Register(store, user=ME).add_department("Kulturförvaltningen")
    monkeypatch.setattr(identity, "_session", SessionIdentity("mallory", "s1", 2**40))
    with store.read() as txn, pytest.raises(AccessRefused) as refused:
        authorize(txn, "mallory", READ)
    assert refused.value.key == "f9a_serve.no_users"
    monkeypatch.setattr(identity, "_session", None)
    with store.read() as txn:
        assert authorize(txn, ME, READ).role == "admin"  # one's own account: as before
