"""Audit runs through the service, as stored: runs, re-runs, settings, diff, waivers, acks,
revisions and the calendar."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from audits.engine import AuditCancelled, Finding
from audits.quarters import Quarter
from audits.run_rows import FINDING_FIELDS
from audits.service import AuditService
from governance.errors import FieldError, InputError
from governance.register import Register
from governance.store import Store
from tests.audits.conftest import month_stats, posted
from tests.conftest import FIXED_NOW

Q3, Q4 = Quarter(2026, 3), Quarter(2026, 4)
Accounts = Callable[..., dict[str, str]]


def after(service: AuditService, quarter: Quarter) -> AuditService:
    """``service`` on a day after ``quarter``: its runs are judged as of its last day. (A quarter
    still running is judged as of today, since later days' figures are unknown.)"""
    day = quarter.last_day + timedelta(days=2)
    service._clock = lambda: datetime(day.year, day.month, day.day, 9, tzinfo=UTC)
    return service


def findings(report: Any) -> set[tuple[str, str]]:
    return {(i.finding.rule, i.finding.handle) for i in report.items}


@pytest.fixture
def ids(make_accounts: Accounts, save_stats: Callable[..., None]) -> dict[str, str]:
    """Three accounts: one fine, one with a single editor, one silent since the summer."""
    ids = make_accounts(
        ("fine", {}),
        ("solo", {"editors": [("Ida Ek", "ida.ek@helsingborg.se")]}),
        ("quiet", {}),
        ("gone", {"status": "retired", "editors": []}),
    )
    records = []
    for month in ("2026-07", "2026-08", "2026-09", "2026-10", "2026-11", "2026-12"):
        day = date(int(month[:4]), int(month[5:]), 15)
        for handle in ("fine", "solo"):
            records.append(month_stats(ids[handle], month, posts=5, last_post_at=posted(day)))
        quiet_post = posted(day) if month <= "2026-08" else None
        records.append(
            month_stats(ids["quiet"], month, posts=1 if quiet_post else 0, last_post_at=quiet_post)
        )
    save_stats(records)
    return ids


def test_a_run_is_stored_with_its_quarter_day_settings_and_findings(
    service: AuditService, ids: dict[str, str], data_dir: Path
) -> None:
    report = after(service, Q4).run(Q4)
    assert report.info.id == "2026Q4-1"
    assert report.info.as_of == date(2026, 12, 31)
    assert report.info.accounts == 3  # the retired account is not audited
    assert findings(report) == {
        ("single-editor", "solo"),
        ("inactive", "quiet"),
        ("revision-overdue", ""),
    }
    stored = json.loads((data_dir / "audit" / "runs" / "2026Q4-1.json").read_text())["run"]["1"]
    assert stored["quarter"] == "2026Q4" and stored["as_of"] == "2026-12-31"
    assert (
        stored["settings"]["inactive_days"] == 60 and stored["settings"]["min_reply_rate"] == "9/10"
    )
    # Findings are stored as compact rows (audits.run_rows), their fields named once.
    rows = [dict(zip(stored["finding_fields"], r, strict=True)) for r in stored["finding_rows"]]
    assert {f["rule"] for f in rows} == {
        "single-editor",
        "inactive",
        "revision-overdue",
    }
    assert not any("@" in json.dumps(f) for f in rows)  # no e-mails in findings
    assert [r.id for r in service.runs()] == ["2026Q4-1"]
    log = Register(service.store, user="tester").change_log()
    assert [e.action for e in log][-1] == "audit-run" and log[-1].user == "tester"


def test_the_default_run_is_as_of_today(service: AuditService, ids: dict[str, str]) -> None:
    report = service.run()
    assert (report.info.quarter, report.info.as_of) == (Q4, FIXED_NOW.date())


def test_as_of_must_lie_in_the_quarter(service: AuditService, ids: dict[str, str]) -> None:
    with pytest.raises(FieldError):
        service.run(Q4, as_of=date(2026, 9, 30))
    assert service.runs() == []


def test_a_rerun_is_a_new_run_and_the_latest_counts(
    service: AuditService, ids: dict[str, str], store: Store
) -> None:
    first = service.run(Q4)
    Register(store, user="tester").add_editor(
        "facebook:solo", "Nils Dahl <nils.dahl@helsingborg.se>"
    )
    second = service.run(Q4)
    assert [r.id for r in service.runs()] == ["2026Q4-1", "2026Q4-2"]
    assert ("single-editor", "solo") in findings(first)
    assert ("single-editor", "solo") not in findings(service.report(Q4))
    assert service.report(Q4).info.id == second.info.id
    assert ("single-editor", "solo") in findings(service.report(run_id="2026Q4-1"))  # history kept


def test_a_changed_threshold_does_not_rewrite_history(
    service: AuditService, ids: dict[str, str], data_dir: Path
) -> None:
    before = service.run(Q4)
    (data_dir / "settings.toml").write_text("[audit]\ninactive_days = 200\n", encoding="utf-8")
    after = service.run(Q4)
    assert ("inactive", "quiet") in findings(before)
    assert ("inactive", "quiet") not in findings(after)
    assert service.report(run_id=before.info.id).run.settings.inactive_days == 60
    assert ("inactive", "quiet") in findings(service.report(run_id=before.info.id))
    assert after.run.settings.inactive_days == 200
    changes = [
        e for e in Register(service.store).change_log() if e.action == "audit-settings-changed"
    ]
    assert [(e.field, e.old, e.new) for e in changes] == [("inactive_days", "60", "200")]


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[audit]\ninactive_days = -1\n", "audit.inactive_days"),
        ("[audit]\nmin_reply_rate = 1.5\n", "audit.min_reply_rate"),
        ("[audit]\ninactiv_days = 60\n", "audit.inactiv_days"),
        ('[audit.severity]\nno-editors = "blocker"\n', "audit.severity.no-editors"),
        ('[audit]\nfirst_revision_deadline = "mars"\n', "audit.first_revision_deadline"),
    ],
)
def test_a_bad_setting_names_the_file_and_key(
    service: AuditService, ids: dict[str, str], data_dir: Path, text: str, key: str
) -> None:
    (data_dir / "settings.toml").write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        service.run(Q4)
    assert str(data_dir / "settings.toml") in str(caught.value) and key in str(caught.value)
    assert service.runs() == []


