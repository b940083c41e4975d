"""What a hand-edited store file does to the commands and to ``kontokoll doctor``: each damaged
record is refused by the commands that read it, naming the file and field, never a traceback, and
doctor names the same record; a file the manifest does not list is read by no command."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from governance.errors import StoreCorrupt
from governance.monthly import STOCKHOLM
from governance.stats_rows import LAST_POST, ROW, BadRow, checked_row, post_moment
from governance.store import Store
from kontokoll.demo_setup import prepare_demo
from tests.conftest import FIXED_NOW, CliResult, store_snapshot

Cli = Callable[..., CliResult]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo store (register, stats, two audit runs), built once for the module."""
    return prepare_demo(tmp_path_factory.mktemp("built"), now=FIXED_NOW)


@pytest.fixture
def copy(demo: Path, data_dir: Path) -> Iterator[Path]:
    """A fresh copy of the demo store as this test's data directory."""
    shutil.copytree(demo, data_dir, symlinks=True)
    yield data_dir


def edit(path: Path, change: Callable[[dict[str, Any]], object]) -> None:
    """Change a store file's JSON in place, as a hand edit would."""
    doc = json.loads(path.read_bytes())
    change(doc)
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")


def stats_shard(root: Path) -> tuple[Path, str, str]:
    """A stats shard with months, its first account's document key and that one's last month."""
    for path in sorted((root / "stats").glob("*.json")):
        docs = json.loads(path.read_bytes())["months"]
        for key, doc in docs.items():
            if doc["months"]:
                return path, key, sorted(doc["months"])[-1]
    raise AssertionError("the demo has no stats")


# --- 1. a stored month row: its last-post time and its shape -------------------------------------

BAD_ROWS: list[tuple[str, Callable[[list[Any]], list[Any] | object], str]] = [
    ("year_9999_west", lambda row: ["9999-12-31T23:59:59-01:00", *row[1:]], LAST_POST),
    ("year_0001_east", lambda row: ["0001-01-01T00:00:00+01:00", *row[1:]], LAST_POST),
    ("words", lambda row: ["yesterday", *row[1:]], LAST_POST),
    ("number", lambda row: [5, *row[1:]], LAST_POST),
    ("empty_row", lambda row: [], ROW),
    ("object_row", lambda row: {"a": 1}, ROW),
]


@pytest.mark.parametrize(("label", "damage", "field"), BAD_ROWS, ids=[b[0] for b in BAD_ROWS])
def test_a_bad_month_row_is_refused_by_the_export_and_named_by_doctor(
    copy: Path, cli: Cli, tmp_path: Path, label: str, damage: Callable[..., Any], field: str
) -> None:
    path, key, month = stats_shard(copy)
    edit(path, lambda doc: doc["months"][key]["months"].__setitem__(
        month, damage(doc["months"][key]["months"][month])))
    before = store_snapshot(copy)
    target = tmp_path / "stats.csv"

    exported = cli("stats", "export", str(target))
    assert exported.code == 2
    assert str(path) in exported.err and f"fältet {field}" in exported.err
    assert f"dokument-id {key}, månaden {month}" in exported.err
    assert not target.exists()
    assert store_snapshot(copy) == before

    checked = cli("doctor")
    assert checked.code == 1
    assert f"{path}: är giltig JSON men har fel form" in checked.out
    assert f"dokument-id {key}, månaden {month}, fältet {field}" in checked.out


def test_a_sound_store_exports_and_is_healthy(copy: Path, cli: Cli, tmp_path: Path) -> None:
    """The demo's rows pass the same check: the export writes every month, doctor finds nothing."""
    exported = cli("stats", "export", str(tmp_path / "stats.csv"))
    assert exported.code == 0, exported.err
    assert (tmp_path / "stats.csv").read_text(encoding="utf-8-sig").count("\n") > 100
    checked = cli("doctor")
    assert checked.code == 0, checked.out
    assert "Inga problem" in checked.out


def test_a_time_outside_the_calendar_in_a_reader_is_a_corrupt_file(copy: Path) -> None:
    """Any reader inside ``shaped`` reports an overflow (year 9999 moved west) naming the file."""
    opened = Store(copy)
    try:
        rel = "stats/00.json"
        with opened.read() as txn, pytest.raises(StoreCorrupt) as raised, txn.shaped(rel):
            datetime.fromisoformat("9999-12-31T23:59:59-01:00").astimezone(STOCKHOLM)
    finally:
        opened.close()
    assert raised.value.params["path"] == str(copy / "stats" / "00.json")
    assert "OverflowError" in str(raised.value.params["detail"])


@pytest.mark.parametrize("value", ["9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00",
                                   "yesterday", 5, 7.5, True, [], {}])
def test_post_moment_refuses_what_no_reader_can_read(value: object) -> None:
    with pytest.raises(BadRow) as raised:
        checked_row([value, 1])
    assert raised.value.field == LAST_POST


def test_post_moment_reads_a_sound_time_in_stockholm() -> None:
    moment = post_moment("2026-10-31T23:30:00+00:00")
    assert moment is not None and moment.isoformat() == "2026-11-01T00:30:00+01:00"
    assert post_moment(None) is None and post_moment("") is None
    assert checked_row([None, 3]) == [None, 3]


# --- 2. an account shard: doctor decodes it as strictly as the commands ---------------------------

ACCOUNT_DAMAGE = [
    ("shared", 1), ("goals", "x"), ("created", ""), ("project_end", ""), ("categories", [1]),
    ("observed_handle", 1), ("retirement", "x"),
]


