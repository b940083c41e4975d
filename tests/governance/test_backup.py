"""``kontokoll backup``/``restore``, the automatic register snapshots, and forget in snapshots."""

from __future__ import annotations

import hashlib
import io
import stat
import tarfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest

from governance import snapshots
from governance.backup import Backups
from governance.errors import AccessRefused
from governance.people import People
from governance.snapshots import MANIFEST, list_snapshots
from governance.store import Store
from tests.conftest import CliResult
from tests.governance.test_doctor import populate, shard_of_account, tree

Cli = Callable[..., CliResult]


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[datetime]]:
    """The snapshots' clock, moved by the test: ``clock[0] += timedelta(hours=2)``."""
    now = [datetime.now(UTC)]
    monkeypatch.setattr(snapshots, "clock", lambda: now[0])
    yield now


def members(archive: Path) -> dict[str, bytes]:
    with tarfile.open(archive, "r:gz") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar if m.isreg()}  # type: ignore[union-attr]


def store_files(data_dir: Path) -> dict[str, bytes]:
    """The store's own files (what a backup holds), by relative path."""
    return {
        p.relative_to(data_dir).as_posix(): p.read_bytes()
        for top in ("register", "stats", "audit", "log")
        for p in sorted((data_dir / top).rglob("*")) if p.is_file()
    }


