"""Pilot tests of the audit, the guideline and the account's findings: run, cancel, export,
waive, acknowledge, record a revision, and what a viewer or a lead may not do."""

from __future__ import annotations

import asyncio
import threading
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from textual.message import Message
from textual.widgets import Button, DataTable, Input, Static

from audits.service import AuditService
from governance.people import People
from screens.audit import AuditView
from screens.audit.review_dialog import ReviewDialog
from screens.dialogs import FormDialog
from screens.messages import AuditProgress
from screens.services import Services
from screens.widgets.findings_table import FindingsTable

from .conftest import NOW, USER, make_app
from .helpers import open_account, screen_text, settle


def audits(services: Services) -> AuditService:
    """A fresh audit service over the same store, to check what was really written."""
    return AuditService(services.store, user=USER, clock=lambda: NOW)


async def test_run_an_audit_with_progress_and_see_it_stored(services: Services) -> None:
    before = len(audits(services).runs())
    seen: list[Message] = []
    app = make_app(services)
    async with app.run_test(size=(120, 40), message_hook=seen.append) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        view = app.screen.query_one(AuditView)
        assert view.current is not None and str(view.current.quarter) == "2026Q4"
        await pilot.press("r")
        await settle(pilot)

        runs = audits(services).runs()
        assert len(runs) == before + 1 and str(runs[-1].quarter) == "2026Q4"
        assert runs[-1].user == USER
        progress = [m for m in seen if isinstance(m, AuditProgress)]
        assert progress and progress[-1].done == progress[-1].total == 63
        assert view.current.report is not None and view.current.report.info.id == runs[-1].id
        summary = str(app.screen.query_one("#audit-summary", Static).render())
        assert f"körning {runs[-1].id}" in summary
        assert (
            "information",
            f"Granskningen av 2026Q4 är sparad: {len(view.current.report.items)} avvikelser.",
        ) in app.shown
        table = app.screen.query_one(FindingsTable)
        assert table.shown == len(view.current.report.items)  # the current findings
        titles = {row.cells[2] for row in table.visible_rows}
        assert "Inga redaktörer" in titles and "no-editors" not in titles  # titles, never ids
        await pilot.press("g", "g")  # by rule, then by department
        assert table.group_labels[0].startswith("(registret)")  # register-level findings first
        diff = app.screen.query_one("#audit-diff-table", DataTable)
        assert diff.row_count > 0
        assert "Från 2026Q3" in str(app.screen.query_one("#audit-diff-summary", Static).render())


async def test_cancel_a_running_audit_stores_nothing(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = len(audits(services).runs())
    reached = threading.Event()
    real_run = services.audits.run

    def held_run(*args: Any, progress: Any = None, cancelled: Any = None, **kwargs: Any) -> Any:
        def hold(done: int, total: int) -> None:
            progress(done, total)
            if done > 0 and not reached.is_set():
                reached.set()  # one shard done: wait here until the user cancels
                for _ in range(500):
                    if cancelled():
                        return
                    threading.Event().wait(0.01)

        return real_run(*args, progress=hold, cancelled=cancelled, **kwargs)

    monkeypatch.setattr(services.audits, "run", held_run)
    app = make_app(services)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("r")
        assert await asyncio.to_thread(reached.wait, 5)
        view = app.screen.query_one(AuditView)
        assert view.running and not app.screen.query_one("#audit-cancel", Button).disabled
        await pilot.press("escape")
        await settle(pilot)

        assert not view.running
        assert len(audits(services).runs()) == before
        assert ("warning", "Granskningen avbröts. Ingenting sparades.") in app.shown
        assert "Avbruten" in screen_text(app)


async def test_export_findings_to_csv_in_the_chosen_folder(
    services: Services, tmp_path: Path
) -> None:
    app = make_app(services)
    app.export_dir = tmp_path / "exports"
    app.export_dir.mkdir()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, ReviewDialog)
        assert app.screen.query_one("#form-directory", Input).value == str(app.export_dir)
        await pilot.click("#form-ok")
        await settle(pilot)
        target = app.export_dir / "kontokoll-avvikelser-2026Q4.csv"
        assert ("information", f"Exporten sparades: {target}") in app.shown
        data = target.read_bytes()
        assert data.startswith(b"\xef\xbb\xbfquarter;platform;handle;")
        assert b"@" not in data  # findings exports carry no e-mail addresses
        report = audits(services).report("2026Q4")
        assert data.count(b"\r\n") == len(report.items) + 1


async def test_failed_export_is_a_notification(services: Services, tmp_path: Path) -> None:
    app = make_app(services)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    app.export_dir = blocker
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("e")
        await pilot.pause()
        await pilot.click("#form-ok")
        await settle(pilot)
        severity, message = app.shown[-1]
        assert severity == "error" and str(blocker) in message
        assert isinstance(app.screen, ReviewDialog)  # still open, what was typed kept
        box = app.screen.query_one("#form-directory", Input)
        assert box.value == str(blocker) and box.has_class("-invalid")
        assert blocker.read_text() == "x"


def _account_with(services: Services, rule: str) -> str:
    report = audits(services).latest_report()
    assert report is not None
    return next(i.finding.ref for i in report.items if i.finding.rule == rule)


async def _fill(pilot: Any, values: dict[str, str]) -> None:
    for key, value in values.items():
        pilot.app.screen.query_one(f"#form-{key}", Input).value = value
    await pilot.click("#form-ok")
    await settle(pilot)


