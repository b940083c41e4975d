"""The accounts CSV: all-or-nothing import with line-numbered errors, upsert, Excel-safe export."""

from __future__ import annotations

from pathlib import Path

import pytest

from governance.accounts_csv import ALL_COLUMNS, read_account_rows, write_accounts_csv
from governance.csvio import escape_cell, unescape_cell
from governance.errors import ImportRefused
from governance.register import AccountRow, Register
from governance.store import Store

HEADER = (
    "platform,handle,department,purpose,visibility,closed_reason,project,project_end,"
    "editors,url,platform_id,status"
)
GOOD = [
    "facebook,helsingborgsstad,Stadsledningsförvaltningen,Nyheter och service,öppet,,,,"
    "Anna Berg <anna.berg@helsingborg.se>|Bo Ek <bo.ek@helsingborg.se>,"
    "https://www.facebook.com/helsingborgsstad,123,active",
    "Twitter,helsingborg,Stadsledningsförvaltningen,Pressmeddelanden,open,,,,,,,",
    "instagram,kulturnatten,Kulturförvaltningen,Program,slutet,Intern,Kulturnatten,2025-09-30,,,,",
]


def _write(path: Path, lines: list[str], *, bom: bool = False, sep: str = ",") -> Path:
    text = "\n".join([HEADER.replace(",", sep), *(line.replace(",", sep) for line in lines)])
    path.write_bytes((("\ufeff" if bom else "") + text + "\n").encode("utf-8"))
    return path


def _snapshot(directory: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(directory)): p.read_bytes()
        for p in sorted(directory.rglob("*"))
        if p.is_file() and p.name != ".lock"
    }


def test_import_creates_accounts_with_every_field(store: Store, tmp_path: Path) -> None:
    rows = read_account_rows(_write(tmp_path / "a.csv", GOOD))
    plan = Register(store, user="anna").import_rows(rows, "a.csv")
    assert (len(plan.created), len(plan.updated)) == (3, 0)
    assert plan.new_departments == ["Stadsledningsförvaltningen", "Kulturförvaltningen"]
    register = Register(store)
    x = register.account("x:helsingborg")
    assert x.department == "Stadsledningsförvaltningen"
    fb = register.account("facebook:helsingborgsstad")
    assert [e.email for e in fb.editors] == ["anna.berg@helsingborg.se", "bo.ek@helsingborg.se"]
    assert fb.platform_id == "123"
    ig = register.account("instagram:kulturnatten")
    assert (ig.visibility, ig.closed_reason, ig.project) == ("closed", "Intern", "Kulturnatten")
    assert ig.project_end is not None and ig.project_end.isoformat() == "2025-09-30"


@pytest.mark.parametrize(("sep", "bom"), [(",", False), (";", True), (";", False), (",", True)])
def test_import_accepts_comma_or_semicolon_with_or_without_bom(
    store: Store, tmp_path: Path, sep: str, bom: bool
) -> None:
    rows = read_account_rows(_write(tmp_path / "a.csv", GOOD, bom=bom, sep=sep))
    assert [r.values["handle"] for r in rows] == ["helsingborgsstad", "helsingborg", "kulturnatten"]


def test_every_bad_row_is_reported_with_line_and_field_and_nothing_changes(
    store: Store, tmp_path: Path, data_dir: Path
) -> None:
    Register(store, user="a").import_rows(read_account_rows(_write(tmp_path / "ok.csv", GOOD)), "x")
    before = _snapshot(data_dir)
    bad = _write(
        tmp_path / "bad.csv",
        [
            GOOD[0].replace("helsingborgsstad,Stads", "nytt,Stads"),
            "myspace,a,Kulturförvaltningen,,open,,,,,,,",
            "facebook,b,Kulturförvaltningen,,open,,,,Anna <inte-en-adress>,,,",
            "facebook,c,Kulturförvaltningen,,open,,P,31/12/2026,,,,",
            "facebook,d,Kulturförvaltningen,,halvöppet,,,,,,,",
            "facebook,e,,,open,,,,,,,",
            "facebook,f,Kulturförvaltningen,,open,,,,,,",
            "facebook,nytt,Kulturförvaltningen,,open,,,,,,,",
        ],
    )
    with pytest.raises(ImportRefused) as caught:
        read_account_rows(bad)
    problems = [(p.line, p.field) for p in caught.value.problems]
    assert problems == [
        (3, "platform"),
        (4, "editors"),
        (5, "project_end"),
        (6, "visibility"),
        (7, "department"),
        (8, "-"),
        (9, "handle"),
    ]
    message = str(caught.value)
    assert f"{bad}:3: platform: okänd plattform ”myspace”" in message
    assert "inget har ändrats" in message
    assert _snapshot(data_dir) == before


def test_duplicates_within_a_file_are_refused_by_line(
    store: Store, tmp_path: Path, data_dir: Path
) -> None:
    path = _write(tmp_path / "dup.csv", [GOOD[1], GOOD[0], GOOD[1].replace("Twitter", "x")])
    with pytest.raises(ImportRefused) as caught:
        read_account_rows(path)
    assert [(p.line, p.field) for p in caught.value.problems] == [(4, "handle")]
    assert "rad 2" in caught.value.problems[0].reason
    assert Register(store).accounts() == []


