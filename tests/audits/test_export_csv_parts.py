"""The findings CSV is made of parts shared between rows (an account's cells, the rest of a row
with its line end) encoded once each: on random runs whose findings share accounts, messages,
days and statuses in every mix, its bytes are those of the general writer."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime

import pytest

from audits.engine import Finding
from audits.exports import CSV_COLUMNS, ReportItem, findings_csv, rule_title
from audits.quarters import Quarter
from audits.runs import AuditRun, RunInfo
from audits.settings import AuditSettings
from governance.csvio import render_csv

Q4 = Quarter(2026, 4)
TEXTS = ("", "h", "=1+1", "+46", "a;b", "a,b", 'sa "hej"', "rad\r\nbrytning", "'=x", "Å – ”c”")
STATUSES = ("open", "acknowledged", "waived")


def _finding(rng: random.Random) -> Finding:
    account = rng.randrange(6)  # a few accounts, so that most rows share an account's cells
    seen = rng.choice((None, date(2026, 12, 31), date(2026, 9, 30)))
    if rng.random() < 0.5:  # a message with values: 1, 1.0 and True are equal keys
        days = rng.choice((61, 61.0, True, 400))
        return Finding("inactive", "critical", f"a{account}", "facebook", TEXTS[account],
                       rng.choice(TEXTS), params={"days": days, "setting": "inactive_days",
                                                  "limit": 60, "latest": "2026-07-01"},
                       first_seen=seen, responsible=rng.choice(TEXTS))  # fmt: skip
    return Finding(rng.choice(("no-purpose", "no-editors")), rng.choice(("critical", "warning")),
                   f"a{account}", rng.choice(("x", "instagram")), TEXTS[account],
                   TEXTS[-account - 1], first_seen=seen, responsible=rng.choice(TEXTS))  # fmt: skip


def _general(items: list[ReportItem], delimiter: str) -> bytes:
    rows = []
    for item in items:
        f = item.finding
        seen = f.first_seen.isoformat() if f.first_seen else ""
        cells = (f.rule, f.severity, f.message, f.guideline, item.status, seen)
        rows.append((str(Q4), f.platform, f.handle, f.department, *cells, rule_title(f.rule),
                     f.responsible))  # fmt: skip
    return render_csv(CSV_COLUMNS, rows, delimiter)


@pytest.mark.parametrize("seed", range(20))
def test_random_runs_match_the_general_writer_byte_for_byte(seed: int) -> None:
    rng = random.Random(seed)
    findings = tuple(_finding(rng) for _ in range(rng.randrange(0, 60)))
    info = RunInfo("2026Q4-1", 1, Q4, date(2026, 12, 31), datetime(2027, 1, 2, tzinfo=UTC),
                   "tester", len(findings), {})  # fmt: skip
    run = AuditRun(info, AuditSettings(), findings)
    items = [ReportItem(f, rng.choice(STATUSES)) for f in findings]
    for delimiter in (";", ","):
        made = findings_csv(run, items, delimiter)
        assert made == _general(items, delimiter)
        assert made.count(b"\r\n") >= len(items) + 1  # (the header and every row end a line)
