"""The audit, revision and stats commands: exit codes, messages, files written."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from governance.stats_csv import REQUIRED_COLUMNS as STATS_COLUMNS  # an older file's columns
from tests.conftest import child_env, run_process

Cli = Callable[..., Any]


@pytest.fixture
def registered(make_accounts: Callable[..., dict[str, str]]) -> dict[str, str]:
    return make_accounts(("solo", {"editors": [("Ida Ek", "ida.ek@helsingborg.se")]}), ("fine", {}))


def test_run_prints_a_summary_by_rule_and_department(cli: Cli, registered: dict[str, str]) -> None:
    result = cli("audit", "run", "--quarter", "2026Q4")
    assert result.code == 0, result.err
    # judged as of the quarter's last day, or today while it runs (a CLI has the real clock)
    assert re.match(
        r"Granskning 2026Q4 bedömd per 2026-1[12]-\d\d \(körning 2026Q4-1\): 2 aktiva konton, "
        r"4 avvikelser", result.out)
    assert "single-editor" in result.out and "Svara så fort som möjligt" in result.out
    assert "Kulturförvaltningen" in result.out and "(registret)" in result.out
    listing = cli("audit", "list")
    assert "2026Q4-1" in listing.out and "kvartalsgranskning" in listing.out.lower()


def test_user_errors_are_messages_and_exit_2(cli: Cli, registered: dict[str, str]) -> None:
    for args, expected in (
        (("audit", "run", "--quarter", "2026Q5"), "är inget kvartal"),
        (("audit", "run", "--as-of", "2026-13-01"), "är inget datum"),
        (("audit", "export", "--output", "x.csv"), "Det finns ingen granskning ännu"),
        (("audit", "diff", "2026Q3", "2026Q4"), "Det finns ingen granskning ännu"),
        (("revision", "record", "2030-01-01"), "ligger efter i dag"),
    ):
        result = cli(*args)
        assert (result.code, result.out) == (2, ""), args
        assert expected in result.err and "Traceback" not in result.err


def test_export_writes_the_file(cli: Cli, registered: dict[str, str], tmp_path: Path) -> None:
    cli("audit", "run", "--quarter", "2026Q4")
    target = tmp_path / "fynd.csv"
    result = cli("audit", "export", "--quarter", "2026Q4", "--output", str(target))
    assert result.code == 0 and str(target) in result.out
    table = list(csv.reader(io.StringIO(target.read_bytes().decode("utf-8-sig")), delimiter=";"))
    assert table[0][0] == "quarter" and len(table) == 5
    report = tmp_path / "fynd.md"
    assert cli("audit", "export", "--output", str(report), "--format", "md").code == 0
    assert report.read_text("utf-8").startswith("# Granskning av sociala medier 2026Q4")
    missing = cli("audit", "export", "--output", str(tmp_path / "nope" / "x.csv"))
    assert missing.code == 2 and "Kan inte skriva" in missing.err


def test_ack_waive_show_and_diff(cli: Cli, registered: dict[str, str]) -> None:
    assert cli("audit", "run", "--quarter", "2026Q3").code == 0
    assert cli("audit", "run", "--quarter", "2026Q4").code == 0
    ack = cli("audit", "ack", "single-editor", "facebook:solo", "--note", "Rekrytering pågår")
    assert ack.code == 0 and "kvitterad" in ack.out
    waive = cli(
        "audit",
        "waive",
        "revision-overdue",
        "--reason",
        "Ny riktlinje 2027",
        "--name",
        "Karin Lund",
        "--until",
        "2027-03-31",
    )
    assert waive.code == 0, waive.err
    shown = cli("audit", "show", "--quarter", "2026Q4")
    assert "kvitterad" in shown.out and "undantagen" in shown.out
    assert "Karin Lund" in cli("audit", "waivers").out
    diff = cli("audit", "diff", "2026Q3", "2026Q4")
    assert diff.code == 0 and "0 nya, 0 åtgärdade, 4 kvarstår" in diff.out
    log = cli("log").out
    assert "avvikelse kvitterad" in log or "finding-acknowledged" in log


def test_revision_record_and_status(cli: Cli) -> None:
    status = cli("revision", "status")
    assert status.code == 0
    assert "Ingen revidering är registrerad" in status.out and "2024-03-31" in status.out
    recorded = cli("revision", "record", "2026-10-01", "--note", "Höst")
    assert recorded.code == 0 and "2027-04-01" in recorded.out
    assert "2026-10-01" in cli("revision", "list").out


def test_stats_import_and_export(cli: Cli, registered: dict[str, str], tmp_path: Path) -> None:
    source = tmp_path / "stats.csv"
    source.write_text(
        ",".join(STATS_COLUMNS) + "\nfacebook,solo,2026-10,3,2026-10-02T09:00,,,,,,,,,,4,4\n",
        encoding="utf-8",
    )
    dry = cli("stats", "import", str(source), "--dry-run")
    assert dry.code == 0 and "Provkörning" in dry.out
    assert cli("stats", "import", str(source)).code == 0
    target = tmp_path / "ut.csv"
    exported = cli("stats", "export", str(target), "--delimiter", ",")
    assert exported.code == 0 and "Exporterade 1 månadsrad till" in exported.out
    assert (
        target.read_bytes().splitlines()[1]
        == b"facebook,solo,2026-10,3,2026-10-02T09:00:00+02:00,,,,,,,,,,4,4,,,,,,"
    )
    bad = tmp_path / "bad.csv"
    bad.write_text(
        ",".join(STATS_COLUMNS) + "\nfacebook,nobody,2026-10,3,,,,,,,,,,,,\n", encoding="utf-8"
    )
    refused = cli("stats", "import", str(bad))
    assert refused.code == 2 and f"{bad}:2: handle:" in refused.err


def test_a_real_process_in_swedish(
    data_dir: Path, registered: dict[str, str], tmp_path: Path
) -> None:
    env = child_env(KONTOKOLL_LANG="sv")
    run = run_process("--data-dir", str(data_dir), "audit", "run", "--as-of", "2026-11-28", env=env)
    assert run.returncode == 0, run.stderr
    assert "Granskning 2026Q4 bedömd per 2026-11-28" in run.stdout
    out = tmp_path / "f.csv"
    export = run_process(
        "--data-dir", str(data_dir), "audit", "export", "--output", str(out), env=env
    )
    assert export.returncode == 0 and out.read_bytes().startswith(b"\xef\xbb\xbfquarter;")
    bad = run_process("--data-dir", str(data_dir), "audit", "diff", "2026Q1", "2026Q4", env=env)
    assert bad.returncode == 2 and "Kvartalet 2026Q1 har inte granskats" in bad.stderr
    assert "Traceback" not in bad.stderr
