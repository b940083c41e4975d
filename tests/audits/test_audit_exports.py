"""The findings exports as bytes and as files: Swedish Excel CSV, the delimiter option, Markdown."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest

from audits.quarters import Quarter
from audits.service import AuditService
from governance.errors import FieldError

Q4 = Quarter(2026, 4)
HEADER = (
    "quarter;platform;handle;department;rule;severity;message;guideline;status;first_seen;rule_title"
    ";responsible"
)


@pytest.fixture
def audited(make_accounts: Callable[..., dict[str, str]], service: AuditService) -> AuditService:
    make_accounts(
        ("solo", {"editors": [("Ida Ek", "ida.ek@helsingborg.se")]}),
        ("=hyperlink", {"department": "=cmd|' /C calc'!A0", "purpose": ""}),
    )
    service._clock = lambda: datetime(2027, 1, 2, 9, tzinfo=UTC)  # Q4 is over: judged 12-31
    service.run(Q4)
    return service


def rows(data: bytes, delimiter: str = ";") -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=delimiter))


def test_csv_is_for_swedish_excel(audited: AuditService) -> None:
    data = audited.export()
    assert data.startswith(b"\xef\xbb\xbf" + HEADER.encode() + b"\r\n")
    assert data.count(b"\r\n") == data.count(b"\n")  # CRLF only
    table = rows(data)
    assert table[0] == HEADER.split(";")
    by_rule = {r[4]: r for r in table[1:]}
    assert set(by_rule) == {"single-editor", "no-stats", "no-purpose", "revision-overdue"}
    solo = by_rule["single-editor"]
    assert solo[:6] == [
        "2026Q4",
        "facebook",
        "solo",
        "Kulturförvaltningen",
        "single-editor",
        "warning",
    ]
    assert solo[7:] == [
        "Svara så fort som möjligt",
        "open",
        "2026-12-31",
        "En enda redaktör",
        "Kulturförvaltningen",  # responsible: the department (no duty KC holds)
    ]
    assert solo[6].startswith("Kontot har bara en redaktör")


def test_register_level_findings_have_no_platform_or_handle(audited: AuditService) -> None:
    revision = next(r for r in rows(audited.export())[1:] if r[4] == "revision-overdue")
    assert revision[1:4] == ["", "", ""]
    assert revision[7] == "Uppföljning och revidering"


def test_every_cell_is_formula_safe(audited: AuditService) -> None:
    table = rows(audited.export())
    purpose = next(r for r in table if r[4] == "no-purpose")
    assert purpose[2] == "'=hyperlink"
    assert purpose[3] == "'=cmd|' /C calc'!A0"
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in table for cell in row)


def test_no_emails_in_the_findings_export(audited: AuditService) -> None:
    audited.acknowledge("single-editor", "solo", note="Rekrytering pågår")
    for data in (audited.export(), audited.export(fmt="md"), audited.export(delimiter=",")):
        assert b"@" not in data


def test_comma_delimiter_and_status(audited: AuditService) -> None:
    audited.waive(
        "single-editor",
        "solo",
        reason="Liten verksamhet",
        name="Karin Lund",
        until=date(2027, 6, 30),
    )
    data = audited.export(delimiter=",")
    assert data.startswith(b"\xef\xbb\xbf" + HEADER.replace(";", ",").encode() + b"\r\n")
    table = rows(data, ",")
    assert all(len(r) == 12 for r in table)
    assert next(r for r in table if r[4] == "single-editor")[8] == "waived"


def test_markdown_report(audited: AuditService) -> None:
    text = audited.export(fmt="md").decode("utf-8")
    assert text.startswith("# Granskning av sociala medier 2026Q4\n")
    assert "Bedömd per 2026-12-31 (körning 2026Q4-1" in text
    assert "## (registret)" in text and "## Kulturförvaltningen" in text
    assert "| facebook:solo | En enda redaktör | varning |" in text  # for people: the title
    assert "\\|" in text  # a pipe from user text does not break the table


def test_bad_format_or_delimiter_is_refused(audited: AuditService) -> None:
    with pytest.raises(FieldError):
        audited.export(fmt="pdf")
    with pytest.raises(FieldError):
        audited.export(delimiter="\t")


def _xlsx_cells(data: bytes) -> tuple[list[str], str]:
    """The shared strings and the sheet XML of a one-sheet workbook."""
    import re
    import zipfile
    from xml.sax.saxutils import unescape

    with zipfile.ZipFile(io.BytesIO(data)) as book:
        shared = book.read("xl/sharedStrings.xml").decode()
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
    return [unescape(s) for s in re.findall(r"<t[^>]*>(.*?)</t>", shared, re.S)], sheet


def test_xlsx_holds_the_same_findings_as_text_never_formulas(audited: AuditService) -> None:
    data = audited.export(fmt="xlsx")
    assert data.startswith(b"PK")
    strings, sheet = _xlsx_cells(data)
    # The same findings as the CSV (which prefixes formula-like cells with ' for safety): the
    # messages, departments, guideline sections and rule ids and titles are all there as text.
    csv_cells = {row[i] for row in rows(audited.export())[1:] for i in (3, 4, 6, 7, 10)}
    assert "facebook:=hyperlink" in strings and "=cmd|' /C calc'!A0" in strings
    assert {c.removeprefix("'") for c in csv_cells if c} <= set(strings)
    assert "<f>" not in sheet  # no formulas, whatever the cells hold
    assert 'ref="A1:K' in sheet  # the filter covers the header and every row
    assert not any("@" in s for s in strings)