@pytest.mark.parametrize(("name", "value"), ACCOUNT_DAMAGE, ids=[d[0] for d in ACCOUNT_DAMAGE])
def test_doctor_names_the_account_field_the_commands_refuse(
    copy: Path, cli: Cli, name: str, value: object
) -> None:
    path = copy / "register" / "accounts" / "00.json"
    key = next(iter(json.loads(path.read_bytes())["accounts"]))
    edit(path, lambda doc: doc["accounts"][key].__setitem__(name, value))
    before = store_snapshot(copy)

    listed = cli("accounts", "list")
    assert listed.code == 2 and str(path) in listed.err and f".{name}" in listed.err

    checked = cli("doctor")
    assert checked.code == 1
    line = next(line for line in checked.out.splitlines() if line.startswith(str(path)))
    assert f"kontot med dokument-id {key}:" in line and f"$.accounts[...].{name}" in line
    assert store_snapshot(copy) == before


# --- 3. an audit run: doctor reads it with the audit's own reader --------------------------------

RUN = "2026Q4-2"


def set_row(index: int, value: object) -> Callable[[dict[str, Any]], None]:
    def change(run: dict[str, Any]) -> None:
        run["finding_rows"][0][index] = value
    return change


RUN_DAMAGE: list[tuple[str, Callable[[dict[str, Any]], object], str]] = [
    ("severity", set_row(1, "bogus"), "fältet severity"),
    ("rule", set_row(0, "no-such-rule"), "fältet rule"),
    ("params_list", set_row(7, [1, 2]), "fältet params"),
    ("first_seen_feb30", set_row(8, "2026-02-30"), "fältet first_seen"),
    ("first_seen_0001", set_row(8, "0001-01-01"), "fältet first_seen"),
    ("kc_absent_int", set_row(10, 1), "fältet kc_absent"),
    ("short_row", lambda run: run["finding_rows"][0].pop(), "fältet finding_rows"),
    ("rows_object", lambda run: run.__setitem__("finding_rows", {}), "fältet finding_rows"),
    ("as_of_0001", lambda run: run.__setitem__("as_of", "0001-01-01"), "fältet as_of"),
    ("quarter", lambda run: run.__setitem__("quarter", "2026Q3"),
     "körningens kvartal 2026Q3 stämmer inte med filnamnet 2026Q4-2.json"),
    ("counts", lambda run: run["counts"].__setitem__("critical", 999),
     "körningens antal fynd per allvarlighetsgrad critical 999"),
]


@pytest.mark.parametrize(("label", "damage", "words"), RUN_DAMAGE, ids=[d[0] for d in RUN_DAMAGE])
def test_doctor_names_what_the_audit_refuses_in_a_run(
    copy: Path, cli: Cli, label: str, damage: Callable[[dict[str, Any]], object], words: str
) -> None:
    path = copy / "audit" / "runs" / f"{RUN}.json"
    edit(path, lambda doc: damage(doc["run"]["1"]))
    before = store_snapshot(copy)

    checked = cli("doctor")
    assert checked.code == 1
    line = next(line for line in checked.out.splitlines() if line.startswith(str(path)))
    assert words in line
    assert "Traceback" not in checked.out + checked.err
    assert store_snapshot(copy) == before


def test_doctor_names_a_run_the_audit_show_refuses_in_its_words(copy: Path, cli: Cli) -> None:
    path = copy / "audit" / "runs" / f"{RUN}.json"
    edit(path, lambda doc: set_row(1, "bogus")(doc["run"]["1"]))
    shown = cli("audit", "show", "--quarter", "2026Q4")
    assert shown.code == 2
    assert f"post {RUN}: fältet severity" in shown.err
    assert f"post {RUN}: fältet severity" in cli("doctor").out


# --- 5. a file the manifest does not list ---------------------------------------------------------


def test_a_shard_the_manifest_does_not_list_is_read_by_no_command(copy: Path, cli: Cli) -> None:
    listed_before = cli("accounts", "list").out
    planted = copy / "register" / "accounts" / "22.json"
    assert "register/accounts/22.json" not in (copy / "store.json").read_text(encoding="utf-8")
    shutil.copy(copy / "register" / "accounts" / "00.json", planted)
    planted.chmod(0o600)

    assert cli("accounts", "list").out == listed_before
    checked = cli("doctor")
    assert checked.code == 1
    assert checked.out.splitlines()[0] == (
        f"{planted}: står inte i store.json, så inget kommando läser den (planterad eller "
        "kvarlämnad). Ta bort den, eller återställ från en säkerhetskopia om den hör till registret"
    )
    assert "finns flera gånger" not in checked.out  # its accounts are not counted twice either


def test_a_write_to_a_planted_shard_replaces_it_and_lists_it(copy: Path, cli: Cli) -> None:
    """A commit that creates the file a planted one sits at writes its own content, not the
    planted accounts, and lists it: the planted accounts never enter the register."""
    planted = copy / "register" / "accounts" / "22.json"
    opened = Store(copy)
    try:
        with opened.read() as txn:
            before = sorted(a.id for a in opened_accounts(txn))
        shutil.copy(copy / "register" / "accounts" / "00.json", planted)
        planted.chmod(0o600)
        with opened.read() as txn:
            assert sorted(a.id for a in opened_accounts(txn)) == before  # no account twice
        with opened.db.write() as txn:
            txn.stage("register/accounts/22.json", {"accounts": {}}, kind="register")
        with opened.read() as txn:
            assert sorted(a.id for a in opened_accounts(txn)) == before
    finally:
        opened.close()
    assert "register/accounts/22.json" in (copy / "store.json").read_text(encoding="utf-8")
    assert json.loads(planted.read_bytes())["accounts"] == {}
    assert cli("doctor").code == 0


def opened_accounts(txn: Any) -> list[Any]:
    from governance.store import repos

    return repos(txn).accounts.all()