def test_reimport_is_idempotent_and_dry_run_changes_nothing(
    store: Store, tmp_path: Path, data_dir: Path
) -> None:
    path = _write(tmp_path / "a.csv", GOOD)
    register = Register(store, user="a")
    dry = register.plan_import(read_account_rows(path), str(path))
    assert len(dry.created) == 3
    assert register.accounts() == []
    register.import_rows(read_account_rows(path), str(path))
    before = _snapshot(data_dir)
    again = register.import_rows(read_account_rows(path), str(path))
    assert (len(again.created), len(again.updated), len(again.unchanged)) == (0, 0, 3)
    assert _snapshot(data_dir) == before  # not even the change log grew


def test_reimport_updates_changed_fields_and_keeps_appointment_dates(
    store: Store, tmp_path: Path
) -> None:
    register = Register(store, user="a")
    register.import_rows(read_account_rows(_write(tmp_path / "a.csv", GOOD)), "a")
    appointed = register.account("facebook:helsingborgsstad").editors[0].appointed
    changed = [
        GOOD[0]
        .replace("Nyheter och service", "Service")
        .replace("|Bo Ek <bo.ek@helsingborg.se>", "")
    ]
    plan = register.import_rows(read_account_rows(_write(tmp_path / "b.csv", changed)), "b")
    assert len(plan.updated) == 1
    account = register.account("facebook:helsingborgsstad")
    assert account.purpose == "Service"
    assert [(e.email, e.appointed) for e in account.editors] == [
        ("anna.berg@helsingborg.se", appointed)
    ]
    actions = [(e.action, e.field) for e in register.change_log("facebook:helsingborgsstad")]
    assert ("account-changed", "purpose") in actions
    assert ("editor-removed", "editors") in actions


@pytest.mark.parametrize(
    "value",
    [
        "=SUM(A1:A3)",
        "+46 42 10 50 00",
        "-1",
        "@home",
        "\tx",
        "'=already quoted",
        "''=twice",
        "'plain quote",
        'a;b,c"d',
    ],
)
def test_formula_escaping_round_trips(value: str) -> None:
    escaped = escape_cell(value)
    assert escaped[0] not in "=+-@\t\r"
    assert unescape_cell(escaped) == value


def test_export_is_swedish_excel_csv_and_round_trips_exactly(
    store: Store, tmp_path: Path, data_dir: Path
) -> None:
    register = Register(store, user="a")
    register.import_rows(read_account_rows(_write(tmp_path / "a.csv", GOOD)), "a")
    register.update_account(
        "x:helsingborg",
        purpose='=HYPERLINK("http://evil")',
        audience="+46 42 10 50 00",
        goals=("informera", "engagera"),
        shared=True,
    )
    out = tmp_path / "export.csv"
    write_accounts_csv(out, register.accounts())
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.count(b"\r\n") == 4 and raw.count(b"\n") == 4
    header = raw[3:].split(b"\r\n")[0].decode()
    assert header.split(";") == list(ALL_COLUMNS)
    assert "'=HYPERLINK" in raw.decode("utf-8")
    assert ";'+46 42 10 50 00;" in raw.decode("utf-8")

    other = Store(tmp_path / "other")
    copy = Register(other, user="b")
    copy.import_rows(read_account_rows(out), str(out))
    fields = (
        "ref",
        "department",
        "purpose",
        "visibility",
        "closed_reason",
        "project",
        "project_end",
        "url",
        "platform_id",
        "status",
        "shared",
        "goals",
        "audience",
        "kc_handles_comments",
    )
    for original in register.accounts():
        twin = copy.account(original.ref)
        assert [getattr(twin, f) for f in fields] == [getattr(original, f) for f in fields]
        assert [str(e) for e in twin.editors] == [str(e) for e in original.editors]
    out2 = tmp_path / "export2.csv"
    write_accounts_csv(out2, copy.accounts())
    assert out2.read_bytes() == raw


def test_header_problems_are_reported_on_line_1(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_text("platform,handle,departmnt\nfacebook,a,X\n", encoding="utf-8")
    with pytest.raises(ImportRefused) as caught:
        read_account_rows(path)
    fields = {p.field for p in caught.value.problems if p.line == 1}
    assert {"departmnt", "department", "purpose"} <= fields


def test_quoted_multiline_cells_keep_the_right_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text(
        HEADER + '\nfacebook,a,Kulturförvaltningen,"Två\nrader",open,,,,,,,\n'
        "facebook,b,Kulturförvaltningen,,open,,,igår,,,,\n",
        encoding="utf-8",
    )
    with pytest.raises(ImportRefused) as caught:
        read_account_rows(path)
    assert [(p.line, p.field) for p in caught.value.problems] == [(4, "project_end")]


def test_a_file_that_is_not_utf8_is_named_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes((HEADER + "\nfacebook,a,Miljöförvaltningen,,,,,,,,,\n").encode("latin-1"))
    with pytest.raises(Exception) as caught:
        read_account_rows(path)
    assert f"{path}:2" in str(caught.value)
    assert "UTF-8" in str(caught.value)


def test_rows_from_elsewhere_are_checked_for_duplicates_too(store: Store) -> None:
    rows = [
        AccountRow(2, {"platform": "x", "handle": "a", "department": "Miljöförvaltningen"}),
        AccountRow(3, {"platform": "x", "handle": "a", "department": "Miljöförvaltningen"}),
    ]
    with pytest.raises(ImportRefused) as caught:
        Register(store, user="a").import_rows(rows, "<rader>")
    assert [(p.line, p.field) for p in caught.value.problems] == [(3, "handle")]
    assert "rad 2" in caught.value.problems[0].reason
    assert Register(store).accounts() == []
