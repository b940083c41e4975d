"""Fixtures for the audit tests: a register built from short specs, stats by the month."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest

from audits.service import AuditService
from governance.demo_registered import backdate_registration
from governance.monthly import MonthlyStats
from governance.register import AccountRow, Register
from governance.store import Store
from tests.conftest import FIXED_NOW

TWO_EDITORS = [("Anna Berg", "anna.berg@helsingborg.se"), ("Erik Holm", "erik.holm@helsingborg.se")]


def account_row(line: int, handle: str, **values: Any) -> AccountRow:
    """An import row for an account on Facebook with two editors unless told otherwise."""
    editors = values.pop("editors", TWO_EDITORS)
    base: dict[str, Any] = {
        "platform": "facebook",
        "handle": handle,
        "department": "Kulturförvaltningen",
        "purpose": "Evenemang och service.",
        "audience": "Besökare och låntagare.",  # (issue 12's rules: no-audience, no-goals)
        "goals": ("informera",),
        "visibility": "open",
        "status": "active",
    }
    base.update(values)
    return AccountRow(line=line, values=base, editors=editors)


@pytest.fixture
def make_accounts(store: Store) -> Callable[..., dict[str, str]]:
    """Create accounts from ``(handle, {field: value})`` pairs; returns handle -> account id."""

    def make(*specs: tuple[str, dict[str, Any]]) -> dict[str, str]:
        register = Register(store, user="tester", clock=lambda: FIXED_NOW)
        rows = [account_row(n + 2, h, **dict(v)) for n, (h, v) in enumerate(specs)]
        register.import_rows(rows, "<test>")
        # Registered before the quarters the tests audit (an audit judges an account only from
        # the day it was registered: tests/audits/test_audit_scope.py).
        backdate_registration(store, FIXED_NOW)
        for account in register.accounts():  # leads confirm their lists (the default here)
            if account.editors and account.editors_confirmed_at is None:
                register.confirm_editors(account.id)
        return {a.handle: a.id for a in register.accounts()}

    return make


def month_stats(account_id: str, month: str, **values: Any) -> MonthlyStats:
    """A month with the given figures; everything not named is unknown (None)."""
    return MonthlyStats(account_id, month, **values)


def posted(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


@pytest.fixture
def save_stats(store: Store) -> Callable[[Iterable[MonthlyStats]], None]:
    def save(records: Iterable[MonthlyStats]) -> None:
        store.stats.save_batch(list(records))

    return save


@pytest.fixture
def service(store: Store) -> Iterator[AuditService]:
    yield AuditService(store, user="tester", clock=lambda: FIXED_NOW)
