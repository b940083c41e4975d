"""``audit packets``: one file per department with its findings, its diff and what it must do;
and the findings exports in the people's language (xlsx, Markdown) and the scripts' (CSV)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import pytest

from audits.packets import packet_file_names, safe_file_stem
from audits.quarters import Quarter
from audits.service import AuditService
from governance import service_account
from governance.model import Person
from governance.register import Register
from governance.store import Store
from tests.audits.xlsx_support import has_formulas, sheets
from tests.conftest import FIXED_NOW, CliResult

KULTUR, BYGG = "Kulturförvaltningen", "Stadsbyggnadsförvaltningen"
Cli = Callable[..., CliResult]


@pytest.fixture
def two_quarters(
    make_accounts: Callable[..., dict[str, str]], service: AuditService, store: Store
) -> AuditService:
    """Q3: solo has one editor, bygg has no purpose. Q4: bygg got its purpose (resolved)."""
    make_accounts(
        ("solo", {"editors": [("Ida Ek", "ida.ek@helsingborg.se")]}),
        ("kultur-ok", {}),
        ("bygg", {"department": BYGG, "purpose": ""}),
    )
    service.run(Quarter(2026, 3))
    make_accounts(("bygg", {"department": BYGG, "purpose": "Planer och bygglov."}))
    service.run(Quarter(2026, 4))
    register = Register(store, user="tester", clock=lambda: FIXED_NOW)
    register.add_department(KULTUR, [Person("Kim Ek", "kim.ek@helsingborg.se")])
    return service


def _csv(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))


def test_one_xlsx_per_department_with_only_its_findings(
    two_quarters: AuditService, cli: Cli, tmp_path: Path
) -> None:
    out = tmp_path / "paket"
    result = cli("audit", "packets", "--output", str(out))
    assert result.code == 0, result.err
    assert sorted(p.name for p in out.iterdir()) == [f"{KULTUR} 2026Q4.xlsx", f"{BYGG} 2026Q4.xlsx"]
    assert "2 paket skrevs till" in result.out
    kultur = (out / f"{KULTUR} 2026Q4.xlsx").read_bytes()
    book = sheets(kultur)
    assert not has_formulas(kultur)
    assert not any("@" in cell for rows in book.values() for row in rows for cell in row)
    assert list(book) == ["Sammanfattning", "Avvikelser", "Förändringar", "Att göra"]
    header, *rows = book["Avvikelser"]
    assert header[:3] == ["Konto", "Regel", "Regel-id"]
    assert {r[0] for r in rows} == {"facebook:solo", "facebook:kultur-ok"}  # no bygg, no register
    solo = next(r for r in rows if r[2] == "single-editor")
    assert solo[:6] == ["facebook:solo", "En enda redaktör", "single-editor", "varning", "öppen",
                        "kvarstår"]
    todo = {r[1]: r for r in book["Att göra"][1:]}
    assert set(todo) == {"single-editor", "no-stats"}
    assert "andra redaktör" in todo["single-editor"][3]
    assert todo["single-editor"][4] == "Svara så fort som möjligt"


def test_the_diff_is_the_departments_own(
    two_quarters: AuditService, cli: Cli, tmp_path: Path
) -> None:
    assert cli("audit", "packets", "--output", str(tmp_path), "--format", "csv").code == 0
    bygg = _csv((tmp_path / f"{BYGG} 2026Q4.csv").read_bytes())
    assert {(r["account"], r["rule"], r["change"]) for r in bygg} == {
        ("facebook:bygg", "no-stats", "persisting"),
        ("facebook:bygg", "no-purpose", "resolved"),
    }
    resolved = next(r for r in bygg if r["change"] == "resolved")
    assert resolved["rule_title"] == "Syfte saknas" and resolved["department"] == BYGG
    kultur = _csv((tmp_path / f"{KULTUR} 2026Q4.csv").read_bytes())
    assert {r["department"] for r in kultur} == {KULTUR}
    assert all(r["severity"] in ("critical", "warning") and r["status"] == "open" for r in kultur)
    assert all(r["todo"] and r["guideline"] for r in kultur)


def test_markdown_packets_in_swedish_and_in_english(
    two_quarters: AuditService, cli: Cli, tmp_path: Path
) -> None:
    assert cli("audit", "packets", "--output", str(tmp_path / "sv"), "--format", "md").code == 0
    text = (tmp_path / "sv" / f"{BYGG} 2026Q4.md").read_text("utf-8")
    assert text.startswith(f"# {BYGG}: granskning av sociala medier 2026Q4")
    assert "## Förändringar sedan 2026Q3" in text and "| åtgärdad | facebook:bygg |" in text
    assert "### Statistik saknas (no-stats)" in text
    assert cli("--lang", "en", "audit", "packets", "-o", str(tmp_path / "en"), "--format",
               "md").code == 0
    english = (tmp_path / "en" / f"{BYGG} 2026Q4.md").read_text("utf-8")
    assert "social media audit 2026Q4" in english and "| resolved | facebook:bygg |" in english


def test_one_department_to_standard_output_and_several_refused(
    two_quarters: AuditService, cli: Cli
) -> None:
    result = cli("audit", "packets", "--department", "kulturförvaltningen", "--output", "-",
                 "--format", "csv")
    assert result.code == 0
    assert "facebook:solo" in result.out and "facebook:bygg" not in result.out
    refused = cli("audit", "packets", "--output", "-")
    assert refused.code == 2 and "--department" in refused.err
    unknown = cli("audit", "packets", "--department", "Finns inte", "--output", "-")
    assert unknown.code == 2 and "Finns inte" in unknown.err and KULTUR in unknown.err


def test_a_service_account_session_refuses_a_folder(
    two_quarters: AuditService, cli: Cli, tmp_path: Path, data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    session = service_account.Session("kontokoll", "anna", 4321, data_dir)
    monkeypatch.setattr(service_account, "detect", lambda *a, **k: session)
    from kontokoll.cli.main import main

    assert main(["audit", "packets", "--output", str(tmp_path / "x")]) == 2
    assert not (tmp_path / "x").exists()


def test_packets_never_land_in_the_data_directory(
    two_quarters: AuditService, cli: Cli, data_dir: Path
) -> None:
    before = sorted(p.name for p in data_dir.rglob("*"))
    result = cli("audit", "packets", "--output", str(data_dir / "audit"))
    assert result.code == 2 and str(data_dir) in result.err
    assert sorted(p.name for p in data_dir.rglob("*")) == before


@pytest.mark.parametrize(
    ("name", "stem"),
    [
        (KULTUR, KULTUR),
        ("Vård- och omsorgsförvaltningen", "Vård- och omsorgsförvaltningen"),
        ("../../etc/passwd", "_.._etc_passwd"),
        (".hemlig", "hemlig"),
        ("a\x1bb\u202ec", "a_b_c"),
        ("Skola: F–9 <test>?", "Skola_ F–9 _test__"),
        ("CON", "_CON"),
        ("...", "_"),
    ],
)
def test_safe_file_names(name: str, stem: str) -> None:
    assert safe_file_stem(name) == stem
    assert "/" not in stem and not stem.startswith(".")


def test_file_names_that_collide_are_numbered(two_quarters: AuditService, store: Store) -> None:
    from audits.packet_service import PacketService

    [packet] = PacketService(store, user="tester", clock=lambda: FIXED_NOW).packets(
        departments=[KULTUR]
    )
    same = [packet, packet, packet]
    assert packet_file_names(same, "xlsx") == [
        f"{KULTUR} 2026Q4.xlsx", f"{KULTUR} 2026Q4 (2).xlsx", f"{KULTUR} 2026Q4 (3).xlsx"
    ]


# --- the findings exports: scripts' CSV, people's xlsx and Markdown ---------------------------


def test_findings_csv_keeps_its_columns_and_gains_rule_title(two_quarters: AuditService) -> None:
    table = _csv(two_quarters.export())
    assert list(table[0])[-2:] == ["rule_title", "responsible"]  # new columns come last
    solo = next(r for r in table if r["rule"] == "single-editor")
    assert (solo["severity"], solo["status"], solo["rule_title"]) == (
        "warning", "open", "En enda redaktör"
    )


def test_findings_xlsx_and_markdown_speak_the_ui_language(
    two_quarters: AuditService, cli: Cli, tmp_path: Path
) -> None:
    [rows] = sheets(two_quarters.export(fmt="xlsx")).values()
    assert rows[0][:4] == ["Kvartal", "Konto", "Förvaltning", "Regel"]
    solo = next(r for r in rows if r[4] == "single-editor")
    assert (solo[3], solo[5], solo[8]) == ("En enda redaktör", "varning", "öppen")
    assert cli("--lang", "en", "audit", "export", "--format", "xlsx",
               "-o", str(tmp_path / "f.xlsx")).code == 0
    [english] = sheets((tmp_path / "f.xlsx").read_bytes()).values()
    assert english[0][:4] == ["Quarter", "Account", "Department", "Rule"]
    solo = next(r for r in english if r[4] == "single-editor")
    assert (solo[3], solo[5], solo[8]) == ("A single editor", "warning", "open")
    assert cli("--lang", "en", "audit", "export", "--format", "md",
               "-o", str(tmp_path / "f.md")).code == 0
    assert "| facebook:solo | A single editor | warning |" in (tmp_path / "f.md").read_text("utf-8")


def test_every_rule_says_what_to_do() -> None:
    from audits.packets import rule_todo
    from audits.rules import RULE_IDS

    for rule in RULE_IDS:
        assert rule_todo(rule) and not rule_todo(rule).startswith("packets."), rule
    assert "Mätning och uppföljning" not in rule_todo("no-stats")  # its own text, not the fallback
    assert "no-such-rule-yet" in rule_todo("no-such-rule-yet")  # the fallback names the rule


@pytest.mark.parametrize("planted", ["link", "folder"])
def test_a_refused_target_of_any_department_stops_the_packets_before_any_file(
    two_quarters: AuditService, cli: Cli, tmp_path: Path, planted: str
) -> None:
    """One refused target (a link or a folder under a department's report name) leaves the
    folder as it was: no xlsx of another department, no half packet."""
    out = tmp_path / "paket"
    out.mkdir()
    victim = tmp_path / "annat.txt"
    victim.write_text("orört")
    trap = out / f"{BYGG} 2026Q4.html"
    if planted == "link":
        trap.symlink_to(victim)
    else:
        trap.mkdir()
    result = cli("audit", "packets", "--with-report", "--output", str(out))
    assert result.code == 2 and str(trap) in result.err and "Traceback" not in result.err
    assert sorted(p.name for p in out.iterdir()) == [trap.name]
    assert victim.read_text() == "orört"
    assert "skrevs" not in result.out


def test_a_dry_run_send_checks_every_eml_target_first(
    two_quarters: AuditService, cli: Cli, tmp_path: Path, store: Store
) -> None:
    register = Register(store, user="tester", clock=lambda: FIXED_NOW)
    register.add_department(BYGG, [Person("Åsa Öberg", "asa.oberg@helsingborg.se")])
    out = tmp_path / "eml"
    out.mkdir()
    trap = out / f"{BYGG} 2026Q4.eml"
    trap.mkdir()  # the second department's name taken by a folder
    result = cli("audit", "send", "--dry-run", "--output", str(out))
    assert result.code == 2 and str(trap) in result.err
    assert sorted(p.name for p in out.iterdir()) == [trap.name]  # no eml for Kultur either
