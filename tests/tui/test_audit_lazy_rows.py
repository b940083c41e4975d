"""The audit tab's first paint does less: the worklist's rows make their texts only when asked
(drawn, filtered or warmed by the worker), the table sorts and filters once per read, and the
worker's read pauses the cyclic collector only while it reads."""

from __future__ import annotations

import gc
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from textual.widgets import Input

from audits.engine import Finding
from audits.quarters import Quarter
from audits.runs import Acknowledgement, AuditRun, Reviews, RunInfo, Waiver
from audits.settings import AuditSettings
from audits.worklist import RESOLVED, build_worklist, days_between
from governance import text_safety
from governance.i18n import t
from screens.audit.prepared import prepare, read_prepared
from screens.services import Services
from screens.view_models import QuarterAudit, rule_title
from screens.widgets import finding_rows
from screens.widgets.finding_rows import UNKNOWN, FindingRow, sorted_order, status_label, warm
from screens.widgets.findings_table import FindingsTable

from .conftest import make_app
from .helpers import screen_text, settle

Q4 = Quarter.parse("2026Q4")
AS_OF = date(2026, 12, 31)


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Count the texts the rows make (every row's account or department goes through it)."""
    made: list[str] = []
    original: Callable[[str], str] = text_safety.visible

    def visible(text: str) -> str:
        made.append(text)
        return original(text)

    monkeypatch.setattr(finding_rows, "visible", visible)
    return made


def test_rows_make_their_texts_when_asked_and_once(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = _counting(monkeypatch)
    view = services.audit_view(services.default_quarter())
    rows = prepare(view).rows
    assert len(rows) > 20 and made == []  # 20,000 rows at 10,000 accounts: no texts yet
    row = next(r for r in rows if r.item.finding.account_id)
    first = row.cells
    assert made and len(made) <= 3  # account, department, who answers: one row's worth
    warm(rows)
    count = len(made)
    assert all(r.haystack == "\t".join(r.cells).casefold() for r in rows)
    assert row.cells is first and len(made) == count  # kept, never made twice


def test_the_texts_are_those_the_row_shows(services: Services) -> None:
    view = services.audit_view(services.default_quarter())
    assert view.worklist is not None
    rows = prepare(view).rows
    assert any(row.status == RESOLVED for row in rows)
    for row in rows:
        finding, item = row.item.finding, row.item
        account, department, rule, severity, status, first, days, answers = row.cells
        assert account == (finding.ref if finding.account_id else t("audit.register_scope"))
        assert department == (finding.department or t("audit.register_scope"))
        assert rule == rule_title(finding.rule)
        assert severity == t(f"audit.severity.{finding.severity}")
        assert status == status_label(item.status)
        assert first == (finding.first_seen.isoformat() if finding.first_seen else UNKNOWN)
        assert days == (str(item.days_open) if item.days_open is not None else UNKNOWN)
        assert answers == (finding.responsible or t("audit.register_scope"))


def _finding(account: str, severity: str, first: date | None) -> Finding:
    return Finding("no-stats", severity, account, "facebook", f"h{account}", "Kultur", "message",
                   {}, first, "Kultur")  # fmt: skip


def _run(*findings: Finding) -> AuditRun:
    at = datetime(2027, 1, 2, tzinfo=UTC)
    info = RunInfo("2026Q4-1", 1, Q4, AS_OF, at, "test", len(findings), {})
    return AuditRun(info, AuditSettings(), findings)


def test_the_worklist_gives_each_finding_its_own_age_and_review() -> None:
    at = datetime(2027, 1, 3, tzinfo=UTC)
    old, new, unknown = date(2026, 1, 1), date(2026, 12, 30), None
    run = _run(_finding("a1", "critical", old), _finding("a2", "warning", new),
               _finding("a3", "warning", unknown), _finding("a4", "warning", old))  # fmt: skip
    ack = Acknowledgement(Q4, "no-stats:a1", "Seen", "lead", at)
    ack2 = Acknowledgement(Q4, "no-stats:a2", "Seen too", "lead", at)
    waiver = Waiver("no-stats:a2", "no-stats", "a2", "facebook:ha2", "Pilot", "AKN", Q4,
                    date(2027, 3, 31))  # fmt: skip
    reviews = Reviews({(Q4, ack.key): ack, (Q4, ack2.key): ack2}, {waiver.key: (waiver,)})
    worklist = build_worklist(run, reviews)
    items = {item.key: item for item in worklist.items}
    assert [items[f"no-stats:a{n}"].days_open for n in (1, 2, 3, 4)] == [364, 1, None, 364]
    assert items["no-stats:a1"].status == "acknowledged" and items["no-stats:a1"].waiver is None
    waived = items["no-stats:a2"]
    assert waived.status == "waived" and waived.waiver == waiver and waived.acknowledgement == ack2
    assert [i.status for i in worklist.items][2:] == ["open", "open"]
    assert [r.status for r in worklist.report_items] == ["acknowledged", "waived", "open", "open"]
    assert days_between(old, AS_OF) == 364


def test_an_unknown_value_sorts_last_both_ways_and_severity_first() -> None:
    run = _run(_finding("a1", "warning", date(2026, 6, 1)), _finding("a2", "critical", None),
               _finding("a3", "warning", date(2026, 12, 1)), _finding("a4", "critical",
               date(2026, 1, 1)))  # fmt: skip
    rows = [FindingRow(item) for item in build_worklist(run, Reviews()).items]
    assert sorted_order(rows, "severity", False) == [1, 3, 0, 2]  # stable within a severity
    assert sorted_order(rows, "days_open", False) == [2, 0, 3, 1]
    assert sorted_order(rows, "days_open", True) == [3, 0, 2, 1]
    assert sorted_order(rows, "first_seen", True) == [2, 0, 3, 1]
    assert sorted_order(rows, "account", True) == [3, 2, 1, 0]


def test_the_read_pauses_the_collector_only_while_it_reads(services: Services) -> None:
    quarter = services.default_quarter()
    seen: list[bool] = []

    def read() -> QuarterAudit:
        seen.append(gc.isenabled())
        return services.audit_view(quarter)

    assert gc.isenabled()
    view, ready = read_prepared(read, ())
    assert seen == [False] and gc.isenabled()
    assert view.worklist is not None and len(ready.rows) == len(view.worklist.items)

    def failing() -> Any:
        raise RuntimeError("disk gone")

    with pytest.raises(RuntimeError):
        read_prepared(failing, ())
    assert gc.isenabled()


async def test_the_filter_finds_texts_of_rows_never_drawn(services: Services) -> None:
    app = make_app(services, start="audit")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(FindingsTable)
        # Far below the screen, never drawn: its texts were made by the worker.
        last = next(r for r in reversed(table.visible_rows) if r.item.finding.account_id)
        handle = last.item.finding.handle
        app.screen.query_one("#worklist-filter", Input).value = handle
        await settle(pilot)
        shown = table.visible_rows
        assert last.key in {r.key for r in shown} and table.shown < table.total
        assert all(handle.casefold() in r.haystack for r in shown)
        assert handle[:8] in screen_text(app)
