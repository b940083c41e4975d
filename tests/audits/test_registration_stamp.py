"""The registration stamp (``created``) that decides an audit's scope, checked where it is read.

A stamp in the future hides an account from every audit: ``audit run`` names the accounts it
leaves out and ``kontokoll doctor`` names a stamp after now. A stamp Kontokoll never writes (no UTC
offset, a year outside 2000–2100) stops the run naming the file and the field. The day of a
stamp is its Stockholm day, however the offset was written.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest

from audits.quarters import Quarter
from audits.service import AuditService
from governance.errors import StoreCorrupt
from governance.register import Register
from governance.store import Store, repos
from tests.audits.conftest import account_row
from tests.conftest import FIXED_NOW, CliResult

Cli = Callable[..., CliResult]


def _register(store: Store, *handles: str, **values: Any) -> None:
    """Accounts with no purpose (a finding each), registered at FIXED_NOW (2026-11-28)."""
    register = Register(store, user="tester", clock=lambda: FIXED_NOW)
    rows = [account_row(n + 2, h, purpose="", **values) for n, h in enumerate(handles)]
    register.import_rows(rows, "<test>")


def _set_created(store: Store, created: dict[str, datetime]) -> None:
    with store.write() as txn:
        accounts = repos(txn).accounts
        for account in accounts.all():
            if account.handle in created:
                accounts.put(account.with_changes(created=created[account.handle]), account)


def _judged(report: Any) -> set[str]:
    return {i.finding.handle for i in report.items if i.finding.rule == "no-purpose"}


def test_a_stamp_in_the_future_is_named_by_the_run_and_by_doctor(store: Store, cli: Cli) -> None:
    _register(store, "idag", "framtid")
    _set_created(store, {"framtid": datetime(2099, 1, 1, 9, 0, tzinfo=UTC)})
    result = cli("audit", "run", "--as-of", "2026-11-28")
    assert result.code == 0, result.err
    assert "1 konto registrerat efter 2026-11-28 ingår inte" in result.out
    assert "Det gäller facebook:framtid." in result.out
    assert "facebook:idag" not in result.out  # (registered on the day: judged)
    doctor = cli("doctor")
    assert doctor.code != 0
    assert "facebook:framtid: registrerat 2099-01-01T09:00:00+00:00, efter i dag" in doctor.out
    assert "facebook:idag" not in doctor.out


def test_the_run_names_a_handful_then_counts_the_rest(store: Store, cli: Cli) -> None:
    handles = [f"konto{n}" for n in range(7)]
    _register(store, *handles)
    result = cli("audit", "run", "--quarter", "2026Q2")
    assert result.code == 0, result.err
    assert "7 konton registrerade efter 2026-06-30 ingår inte" in result.out
    named = ", ".join(f"facebook:{h}" for h in handles[:5])
    assert f"Det gäller {named} och 2 till." in result.out
    [run] = AuditService(store).runs()  # (the names are stored with the run)
    assert run.registered_later_refs == tuple(f"facebook:{h}" for h in handles[:5])


@pytest.mark.parametrize(
    ("stamp", "reason"),
    [
        (datetime(1, 1, 1, tzinfo=UTC), "utanför de år Kontokoll godtar"),
        (datetime(2026, 1, 1, 9, 0), "saknar UTC-förskjutning"),
        (datetime(2101, 1, 1, tzinfo=UTC), "utanför de år Kontokoll godtar"),
    ],
)
def test_a_stamp_kontokoll_never_writes_stops_the_run_naming_file_and_field(
    store: Store, service: AuditService, cli: Cli, stamp: datetime, reason: str
) -> None:
    _register(store, "trasig")
    _set_created(store, {"trasig": stamp})
    [path] = [p for p in (store.data_dir / "register" / "accounts").glob("*.json")
              if "trasig" in p.read_text(encoding="utf-8")]  # fmt: skip
    before = AuditService(store).runs()
    with pytest.raises(StoreCorrupt) as refused:
        service.run(Quarter(2026, 4))
    message = str(refused.value)
    assert path.name in message and "created" in message and reason in message
    assert AuditService(store).runs() == before  # nothing stored
    result = cli("audit", "run")
    assert result.code != 0 and "Traceback" not in result.err
    assert path.name in result.err and "created" in result.err
    doctor = cli("doctor")
    assert "facebook:trasig" in doctor.out and reason in doctor.out


@pytest.mark.parametrize(
    "stamp",
    [
        datetime(2026, 9, 30, 22, 30, tzinfo=UTC),  # 00:30 on 1 October in Stockholm
        datetime(2026, 10, 1, 0, 30, tzinfo=timezone(timedelta(hours=2))),  # the same instant
    ],
)
def test_the_registration_day_is_the_stockholm_day_whatever_the_offset(
    store: Store, service: AuditService, stamp: datetime
) -> None:
    _register(store, "natt")
    _set_created(store, {"natt": stamp})
    q3 = service.run(Quarter(2026, 3))  # judged as of 2026-09-30
    assert "natt" not in _judged(q3) and q3.info.registered_later == 1
    on_the_day = service.run(Quarter(2026, 4), as_of=date(2026, 10, 1))
    assert "natt" in _judged(on_the_day) and on_the_day.info.registered_later == 0


def test_the_stockholm_day_agrees_with_an_independent_statement(
    store: Store, service: AuditService
) -> None:
    """Stamps around midnight in both summer and winter time, written in UTC: judged on D
    exactly when their Stockholm wall-clock date (offset +2 in summer, +1 in winter) is D or
    earlier."""
    stamps = {
        "s1": datetime(2026, 6, 30, 21, 59, tzinfo=UTC),  # 23:59 CEST on 30 June
        "s2": datetime(2026, 6, 30, 22, 0, tzinfo=UTC),  # 00:00 CEST on 1 July
        "w1": datetime(2026, 3, 28, 22, 59, tzinfo=UTC),  # 23:59 CET on 28 March
        "w2": datetime(2026, 3, 28, 23, 0, tzinfo=UTC),  # 00:00 CET on 29 March
    }
    _register(store, *stamps)
    _set_created(store, stamps)
    for as_of, expected in ((date(2026, 6, 30), {"s1", "w1", "w2"}), (date(2026, 3, 28), {"w1"})):
        assert _judged(service.run(Quarter.of(as_of), as_of=as_of)) == expected
