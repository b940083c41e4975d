"""Bad input around the store ends in a message, never a traceback, and changes nothing.

KONTOKOLL_LOCK_TIMEOUT and a data directory under an unknown ``~user``; a settings.toml nested
too deeply or malformed; an audit run listed in the index whose file is gone; and audit files
(runs, the index, acknowledgements, waivers, revisions) of valid JSON but the wrong shape, which
are reported like a corrupt file: the file named, nothing written.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.cli.inputs_support import assert_refused, copy_store, hashes, make_store, run_cli
from tests.conftest import child_env, run_process

CORRUPT = "är skadad eller inte en Kontokoll-fil"
RUN = "audit/runs/2026Q3-1.json"
META = {"1": {"schema": 1, "kind": "audit"}}


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("template") / "data"
    make_store(directory)
    return directory


@pytest.fixture
def store_dir(template: Path, tmp_path: Path) -> Path:
    return copy_store(template, tmp_path / "data")


# --- KONTOKOLL_LOCK_TIMEOUT ----------------------------------------------------------------------


@pytest.mark.parametrize("value", ["abc", "-1", "nan", "inf", "-inf", "1e400", "86401", "3 s"])
def test_a_bad_lock_timeout_is_a_message(
    store_dir: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("KONTOKOLL_LOCK_TIMEOUT", value)
    before = hashes(store_dir)
    outcome = run_cli(["--data-dir", str(store_dir), "accounts", "list"])
    assert_refused(outcome, "KONTOKOLL_LOCK_TIMEOUT", value, "86400")
    assert hashes(store_dir) == before


@pytest.mark.parametrize("value", ["", "0", "2.5", " 30 "])
def test_a_good_lock_timeout_is_used(
    store_dir: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("KONTOKOLL_LOCK_TIMEOUT", value)
    assert run_cli(["--data-dir", str(store_dir), "accounts", "list"]).code == 0


def test_a_bad_lock_timeout_is_not_read_at_import(store_dir: Path) -> None:
    """As a real process: the variable used to be parsed when the module was imported."""
    env = child_env(KONTOKOLL_LOCK_TIMEOUT="abc")
    result = run_process("--data-dir", str(store_dir), "audit", "list", env=env)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "KONTOKOLL_LOCK_TIMEOUT" in result.stderr
    deadline = run_process("deadline", "2026-12-23T16:30", env=env)  # needs no store: works
    assert deadline.returncode == 0, deadline.stderr


# --- the data directory --------------------------------------------------------------------------


def test_an_unknown_user_in_the_data_dir_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KONTOKOLL_DATA_DIR", "~no-such-user-kontokoll/data")
    outcome = run_cli(["accounts", "list"])
    assert_refused(outcome, "~no-such-user-kontokoll", "KONTOKOLL_DATA_DIR")
    assert list(tmp_path.iterdir()) == []


def test_an_unknown_user_in_the_data_dir_option(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # a literal "~no-such-user..." folder must not appear here
    outcome = run_cli(["--data-dir", "~no-such-user-kontokoll/data", "accounts", "list"])
    assert_refused(outcome, "~no-such-user-kontokoll", "--data-dir")
    assert list(tmp_path.iterdir()) == []


def test_the_data_dir_option_expands_the_home_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert run_cli(["--data-dir", "~/data", "accounts", "list"]).code == 0
    assert (tmp_path / "data").is_dir()


# --- settings.toml -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("[audit]\nx = " + "[" * 10_000 + "]" * 10_000 + "\n", "för många nivåer"),
        ("a = " + "{b = " * 5_000 + "1" + "}" * 5_000 + "\n", "för många nivåer"),
        ("[audit]\ninactive_days = 5\ninactive_days = 6\n", "line 3"),
        ("[audit\n", "line 1"),
        ("audit = 5\n", "audit."),
        ("[audit]\nfirst_revision_deadline = 2026-02-30\n", "line 2"),
    ],
)
def test_a_malformed_settings_file_is_named(store_dir: Path, text: str, needle: str) -> None:
    settings = store_dir / "settings.toml"
    settings.write_text(text)
    before = hashes(store_dir)
    for args in (["audit", "settings"], ["audit", "run"], ["revision", "status"]):
        outcome = run_cli(["--data-dir", str(store_dir), *args])
        assert_refused(outcome, str(settings), needle)
    assert hashes(store_dir) == before


def test_settings_that_are_not_utf8_are_named(store_dir: Path) -> None:
    settings = store_dir / "settings.toml"
    settings.write_bytes(b"[audit]\ninactive_days = 60 # \xff\xfe\n")
    assert_refused(run_cli(["--data-dir", str(store_dir), "audit", "settings"]), str(settings))


# --- audit files ---------------------------------------------------------------------------------


def _edit(store_dir: Path, rel: str, change: Callable[[dict[str, Any]], None]) -> None:
    path = store_dir / rel
    data: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {"_kontokoll": META}
    change(data)
    path.write_text(json.dumps(data))


def _run_doc(data: dict[str, Any]) -> dict[str, Any]:
    doc: dict[str, Any] = data["run"]["1"]
    return doc


def _set_in_first_row(data: dict[str, Any], field: str, value: object) -> None:
    """Set one value of the run's first finding (stored as a compact row, audits.run_rows)."""
    doc = _run_doc(data)
    doc["finding_rows"][0][doc["finding_fields"].index(field)] = value


