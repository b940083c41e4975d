"""The audit worklist, driven as a user would: run, filter, waive and acknowledge many findings at
once, check that every count agrees with the store, export to a chosen folder, open an account.
Plus the bulk service's all-or-nothing rules, the dialogs' validation and cancel, and 80×24."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Button, Input, Select, Static

from audits.rules import RULES
from audits.service import AuditService
from audits.worklist import RESOLVED
from governance.errors import AccessRefused, FieldError, InputError
from governance.people import People
from screens.account import AccountDetailScreen
from screens.audit import AuditView
from screens.audit.review_dialog import ReviewDialog
from screens.services import Services
from screens.widgets.findings_table import FindingsTable

from .conftest import NOW, USER, make_app
from .helpers import screen_text, settle, type_into


def audits(services: Services) -> AuditService:
    """A fresh audit service over the same store, to check what was really written."""
    return AuditService(services.store, user=USER, clock=lambda: NOW)


def _table(app: Any) -> FindingsTable:
    return app.screen.query_one(FindingsTable)


async def _audit_tab(pilot: Any) -> AuditView:
    await settle(pilot)
    await pilot.press("3")
    await settle(pilot)
    return pilot.app.screen.query_one(AuditView)


def _busiest_department(services: Services) -> str:
    worklist = audits(services).worklist("2026Q4")
    counts: dict[str, int] = {}
    for item in worklist.open_items():
        if item.finding.department:
            counts[item.finding.department] = counts.get(item.finding.department, 0) + 1
    return max(counts, key=lambda d: (counts[d], d))


async def test_the_whole_quarter_loop(services: Services, tmp_path: Path) -> None:
    app = make_app(services)
    async with app.run_test(size=(120, 40)) as pilot:
        view = await _audit_tab(pilot)
        await pilot.press("r")  # run the quarter's audit
        await settle(pilot)
        quarter = view.current.quarter if view.current else None
        assert str(quarter) == "2026Q4"
        department = _busiest_department(services)
        app.screen.query_one("#quick-department", Select).value = department
        await settle(pilot)
        table = _table(app)
        assert table.shown >= 3 and {r.department for r in table.visible_rows} == {department}

        table.focus()
        await pilot.press("space", "space")  # select the first two findings
        first_two = [r.key for r in table.visible_rows[:2]]
        assert table.selected == set(first_two)
        await pilot.press("u")
        assert isinstance(app.screen, ReviewDialog)
        dialog = app.screen
        dialog.query_one("#form-reason", Input).value = "Ses över i januari"
        dialog.query_one("#form-name", Input).value = "Eva Ek"
        dialog.query_one("#form-ok", Button).focus()
        await pilot.press("enter")  # Enter on the focused confirm button confirms
        await settle(pilot)
        assert not isinstance(app.screen, ReviewDialog)
        waived = {w.key for w in audits(services).waivers()}
        assert waived == set(first_two)
        assert ("information", "2 avvikelser är undantagna till och med 2027-03-31.") in app.shown

        third = next(r for r in table.visible_rows if r.status == "open")
        table.move_to(next(n for n, r in enumerate(table.visible_rows) if r.key == third.key))
        await pilot.press("k")
        await type_into(pilot, "Redaktörerna utses i december")
        await pilot.press("enter")  # Enter in the note box confirms too
        await settle(pilot)
        report = audits(services).report("2026Q4")
        statuses = {i.finding.key: i.status for i in report.items}
        assert statuses[third.key] == "acknowledged"
        assert [statuses[k] for k in first_two] == ["waived", "waived"]

        _agrees_with_the_store(app, services)
        await _export_to(pilot, tmp_path / "valda", first_two)
        await _open_from_a_finding(pilot, third.item.finding.account_id)


def _agrees_with_the_store(app: Any, services: Services) -> None:
    """The table, the summary, the overview's counts and the diff say what the store says."""
    worklist = audits(services).worklist("2026Q4")
    by_status = worklist.by_status()
    summary = str(app.screen.query_one("#audit-summary", Static).render())
    assert f"{by_status['open']} öppna · 1 kvitterade · 2 undantagna" in summary
    table = _table(app)
    shown = {r.key: r.status for r in table._rows}
    assert shown == {i.key: i.status for i in worklist.items}
    snapshot = app.snapshot
    assert snapshot is not None and snapshot.overview.audit is not None
    assert dict(snapshot.overview.audit.counts) == dict(audits(services).report().counts())
    diff = worklist.diff
    assert diff is not None
    panel = str(app.screen.query_one("#audit-diff-summary", Static).render())
    assert f"{len(diff.new)} nya, {len(diff.resolved)} åtgärdade" in panel


