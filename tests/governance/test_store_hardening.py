"""The store's promises at the edges: journals that fit, commits that fail whole, files that
must not vanish into "empty", links and foreign objects refused, documents of the wrong shape.

Each test here failed on the store before it was hardened (issue 16).
"""

from __future__ import annotations

import errno
import json
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import orjson
import pytest

from governance.errors import (
    JournalMismatch,
    StoreCorrupt,
    StoreFileMissing,
    StoreUnsafe,
)
from governance.people import People
from governance.register import Register
from governance.storage import files as store_files
from governance.storage.database import JOURNAL, META_TABLE
from governance.storage.layout import MANIFEST, STORE_FOLDERS
from governance.store import CHANGE_LOG, CORE, INDEX, Store, account_file
from tests.conftest import CliResult
from tests.conftest import store_snapshot as snapshot

Cli = Callable[..., CliResult]


@pytest.fixture
def filled(data_dir: Path) -> Iterator[Path]:
    """A store with two accounts, an editor and a few dozen change-log lines."""
    store = Store(data_dir)
    register = Register(store, user="anna")
    for handle in ("a", "b"):
        register.create_account(
            {"platform": "facebook", "handle": handle, "department": "Kulturförvaltningen"}
        )
    for number in range(20):
        register.update_account("facebook:a", purpose=f"Syfte {number}")
    register.add_editor("facebook:a", "Anna Berg <anna.berg@helsingborg.se>")
    store.close()
    yield data_dir


def log_lines(data_dir: Path) -> list[bytes]:
    return (data_dir / CHANGE_LOG).read_bytes().splitlines()


# --- commits that fail change nothing ------------------------------------------------------------


