"""``waiver_max_days`` as settings.toml has it now, and waivers stored longer than the limit.

``audit waive`` reads the current settings (checked as ``audit settings`` checks them), not the
latest run's; a waiver already stored longer than the limit (a hand edit, or one from before the
limit) covers audits only to its quarter's last day + the judging run's ``waiver_max_days``, and
the finding then says the waiver ran out; ``audit waivers`` shows where it was cut.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from audits.quarters import Quarter
from audits.runs import Waiver, save_waiver
from audits.service import AuditService
from governance.store import Store
from tests.conftest import CliResult

Cli = Callable[..., CliResult]
WAIVE = ("audit", "waive", "single-editor", "facebook:solo", "--reason", "Rekrytering",
         "--name", "Karin Lund", "--quarter", "2026Q3", "--until")  # fmt: skip


@pytest.fixture
def judged(make_accounts: Callable[..., dict[str, str]], service: AuditService) -> AuditService:
    make_accounts(("solo", {"editors": [("Ida Ek", "ida.ek@helsingborg.se")]}))
    service.run(Quarter(2026, 3))  # judged as of 2026-09-30, with the default 366 days
    return service


def _settings(data_dir: Path, text: str) -> None:
    (data_dir / "settings.toml").write_text(f"[audit]\n{text}\n", encoding="utf-8")


def test_waive_reads_the_limit_set_after_the_latest_run(
    cli: Cli, data_dir: Path, judged: AuditService
) -> None:
    _settings(data_dir, "waiver_max_days = 1")
    result = cli(*WAIVE, "2026-10-02")
    assert result.code == 2 and "Traceback" not in result.err
    assert "mer än 1 dag efter granskningens dag 2026-09-30" in result.err
    assert "gäller högst 1 dag (" in result.err and "senast 2026-10-01" in result.err
    assert judged.waivers() == []
    assert cli(*WAIVE, "2026-10-01").code == 0


def test_the_limit_comes_back_to_the_default_when_the_setting_goes(
    cli: Cli, data_dir: Path, make_accounts: Callable[..., dict[str, str]],
    service: AuditService,
) -> None:  # fmt: skip
    _settings(data_dir, "waiver_max_days = 1")
    make_accounts(("solo", {"editors": [("Ida Ek", "ida.ek@helsingborg.se")]}))
    service.run(Quarter(2026, 3))  # a run with the limit 1
    (data_dir / "settings.toml").unlink()
    result = cli(*WAIVE, "2027-10-01")  # 366 days: the default's limit
    assert result.code == 0, result.err
    assert [w.until for w in service.waivers()] == [date(2027, 10, 1)]


@pytest.mark.parametrize("value", ["0", "-1", "100000", '"x"', "true", "1.5"])
def test_waive_refuses_a_bad_limit_naming_the_file_and_the_key(
    cli: Cli, data_dir: Path, judged: AuditService, value: str
) -> None:
    _settings(data_dir, f"waiver_max_days = {value}")
    result = cli(*WAIVE, "2026-10-01")
    assert result.code != 0 and "Traceback" not in result.err
    assert "settings.toml" in result.err and "audit.waiver_max_days" in result.err
    assert judged.waivers() == []


def _hand_edited_waiver(store: Store, service: AuditService) -> None:
    """A waiver of the Q3 finding until 2100-12-31, as a hand edit (or an older Kontokoll) left."""
    items = service.report(Quarter(2026, 3)).items
    [finding] = [i.finding for i in items if i.finding.rule == "single-editor"]
    waiver = Waiver(key=finding.key, rule=finding.rule, account_id=finding.account_id,
                    ref=finding.ref, reason="Rekrytering", name="Karin Lund",
                    since=Quarter(2026, 3), until=date(2100, 12, 31))  # fmt: skip
    with store.write() as txn:
        save_waiver(txn, waiver)


def test_a_waiver_stored_longer_than_the_limit_runs_out_at_it(
    store: Store, judged: AuditService
) -> None:
    _hand_edited_waiver(store, judged)
    later = AuditService(store, user="tester", clock=lambda: datetime(2028, 1, 15, tzinfo=UTC))
    within = later.run(Quarter(2027, 4), as_of=date(2027, 10, 1))  # 2026-09-30 + 366 days
    [kept] = [i for i in within.items if i.finding.rule == "single-editor"]
    assert kept.status == "waived"
    past = later.run(Quarter(2027, 4), as_of=date(2027, 10, 2))
    [open_] = [i for i in past.items if i.finding.rule == "single-editor"]
    assert open_.status == "open"
    assert "gick ut 2027-10-01" in open_.note and "2100-12-31" in open_.note
    assert later.waivers(active_on=date(2027, 10, 2)) == []
    assert len(later.waivers(active_on=date(2027, 10, 1))) == 1


def test_the_waiver_list_shows_where_the_limit_cut_it(
    cli: Cli, store: Store, judged: AuditService
) -> None:
    _hand_edited_waiver(store, judged)
    result = cli("audit", "waivers", "--all")
    assert result.code == 0, result.err
    assert "gäller till 2027-10-01 (waiver_max_days), inte 2100-12-31" in result.out
