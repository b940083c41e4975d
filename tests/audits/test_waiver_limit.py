"""A waiver is temporary: at most ``waiver_max_days`` (AKN's, default 366) past the day its run
judged, checked by the core service, so the CLI and the app's dialog both refuse a longer one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from audits.quarters import Quarter
from audits.service import AuditService
from governance.errors import FieldError

Cli = Callable[..., Any]


@pytest.fixture
def judged(make_accounts: Callable[..., dict[str, str]], service: AuditService) -> AuditService:
    make_accounts(("solo", {"editors": [("Ida Ek", "ida.ek@helsingborg.se")]}))
    service.run(Quarter(2026, 3))
    return service


def _waive(service: AuditService, days: int) -> None:
    as_of = Quarter(2026, 3).last_day
    service.waive("single-editor", "facebook:solo", reason="Rekrytering", name="Karin Lund",
                  until=as_of + timedelta(days=days))  # fmt: skip


def test_a_waiver_up_to_the_limit_is_taken_and_one_day_more_refused(judged: AuditService) -> None:
    with pytest.raises(FieldError) as refused:
        _waive(judged, 367)
    assert refused.value.field == "until"
    assert "gäller högst 366 dagar" in str(refused.value) and "2027-10-01" in str(refused.value)
    assert judged.waivers() == []  # nothing stored
    _waive(judged, 366)
    assert [w.until.isoformat() for w in judged.waivers()] == ["2027-10-01"]


def test_the_cli_refuses_a_permanent_waiver(cli: Cli, judged: AuditService) -> None:
    args = ("audit", "waive", "single-editor", "facebook:solo", "--reason", "Rekrytering",
            "--name", "Karin Lund", "--quarter", "2026Q3", "--until")  # fmt: skip
    result = cli(*args, "2100-12-31")
    assert result.code == 2 and "Traceback" not in result.err
    assert "2100-12-31 ligger mer än 366 dagar efter granskningens dag 2026-09-30" in result.err
    assert "waiver_max_days" in result.err
    assert cli("audit", "waivers").out.count("Karin Lund") == 0


def test_the_limit_is_a_setting(
    data_dir: Path, make_accounts: Callable[..., dict[str, str]], service: AuditService
) -> None:
    (data_dir / "settings.toml").write_text("[audit]\nwaiver_max_days = 30\n", encoding="utf-8")
    make_accounts(("solo", {"editors": [("Ida Ek", "ida.ek@helsingborg.se")]}))
    service.run(Quarter(2026, 3))
    with pytest.raises(FieldError):
        _waive(service, 31)
    _waive(service, 30)
    assert len(service.waivers()) == 1