async def _export_to(pilot: Any, folder: Path, waived: list[str]) -> None:
    app = pilot.app
    await pilot.press("e")
    dialog = app.screen
    assert isinstance(dialog, ReviewDialog)
    box = dialog.query_one("#form-directory", Input)
    box.value = str(folder)  # not there yet: refused, nothing created, the text kept
    await pilot.click("#form-ok")
    await settle(pilot)
    assert app.screen is dialog and box.has_class("-invalid") and not folder.exists()
    assert "finns inte" in app.shown[-1][1]
    folder.mkdir()
    await pilot.click("#form-ok")
    await settle(pilot)
    target = folder / "kontokoll-avvikelser-2026Q4.csv"
    assert ("information", f"Exporten sparades: {target}") in app.shown
    lines = target.read_bytes().decode("utf-8-sig").split("\r\n")
    assert lines[0].startswith("quarter;platform;handle;")
    assert sum(line.split(";").count("waived") for line in lines[1:]) == len(waived)
    assert list(folder.iterdir()) == [target]


async def _open_from_a_finding(pilot: Any, account_id: str) -> None:
    app = pilot.app
    table = _table(app)
    table.move_to(
        next(n for n, r in enumerate(table.visible_rows) if r.item.finding.account_id == account_id)
    )
    table.focus()
    await pilot.press("enter")
    await settle(pilot)
    screen = app.screen
    assert isinstance(screen, AccountDetailScreen) and screen.account_id == account_id
    assert screen.query_one("#detail-tabs").active == "findings"


async def test_sort_filter_group_and_the_resolved_findings(services: Services) -> None:
    app = make_app(services)
    async with app.run_test(size=(120, 40)) as pilot:
        await _audit_tab(pilot)
        table = _table(app)
        table.sort_by("days_open")
        days = [r.item.days_open for r in table.visible_rows]
        assert days == sorted(days)
        table.sort_by("days_open")  # again: the other way
        assert [r.item.days_open for r in table.visible_rows] == sorted(days, reverse=True)
        total = table.shown
        await pilot.press("slash")
        await type_into(pilot, "inaktivt")
        assert 0 < table.shown < total
        assert all(r.rule == "inactive" for r in table.visible_rows)
        assert app.screen.query_one("#worklist-filter", Input).value == "inaktivt"
        app.screen.query_one("#worklist-filter", Input).value = ""
        await pilot.pause()
        app.screen.query_one("#quick-status", Select).value = RESOLVED
        await pilot.pause()
        resolved = table.visible_rows
        assert resolved and all(r.cells[4] == "åtgärdad" for r in resolved)
        table.focus()
        await pilot.press("a", "k")  # nothing to acknowledge: a warning, no dialog
        assert not table.selected and not isinstance(app.screen, ReviewDialog)
        assert app.shown[-1][0] == "warning"
        app.screen.query_one("#quick-status", Select).value = "current"
        await pilot.press("g")
        titles = {rule.title for rule in RULES}
        assert table.group_labels
        assert {label.rsplit(" (", 1)[0] for label in table.group_labels} <= titles


async def test_a_refused_field_keeps_the_text_and_escape_says_cancelled(
    services: Services,
) -> None:
    app = make_app(services)
    async with app.run_test(size=(120, 40)) as pilot:
        await _audit_tab(pilot)
        _table(app).focus()
        await pilot.press("u")
        dialog = app.screen
        assert isinstance(dialog, ReviewDialog)
        assert app.focused is dialog.query_one("#form-reason", Input)  # typing acts on nothing
        dialog.query_one("#form-reason", Input).value = "Skäl"
        dialog.query_one("#form-name", Input).value = "Eva Ek"
        dialog.query_one("#form-until", Input).value = "2026-13-01"
        await pilot.click("#form-ok")
        await settle(pilot)
        until = dialog.query_one("#form-until", Input)
        assert app.screen is dialog and until.has_class("-invalid") and app.focused is until
        assert dialog.query_one("#form-reason", Input).value == "Skäl"
        assert app.shown[-1][0] == "error" and "2026-13-01" in app.shown[-1][1]
        until.value = "2026-01-01"  # before the day judged: the service refuses it
        await pilot.click("#form-ok")
        await settle(pilot)
        assert app.screen is dialog and until.has_class("-invalid")
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, ReviewDialog)
        assert app.shown[-1] == ("warning", "Avbrutet: ingenting ändrades.")
        assert audits(services).waivers() == []


