"""The quarterly report on the demo register (stats synced from the platform emulation)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from audits.quarters import Quarter
from audits.report.data import ReportService
from audits.report.document import render_report
from governance.model import Account, department_key
from governance.monthly import MonthlyStats
from governance.store import Store, repos
from kontokoll.demo_setup import prepare_demo
from tests.audits.report_support import ParsedReport, number, parse_report, percent, svgs
from tests.conftest import FIXED_NOW

QUARTER = Quarter.of(FIXED_NOW.date())


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    store = Store(prepare_demo(tmp_path_factory.mktemp("report-demo"), now=FIXED_NOW))
    yield store
    store.close()


@pytest.fixture(scope="module")
def stored(demo_store: Store) -> tuple[list[Account], dict[str, dict[str, MonthlyStats]]]:
    with demo_store.read() as txn:
        accounts = repos(txn).accounts.all()
        stats = {
            account_id: {m.month: m for m in months}
            for account_id, months in repos(txn).stats.all().items()
        }
    return accounts, stats


@pytest.fixture(scope="module")
def city(demo_store: Store) -> tuple[str, ParsedReport]:
    report = ReportService(demo_store, clock=lambda: FIXED_NOW).build()
    html = render_report(report, FIXED_NOW.date()).decode("utf-8")
    return html, parse_report(html)


def _interactions(month: MonthlyStats, reported: set[str]) -> int | None:
    """The definition, written out again: the parts the account ever reports, all known."""
    parts = {"reactions": month.reactions, "comments": month.comments, "shares": month.shares,
             "saves": month.saves}  # fmt: skip
    wanted = [value for name, value in parts.items() if name in reported]
    if not wanted or any(value is None for value in wanted):
        return None
    return sum(v for v in wanted if v is not None)


def test_every_active_account_is_in_its_department_with_its_stored_figures(
    city: tuple[str, ParsedReport],
    stored: tuple[list[Account], dict[str, dict[str, MonthlyStats]]],
) -> None:
    _html, parsed = city
    accounts, stats = stored
    active = [a for a in accounts if a.status == "active"]
    assert active and {a.id for a in active} <= set(parsed.accounts)
    checked = 0
    for account in active:
        months = stats.get(account.id, {})
        reported = {
            part for part in ("reactions", "comments", "shares", "saves")
            if any(getattr(m, part) is not None for m in months.values())
        }  # fmt: skip
        assert account.ref in parsed.accounts[account.id]
        for month in QUARTER.months:
            row = months.get(month)
            cell = parsed.cells[(account.id, "reach", month)]
            assert number(cell) == (row.reach if row else None), (account.ref, month)
            cell = parsed.cells[(account.id, "new_followers", month)]
            assert number(cell) == (row.new_followers if row else None)
            expected = _interactions(row, reported) if row else None
            assert number(parsed.cells[(account.id, "interactions", month)]) == expected
            rate = parsed.cells[(account.id, "rate", month)]
            if expected is None or row is None or not row.followers:
                assert rate == "okänt"
            else:
                assert percent(rate) == pytest.approx(expected / row.followers, abs=5e-5)
                checked += 1
    assert checked > 0, "the demo should give some known engagement rates"


def test_each_department_section_holds_exactly_its_accounts(
    demo_store: Store, stored: tuple[list[Account], dict[str, dict[str, MonthlyStats]]]
) -> None:
    accounts, _stats = stored
    name = "Kulturförvaltningen"
    service = ReportService(demo_store, clock=lambda: FIXED_NOW)
    parsed = parse_report(render_report(service.build(None, name), FIXED_NOW.date()).decode())
    mine = {a.id for a in accounts if department_key(a.department) == department_key(name)}
    assert parsed.departments == [name]
    assert set(parsed.accounts) <= mine
    assert {a.id for a in accounts if a.id in mine and a.status == "active"} <= set(
        parsed.accounts
    )


def test_every_svg_of_the_city_report_is_well_formed_and_titled(
    city: tuple[str, ParsedReport],
) -> None:
    html, parsed = city
    charts = svgs(html)
    heading = "<h3>Månad för månad</h3>"  # the city's and each department with accounts
    sections = html.count(heading)
    assert sections >= len(parsed.departments)  # an empty department has no charts
    assert len(charts) == 4 * sections + 4 * len(parsed.accounts)
    for chart in charts:
        assert chart.tag == "svg" and chart.get("role") == "img"
        title = chart.find("title")
        assert title is not None and title.text
    assert "<script" not in html and "http" not in html
    assert len(parsed.ids) == len(set(parsed.ids))


def test_the_demo_report_renders_its_findings_and_the_changes(
    city: tuple[str, ParsedReport],
) -> None:
    _html, parsed = city
    assert "Avvikelserna kommer från granskningen" in parsed.text
    assert f"Förändringar sedan {QUARTER.previous()}" in parsed.text
    assert "Registrets egna avvikelser (AKN)" in parsed.text


def test_the_report_file_is_written_by_the_cli(demo_store: Store, tmp_path: Path) -> None:
    from kontokoll.cli.main import main

    target = tmp_path / "rapport.html"
    code = main(["--data-dir", str(demo_store.data_dir), "report", "--output", str(target),
                 "--department", "Kulturförvaltningen"])  # fmt: skip
    assert code == 0
    html = target.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "Kulturförvaltningen" in html


def test_kontaktcenter_gets_the_findings_it_answers_for(demo_store: Store) -> None:
    """KC has no accounts of its own; its section lists the findings the audit made KC's
    (audits.responsibility), and the owning departments' sections no longer do."""
    report = ReportService(demo_store, clock=lambda: FIXED_NOW).build()
    by_name = {section.name: section for section in report.departments}
    kc = by_name["Kontaktcenter"]
    assert kc.findings, "the demo's latest run has findings KC answers for"
    assert all(i.finding.responsible == "Kontaktcenter" for i in kc.findings)
    for name, section in by_name.items():
        if name != "Kontaktcenter":
            assert all(i.finding.responsible in ("", name) for i in section.findings)


def test_kontaktcenter_s_reply_figures_are_those_of_the_accounts_it_answers_on(
    demo_store: Store,
) -> None:
    from audits.report import figures
    from governance.register import Register
    from governance.store import repos

    report = ReportService(demo_store, clock=lambda: FIXED_NOW).build()
    kc = next(s for s in report.departments if s.name == "Kontaktcenter")
    accounts = Register(demo_store).accounts()
    with demo_store.read() as txn:
        rows = dict(repos(txn).stats.all_rows())
    expected: dict[str, tuple[int, int]] = {}
    for account in accounts:
        kinds = {"replies", "questions"} if account.kc_handles_comments else set()
        kinds |= {"dms"} if account.shared else set()
        for reply in figures.quarter_replies(rows.get(account.id, {}), report.quarter.months):
            if reply.kind in kinds and reply.due is not None and reply.on_time is not None:
                due, on_time = expected.get(reply.kind, (0, 0))
                expected[reply.kind] = (due + reply.due, on_time + reply.on_time)
    shown = {r.kind: (r.due, r.on_time) for r in kc.replies if r.due is not None}
    assert expected and shown == expected  # known, and only what KC answers
