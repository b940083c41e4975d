"""The readable exports and packets (md, xlsx) say what was decided about a finding, never who
decided a waiver: the same people-free status as the CSV, with the waiver's reason and end date
and the acknowledgement's own note."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from audits.exports import ReportItem, status_text
from audits.quarters import Quarter
from audits.service import AuditService
from tests.audits.xlsx_support import sheets
from tests.conftest import CliResult

Q4 = Quarter(2026, 4)
KULTUR = "Kulturförvaltningen"
DECIDER = "Zlatan Qwerty"
Cli = Callable[..., CliResult]


@pytest.fixture
def reviewed(make_accounts: Callable[..., dict[str, str]], service: AuditService) -> AuditService:
    """solo's single editor waived by a named person; loud's missing purpose acknowledged."""
    make_accounts(
        ("solo", {"editors": [("Ida Ek", "ida.ek@helsingborg.se")]}),
        ("loud", {"purpose": ""}),
    )
    service.run(Q4)
    service.waive(
        "single-editor", "solo", reason="Ingen finns", name=DECIDER, until=date(2027, 3, 31)
    )
    service.acknowledge("no-purpose", "loud", note="Lena Svensson fixar")
    return service


def _all_text(data: bytes) -> str:
    return "\n".join(cell for rows in sheets(data).values() for row in rows for cell in row)


def test_the_markdown_export_has_the_reason_and_end_date_but_no_decider(
    reviewed: AuditService,
) -> None:
    text = reviewed.export(fmt="md").decode("utf-8")
    assert "| undantagen (Ingen finns, t.o.m. 2027-03-31) |" in text
    assert "| kvitterad (Lena Svensson fixar) |" in text  # the user's own words, as written
    assert DECIDER not in text and "Zlatan" not in text


def test_the_xlsx_export_has_no_decider(reviewed: AuditService) -> None:
    text = _all_text(reviewed.export(fmt="xlsx"))
    assert "undantagen (Ingen finns, t.o.m. 2027-03-31)" in text
    assert "kvitterad (Lena Svensson fixar)" in text
    assert "Zlatan" not in text


def test_english_exports_say_it_in_english(
    reviewed: AuditService, cli: Cli, tmp_path: Path
) -> None:
    target = tmp_path / "fynd.md"
    result = cli("--lang", "en", "audit", "export", "--format", "md", "--output", str(target))
    assert result.code == 0, result.err
    text = target.read_text("utf-8")
    assert "| waived (Ingen finns, until 2027-03-31) |" in text and "Zlatan" not in text


def test_packets_in_every_format_have_no_decider(
    reviewed: AuditService, cli: Cli, tmp_path: Path
) -> None:
    for fmt in ("xlsx", "md", "csv"):
        out = tmp_path / fmt
        result = cli("audit", "packets", "--format", fmt, "--output", str(out))
        assert result.code == 0, result.err
        data = (out / f"{KULTUR} 2026Q4.{fmt}").read_bytes()
        text = _all_text(data) if fmt == "xlsx" else data.decode("utf-8-sig")
        assert "Zlatan" not in text, fmt
        if fmt != "csv":  # (the CSV carries the status id alone, as before)
            assert "undantagen (Ingen finns, t.o.m. 2027-03-31)" in text, fmt
            assert "kvitterad (Lena Svensson fixar)" in text, fmt


def test_the_app_still_has_the_decider(reviewed: AuditService) -> None:
    waived = next(i for i in reviewed.report(Q4).items if i.status == "waived")
    assert DECIDER in waived.note  # the worklist and the account's tab, for those who may see it
    assert waived.waiver is not None and waived.waiver.name == DECIDER


def test_a_waived_item_without_its_waiver_shows_the_status_alone(reviewed: AuditService) -> None:
    finding = reviewed.report(Q4).items[0].finding
    by_hand = ReportItem(finding, "waived", f"undantag: x ({DECIDER}, t.o.m. 2027-03-31)")
    assert status_text(by_hand) == "undantagen"