@pytest.mark.parametrize(
    "args",
    [
        ["audit", "show"],
        ["audit", "run"],
        ["audit", "diff", "2026Q3", "2026Q3"],
        ["audit", "export", "--output", "/dev/null"],
        ["audit", "ack", "single-editor", "hbgkrisinfo", "--note", "sett"],
    ],
)
def test_a_deleted_run_file_is_reported_like_a_corrupt_file(
    store_dir: Path, args: list[str]
) -> None:
    (store_dir / RUN).unlink()
    before = hashes(store_dir)
    outcome = run_cli(["--data-dir", str(store_dir), *args])
    # The store's manifest lists the run file, so it is missing, never read as "no run".
    assert_refused(outcome, str(store_dir / RUN), "saknas", str(store_dir / "store.json"))
    assert hashes(store_dir) == before


WRONG_SHAPES: list[tuple[str, str, Callable[[dict[str, Any]], None]]] = [
    ("index: a run is a list", "audit/index.json",
     lambda d: d["runs"].update({"1": []})),
    ("index: quarter is a number", "audit/index.json",
     lambda d: d["runs"]["1"].update(quarter=2026)),
    ("index: quarter out of range", "audit/index.json",
     lambda d: d["runs"]["1"].update(quarter="9999Q4")),
    ("index: as_of out of range", "audit/index.json",
     lambda d: d["runs"]["1"].update(as_of="0001-01-01")),
    ("index: id leaves the folder", "audit/index.json",
     lambda d: d["runs"]["1"].update(id="../../register/core")),
    ("index: number is text", "audit/index.json",
     lambda d: d["runs"]["1"].update(number="one")),
    ("index: time without zone", "audit/index.json",
     lambda d: d["runs"]["1"].update(at="2026-11-28T10:00")),
    ("index: counts is a list", "audit/index.json",
     lambda d: d["runs"]["1"].update(counts=[1, 2])),
    ("run: not an object", RUN, lambda d: d["run"].update({"1": "run"})),
    ("run: findings is text", RUN, lambda d: _run_doc(d).update(finding_rows="none")),
    ("run: no settings", RUN, lambda d: _run_doc(d).pop("settings")),
    ("run: settings of the wrong type", RUN,
     lambda d: _run_doc(d)["settings"].update(inactive_days="sixty")),
    ("run: settings out of range", RUN,
     lambda d: _run_doc(d)["settings"].update(inactive_days=10**9)),
    ("run: a rate that divides by zero", RUN,
     lambda d: _run_doc(d)["settings"].update(min_reply_rate="1/0")),
    ("run: unknown rule", RUN, lambda d: _set_in_first_row(d, "rule", "nope")),
    ("run: params a list", RUN, lambda d: _set_in_first_row(d, "params", [1])),
    ("run: first_seen out of range", RUN,
     lambda d: _set_in_first_row(d, "first_seen", "9999-12-31")),
    ("acks: quarter a number", "audit/acks.json",
     lambda d: d.update(acks={"1": {"quarter": 5, "key": "k", "at": "2026-11-28T10:00+00:00"}})),
    ("acks: not objects", "audit/acks.json", lambda d: d.update(acks={"1": 7})),
    ("waivers: until out of range", "audit/waivers.json",
     lambda d: d.update(waivers={"1": {"key": "k", "rule": "r", "since": "2026Q3",
                                       "until": "0001-01-01"}})),
    ("waivers: no key", "audit/waivers.json",
     lambda d: d.update(waivers={"1": {"rule": "r", "since": "2026Q3", "until": "2027-01-01"}})),
]


@pytest.mark.parametrize(
    ("rel", "change"), [(rel, change) for _, rel, change in WRONG_SHAPES],
    ids=[name for name, _, _ in WRONG_SHAPES],
)
def test_an_audit_file_of_the_wrong_shape_is_reported_like_a_corrupt_file(
    store_dir: Path, rel: str, change: Callable[[dict[str, Any]], None]
) -> None:
    _edit(store_dir, rel, change)
    before = hashes(store_dir)
    outcome = run_cli(["--data-dir", str(store_dir), "audit", "show"])
    assert_refused(outcome, str(store_dir / rel), CORRUPT)
    assert hashes(store_dir) == before


@pytest.mark.parametrize(
    "revision",
    [
        {"date": 20260401, "recorded_at": "2026-04-01T10:00+00:00"},
        {"date": "0001-01-01", "recorded_at": "2026-04-01T10:00+00:00"},
        {"date": "2026-04-01"},
        {"date": "2026-04-01", "recorded_at": "2026-04-01T10:00+00:00", "note": ["x"]},
    ],
)
def test_a_revision_of_the_wrong_shape_is_reported_like_a_corrupt_file(
    store_dir: Path, revision: object
) -> None:
    _edit(store_dir, "register/core.json", lambda d: d.update(revisions={"1": revision}))
    before = hashes(store_dir)
    for args in (["revision", "status"], ["revision", "list"], ["audit", "run"]):
        outcome = run_cli(["--data-dir", str(store_dir), *args])
        assert_refused(outcome, str(store_dir / "register/core.json"), CORRUPT, "revisions 1")
    assert hashes(store_dir) == before
