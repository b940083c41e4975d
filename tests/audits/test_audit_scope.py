"""An audit judges an account only from the day it was registered (``Account.created``).

An account registered after the judged day D did not exist then: it is left out of the run and
the run says how many were (``audit run``); accounts that existed are judged as before. The
random test checks the engine against a second, independent statement of the rule: the
accounts judged are exactly those whose registration moment falls before the end of D in
Stockholm (tests/audits/test_registration_stamp.py has the offsets).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from audits.quarters import Quarter
from audits.service import AuditService
from governance.errors import StoreCorrupt
from governance.monthly import STOCKHOLM
from governance.register import Register
from governance.store import Store, repos
from tests.audits.conftest import account_row
from tests.conftest import FIXED_NOW, CliResult


def _register_now(store: Store, *handles: str, **values: Any) -> None:
    """Accounts registered at FIXED_NOW (2026-11-28), with no purpose (a finding each)."""
    register = Register(store, user="tester", clock=lambda: FIXED_NOW)
    rows = [account_row(n + 2, h, purpose="", **values) for n, h in enumerate(handles)]
    register.import_rows(rows, "<test>")


def _set_created(store: Store, created: dict[str, datetime]) -> None:
    with store.write() as txn:
        accounts = repos(txn).accounts
        for account in accounts.all():
            if account.handle in created:
                accounts.put(account.with_changes(created=created[account.handle]), account)


def test_an_earlier_quarter_does_not_judge_accounts_registered_later(
    store: Store, cli: Callable[..., CliResult]
) -> None:
    _register_now(store, "ny", "nyare", editors=[])
    result = cli("audit", "run", "--quarter", "2026Q2")
    assert result.code == 0, result.err
    assert "2 konton registrerade efter 2026-06-30 ingår inte" in result.out
    assert "no-editors" not in result.out and "no-purpose" not in result.out
    [run] = AuditService(store).runs()
    assert (run.accounts, run.registered_later) == (0, 2)  # (stored with the run)


def test_the_day_of_registration_is_judged_and_the_current_quarter_unchanged(
    store: Store, service: AuditService
) -> None:
    _register_now(store, "idag")
    on_the_day = service.run(Quarter(2026, 4), as_of=FIXED_NOW.date())
    assert "no-purpose" in [i.finding.rule for i in on_the_day.items if i.finding.handle == "idag"]
    assert on_the_day.info.registered_later == 0
    day_before = service.run(Quarter(2026, 4), as_of=FIXED_NOW.date() - timedelta(days=1))
    assert not [i for i in day_before.items if i.finding.handle == "idag"]
    assert day_before.info.registered_later == 1


def test_an_account_retired_before_the_quarter_is_judged_as_retired(
    store: Store, make_accounts: Callable[..., dict[str, str]], service: AuditService
) -> None:
    """Registered long ago, retired before Q3 began: judged by the retired accounts' rules
    (none of an active account's), as before."""
    make_accounts(("gammal", {"status": "retired", "purpose": ""}))
    report = service.run(Quarter(2026, 3))
    assert report.info.accounts == 0 and report.info.registered_later == 0
    assert not [i for i in report.items if i.finding.handle == "gammal"]


def test_a_malformed_registration_stamp_stops_the_run_naming_the_file(
    store: Store, service: AuditService
) -> None:
    _register_now(store, "trasig")
    [path] = [p for p in (store.data_dir / "register" / "accounts").glob("*.json")
              if "trasig" in p.read_text(encoding="utf-8")]
    text = path.read_text(encoding="utf-8")
    stamp = '"created":"' + FIXED_NOW.isoformat()[:10]
    assert stamp in text
    path.write_text(text.replace(stamp, '"created":"2026-13-45'), encoding="utf-8")
    with pytest.raises(StoreCorrupt) as refused:
        service.run(Quarter(2026, 4))
    assert path.name in str(refused.value)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_accounts_judged_are_those_registered_by_the_day(
    store: Store, service: AuditService, seed: int
) -> None:
    rng = random.Random(seed)
    handles = [f"konto{n}" for n in range(40)]
    _register_now(store, *handles)
    first = datetime(2025, 12, 31, 20, 0, tzinfo=UTC)
    created = {h: first + timedelta(minutes=rng.randrange(0, 24 * 60 * 330)) for h in handles}
    _set_created(store, created)
    # Among the days: the UTC days of stamps late in the evening (their Stockholm day is the next).
    late = [m.date() for m in created.values() if m.hour >= 22]
    for as_of in sorted({date(2026, 3, 31), date(2026, 6, 30), *(
        (first + timedelta(days=rng.randrange(0, 330))).date() for _ in range(3)
    ), *late[:2]}):
        report = service.run(Quarter.of(as_of), as_of=as_of)
        judged = {i.finding.handle for i in report.items if i.finding.rule == "no-purpose"}
        # The rule again, from the other end: a registration moment and the day's last instant.
        end_of_day = datetime.combine(as_of + timedelta(days=1), datetime.min.time(), STOCKHOLM)
        existing = {h for h, moment in created.items() if moment < end_of_day}
        assert judged == existing
        assert report.info.accounts == len(existing)
        assert report.info.registered_later == len(handles) - len(existing)
