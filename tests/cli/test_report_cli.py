"""``kontokoll report``: the file written, refusals (exit 2) named, start-up unchanged."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from governance.monthly import MonthlyStats
from governance.register import AccountRow, Register
from governance.store import Store
from tests.conftest import REPO, CliResult

EDITORS = [("Anna Berg", "anna.berg@helsingborg.se"), ("Erik Holm", "erik.holm@helsingborg.se")]


@pytest.fixture
def register(store: Store) -> str:
    """One account at Kulturförvaltningen with a month of stats; no audit run."""
    row = AccountRow(
        line=2,
        values={"platform": "facebook", "handle": "kultur.hbg", "department": "Kulturförvaltningen",
                "purpose": "Evenemang.", "visibility": "open", "status": "active"},
        editors=EDITORS,
    )  # fmt: skip
    Register(store).import_rows([row], "<test>")
    account = Register(store).accounts()[0]
    store.stats.save_batch([MonthlyStats(account.id, "2026-08", reach=1234)])
    return account.id


def test_the_report_is_written_to_the_file_named(
    cli: Callable[..., CliResult], register: str, tmp_path: Path
) -> None:
    target = tmp_path / "rapport.html"
    result = cli("report", "--quarter", "2026Q3", "--output", str(target))
    assert result.code == 0, result.err
    html = target.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert f'data-account="{register}"' in html
    assert "1\u00a0234" in html
    assert str(target) in result.out and "1 konto" in result.out
    # No stored run: the report is made, and both it and standard error say so.
    assert "Kvartalet 2026Q3 har ingen lagrad granskning" in html
    assert "ingen lagrad granskning" in result.err


def test_standard_output_gets_the_document_and_nothing_else(
    cli: Callable[..., CliResult], register: str
) -> None:
    result = cli("report", "--quarter", "2026Q3", "--department", "kulturförvaltningen",
                 "--output", "-")  # fmt: skip
    assert result.code == 0
    assert result.out.startswith("<!DOCTYPE html>") and result.out.rstrip().endswith("</html>")


def test_an_unknown_department_is_refused_by_name(
    cli: Callable[..., CliResult], register: str, tmp_path: Path
) -> None:
    target = tmp_path / "rapport.html"
    result = cli("report", "--department", "Finansförvaltningen", "--output", str(target))
    assert result.code == 2
    assert "Finansförvaltningen" in result.err and "Kulturförvaltningen" in result.err
    assert "Traceback" not in result.err
    assert not target.exists()


def test_a_bad_quarter_is_refused(
    cli: Callable[..., CliResult], register: str, tmp_path: Path
) -> None:
    result = cli("report", "--quarter", "2026Q5", "--output", str(tmp_path / "r.html"))
    assert result.code == 2 and "2026Q5" in result.err
    result = cli("report", "--quarter", "0001Q1", "--output", str(tmp_path / "r.html"))
    assert result.code == 2 and "0001Q1" in result.err
    assert not (tmp_path / "r.html").exists()


def test_the_report_is_never_written_into_the_data_directory_or_through_a_link(
    cli: Callable[..., CliResult], register: str, data_dir: Path, tmp_path: Path
) -> None:
    before = sorted(p.name for p in data_dir.rglob("*"))
    result = cli("report", "--output", str(data_dir / "rapport.html"))
    assert result.code == 2 and "rapport.html" in result.err
    link = tmp_path / "link.html"
    link.symlink_to(data_dir / "store.json")
    result = cli("report", "--output", str(link))
    assert result.code == 2
    assert sorted(p.name for p in data_dir.rglob("*")) == before


def test_the_report_in_english(
    cli: Callable[..., CliResult], register: str, tmp_path: Path
) -> None:
    target = tmp_path / "report.html"
    result = cli("--lang", "en", "report", "--quarter", "2026Q3", "--output", str(target))
    assert result.code == 0
    html = target.read_text(encoding="utf-8")
    assert '<html lang="en">' in html and "Social media 2026Q3" in html and "1,234" in html
    assert "unknown" in html and "okänt" not in html


def test_start_up_does_not_load_the_report_or_matplotlib() -> None:
    """``report`` is registered like every command, but its code and matplotlib load only when
    it runs: the CLI's start-up stays as it was."""
    code = (
        "import sys\n"
        "from kontokoll.cli.main import build_parser\n"
        "build_parser()\n"
        "print(sorted(m for m in sys.modules if m.startswith(('matplotlib', 'audits.report',"
        " 'numpy', 'PIL'))))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True
    )
    assert result.stdout.strip() == "[]"


def test_a_fifo_target_is_refused_before_the_report_is_built(
    cli: Callable[..., CliResult], register: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    from audits.report.data import ReportService

    built: list[object] = []
    real_build = ReportService.build
    monkeypatch.setattr(ReportService, "build",
                        lambda self, *a: built.append(a) or real_build(self, *a))  # fmt: skip
    fifo = tmp_path / "rapport.html"
    os.mkfifo(fifo)
    result = cli("report", "--output", str(fifo))
    assert result.code == 2 and str(fifo) in result.err and "Traceback" not in result.err
    assert built == []  # refused first: nothing was built for it
    written = cli("report", "--output", str(tmp_path / "ok.html"))
    assert written.code == 0 and len(built) == 1
