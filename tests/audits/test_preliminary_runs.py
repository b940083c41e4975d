"""A run judged before its quarter's last day is preliminary: ``audit run --as-of`` on a day past
never makes it the run that counts over the quarter's final run (nor over one judged later)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest

from audits import schedule
from audits.quarters import Quarter
from audits.runs import latest_runs
from audits.service import AuditService
from governance.monthly import STOCKHOLM
from tests.conftest import CliResult

Q3, Q4 = Quarter(2026, 3), Quarter(2026, 4)
Cli = Callable[..., CliResult]


@pytest.fixture
def final_q3(make_accounts: Callable[..., dict[str, str]], service: AuditService) -> AuditService:
    """Q3 audited after its end (final, as of 09-30), then Q4 part-way (today is 2026-11-28)."""
    make_accounts(("solo", {"editors": [("Ida Ek", "ida.ek@helsingborg.se")]}), ("fine", {}))
    assert service.run(Q3).info.as_of == Q3.last_day
    service.run(Q4)
    return service


def test_a_past_as_of_never_replaces_the_final_run(final_q3: AuditService) -> None:
    final = final_q3.report(Q3).info
    late = final_q3.run(as_of=date(2026, 7, 2)).info
    assert (late.quarter, late.as_of, late.id) == (Q3, date(2026, 7, 2), "2026Q3-3")
    assert [r.id for r in final_q3.runs()] == ["2026Q3-1", "2026Q4-2", "2026Q3-3"]  # kept
    assert final_q3.report(Q3).info.id == final.id == "2026Q3-1"
    assert final_q3.diff(Q3, Q4).old.id == "2026Q3-1"
    assert final_q3.previous_diff(Q4) is not None
    assert final_q3.worklist(Q3).run.info.id == "2026Q3-1"
    due = final_q3.next_audit()  # Q3 stays done: the next audit is Q4's, not an overdue Q3
    assert (due.quarter, due.overdue, due.preliminary) == (Q4, False, True)


def test_a_later_run_takes_first_seen_from_the_final_run(final_q3: AuditService) -> None:
    final_q3.run(as_of=date(2026, 7, 2))
    report = final_q3.run(Q4)
    solo = next(i.finding for i in report.items if i.finding.rule == "single-editor")
    assert solo.first_seen == Q3.last_day  # not 07-02, the day of the preliminary run


def test_of_preliminary_runs_the_one_judged_latest_counts(
    make_accounts: Callable[..., dict[str, str]], service: AuditService
) -> None:
    make_accounts(("solo", {}))
    today = service.run(Q4).info  # as of 2026-11-28, preliminary
    service.run(as_of=date(2026, 10, 5))
    assert service.report(Q4).info.id == today.id
    again = service.run(Q4).info  # a re-run as of the same day: the latest counts
    assert service.report(Q4).info.id == again.id


def test_a_later_final_run_counts_and_a_preliminary_one_counts_until_then(
    make_accounts: Callable[..., dict[str, str]], service: AuditService
) -> None:
    make_accounts(("solo", {}))
    early = service.run(as_of=date(2026, 8, 1)).info
    assert service.report(Q3).info.id == early.id  # the quarter's only run counts, for now
    first = service.run(Q3).info
    second = service.run(Q3).info
    service.run(as_of=date(2026, 9, 29))
    assert service.report(Q3).info.id == second.id != first.id
    runs = service.runs()
    assert schedule.next_audit(latest_runs(runs), date(2026, 11, 28)).quarter == Q4


def test_a_run_on_the_last_day_itself_is_final(
    make_accounts: Callable[..., dict[str, str]], service: AuditService
) -> None:
    make_accounts(("solo", {}))
    service._clock = lambda: datetime(2026, 9, 30, 20, tzinfo=UTC)  # 22:00 in Stockholm
    on_the_day = service.run(Q3).info
    service._clock = lambda: datetime(2026, 11, 28, 9, tzinfo=UTC)
    service.run(as_of=date(2026, 9, 1))
    assert service.report(Q3).info.id == on_the_day.id


def _ended_quarter() -> Quarter:
    """The quarter before today's (the CLI runs on the real clock)."""
    return Quarter.of(datetime.now(STOCKHOLM).date()).previous()


def test_the_cli_says_a_past_as_of_run_does_not_count(
    cli: Cli, make_accounts: Callable[..., dict[str, str]]
) -> None:
    make_accounts(("solo", {"editors": [("Ida Ek", "ida.ek@helsingborg.se")]}))
    ended = _ended_quarter()
    assert cli("audit", "run", "--quarter", str(ended)).code == 0
    result = cli("audit", "run", "--as-of", ended.first_day.isoformat())
    assert result.code == 0, result.err
    assert f"Körning {ended}-2 är preliminär" in result.err
    assert f"Den ersätter inte {ended}-1 (bedömd per {ended.last_day})" in result.err
    listing = cli("audit", "list").out
    counting = re.search(rf"^{ended}-1 .*✓$", listing, re.M)
    assert counting is not None and re.search(rf"^{ended}-2 .*✓$", listing, re.M) is None
    assert "skulle ha gjorts" not in listing
    assert cli("audit", "show", "--quarter", str(ended)).out.startswith(
        f"Kvartal {ended}, körning {ended}-1:"
    )


def test_the_cli_says_how_to_finish_a_quarter_with_only_a_preliminary_run(
    cli: Cli, make_accounts: Callable[..., dict[str, str]]
) -> None:
    make_accounts(("solo", {}))
    ended = _ended_quarter()
    result = cli("--lang", "en", "audit", "run", "--as-of", ended.first_day.isoformat())
    assert result.code == 0, result.err
    assert f"Run {ended}-1 is preliminary" in result.err
    assert f"kontokoll audit run --quarter {ended}" in result.err
    assert "preliminär" not in cli("audit", "run", "--quarter", str(ended)).err  # now final


def test_a_run_of_the_current_quarter_says_nothing_more(
    cli: Cli, make_accounts: Callable[..., dict[str, str]]
) -> None:
    make_accounts(("solo", {}))
    result = cli("audit", "run")
    assert result.code == 0 and "preliminär" not in result.err
