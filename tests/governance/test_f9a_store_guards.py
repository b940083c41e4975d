"""One store's exports and server files never land in another store (the demo inside the real
data directory, a test store beside the production one), and doctor names what does not belong
in ``snapshots/``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from governance.doctor import check
from governance.errors import InputError
from governance.export_target import check_export, refuse_inside_data_dir, write_export
from governance.register import Register
from governance.store import Store
from governance.store_folder import data_dir_of, is_store_folder
from tests.conftest import store_snapshot


def make_store(folder: Path) -> Path:
    """A real store: opened and written once, so that it has its lock and register."""
    store = Store(folder)
    try:
        Register(store, user="tester").add_department("Kulturförvaltningen")
    finally:
        store.close()
    assert is_store_folder(folder)
    return folder


@pytest.fixture
def real(tmp_path: Path) -> Path:
    return make_store(tmp_path / "real")


@pytest.fixture
def demo(real: Path) -> Path:
    """A second store inside the first, where ``kontokoll demo`` puts it."""
    return make_store(real / "demo")


def test_an_export_from_the_demo_never_overwrites_the_real_register(real: Path, demo: Path) -> None:
    before = store_snapshot(real)
    target = real / "register" / "core.json"
    with pytest.raises(InputError) as refused:
        write_export(target, b"platform;handle\r\n", data_dir=demo)
    assert str(target) in str(refused.value) and f"{real}:" not in str(refused.value)
    assert str(real) in str(refused.value)
    with pytest.raises(InputError):
        check_export(real / "ny.csv", data_dir=demo)  # (the app asks this before it writes)
    assert store_snapshot(real) == before
    assert not (real / "ny.csv").exists()


def test_a_folder_linked_into_another_store_is_refused_and_a_plain_folder_is_not(
    tmp_path: Path, real: Path
) -> None:
    other = make_store(tmp_path / "test-store")
    exports = tmp_path / "exporter"
    exports.symlink_to(real / "register")
    with pytest.raises(InputError) as refused:
        write_export(exports / "index.json", b"{}", data_dir=other)
    assert str(real) in str(refused.value)
    assert not (real / "register" / "index.json").exists()
    plain = tmp_path / "ut"
    plain.mkdir()
    assert write_export(plain / "konton.csv", b"x", data_dir=other) is False
    assert (plain / "konton.csv").read_bytes() == b"x"


def test_a_lock_file_alone_makes_no_store(tmp_path: Path) -> None:
    (tmp_path / ".lock").touch()  # as pytest's own temporary folders have
    write_export(tmp_path / "x.csv", b"x", data_dir=tmp_path / "elsewhere")
    assert (tmp_path / "x.csv").read_bytes() == b"x"
    assert data_dir_of(tmp_path / "x.csv", levels=None) is None


def test_data_dir_of_looks_all_the_way_up_only_when_asked(real: Path) -> None:
    deep = real / "a" / "b" / "c" / "d" / "e.csv"
    assert data_dir_of(deep) is None  # (four levels: a store file is never deeper)
    assert data_dir_of(deep, levels=None) == real


def test_the_servers_access_log_is_never_another_stores_change_log(
    tmp_path: Path, real: Path
) -> None:
    served = make_store(tmp_path / "test")
    for target in (real / "log" / "changes.jsonl", real / "new-folder" / "access.log"):
        with pytest.raises(InputError) as refused:
            refuse_inside_data_dir(target, served)
        assert str(real) in str(refused.value)
    link = tmp_path / "logs"
    link.symlink_to(real / "log")
    with pytest.raises(InputError):
        refuse_inside_data_dir(link / "changes.jsonl", served)
    refuse_inside_data_dir(tmp_path / "logs-elsewhere" / "access.log", served)  # fine


def test_doctor_names_a_store_and_a_stray_file_planted_in_snapshots(real: Path) -> None:
    make_store(real / "snapshots" / "ny")
    (real / "snapshots" / "kopia.txt").write_text("x")
    os.chmod(real / "snapshots" / "kopia.txt", 0o600)
    found = {p.path: p.key for p in check(real)}
    assert found[str(real / "snapshots" / "ny")] == "f9a_doctor.snapshot_store"
    assert found[str(real / "snapshots" / "kopia.txt")] == "f9a_doctor.snapshot_unknown"


def test_doctor_says_nothing_of_the_snapshots_kontokoll_makes(real: Path) -> None:
    store = Store(real)
    try:
        Register(store, user="tester").add_department("Miljöförvaltningen")  # (takes a snapshot)
    finally:
        store.close()
    assert list(real.glob("snapshots/register-*"))
    assert [p for p in check(real) if "snapshot" in p.key] == []