def test_backup_writes_a_private_archive_with_a_manifest_of_checksums(
    cli: Cli, data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    populate(cli, tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.chdir(out)
    result = cli("backup")
    assert (result.code, result.err) == (0, "")
    [archive] = list(out.glob("kontokoll-backup-*.tar.gz"))
    assert len(archive.name) == len("kontokoll-backup-YYYYMMDDTHHMMSS.tar.gz")
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    assert "personuppgifter" in result.out and "0600" in result.out
    content = members(archive)
    manifest = orjson.loads(content.pop(MANIFEST))
    assert manifest["schema"] >= 1 and manifest["scope"] == "store"
    assert content == store_files(data_dir)
    for rel, raw in content.items():
        assert manifest["files"][rel] == {
            "size": len(raw), "sha256": hashlib.sha256(raw).hexdigest()
        }


def test_backup_refuses_to_write_inside_the_data_directory(
    cli: Cli, data_dir: Path, tmp_path: Path
) -> None:
    populate(cli, tmp_path)
    before = tree(data_dir)
    result = cli("backup", "--output", str(data_dir / "register" / "core.json"))
    assert result.code == 2
    assert str(data_dir / "register" / "core.json") in result.err
    assert tree(data_dir) == before


def test_backup_damage_restore_gives_back_the_same_files(
    cli: Cli, data_dir: Path, tmp_path: Path
) -> None:
    populate(cli, tmp_path)
    archive = tmp_path / "b.tar.gz"
    assert cli("backup", "--output", str(archive)).code == 0
    saved = store_files(data_dir)
    shard = shard_of_account(data_dir)
    shard.write_bytes(b"garbage")
    (data_dir / "register/index.json").unlink()
    assert cli("editors", "list", "facebook:kultur").code == 2

    result = cli("restore", str(archive))
    assert result.code == 0, result.err
    previous = next(data_dir.glob(".restore-previous-*"))
    assert str(previous) in result.out
    assert (previous / shard.relative_to(data_dir)).read_bytes() == b"garbage"
    restored = store_files(data_dir)
    log = "log/changes.jsonl"
    assert restored[log].startswith(saved[log])  # the restore itself is logged after
    assert {k: v for k, v in restored.items() if k != log} == {
        k: v for k, v in saved.items() if k != log
    }
    assert cli("doctor").code == 0
    assert "anna.berg@hbg.se" in cli("editors", "list", "facebook:kultur").out


def _tampered(
    tmp_path: Path, source: Path, change: Callable[[tarfile.TarFile, dict[str, bytes]], None]
) -> Path:
    content = members(source)
    target = tmp_path / "tampered.tar.gz"
    with tarfile.open(target, "w:gz") as tar:
        change(tar, content)
        for name, raw in content.items():
            info = tarfile.TarInfo(name)
            info.size = len(raw)
            tar.addfile(info, io.BytesIO(raw))
    return target


def _wrong_checksum(tar: tarfile.TarFile, content: dict[str, bytes]) -> None:
    content["register/core.json"] = content["register/core.json"].replace(b"Kim", b"Kam")


def _dotdot(tar: tarfile.TarFile, content: dict[str, bytes]) -> None:
    content["register/../../evil.json"] = content["register/core.json"]


def _symlink(tar: tarfile.TarFile, content: dict[str, bytes]) -> None:
    link = tarfile.TarInfo("register/accounts/07.json")
    link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
    tar.addfile(link)


def _absolute(tar: tarfile.TarFile, content: dict[str, bytes]) -> None:
    content["/tmp/evil.json"] = content.pop("register/core.json")


def _no_manifest(tar: tarfile.TarFile, content: dict[str, bytes]) -> None:
    del content[MANIFEST]


TAMPERING = {
    "wrong checksum": (_wrong_checksum, "kontrollsumma"),
    "../ path": (_dotdot, "register/../../evil.json"),
    "symlink member": (_symlink, "ingen vanlig fil"),
    "absolute path": (_absolute, "/tmp/evil.json"),
    "no manifest": (_no_manifest, "manifestet kontokoll-backup.json saknas"),
}


@pytest.mark.parametrize("kind", list(TAMPERING))
def test_restore_refuses_a_tampered_archive_and_changes_nothing(
    cli: Cli, data_dir: Path, tmp_path: Path, kind: str
) -> None:
    populate(cli, tmp_path)
    archive = tmp_path / "b.tar.gz"
    assert cli("backup", "--output", str(archive)).code == 0
    change, message = TAMPERING[kind]
    bad = _tampered(tmp_path, archive, change)
    before = tree(data_dir)
    result = cli("restore", str(bad))
    assert result.code == 2
    assert message in result.err and "Registret är oförändrat" in result.err
    assert "Traceback" not in result.err
    assert tree(data_dir) == before
    assert not (tmp_path / "evil.json").exists()


def test_restore_is_for_admins_only(cli: Cli, data_dir: Path, tmp_path: Path) -> None:
    populate(cli, tmp_path)
    archive = tmp_path / "b.tar.gz"
    assert cli("backup", "--output", str(archive)).code == 0
    store = Store(data_dir)
    try:
        me = People(store).whoami().login
        People(store, user=me).add_user(me, "admin")
        People(store, user=me).add_user("vera", "viewer")
        before = store_files(data_dir)
        with pytest.raises(AccessRefused):
            Backups(store, user="vera").restore(archive)
        after = store_files(data_dir)
        assert {k: v for k, v in after.items() if "changes" not in k} == {
            k: v for k, v in before.items() if "changes" not in k
        }
    finally:
        store.close()


def test_snapshots_are_taken_at_most_hourly_and_rotate_at_the_setting(
    cli: Cli, data_dir: Path, tmp_path: Path, clock: list[datetime]
) -> None:
    populate(cli, tmp_path)
    (data_dir / "settings.toml").write_text("[backup]\nkeep_snapshots = 3\n")
    (data_dir / "settings.toml").chmod(0o600)
    start = len(list_snapshots(data_dir))
    clock[0] += timedelta(hours=2)
    assert cli("editors", "add", "facebook:kultur", "Cia Ek <cia@hbg.se>").code == 0
    assert len(list_snapshots(data_dir)) == start + 1
    clock[0] += timedelta(minutes=30)  # within the hour: an edit takes no snapshot
    assert cli("editors", "remove", "facebook:kultur", "cia@hbg.se").code == 0
    assert len(list_snapshots(data_dir)) == start + 1
    for n in range(4):
        clock[0] += timedelta(hours=1, minutes=1)
        assert cli("editors", "add", "instagram:kultur", f"P {n} <p{n}@hbg.se>").code == 0
    kept = list_snapshots(data_dir)
    assert len(kept) == 3
    assert kept[-1].name == f"register-{clock[0]:%Y%m%dT%H%M%SZ}.tar.gz"
    assert stat.S_IMODE(kept[-1].stat().st_mode) == 0o600
    # Taken before the write: the newest holds the register as it was before the last edit.
    newest = members(kept[-1])
    assert all(name.startswith("register/") for name in newest if name != MANIFEST)
    assert b"p2@hbg.se" in b"".join(newest.values())
    assert b"p3@hbg.se" not in b"".join(newest.values())
    assert cli("doctor").code == 0


def test_a_register_snapshot_restores_the_register_only(
    cli: Cli, data_dir: Path, tmp_path: Path, clock: list[datetime]
) -> None:
    populate(cli, tmp_path)
    clock[0] += timedelta(hours=2)
    assert cli("editors", "add", "facebook:kultur", "Cia Ek <cia@hbg.se>").code == 0
    snapshot = list_snapshots(data_dir)[-1]
    log_before = (data_dir / "log/changes.jsonl").read_bytes()
    result = cli("restore", str(snapshot))
    assert result.code == 0, result.err
    assert "cia@hbg.se" not in cli("editors", "list", "facebook:kultur").out
    assert (data_dir / "log/changes.jsonl").read_bytes().startswith(log_before)


def test_the_corrupt_file_message_names_the_newest_snapshot_and_the_restore_command(
    cli: Cli, data_dir: Path, tmp_path: Path, clock: list[datetime]
) -> None:
    populate(cli, tmp_path)
    clock[0] += timedelta(hours=2)
    assert cli("editors", "add", "facebook:kultur", "Cia Ek <cia@hbg.se>").code == 0
    newest = list_snapshots(data_dir)[-1]
    (data_dir / "register/core.json").write_bytes(b"{broken")
    result = cli("accounts", "list")
    assert result.code == 2
    assert f"kontokoll --data-dir {data_dir} restore {newest}" in result.err
    # The broken register may have had users and the snapshot has none: said, then chosen.
    refused = cli("restore", str(newest))
    assert refused.code == 2 and "--without-users" in refused.err
    assert cli("restore", "--without-users", str(newest)).code == 0
    assert cli("accounts", "list").code == 0


def test_forget_leaves_no_trace_in_snapshots_or_set_aside_copies(
    cli: Cli, data_dir: Path, tmp_path: Path, clock: list[datetime]
) -> None:
    populate(cli, tmp_path)
    archive = tmp_path / "b.tar.gz"
    assert cli("backup", "--output", str(archive)).code == 0
    for n in range(3):  # several snapshots that all hold Anna
        clock[0] += timedelta(hours=2)
        assert cli("editors", "add", "instagram:kultur", f"P {n} <p{n}@hbg.se>").code == 0
    assert cli("restore", str(archive)).code == 0  # sets the old files aside, Anna included
    held = [p for p in list_snapshots(data_dir) if b"anna.berg@hbg.se" in b"".join(
        members(p).values())]
    assert held

    result = cli("editors", "forget", "anna.berg@hbg.se")
    assert result.code == 0, result.err
    for path in data_dir.rglob("*"):
        if path.is_file():
            raw = path.read_bytes()
            if path.name.endswith(".tar.gz"):
                raw = b"".join(members(path).values())
            assert b"anna.berg@hbg.se" not in raw.lower(), path
            assert b"Anna Berg" not in raw, path
    # Rewritten, not thrown away: the other editors are still in them.
    assert all(p.exists() and b"bo.ek@hbg.se" in b"".join(members(p).values()) for p in held)
    assert cli("restore", str(held[-1])).code == 0  # a rewritten snapshot is still restorable
    assert cli("doctor").code == 0