def test_bulk_changes_are_all_or_nothing(services: Services) -> None:
    service = audits(services)
    items = [i for i in service.worklist().open_items() if i.finding.account_id][:3]
    keys = [i.key for i in items]
    with pytest.raises(InputError):
        service.acknowledge_many([*keys, "inactive:000000000000"], note="Ses över")
    with pytest.raises(FieldError):
        service.waive_many(keys, reason="", name="Eva Ek", until=date(2027, 3, 31))
    assert service.waivers() == []
    assert {i.status for i in service.worklist().items if i.key in keys} == {"open"}
    acks = service.acknowledge_many(keys, note="Ses över")
    assert {a.key for a in acks} == set(keys)
    for item in items:  # one change-log entry per finding
        assert services.register.change_log(item.finding.account_id)[-1].action == (
            "finding-acknowledged"
        )


def test_a_lead_cannot_waive_and_may_not_acknowledge_another_department(
    services: Services,
) -> None:
    worklist = audits(services).worklist()
    items = [i for i in worklist.open_items() if i.finding.department]
    mine = items[0].finding.department
    other = next(i for i in items if i.finding.department != mine)
    people = People(services.store, user=USER, clock=lambda: NOW)
    people.add_user(USER, "admin")
    people.add_user("akn-admin", "admin")
    people.add_user(USER, "lead", (mine,))
    service = audits(services)
    with pytest.raises(AccessRefused):
        service.acknowledge_many([items[0].key, other.key], note="Ses över")
    assert service.report().counts().get(("critical", "acknowledged")) is None
    with pytest.raises(AccessRefused):
        service.waive_many([items[0].key], reason="x", name="Eva Ek", until=date(2027, 3, 31))
    assert service.acknowledge_many([items[0].key], note="Ses över")


async def test_a_waiver_from_the_account_updates_the_worklist(services: Services) -> None:
    app = make_app(services)
    async with app.run_test(size=(120, 40)) as pilot:
        view = await _audit_tab(pilot)
        table = _table(app)
        row = next(r for r in table.visible_rows if r.item.finding.account_id)
        services.waive(
            row.rule,
            row.item.finding.account_id,
            reason="Skäl",
            name="Eva",
            until=date(2027, 3, 31),
        )
        from screens.main import MainScreen

        main = app.screen
        assert isinstance(main, MainScreen)
        main.update_summary(services.summary(services.account(row.item.finding.account_id)))
        await settle(pilot)
        assert view.current is not None and view.current.worklist is not None
        assert "1 undantagna" in str(app.screen.query_one("#audit-summary", Static).render())
        assert {r.key: r.status for r in table.visible_rows}[row.key] == "waived"


async def test_80_by_24_stays_usable(services: Services) -> None:
    app = make_app(services)
    async with app.run_test(size=(80, 24)) as pilot:
        await _audit_tab(pilot)
        await pilot.press("slash")
        await type_into(pilot, "kultur")
        text = screen_text(app)
        assert "kultur" in text  # the filter box shows what is typed
        assert "Exportera …" in text and "Kör granskning" in text  # buttons read in full
        _table(app).focus()
        await pilot.pause()
        hint = app.screen.query_one("#finding-detail-hint", Static)
        assert hint.display and "mer nedanför" in screen_text(app)
        await pilot.press("d")  # the diff instead of the detail
        await pilot.pause()
        assert "Från 2026Q3" in screen_text(app)


async def test_export_in_the_browser_downloads(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(services)
    delivered: list[tuple[str, str]] = []
    monkeypatch.setattr(type(app), "is_web", property(lambda self: True))
    monkeypatch.setattr(
        app, "deliver_export", lambda data, name, mime: delivered.append((name, mime))
    )
    async with app.run_test(size=(120, 40)) as pilot:
        await _audit_tab(pilot)
        await pilot.press("e")
        dialog = app.screen
        assert isinstance(dialog, ReviewDialog) and not dialog.query("#form-directory")
        assert app.focused is dialog.query_one("#form-cancel", Button)  # the safe choice
        await pilot.click("#form-ok")
        await settle(pilot)
        assert delivered == [("kontokoll-avvikelser-2026Q4.csv", "text/csv")]
