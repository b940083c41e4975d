"""The app's snapshot read straight from the stored documents (screens.register_rows), the latest
report kept from the audit screen's worklist, and the app that starts on the audit tab reading the
register only after the worklist."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from governance.errors import InputError, StoreCorrupt
from governance.storage.layout import account_file, stats_file
from screens.latest_report import LatestReport
from screens.run_scope import RunScope
from screens.services import Services
from screens.view_models import pending_requests, summarize
from screens.widgets.findings_table import FindingsTable
from tests.tui.conftest import NOW, USER, make_app
from tests.tui.helpers import settle


def rows_from_accounts(services: Services) -> list[Any]:
    """The rows as the app built them before: a full Account and its MonthlyStats per row."""
    report = services.latest_report()
    scope = RunScope.of(report) if report is not None else None
    stats = services.store.stats.all()
    return [
        summarize(a, stats.get(a.id, ()), scope.rules_of(a.id, a.status, a.created))
        if scope is not None
        else summarize(a, stats.get(a.id, ()))
        for a in services.register.accounts()
    ]


def test_the_rows_are_those_the_accounts_make(services: Services) -> None:
    snapshot = services.snapshot()
    assert snapshot.summaries == rows_from_accounts(services)
    # The demo has figures, findings and requests, so every path was taken.
    assert any(s.last_post is not None and s.followers is not None for s in snapshot.summaries)
    assert any(s.rules for s in snapshot.summaries)
    assert any(s.rules == () for s in snapshot.summaries)  # audited, nothing found
    assert any(s.rules is None for s in snapshot.summaries)  # not active: not judged
    accounts = services.register.accounts()
    expected = pending_requests(accounts, snapshot.rights, services.today())
    assert snapshot.overview.requests == expected and expected
    assert snapshot.overview.accounts == len(accounts)


def test_before_the_first_audit_every_rule_is_unknown(unaudited_dir: Path) -> None:
    services = Services(unaudited_dir, clock=lambda: NOW, user=USER)
    try:
        summaries = services.snapshot().summaries
        assert summaries and all(s.rules is None for s in summaries)
        assert summaries == rows_from_accounts(services)
    finally:
        services.close()


def edit(path: Path, table: str, key: str, change: Callable[[dict[str, Any]], None]) -> None:
    data = json.loads(path.read_bytes())
    change(data[table][key])
    path.write_text(json.dumps(data))


def doc_key(path: Path, table: str, account_id: str) -> str:
    docs = json.loads(path.read_bytes())[table]
    key = str(int(account_id, 16))
    assert key in docs
    return key


@pytest.mark.parametrize(
    ("where", "change"),
    [
        ("accounts", lambda d: d.update(handle=5)),
        ("accounts", lambda d: d.pop("platform")),
        ("accounts", lambda d: d.update(status=["active"])),
        ("accounts", lambda d: d.update(editors=[{"name": "x"}])),
        ("accounts", lambda d: d.update(editors=3)),
        ("months", lambda d: d.update(months=5)),
        ("months", lambda d: d["months"].update({"2026-01": ["inte en tid"]})),
        ("months", lambda d: d.pop("months")),
    ],
)
def test_a_document_of_the_wrong_shape_names_its_file(
    demo_dir: Path, where: str, change: Callable[[dict[str, Any]], None]
) -> None:
    services = Services(demo_dir, clock=lambda: NOW, user=USER)
    try:
        account = services.account("instagram:sommarlov.hbg")
        rel = account_file(account.id) if where == "accounts" else stats_file(account.id)
        path = demo_dir / rel
        edit(path, where, doc_key(path, where, account.id), change)
        before = path.read_bytes()
        with pytest.raises(StoreCorrupt) as raised:
            services.snapshot()
        assert str(path) in str(raised.value)
        assert path.read_bytes() == before  # only read
    finally:
        services.close()


def test_the_worklist_of_the_latest_quarter_is_kept_as_the_latest_report(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    fresh = services.audits.report()  # the latest run, judged from scratch
    view = services.audit_view(services.default_quarter())
    assert view.report is not None and view.report.info.id == fresh.info.id

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the report was built again")

    monkeypatch.setattr(services.audits, "report", refuse)
    assert services.latest_report() == fresh
    assert services.snapshot().summaries  # the snapshot reads no run either


def test_a_report_read_before_a_review_is_not_kept(services: Services) -> None:
    latest = LatestReport(services.store, services.audits)
    before = latest.inputs()
    report = services.audits.report()
    item = next(i for i in report.items if i.status == "open" and i.finding.account_id)
    services.audits.acknowledge(item.finding.rule, item.finding.account_id, note="Vi åtgärdar")
    assert not latest.offer(before, report)
    rebuilt = latest.get()
    assert rebuilt is not None
    status = {i.finding.key: i.status for i in rebuilt.items}[item.finding.key]
    assert status == "acknowledged"


def test_an_older_quarter_is_not_kept_as_the_latest_report(services: Services) -> None:
    latest = LatestReport(services.store, services.audits)
    runs = sorted({info.quarter for info in services.audits.runs()})
    assert len(runs) >= 2  # the demo audits more than one quarter
    older = services.audits.report(runs[0])
    assert not latest.offer(latest.inputs(), older)


class Recorder:
    """Wraps the services' audit read and snapshot, noting when each starts and ends."""

    def __init__(self, services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
        self.events: list[str] = []
        for name in ("audit_view", "snapshot"):
            monkeypatch.setattr(services, name, self._wrap(name, getattr(services, name)))

    def _wrap(self, name: str, call: Callable[..., Any]) -> Callable[..., Any]:
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            self.events.append(f"{name} start")
            try:
                return call(*args, **kwargs)
            finally:
                self.events.append(f"{name} end")

        return wrapped


async def test_starting_on_the_audit_tab_reads_the_register_after_the_worklist(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorder = Recorder(services, monkeypatch)
    app = make_app(services, start="audit")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert recorder.events[:3] == ["audit_view start", "audit_view end", "snapshot start"]
        assert app.snapshot is not None and app.snapshot.summaries
        assert app.screen.query_one(FindingsTable).total > 0
        assert not app.screen.query_one("#audit-run").disabled  # the rights arrived


async def test_a_failed_audit_read_still_reads_the_register(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(quarter: object) -> None:
        raise InputError("audit.no_run_for_quarter", quarter=str(quarter))

    monkeypatch.setattr(services, "audit_view", broken)
    app = make_app(services, start="audit")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.snapshot is not None and app.snapshot.summaries
        assert [severity for severity, _ in app.shown] == ["error"]


async def test_starting_elsewhere_reads_the_register_at_once(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorder = Recorder(services, monkeypatch)
    app = make_app(services, start="accounts")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert recorder.events == ["snapshot start", "snapshot end"]  # the audit is read lazily


async def test_the_register_read_after_the_worklist_leaves_the_users_focus(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()
    read = services.snapshot

    def held() -> Any:
        assert release.wait(30)
        return read()

    monkeypatch.setattr(services, "snapshot", held)
    app = make_app(services, start="audit")
    async with app.run_test(size=(120, 40)) as pilot:
        while app.screen.query_one(FindingsTable).total == 0:
            await pilot.pause(0.01)
        assert app.snapshot is None  # the register is still being read
        app.screen.query_one("#worklist-filter").focus()
        release.set()
        await settle(pilot)
        assert app.snapshot is not None
        assert app.focused is not None and app.focused.id == "worklist-filter"


async def test_with_nothing_chosen_the_findings_take_the_focus(services: Services) -> None:
    app = make_app(services, start="audit")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.focused is not None and app.focused.id == "audit-findings"