def test_an_unwritable_change_log_stops_the_commit_before_any_file_changes(
    filled: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(filled)
    real_open = store_files.os.open

    def refuse_log(path: object, flags: int, *args: object) -> int:
        if str(path).endswith("changes.jsonl") and flags & os.O_WRONLY:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, flags, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(store_files.os, "open", refuse_log)
    result = cli("editors", "add", "facebook:a", "Bo Ek <bo.ek@helsingborg.se>")
    monkeypatch.undo()

    assert result.code == 2
    assert "changes.jsonl" in result.err and "Traceback" not in result.err
    assert snapshot(filled) == before  # no editor in the shard, no journal, no temp file
    assert "bo.ek" not in cli("editors", "list", "facebook:a").out


def test_a_change_log_that_is_a_folder_is_refused_and_nothing_changes(
    filled: Path, cli: Cli
) -> None:
    log = filled / CHANGE_LOG
    saved = log.read_bytes()
    log.unlink()
    log.mkdir()
    before = snapshot(filled)
    result = cli("editors", "add", "facebook:a", "Bo Ek <bo.ek@helsingborg.se>")
    assert result.code == 2
    assert str(log) in result.err and "mapp" in result.err
    assert snapshot(filled) == before
    assert not (filled / JOURNAL).exists()
    log.rmdir()
    log.write_bytes(saved)
    assert "bo.ek" not in cli("editors", "list", "facebook:a").out


def test_a_dangling_link_as_change_log_is_refused_not_followed(filled: Path, cli: Cli) -> None:
    log = filled / CHANGE_LOG
    log.unlink()
    target = filled.parent / "elsewhere.jsonl"
    log.symlink_to(target)
    result = cli("editors", "add", "facebook:a", "Bo Ek <bo.ek@helsingborg.se>")
    assert result.code == 2 and "symbolisk länk" in result.err
    assert not target.exists()
    assert not (filled / JOURNAL).exists()


# --- journals that do not fit are refused ------------------------------------------------------


def write_journal(data_dir: Path, plan: dict[str, object]) -> None:
    plan = {"files": {}, "rewrites": {}, "appends": [], "deletes": [], "checks": {}, **plan}
    journal = {
        META_TABLE: {"1": {"schema": 2, "kind": "journal"}},
        "journal": {"1": {"txid": "t", "plan": plan}},
    }
    (data_dir / JOURNAL).write_bytes(orjson.dumps(journal))


def test_a_journal_whose_offset_is_short_of_the_log_never_truncates_committed_lines(
    filled: Path, cli: Cli
) -> None:
    """The old replay cut a long log back to the journal's offset, losing committed entries."""
    lines = log_lines(filled)
    assert len(lines) > 20
    write_journal(
        filled,
        {
            "files": {},
            "appends": [{"path": CHANGE_LOG, "offset": len(lines[0]) + 1, "lines": ['{"x":1}']}],
            "deletes": [],
        },
    )
    before = snapshot(filled)
    result = cli("accounts", "list")
    assert result.code == 2
    assert "journal.json" in result.err and "stämmer inte" in result.err
    assert snapshot(filled) == before  # the log keeps every line; the journal stays for doctor


def test_a_journal_whose_offset_is_past_the_end_of_the_log_is_refused(filled: Path) -> None:
    size = (filled / CHANGE_LOG).stat().st_size
    write_journal(
        filled,
        {
            "files": {},
            "appends": [{"path": CHANGE_LOG, "offset": size + 100, "lines": ['{"x":1}']}],
            "deletes": [],
        },
    )
    with pytest.raises(JournalMismatch) as caught:
        Register(Store(filled)).accounts()
    assert "kortare" in str(caught.value)
    assert (filled / CHANGE_LOG).stat().st_size == size


def test_a_journal_for_a_file_changed_since_is_refused(filled: Path) -> None:
    store = Store(filled)
    account = Register(store).account("facebook:a")
    store.close()
    shard = account_file(account.id)
    current = (filled / shard).read_bytes()
    write_journal(
        filled,
        {
            "files": {shard: {"accounts": {}}},
            "appends": [],
            "deletes": [],
            "checks": {shard: {"before": "0" * 64, "after": "1" * 64}},
        },
    )
    with pytest.raises(JournalMismatch):
        Register(Store(filled)).accounts()
    assert (filled / shard).read_bytes() == current


def test_a_journal_cut_off_in_its_own_append_is_finished(filled: Path) -> None:
    """A writer killed half-way through its append: the rest of its lines are written."""
    log = filled / CHANGE_LOG
    size = log.stat().st_size
    line = json.dumps({"at": "2026-11-28T10:00:00+00:00", "user": "anna", "action": "x"})
    with log.open("ab") as handle:
        handle.write(line.encode()[:10])
    write_journal(
        filled,
        {"files": {}, "appends": [{"path": CHANGE_LOG, "offset": size, "lines": [line]}],
         "deletes": []},
    )
    Register(Store(filled)).accounts()
    assert log_lines(filled)[-1] == line.encode()
    assert not (filled / JOURNAL).exists()


# --- missing files are missing, not empty --------------------------------------------------------


def test_a_missing_handle_index_stops_every_command_and_a_reimport_doubles_nothing(
    filled: Path, cli: Cli, tmp_path: Path
) -> None:
    export = tmp_path / "konton.csv"
    assert cli("accounts", "export", str(export)).code == 0
    (filled / INDEX).unlink()
    before = snapshot(filled)
    for args in (("accounts", "list"), ("accounts", "import", str(export)), ("whoami",)):
        result = cli(*args)
        assert result.code == 2, args
        assert "index.json" in result.err and "saknas" in result.err
        assert "Traceback" not in result.err
    assert snapshot(filled) == before


def test_a_missing_core_file_never_makes_everyone_admin(filled: Path) -> None:
    store = Store(filled)
    people = People(store, user="anna")
    people.add_user("anna", "admin")
    people.add_user("mallory", "viewer")
    store.close()
    (filled / CORE).unlink()  # without users Kontokoll would run in single-user mode: all admin
    with pytest.raises(StoreFileMissing) as caught:
        Register(Store(filled), user="mallory").create_account(
            {"platform": "x", "handle": "mallory", "department": "Kulturförvaltningen"}
        )
    assert str(filled / CORE) in str(caught.value)
    assert not (filled / CORE).exists()


def test_a_missing_manifest_is_refused_once_the_store_had_one(filled: Path) -> None:
    (filled / MANIFEST).unlink()
    with pytest.raises(StoreFileMissing) as caught:
        Register(Store(filled)).accounts()
    assert "store.json" in str(caught.value)


def test_the_manifest_lists_every_store_file(filled: Path) -> None:
    listed = json.loads((filled / MANIFEST).read_bytes())["files"]["1"]["paths"]
    on_disk = {
        str(p.relative_to(filled))
        for folder in STORE_FOLDERS
        for p in (filled / folder).rglob("*")
        if p.is_file()
    }
    assert set(listed) == on_disk


def make_legacy(data_dir: Path) -> None:
    """Turn a store into one written before manifests: schema 1 everywhere, no store.json."""
    (data_dir / MANIFEST).unlink()
    for path in data_dir.rglob("*.json"):
        data = json.loads(path.read_bytes())
        data[META_TABLE]["1"]["schema"] = 1
        path.write_text(json.dumps(data))


def test_an_older_store_gets_its_manifest_on_the_first_write(filled: Path) -> None:
    make_legacy(filled)
    store = Store(filled)
    register = Register(store, user="anna")
    assert len(register.accounts()) == 2  # read as before
    assert not (filled / MANIFEST).exists()
    register.update_account("facebook:b", purpose="Nu med förteckning")
    assert INDEX in json.loads((filled / MANIFEST).read_bytes())["files"]["1"]["paths"]
    store.close()


def test_an_older_store_without_its_index_is_refused(filled: Path) -> None:
    make_legacy(filled)
    (filled / INDEX).unlink()
    with pytest.raises(StoreCorrupt) as caught:
        Register(Store(filled)).accounts()
    assert str(filled / INDEX) in str(caught.value)


# --- links and foreign objects -----------------------------------------------------------------


@pytest.mark.parametrize("planted", [".lock", CHANGE_LOG, INDEX, "register/accounts"])
def test_a_planted_link_is_refused_and_its_target_untouched(
    filled: Path, cli: Cli, planted: str
) -> None:
    victim = filled.parent / "victim"
    victim.write_bytes(b"precious\n")
    victim.chmod(0o644)
    path = filled / planted
    if path.is_dir():
        path.rename(filled.parent / "moved-away")
    else:
        path.unlink()
    path.symlink_to(victim)
    result = cli("editors", "add", "facebook:a", "Bo Ek <bo.ek@helsingborg.se>")
    assert result.code == 2
    assert "symbolisk länk" in result.err and "Traceback" not in result.err
    assert victim.read_bytes() == b"precious\n"
    assert stat.S_IMODE(victim.stat().st_mode) == 0o644


def test_a_fifo_in_place_of_a_store_file_is_refused_without_hanging(
    filled: Path, cli: Cli
) -> None:
    (filled / INDEX).unlink()
    os.mkfifo(filled / INDEX)
    result = cli("accounts", "list")
    assert result.code == 2 and "specialfil" in result.err


def test_init_group_refuses_a_link_inside_before_changing_anything(
    filled: Path, tmp_path: Path
) -> None:
    import grp

    victim = tmp_path / "victim"
    victim.write_text("x")
    victim.chmod(0o600)
    (filled / "log" / "planted").symlink_to(victim)
    modes = {p: stat.S_IMODE(p.lstat().st_mode) for p in filled.rglob("*")}
    group = grp.getgrgid(os.getgid()).gr_name
    with pytest.raises(StoreUnsafe):
        store_files.prepare_group_directory(filled, group)
    assert stat.S_IMODE(victim.stat().st_mode) == 0o600
    assert {p: stat.S_IMODE(p.lstat().st_mode) for p in filled.rglob("*")} == modes


# --- documents of the wrong shape ----------------------------------------------------------------


def edit_json(path: Path, change: Callable[[dict[str, object]], None]) -> None:
    data = json.loads(path.read_bytes())
    change(data)
    path.write_text(json.dumps(data))


def first_doc(data: dict[str, object], table: str) -> dict[str, object]:
    docs = data[table]
    assert isinstance(docs, dict)
    return next(iter(docs.values()))  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("rel_of", "change"),
    [
        ("shard", lambda d: first_doc(d, "accounts").update(handle=5)),
        ("shard", lambda d: first_doc(d, "accounts").pop("platform")),
        ("shard", lambda d: first_doc(d, "accounts").update(editors=[{"name": "x"}])),
        ("shard", lambda d: first_doc(d, "accounts").update(project_end="inte ett datum")),
        ("index", lambda d: d["handles"]["1"].update(refs=["a", "b"])),
        ("core", lambda d: d.update(departments={"1": {"contacts": 3}})),
        ("core", lambda d: d.update(users={"1": {"login": "anna", "role": "överste"}})),
        ("core", lambda d: d.update(users={"1": {"role": "admin"}})),
    ],
)
def test_valid_json_of_the_wrong_shape_is_reported_like_a_corrupt_file(
    filled: Path, cli: Cli, rel_of: str, change: Callable[[dict[str, object]], None]
) -> None:
    store = Store(filled)
    account = Register(store).account("facebook:a")
    store.close()
    rel = {"shard": account_file(account.id), "index": INDEX, "core": CORE}[rel_of]
    edit_json(filled / rel, change)
    before = snapshot(filled)
    result = cli("editors", "list", "facebook:a")  # reads users, the index and the shard
    if result.code == 0:
        result = cli("departments", "list")
    assert result.code == 2
    assert str(filled / rel) in result.err and "Traceback" not in result.err
    assert snapshot(filled) == before