def test_settings_can_change_a_severity_and_the_rate(
    service: AuditService, ids: dict[str, str], data_dir: Path
) -> None:
    (data_dir / "settings.toml").write_text(
        '[audit]\nmin_reply_rate = 0.75\n[audit.severity]\nsingle-editor = "critical"\n',
        encoding="utf-8",
    )
    report = service.run(Q4)
    solo = next(i.finding for i in report.items if i.finding.rule == "single-editor")
    assert solo.severity == "critical"
    assert str(report.run.settings.min_reply_rate) == "3/4"


def test_progress_and_cancellation(service: AuditService, ids: dict[str, str]) -> None:
    seen: list[tuple[int, int]] = []
    service.run(Q4, progress=lambda done, total: seen.append((done, total)))
    assert seen[0] == (0, 4) and seen[-1] == (4, 4)
    calls = iter(range(100))
    with pytest.raises(AuditCancelled):
        service.run(Q4, cancelled=lambda: next(calls) >= 3)
    assert len(service.runs()) == 1  # the cancelled run stored nothing


def test_diff_and_first_seen(service: AuditService, ids: dict[str, str], store: Store) -> None:
    q3 = after(service, Q4).run(Q3)
    Register(store, user="tester").add_editor(
        "facebook:solo", "Nils Dahl <nils.dahl@helsingborg.se>"
    )
    q4 = service.run(Q4)
    assert ("single-editor", "solo") in findings(q3) and ("inactive", "quiet") not in findings(q3)
    diff = service.diff("2026Q3", "2026Q4")
    assert {(f.rule, f.handle) for f in diff.new} == {("inactive", "quiet")}
    assert {(f.rule, f.handle) for f in diff.resolved} == {("single-editor", "solo")}
    assert {(f.rule, f.handle) for f in diff.persisting} == {("revision-overdue", "")}
    assert [d.department for d in diff.by_department()] == ["", "Kulturförvaltningen"]
    first_seen = {f.rule: f.first_seen for f in q4.run.findings}
    assert first_seen == {"revision-overdue": date(2026, 9, 30), "inactive": date(2026, 12, 31)}
    assert service.previous_diff() is not None
    with pytest.raises(InputError):
        service.diff("2026Q2", "2026Q4")


