"""The accounts spreadsheet round trip: export to .xlsx, edit, import, and lose nothing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl

from governance.accounts_csv import ALL_COLUMNS, read_account_rows
from governance.doctor import check
from governance.errors import ImportRefused
from governance.register import Register
from governance.store import Store

HEADER = ",".join(ALL_COLUMNS[:12])
X_ID = "357184496042860001"  # 18 digits: a spreadsheet would keep 15 of them
ROWS = (
    f"x,hbgstad,Stadsledningsförvaltningen,Nyheter,open,,,,Anna Berg <anna@hbg.se>,,{X_ID},active",
    "facebook,hbgbibliotek,Kulturförvaltningen,=Boktips,open,,,,"
    "Bo Ek <bo@hbg.se>|Cia Lund <cia@hbg.se>,https://www.facebook.com/hbgbibliotek,104857600,active",
    "youtube,konserthuset,Kulturförvaltningen,Konserter,open,,,,,,UCabcdefghijklmnopqrstuv,active",
)
Cli = Callable[..., Any]


def _imported(cli: Cli, tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("\n".join([HEADER, *ROWS]) + "\n", encoding="utf-8")
    assert cli("accounts", "import", str(source)).code == 0


def _accounts(data_dir: Path) -> dict[str, Any]:
    store = Store(data_dir)
    try:
        return {a.ref: a for a in Register(store).accounts()}
    finally:
        store.close()


def test_export_edit_in_a_spreadsheet_and_import_back(
    cli: Cli, tmp_path: Path, data_dir: Path
) -> None:
    _imported(cli, tmp_path)
    before = _accounts(data_dir)
    book_path = tmp_path / "konton.xlsx"
    assert cli("accounts", "export", str(book_path), "--format", "xlsx").code == 0

    book = openpyxl.load_workbook(book_path)
    sheet = book.active
    assert sheet is not None
    assert [c.value for c in sheet[1]] == list(ALL_COLUMNS)
    assert all(c.data_type == "s" for row in sheet.iter_rows(min_row=2) for c in row
               if c.value is not None)  # every cell text: no id becomes a number
    validated = {sheet.cell(1, openpyxl.utils.cell.column_index_from_string(
        str(v.sqref).split(":")[0].rstrip("0123456789"))).value
        for v in sheet.data_validations.dataValidation}
    assert validated == {"platform", "visibility", "status", "goals", "categories"}
    column = {name: index + 1 for index, name in enumerate(ALL_COLUMNS)}
    rows = {sheet.cell(r, 2).value: r for r in range(2, sheet.max_row + 1)}
    sheet.cell(rows["hbgbibliotek"], column["editors"]).value = (
        "Bo Ek <bo@hbg.se>|Dan Alm <dan@hbg.se>")
    sheet.cell(rows["hbgstad"], column["purpose"]).value = "Pressmeddelanden och nyheter"
    book.save(book_path)

    dry = cli("accounts", "import", str(book_path), "--dry-run")
    assert dry.code == 0, dry.err
    assert "facebook:hbgbibliotek: redaktör tillagd: Dan Alm <dan@hbg.se>" in dry.out
    assert "facebook:hbgbibliotek: redaktör borttagen: Cia Lund <cia@hbg.se>" in dry.out
    assert _accounts(data_dir) == before  # a dry run writes nothing
    assert cli("accounts", "import", str(book_path)).code == 0

    after = _accounts(data_dir)
    library = after["facebook:hbgbibliotek"]
    assert [e.email for e in library.editors] == ["bo@hbg.se", "dan@hbg.se"]
    assert library.editors[0].appointed == before["facebook:hbgbibliotek"].editors[0].appointed
    assert library.purpose == "=Boktips"  # a formula-like text stays text
    assert after["x:hbgstad"].purpose == "Pressmeddelanden och nyheter"
    assert after["x:hbgstad"].platform_id == X_ID  # every digit kept
    untouched = ("platform_id", "url", "department", "goals", "status", "visibility")
    for ref, account in before.items():
        assert all(getattr(after[ref], n) == getattr(account, n) for n in untouched)
    again = cli("accounts", "import", str(book_path), "--dry-run")
    assert "0 nya, 0 ändrade, 3 oförändrade" in again.out  # a re-import changes nothing


def test_an_id_in_scientific_notation_is_refused_naming_the_line(
    cli: Cli, tmp_path: Path, data_dir: Path
) -> None:
    _imported(cli, tmp_path)
    before = _accounts(data_dir)
    book_path = tmp_path / "konton.xlsx"
    cli("accounts", "export", str(book_path), "--format", "xlsx")
    book = openpyxl.load_workbook(book_path)
    sheet = book.active
    assert sheet is not None
    line = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 2).value == "hbgstad")
    sheet.cell(line, ALL_COLUMNS.index("platform_id") + 1).value = 3.5718449604286e17  # a number
    book.save(book_path)
    refused = cli("accounts", "import", str(book_path))
    assert refused.code != 0
    assert f"{book_path}:{line}: platform_id:" in refused.err
    assert "3.5718449604286E+17" in refused.err
    assert _accounts(data_dir) == before

    text = tmp_path / "e.csv"  # the CSV as a spreadsheet saves it
    text.write_text(HEADER + "\n" + ROWS[0].replace(X_ID, "3.5718449604286E+17") + "\n",
                    encoding="utf-8")
    refused = cli("accounts", "import", str(text))
    assert refused.code != 0 and f"{text}:2: platform_id:" in refused.err
    odd = tmp_path / "odd.csv"  # not a YouTube channel id either
    odd.write_text(HEADER + "\n" + ROWS[2].replace("UCabcdefghijklmnopqrstuv", "konserthuset")
                   + "\n", encoding="utf-8")
    assert f"{odd}:2: platform_id:" in cli("accounts", "import", str(odd)).err
    assert _accounts(data_dir) == before


def test_an_odd_id_already_stored_still_round_trips_and_the_doctor_lists_it(
    cli: Cli, tmp_path: Path, data_dir: Path
) -> None:
    store = Store(data_dir)
    Register(store).create_account({"platform": "x", "handle": "gammal",
                                    "department": "Miljöförvaltningen",
                                    "platform_id": "3.5718449604286E+17"})
    store.close()
    out = tmp_path / "ut.csv"
    assert cli("accounts", "export", str(out)).code == 0
    assert cli("accounts", "import", str(out)).code == 0  # unchanged: not judged again
    rows = read_account_rows(out, stored_ids={"x:gammal": "3.5718449604286E+17"})
    assert rows[0].values["platform_id"] == "3.5718449604286E+17"
    try:
        read_account_rows(out)  # without the register, every id is judged
    except ImportRefused as refused:
        assert "platform_id" in str(refused)
    else:
        raise AssertionError("an odd id without the register's say was accepted")
    problems = [str(p) for p in check(data_dir)]
    assert any("x:gammal" in p and "3.5718449604286E+17" in p for p in problems)


def test_a_lead_exports_only_their_departments(cli: Cli, tmp_path: Path) -> None:
    _imported(cli, tmp_path)
    out = tmp_path / "kultur.xlsx"
    done = cli("accounts", "export", str(out), "--department", "kulturförvaltningen")
    assert done.code == 0
    sheet = openpyxl.load_workbook(out).active
    assert sheet is not None
    handles = {sheet.cell(r, 2).value for r in range(2, sheet.max_row + 1)} - {None}
    assert handles == {"hbgbibliotek", "konserthuset"}
    unknown = cli("accounts", "export", str(out), "--department", "Finns inte")
    assert unknown.code != 0 and "department" in unknown.err


def test_a_file_that_is_no_workbook_is_refused(cli: Cli, tmp_path: Path) -> None:
    fake = tmp_path / "konton.xlsx"
    fake.write_bytes(b"platform,handle\n")
    refused = cli("accounts", "import", str(fake))
    assert refused.code != 0 and f"{fake}:1:" in refused.err


def test_a_formula_cell_is_refused_naming_its_line_and_column(
    cli: Cli, tmp_path: Path, data_dir: Path
) -> None:
    """A workbook a script wrote holds a formula with no value saved: read as its cached value
    it would wipe the purpose; it is refused instead, and nothing is stored."""
    _imported(cli, tmp_path)
    before = _accounts(data_dir)
    book_path = tmp_path / "konton.xlsx"
    cli("accounts", "export", str(book_path), "--format", "xlsx")
    book = openpyxl.load_workbook(book_path)
    sheet = book.active
    assert sheet is not None
    line = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 2).value == "hbgstad")
    sheet.cell(line, ALL_COLUMNS.index("purpose") + 1).value = '=CONCATENATE("Ny ","text")'
    book.save(book_path)
    refused = cli("accounts", "import", str(book_path), "--dry-run")
    assert refused.code != 0
    assert f"{book_path}:{line}: purpose: cellen innehåller en formel" in refused.err
    assert cli("accounts", "import", str(book_path)).code != 0
    assert _accounts(data_dir) == before
