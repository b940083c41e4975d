"""``removal-unregistered`` and ``hidden-unlogged``: the working-day boundary, late registrations,
unknown counts, and the engine handing the rules the quarter's records."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from audits.engine import evaluate
from audits.moderation_rules import hidden_unlogged as hidden_rule
from audits.moderation_rules import removal_unregistered as removal_rule
from audits.quarters import Quarter
from audits.rules import RULES_BY_ID, Activity, Judgement, Subject, render_message
from audits.service import AuditService
from audits.settings import AuditSettings
from governance.moderation.facts import Deletion, ModerationFacts
from governance.store import Store
from tests.governance.moderation_support import NOW, deletion, png_file, seed, service

SE = ZoneInfo("Europe/Stockholm")
removal_unregistered = removal_rule.check
hidden_unlogged = hidden_rule.check
SUBJECT = Subject("a1", "facebook", "kultur", "Kulturförvaltningen")
ACTIVE = Activity(has_rows=True)


def _judged(as_of: date, *deletions: Deletion, hides: int = 0) -> Judgement:
    facts = {"a1": ModerationFacts(tuple(deletions), hides)}
    return Judgement(as_of, AuditSettings(), str(Quarter.of(as_of)), None, facts)


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SE)


def test_the_rules_are_in_the_catalogue_with_their_severities() -> None:
    assert RULES_BY_ID["removal-unregistered"].severity == "critical"
    assert RULES_BY_ID["hidden-unlogged"].severity == "warning"
    assert RULES_BY_ID["hidden-unlogged"].guideline == "Dölja eller ta bort kommentar"


def test_an_unsent_deletion_is_overdue_the_day_after_its_working_day_deadline() -> None:
    # Friday 16:00: the deadline is Monday 16:00, so Monday is not yet late and Tuesday is.
    friday = Deletion("0000000a", _at("2026-11-06T16:00"), None)
    assert removal_unregistered(SUBJECT, ACTIVE, _judged(date(2026, 11, 6), friday)) is None
    assert removal_unregistered(SUBJECT, ACTIVE, _judged(date(2026, 11, 9), friday)) is None
    hit = removal_unregistered(SUBJECT, ACTIVE, _judged(date(2026, 11, 10), friday))
    assert hit is not None and hit.variant == "message"
    assert hit.params == {"count": 1, "first": "2026-11-06", "id": "0000000a", "late": 0}
    assert "kontokoll moderation register 0000000a" in render_message(
        hit.rule, hit.variant, hit.params)


def test_holidays_are_not_working_days() -> None:
    # The day before julafton: the 24th to the 27th are off, the deadline is Monday the 28th.
    before_christmas = Deletion("0000000b", _at("2026-12-23T10:00"), None)
    assert removal_unregistered(SUBJECT, ACTIVE, _judged(date(2026, 12, 28),
                                                         before_christmas)) is None
    assert removal_unregistered(SUBJECT, ACTIVE, _judged(date(2026, 12, 29),
                                                         before_christmas)) is not None


def test_one_sent_late_is_reported_late_and_one_sent_on_time_is_not() -> None:
    on_time = Deletion("0000000c", _at("2026-11-02T10:00"), _at("2026-11-03T10:00"))
    late = Deletion("0000000d", _at("2026-11-02T10:00"), _at("2026-11-03T10:01"))
    assert removal_unregistered(SUBJECT, ACTIVE, _judged(date(2026, 12, 31), on_time)) is None
    hit = removal_unregistered(SUBJECT, ACTIVE, _judged(date(2026, 12, 31), on_time, late))
    assert hit is not None and (hit.variant, hit.params) == ("late", {"count": 1})
    assert "senare än en arbetsdag" in render_message(hit.rule, hit.variant, hit.params)


def test_a_mail_sent_after_the_day_judged_counts_as_not_yet_sent() -> None:
    sent_later = Deletion("0000000e", _at("2026-11-02T10:00"), _at("2026-11-20T09:00"))
    hit = removal_unregistered(SUBJECT, ACTIVE, _judged(date(2026, 11, 10), sent_later))
    assert hit is not None and hit.params["count"] == 1
    future = Deletion("0000000f", _at("2026-11-12T10:00"), None)  # after D: not judged yet
    assert removal_unregistered(SUBJECT, ACTIVE, _judged(date(2026, 11, 10), future)) is None


def test_hidden_comments_need_as_many_hide_records() -> None:
    judged = _judged(date(2026, 11, 10), hides=2)
    assert hidden_unlogged(SUBJECT, Activity(True, hidden=None), judged) is None  # unknown
    assert hidden_unlogged(SUBJECT, Activity(True, hidden=0), judged) is None
    assert hidden_unlogged(SUBJECT, Activity(True, hidden=2), judged) is None
    hit = hidden_unlogged(SUBJECT, Activity(True, hidden=5), judged)
    assert hit is not None and hit.params == {"hidden": 5, "logged": 2}
    other = Subject("b2", "facebook", "miljo", "Miljöförvaltningen")
    assert hidden_unlogged(other, Activity(True, hidden=1), judged) is not None


def test_the_engine_reads_the_quarters_records_once_and_the_run_shows_them(
    store: Store, tmp_path: Path
) -> None:
    seed(store, users=False)
    late_at = NOW + timedelta(days=10)
    recorded = service(store).record(deletion(png_file(tmp_path), at="2026-11-02T10:00"))
    hide = service(store).record(deletion(None, action="hide", at="2026-11-02T11:00"))
    with store.read() as txn:
        evaluation = evaluate(txn, Quarter.parse("2026Q4"), date(2026, 11, 4), AuditSettings())
    [finding] = [f for f in evaluation.findings if f.rule == "removal-unregistered"]
    assert (finding.ref, finding.severity, finding.params["id"]) == (
        "facebook:kultur", "critical", recorded.id)
    with store.read() as txn:  # Q3 holds none of them
        earlier = evaluate(txn, Quarter.parse("2026Q3"), date(2026, 9, 30), AuditSettings())
    assert not [f for f in earlier.findings if f.rule == "removal-unregistered"]
    service(store, now=late_at).mark_sent(recorded.id)
    report = AuditService(store, clock=lambda: late_at).run("2026Q4")
    [late] = report.by_rule()["removal-unregistered"]
    assert late.finding.variant == "late" and hide.action == "hide"
