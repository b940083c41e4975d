"""Dates, months, quarters and timestamps outside 2000–2100 are refused, never a traceback.

One range (governance.fields.FIRST_YEAR..LAST_YEAR) holds for every date a user types or a file
carries; a refusal names the field and the range and leaves the store byte for byte as it was.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from governance.errors import FieldError
from governance.fields import FIRST_YEAR, LAST_YEAR, parse_date, parse_month, parse_timestamp
from tests.cli.inputs_support import (
    STATS_HEADER,
    assert_refused,
    copy_store,
    hashes,
    make_store,
    run_cli,
)

RANGE = f"{FIRST_YEAR}–{LAST_YEAR}"
ACCOUNTS_HEADER = (
    "platform,handle,department,purpose,visibility,closed_reason,project,project_end,editors,"
    "url,platform_id,status"
)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("template") / "data"
    make_store(directory)
    return directory


@pytest.fixture
def store_dir(template: Path, tmp_path: Path) -> Path:
    return copy_store(template, tmp_path / "data")


def test_the_range_is_2000_to_2100() -> None:
    assert (FIRST_YEAR, LAST_YEAR) == (2000, 2100)
    assert parse_date("2000-01-01", "d") is not None and parse_date("2100-12-31", "d") is not None
    assert parse_month("2100-12", "m") == "2100-12"
    assert parse_timestamp("2000-01-01T00:00Z", "t").year == 2000
    with pytest.raises(FieldError):  # the same wall time at +14:00 is a moment of 1999
        parse_timestamp("2000-01-01T00:00+14:00", "t")


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["audit", "run", "--quarter", "0000Q1"], "quarter"),
        (["audit", "run", "--quarter", "9999Q4"], "quarter"),
        (["audit", "run", "--quarter", "1999Q4"], "quarter"),
        (["audit", "run", "--quarter", "2101Q1"], "quarter"),
        (["audit", "run", "--as-of", "0001-01-01"], "as_of"),
        (["audit", "run", "--as-of", "9999-12-31"], "as_of"),
        (["audit", "show", "--quarter", "9999Q4"], "quarter"),
        (["audit", "export", "--quarter", "0001Q1", "--output", "/dev/null"], "quarter"),
        (["audit", "diff", "0000Q1", "2026Q3"], "quarter"),
        (["audit", "ack", "single-editor", "hbgkrisinfo", "--quarter", "9999Q4", "--note", "x"],
         "quarter"),
        (["audit", "waive", "single-editor", "hbgkrisinfo", "--reason", "r", "--name", "n",
          "--until", "9999-12-31"], "until"),
        (["audit", "waive", "single-editor", "hbgkrisinfo", "--reason", "r", "--name", "n",
          "--until", "0001-01-01"], "until"),
        (["sync", "--since", "0000-01"], "since"),
        (["sync", "--since", "0001-01"], "since"),
        (["sync", "--since", "1999-12"], "since"),
        (["log", "--since", "0001-01-01"], "since"),
        (["log", "--since", "9999-12-31"], "since"),
        (["revision", "record", "0001-01-01"], "date"),
        (["revision", "record", "1999-12-31"], "date"),
        (["revision", "record", "9999-12-31"], "date"),
    ],
)
def test_a_year_outside_the_range_is_refused(store_dir: Path, args: list[str], field: str) -> None:
    before = hashes(store_dir)
    outcome = run_cli(["--data-dir", str(store_dir), *args])
    assert_refused(outcome, f"{field}:", RANGE)
    assert hashes(store_dir) == before


def test_the_first_quarter_can_be_audited_and_one_not_begun_cannot(store_dir: Path) -> None:
    outcome = run_cli(["--data-dir", str(store_dir), "audit", "run", "--quarter", "2000Q1"])
    assert outcome.code == 0, outcome
    assert "2000Q1" in outcome.out
    before = hashes(store_dir)
    future = run_cli(["--data-dir", str(store_dir), "audit", "run", "--quarter", "2100Q4"])
    assert future.code == 2 and "Kvartalet 2100Q4 har inte börjat än" in future.err
    ahead = run_cli(["--data-dir", str(store_dir), "audit", "run", "--as-of", "2100-12-31"])
    assert ahead.code == 2 and "2100-12-31 har inte varit än" in ahead.err
    assert hashes(store_dir) == before


@pytest.mark.parametrize(
    ("stamp", "needle"),
    [
        ("0001-01-01", RANGE),
        ("9999-12-31T23:59", RANGE),
        ("0001-01-01T00:00+14:00", RANGE),
        ("9999-12-31T23:59-14:00", RANGE),
        ("1999-12-31T12:00", RANGE),
        ("2100-12-31T16:00", RANGE),  # its deadline would fall in 2101
        ("2026-01-01T10:00+14:01", "±14:00"),
        ("2026-01-01T10:00-23:59", "±14:00"),
    ],
)
def test_deadline_refuses_extreme_years_and_offsets(
    tmp_path: Path, stamp: str, needle: str
) -> None:
    outcome = run_cli(["--data-dir", str(tmp_path), "deadline", "2026-12-23T16:30", stamp])
    assert_refused(outcome, "2 (", needle)
    assert outcome.out == ""


@pytest.mark.parametrize("stamp", ["2026-01-01T10:00+14:00", "2026-01-01T10:00-12:00"])
def test_deadline_accepts_the_real_extreme_offsets(tmp_path: Path, stamp: str) -> None:
    outcome = run_cli(["--data-dir", str(tmp_path), "deadline", stamp])
    assert outcome.code == 0 and outcome.out.startswith("2026-01-0"), outcome


@pytest.mark.parametrize(
    ("month", "stamp", "field", "needle"),
    [
        ("9999-12", "", "month", RANGE),
        ("0000-01", "", "month", RANGE),
        ("2026-10", "0001-01-01T00:00+14:00", "last_post_at", RANGE),
        ("2026-10", "9999-12-31T23:59:59-14:00", "last_post_at", RANGE),
        ("2026-10", "2026-10-10T00:00+15:00", "last_post_at", "±14:00"),
    ],
)
def test_stats_csv_months_and_times_outside_the_range(
    store_dir: Path, tmp_path: Path, month: str, stamp: str, field: str, needle: str
) -> None:
    csv = tmp_path / "statistik.csv"
    csv.write_text(f"{STATS_HEADER}\nfacebook,hbgbibliotek,{month},1,{stamp},,,,,,,,,,,\n")
    before = hashes(store_dir)
    outcome = run_cli(["--data-dir", str(store_dir), "stats", "import", str(csv)])
    assert_refused(outcome, f"{csv}:2: {field}:", needle)
    assert hashes(store_dir) == before


@pytest.mark.parametrize("end", ["9999-12-31", "0001-01-01", "1999-12-31"])
def test_accounts_csv_project_end_outside_the_range(
    store_dir: Path, tmp_path: Path, end: str
) -> None:
    csv = tmp_path / "konton.csv"
    row = f"facebook,nytt,Kulturförvaltningen,Syfte,open,,Projekt,{end},,,,active"
    csv.write_text(f"{ACCOUNTS_HEADER}\n{row}\n")
    before = hashes(store_dir)
    outcome = run_cli(["--data-dir", str(store_dir), "accounts", "import", str(csv)])
    assert_refused(outcome, f"{csv}:2: project_end:", RANGE)
    assert hashes(store_dir) == before


@pytest.mark.parametrize("deadline", ["0001-01-01", "9999-12-31", "1999-03-31"])
def test_settings_first_revision_deadline_outside_the_range(store_dir: Path, deadline: str) -> None:
    settings = store_dir / "settings.toml"
    settings.write_text(f"[audit]\nfirst_revision_deadline = {deadline}\n")
    before = hashes(store_dir)
    for args in (["revision", "status"], ["audit", "run"]):
        outcome = run_cli(["--data-dir", str(store_dir), *args])
        assert_refused(outcome, str(settings), "first_revision_deadline", RANGE)
    assert hashes(store_dir) == before


def test_services_refuse_dates_the_app_passes_outside_the_range(store_dir: Path) -> None:
    """The app parses dates itself; the audit service still refuses one out of range."""
    from datetime import date

    from audits.service import AuditService
    from governance.errors import FieldError
    from governance.store import Store

    before = hashes(store_dir)
    store = Store(store_dir)
    try:
        service = AuditService(store)
        with pytest.raises(FieldError, match=RANGE):
            service.record_revision(date(1, 1, 1))
        with pytest.raises(FieldError, match=RANGE):
            service.waive(
                "single-editor", "hbgkrisinfo", reason="r", name="n", until=date(9999, 12, 31)
            )
    finally:
        store.close()
    assert hashes(store_dir) == before