def test_acknowledgements_belong_to_their_quarter(
    service: AuditService, ids: dict[str, str]
) -> None:
    service.run(Q3)
    ack = service.acknowledge(
        "single-editor", "facebook:solo", note="Ny redaktör rekryteras.", quarter=Q3
    )
    assert ack.quarter == Q3
    statuses = {i.finding.rule: (i.status, i.note) for i in service.report(Q3).items}
    assert statuses["single-editor"] == ("acknowledged", "Ny redaktör rekryteras.")
    service.run(Q3)  # a re-run of the same quarter keeps the acknowledgement
    assert {i.finding.rule: i.status for i in service.report(Q3).items}[
        "single-editor"
    ] == "acknowledged"
    service.run(Q4)  # the next quarter asks again
    assert {i.finding.rule: i.status for i in service.report(Q4).items}["single-editor"] == "open"
    log = Register(service.store).change_log("facebook:solo")
    assert log[-1].action == "finding-acknowledged" and log[-1].field == "single-editor"


def test_a_waiver_carries_over_until_its_end(service: AuditService, ids: dict[str, str]) -> None:
    after(service, Quarter(2027, 1)).run(Q3)
    waiver = service.waive(
        "single-editor",
        "solo",
        reason="Liten verksamhet",
        name="Karin Lund, AKN",
        until=date(2026, 12, 31),
        quarter="2026Q3",
    )
    assert (waiver.since, waiver.until) == (Q3, date(2026, 12, 31))
    assert _status(service, Q3) == "waived"
    service.run(Q4)  # D = 2026-12-31 = the waiver's last day: still waived
    assert _status(service, Q4) == "waived"
    service.run(Quarter(2027, 1))  # D = 2027-03-31: the waiver has ended
    assert _status(service, Quarter(2027, 1)) == "open"
    service.run(Quarter(2026, 2))  # an earlier quarter is not waived after the fact
    assert _status(service, Quarter(2026, 2)) == "open"
    assert [w.key for w in service.waivers(active_on=date(2026, 12, 1))] == [waiver.key]
    assert service.waivers(active_on=date(2027, 1, 1)) == []


def _status(service: AuditService, quarter: Quarter) -> str:
    return {i.finding.rule: i.status for i in service.report(quarter).items}["single-editor"]


def test_waivers_and_acks_are_checked(service: AuditService, ids: dict[str, str]) -> None:
    with pytest.raises(InputError):  # no run yet
        service.acknowledge("single-editor", "solo", note="x")
    after(service, Q4).run(Q4)
    with pytest.raises(InputError):  # the account does not break that rule
        service.acknowledge("no-editors", "solo", note="x")
    with pytest.raises(FieldError):  # an account rule needs an account
        service.acknowledge("single-editor", None, note="x")
    with pytest.raises(FieldError):
        service.acknowledge("no-such-rule", "solo", note="x")
    with pytest.raises(FieldError):  # e-mails must not reach the findings exports
        service.acknowledge("single-editor", "solo", note="fråga anna.berg@helsingborg.se")
    with pytest.raises(FieldError):
        service.acknowledge("single-editor", "solo", note="   ")
    with pytest.raises(FieldError):  # a waiver must reach the audit it waives
        service.waive("single-editor", "solo", reason="r", name="n", until=date(2026, 12, 30))
    register_level = service.acknowledge("revision-overdue", note="Revidering pågår.")
    assert register_level.key == "revision-overdue:"


def test_revisions_status_and_deadlines(service: AuditService, store: Store) -> None:
    status = service.revision_status()
    assert (status.last, status.deadline, status.state) == (None, date(2024, 3, 31), "overdue")
    assert status.overdue_days == (FIXED_NOW.date() - date(2024, 3, 31)).days
    service.record_revision(date(2026, 10, 1), "Höstens revidering")
    status = service.revision_status()
    assert (status.last.day if status.last else None, status.deadline) == (
        date(2026, 10, 1),
        date(2027, 4, 1),
    )
    assert status.days_left == (date(2027, 4, 1) - FIXED_NOW.date()).days and status.state == "ok"
    with pytest.raises(FieldError):
        service.record_revision(FIXED_NOW.date() + timedelta(days=1))
    assert [r.day for r in service.revisions()] == [date(2026, 10, 1)]
    assert Register(store).change_log()[-1].action == "revision-recorded"


def test_a_later_revision_does_not_change_an_earlier_audit(
    service: AuditService, ids: dict[str, str]
) -> None:
    service.record_revision(date(2026, 11, 15))
    q3 = service.run(Q3)  # judged as of 2026-09-30, before that revision
    q4 = service.run(Q4)
    assert ("revision-overdue", "") in findings(q3)
    assert not {r for r, _ in findings(q4)} & {"revision-overdue", "revision-due-soon"}