@pytest.mark.parametrize("line", [b"\xff\xfe{}", b"[1, 2]", b'{"at": 5}'])
def test_a_change_log_line_of_invalid_utf8_or_the_wrong_shape_is_named(
    filled: Path, cli: Cli, line: bytes
) -> None:
    with (filled / CHANGE_LOG).open("ab") as log:
        log.write(line + b"\n")
    result = cli("log")
    assert result.code == 2
    assert f"{filled / CHANGE_LOG}:" in result.err and "Traceback" not in result.err


@pytest.mark.parametrize(
    "foreign", ["../outside.json", "/tmp/absolute.json", "register/../../x.json", "notes/x.json"]
)
def test_a_journal_that_would_write_outside_the_store_is_refused(
    filled: Path, foreign: str
) -> None:
    """A journal planted in a shared folder must not make the next writer write elsewhere."""
    write_journal(
        filled, {"files": {foreign: {"x": {}}}, "appends": [], "deletes": [], "checks": {}}
    )
    with pytest.raises(JournalMismatch) as caught:
        Register(Store(filled)).accounts()
    assert foreign in str(caught.value)
    assert not (filled.parent / "outside.json").exists()
    assert not Path("/tmp/absolute.json").exists()
    assert (filled / JOURNAL).exists()


@pytest.mark.parametrize(
    "plan",
    [
        {"rewrites": {CHANGE_LOG: ""}},  # would empty the log: no checksum, so refused
        {"deletes": [CHANGE_LOG, INDEX, CORE, MANIFEST]},
        {"files": {CORE: {"departments": {}}}},
        {"appends": [{"path": CHANGE_LOG, "offset": 0, "lines": [1]}]},
        {"appends": [{"path": CHANGE_LOG, "offset": -1, "lines": ["x"]}]},
        {"rewrites": {CHANGE_LOG: 5}},
        {"checks": {CORE: 5}},
    ],
)
def test_a_journal_without_checksums_or_of_the_wrong_shape_is_never_applied(
    filled: Path, cli: Cli, plan: dict[str, object]
) -> None:
    write_journal(filled, plan)
    before = snapshot(filled)
    result = cli("accounts", "list")
    assert result.code == 2
    assert "journal.json" in result.err and "Traceback" not in result.err
    assert snapshot(filled) == before