async def test_waive_a_finding_from_the_account(services: Services) -> None:
    ref = _account_with(services, "no-purpose")
    app = make_app(services, start="accounts")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_account(pilot, ref)
        await pilot.click("#--content-tab-findings")
        await settle(pilot)
        table = screen.query_one("#findings-table", DataTable)
        rules = [str(key.value) for key in table.rows]
        table.move_cursor(row=rules.index("no-purpose"))
        await pilot.click("#waive")
        await pilot.pause()
        assert isinstance(app.screen, FormDialog)
        await _fill(
            pilot,
            {"reason": "Syftet skrivs om i januari", "name": "Eva Ek", "until": "2027-03-31"},
        )

        waivers = audits(services).waivers()
        assert [(w.rule, w.ref, w.until, w.name) for w in waivers] == [
            ("no-purpose", ref, date(2027, 3, 31), "Eva Ek")
        ]
        row = table.get_row("no-purpose")
        assert row[2] == "undantagen" and "Syftet skrivs om i januari" in row[5]
        history = [e.action for e in services.register.change_log(ref)]
        assert history[-1] == "finding-waived"

        await pilot.click("#waive")  # an end date before the audit is refused, not a crash
        await pilot.pause()
        await _fill(pilot, {"reason": "x", "name": "Eva Ek", "until": "2026-01-01"})
        assert app.shown[-1][0] == "error" and "2026-01-01" in app.shown[-1][1]
        assert len(audits(services).waivers()) == 1


async def test_acknowledge_a_finding(services: Services) -> None:
    ref = _account_with(services, "editors-unconfirmed")
    app = make_app(services, start="accounts")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_account(pilot, ref)
        await screen.action_show_tab("findings")
        await settle(pilot)
        table = screen.query_one("#findings-table", DataTable)
        table.move_cursor(row=[str(k.value) for k in table.rows].index("editors-unconfirmed"))
        await pilot.click("#acknowledge")
        await pilot.pause()
        await _fill(pilot, {"note": "Listan ses över vecka 49"})
        report = audits(services).latest_report()
        assert report is not None
        item = next(
            i
            for i in report.items
            if i.finding.ref == ref and i.finding.rule == "editors-unconfirmed"
        )
        assert (item.status, item.note) == ("acknowledged", "Listan ses över vecka 49")
        assert table.get_row("editors-unconfirmed")[2] == "kvitterad"


async def test_record_a_revision(services: Services) -> None:
    assert audits(services).revision_status().state == "overdue"
    app = make_app(services)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        box = app.screen.query_one("#revision-status", Static)
        assert box.has_class("-overdue")
        app.screen.query_one("#revision-date", Input).value = "2026-11-20"
        app.screen.query_one("#revision-note", Input).value = "Revidering i november"
        await pilot.click("#record-revision")
        await settle(pilot)

        revisions = audits(services).revisions()
        assert (revisions[-1].day, revisions[-1].note) == (
            date(2026, 11, 20),
            "Revidering i november",
        )
        assert audits(services).revision_status().state == "ok"
        assert not box.has_class("-overdue")
        assert "Senaste revidering: 2026-11-20" in str(box.render())
        table = app.screen.query_one("#revision-table", DataTable)
        assert table.get_row_at(0)[:2] == ["2026-11-20", "Revidering i november"]
        await pilot.press("1")
        await settle(pilot)
        assert not app.screen.query("#overview-revision-banner")

        await pilot.press("4")
        app.screen.query_one("#revision-date", Input).value = "2026-13-01"
        await pilot.click("#record-revision")
        await settle(pilot)
        assert app.shown[-1][0] == "error" and "2026-13-01" in app.shown[-1][1]
        assert len(audits(services).revisions()) == len(revisions)


def _with_user(services: Services, role: str, departments: tuple[str, ...] = ()) -> None:
    """Leave single-user mode: an admin, and USER (who runs the app) with ``role``."""
    people = People(services.store, user=USER, clock=lambda: NOW)
    people.add_user(USER, "admin")  # the first user must be oneself, as admin
    people.add_user("akn-admin", "admin")
    people.add_user(USER, role, departments)


async def test_a_viewer_sees_the_actions_disabled_and_the_service_refuses(
    services: Services,
) -> None:
    _with_user(services, "viewer")
    ref = _account_with(services, "no-purpose")
    app = make_app(services, start="accounts")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_account(pilot, ref)
        assert screen.query_one("#save", Button).disabled
        assert screen.query_one("#field-purpose", Input).disabled
        await screen.action_show_tab("findings")
        await settle(pilot)
        assert screen.query_one("#waive", Button).disabled
        assert screen.query_one("#acknowledge", Button).disabled
        titles = [c.title for c in app.get_system_commands(screen)]
        assert "Spara kontot" not in titles and "Undanta avvikelse" not in titles
        await pilot.press("escape", "3")
        await settle(pilot)
        assert app.screen.query_one("#audit-run", Button).disabled
        assert not app.screen.query_one("#audit-export", Button).disabled  # viewers may export
        before = len(audits(services).runs())
        app.screen.query_one(AuditView).run_audit(
            app.screen.query_one(AuditView).chosen_quarter, False
        )  # asked anyway: refused by the service, shown as a notification
        await settle(pilot)
        assert len(audits(services).runs()) == before
        assert app.shown[-1][0] == "error"


async def test_a_lead_may_acknowledge_but_not_waive_in_their_department(
    services: Services,
) -> None:
    ref = _account_with(services, "editors-unconfirmed")
    department = services.register.account(ref).department
    _with_user(services, "lead", (department,))
    app = make_app(services, start="accounts")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_account(pilot, ref)
        assert not screen.query_one("#save", Button).disabled
        await screen.action_show_tab("findings")
        await settle(pilot)
        assert not screen.query_one("#acknowledge", Button).disabled
        assert screen.query_one("#waive", Button).disabled
        await pilot.press("escape", "4")
        await settle(pilot)
        assert app.screen.query_one("#record-revision", Button).disabled