def test_revision_due_soon(service: AuditService, ids: dict[str, str]) -> None:
    service.record_revision(date(2026, 7, 15))  # deadline 2027-01-15, 15 days after D
    report = after(service, Q4).run(Q4)
    hit = next(i.finding for i in report.items if not i.finding.account_id)
    assert (hit.rule, dict(hit.params)) == (
        "revision-due-soon",
        {"deadline": "2027-01-15", "days": 15},
    )


def test_the_audit_calendar(service: AuditService, ids: dict[str, str]) -> None:
    # Today is 2026-11-28: with no run, the audit of 2026Q3 (due 2026-09-30) is overdue.
    entry = service.next_audit()
    assert (entry.quarter, entry.due, entry.overdue) == (Q3, date(2026, 9, 30), True)
    service.run(Q3)
    entry = service.next_audit()
    assert (entry.quarter, entry.due, entry.days_left) == (Q4, date(2026, 12, 31), 33)
    # Judged on 2026-11-28, before the quarter's last day: preliminary, 2026Q4 is still due.
    service.run(Q4)
    entry = service.next_audit()
    assert (entry.quarter, entry.due, entry.preliminary) == (Q4, date(2026, 12, 31), True)
    service.run(as_of=date(2026, 11, 28))
    assert service.next_audit().preliminary
    assert [e.quarter for e in service.calendar(3)] == [Q4, Quarter(2027, 1), Quarter(2027, 2)]
    service._clock = lambda: datetime(2027, 1, 2, 9, tzinfo=UTC)  # the quarter is over
    service.run(Q4)
    entry = service.next_audit()
    assert (entry.quarter, entry.preliminary) == (Quarter(2027, 1), False)


def test_roles_are_checked_in_the_service(
    store: Store, service: AuditService, ids: dict[str, str]
) -> None:
    from governance.access import User, put_user
    from governance.errors import AccessRefused

    service.run(Q4)
    with store.write() as txn:
        put_user(txn, User("tester", "admin"))
        put_user(txn, User("lena", "lead", ("kulturförvaltningen",)))
        put_user(txn, User("vera", "viewer"))
    lead = AuditService(store, user="lena", clock=lambda: FIXED_NOW)
    viewer = AuditService(store, user="vera", clock=lambda: FIXED_NOW)
    assert lead.acknowledge("single-editor", "solo", note="Vi rekryterar.").user == "lena"
    with pytest.raises(AccessRefused):
        lead.waive("single-editor", "solo", reason="r", name="n", until=date(2027, 1, 31))
    with pytest.raises(AccessRefused):
        lead.acknowledge("revision-overdue", note="inte min sak")
    with pytest.raises(AccessRefused):
        viewer.run(Q4)
    with pytest.raises(AccessRefused):
        viewer.record_revision(date(2026, 10, 1))
    assert viewer.export(Q4).startswith(b"\xef\xbb\xbf")  # a viewer may read and export
    assert [r.id for r in service.runs()] == ["2026Q4-1"]
    assert any(e.action == "refused" for e in Register(store, user="tester").change_log())


def test_first_seen_on_keeps_every_other_field() -> None:
    """The run stamps findings with a copy first seen on another day: every other field kept."""
    values: dict[str, Any] = {name: f"v-{name}" for name in FINDING_FIELDS}
    values["params"] = {"days": 3}
    values["first_seen"] = date(2026, 1, 1)
    finding = Finding(**values)
    day = date(2026, 12, 31)
    stamped = finding.first_seen_on(day)
    assert stamped == Finding(**{**values, "first_seen": day}) and finding.first_seen != day


def test_a_quarter_still_running_is_judged_as_of_today_and_days_to_come_never(
    service: AuditService, ids: dict[str, str]
) -> None:
    """Judged as of a day to come, December's unknown figures would drop every inactivity finding
    (the tester saw 7 critical findings vanish): a running quarter is judged as of today."""
    report = service.run(Q4)
    assert report.info.as_of == FIXED_NOW.date()  # preliminary; the calendar says so
    assert ("inactive", "quiet") in findings(report)
    for refused in (lambda: service.run(Quarter(2027, 1)),
                    lambda: service.run(as_of=date(2026, 12, 1)),
                    lambda: service.run(Q4, as_of=date(2026, 12, 31))):
        with pytest.raises(FieldError):
            refused()
    assert [r.id for r in service.runs()] == ["2026Q4-1"]