def test_a_journal_never_deletes_through_a_linked_folder(filled: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("precious")
    (filled / "log").rename(tmp_path / "log.real")
    (filled / "log").symlink_to(outside)
    write_journal(
        filled,
        {"deletes": ["log/keep.txt"], "checks": {"log/keep.txt": {"before": None, "after": None}}},
    )
    with pytest.raises(StoreUnsafe):
        Register(Store(filled)).accounts()
    assert (outside / "keep.txt").read_text() == "precious"


def test_a_missing_shard_stops_even_commands_that_would_not_read_it(
    filled: Path, cli: Cli
) -> None:
    """No write (and no snapshot before it) may work on an incomplete register."""
    store = Store(filled)
    shard = account_file(Register(store).account("facebook:a").id)
    store.close()
    (filled / shard).unlink()
    before = snapshot(filled)
    result = cli("departments", "add", "Miljöförvaltningen")
    assert result.code == 2 and shard in result.err
    assert snapshot(filled) == before


@pytest.mark.parametrize("planted", [".lock", CHANGE_LOG])
def test_a_hard_link_in_place_of_a_store_file_is_refused(
    filled: Path, cli: Cli, tmp_path: Path, planted: str
) -> None:
    outside = tmp_path / "outside"
    outside.write_text("precious\n")
    outside.chmod(0o644)
    (filled / planted).unlink()
    os.link(outside, filled / planted)
    result = cli("editors", "add", "facebook:a", "Bo Ek <bo.ek@helsingborg.se>")
    assert result.code == 2 and "hård länk" in result.err
    assert outside.read_text() == "precious\n"
    assert stat.S_IMODE(outside.stat().st_mode) == 0o644


def test_a_fifo_in_place_of_the_change_log_is_refused_without_hanging(
    filled: Path, cli: Cli
) -> None:
    (filled / CHANGE_LOG).unlink()
    os.mkfifo(filled / CHANGE_LOG)
    result = cli("editors", "add", "facebook:a", "Bo Ek <bo.ek@helsingborg.se>")
    assert result.code == 2 and "specialfil" in result.err
