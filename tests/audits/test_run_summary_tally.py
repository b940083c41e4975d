"""What ``audit run`` counts in one pass: its summary tables, its totals and the first-seen days.

The summary's two tables are counted in one pass over the findings (``_Tally``) and its totals
taken from the counts the run stored; a run without an earlier quarter keeps its findings as the
evaluation stamped them. Each is compared here with the slow, obvious way on random findings.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from audits.engine import Finding
from audits.quarters import Quarter
from audits.rules import RULE_IDS
from audits.runs import AuditRun, ReportItem, RunInfo
from audits.service import AuditReport, AuditService, _first_seen
from audits.settings import AuditSettings
from governance.store import Store
from kontokoll.cli.audit_summary import _Tally

D = date(2026, 12, 31)
DEPARTMENTS = ("", "Kulturförvaltningen", "Miljöförvaltningen", "kulturförvaltningen", "Ö")
STATUSES = ("open", "acknowledged", "waived")


def _findings(rng: random.Random, count: int) -> list[Finding]:
    return [
        Finding(
            rng.choice(RULE_IDS),
            rng.choice(("critical", "warning")),
            f"id{n % 40}",
            "facebook",
            f"konto{n % 40}",
            rng.choice(DEPARTMENTS),
            first_seen=D - timedelta(days=rng.randrange(3) * 91),
        )
        for n in range(count)
    ]


def _report(rng: random.Random, count: int) -> AuditReport:
    findings = _findings(rng, count)
    counts = dict(Counter(f.severity for f in findings))
    at = datetime(2026, 12, 31, 12, tzinfo=UTC)
    info = RunInfo("2026Q4-1", 1, Quarter.parse("2026Q4"), D, at, "test", 40, counts)
    items = tuple(ReportItem(f, rng.choice(STATUSES)) for f in findings)
    return AuditReport(AuditRun(info, AuditSettings(), tuple(findings)), items)


@pytest.mark.parametrize("seed", range(8))
def test_one_pass_counts_what_grouping_the_report_gives(seed: int) -> None:
    report = _report(random.Random(seed), random.Random(seed).randrange(0, 400))
    tally = _Tally(report)
    by_rule = report.by_rule()
    assert list(tally.rules) == [r for r in dict.fromkeys(i.finding.rule for i in report.items)]
    assert {r: tally.first[r] for r in RULE_IDS if r in tally.rules} == {
        rule: items[0].finding.severity for rule, items in by_rule.items()
    }
    assert tally.rules == {
        rule: [len(items), sum(i.status == "open" for i in items)]
        for rule, items in by_rule.items()
    }
    assert tally.departments == {
        department: [
            sum(i.finding.severity == "critical" for i in items),
            sum(i.finding.severity == "warning" for i in items),
            sum(i.status == "open" for i in items),
        ]
        for department, items in report.by_department().items()
    }


@pytest.mark.parametrize("seed", range(6))
def test_first_seen_days_are_carried_as_before(seed: int) -> None:
    """The earlier quarter's days where it had the finding, else D; with no earlier run the
    evaluation's own findings (every one first seen on D) come back unchanged."""
    rng = random.Random(seed)
    fresh = tuple(f.first_seen_on(D) for f in _findings(rng, 300))
    assert _first_seen(fresh, {}, D) is fresh
    seen = {f.key: D - timedelta(days=rng.randrange(1, 400)) for f in fresh if rng.random() < 0.4}
    carried = _first_seen(fresh, seen, D)
    assert [f.first_seen for f in carried] == [seen.get(f.key, D) for f in fresh]
    assert [f.first_seen_on(D) for f in carried] == list(fresh)  # (nothing else changed)


def test_the_printed_totals_are_the_stored_runs_counts(
    cli: Callable[..., Any], make_accounts: Callable[..., dict[str, str]], store: Store
) -> None:
    make_accounts(
        ("solo", {"editors": [("Ida Ek", "ida.ek@helsingborg.se")]}),
        ("nobody", {"editors": []}),
        ("fine", {}),
    )
    result = cli("audit", "run", "--quarter", "2026Q4")
    assert result.code == 0, result.err
    shown = re.search(r"(\d+) avvikelser \((\d+) kritiska, (\d+) varningar\)", result.out)
    assert shown is not None, result.out
    stored = AuditService(store).report("2026Q4")
    severities = Counter(item.finding.severity for item in stored.items)
    total, critical, warning = (int(n) for n in shown.groups())
    assert (total, critical, warning) == (
        len(stored.items),
        severities["critical"],
        severities["warning"],
    )
    assert critical > 0 and warning > 0
