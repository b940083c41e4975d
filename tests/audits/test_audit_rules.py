"""Each rule on its own, with the edge cases the issue names: pure functions, no store."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from fractions import Fraction

import pytest

from audits import rules as rule_catalogue
from audits.activity import activity_of
from audits.quarters import Quarter, add_months_to_date
from audits.rules import (
    POSTED,
    RULE_IDS,
    RULES_BY_ID,
    SILENT,
    UNKNOWN,
    Activity,
    Judgement,
    Subject,
    check_account,
    check_register,
    is_below,
    render_message,
)
from audits.settings import AuditSettings
from governance.errors import FieldError
from governance.i18n import catalogue, set_language

Q4 = Quarter(2026, 4)
D = Q4.last_day  # 2026-12-31
SETTINGS = AuditSettings()
BUSY = Activity(has_rows=True, window=POSTED)
JUDGED = Judgement(D, SETTINGS, str(Q4))


def subject(**values: object) -> Subject:
    base: dict[str, object] = {
        "id": "0123456789ab",
        "platform": "facebook",
        "handle": "hbgbibliotek",
        "department": "Kulturförvaltningen",
        "purpose": "Evenemang.",
        "editors": 2,
        "editors_confirmed": date(2026, 11, 2),
        "audience": "Låntagare.",
        "goals": ("informera",),
    }
    base.update(values)
    return Subject(**base)  # type: ignore[arg-type]


def rules(account: Subject, activity: Activity = BUSY, as_of: date = D) -> list[str]:
    judged = Judgement(as_of, SETTINGS, str(Q4))
    return [hit.rule for hit in check_account(account, activity, judged)]


def row(
    stamp: str | None, posts: int | None = 1, due: int | None = None, on_time: int | None = None
) -> list[object]:
    return [stamp, posts, None, None, None, None, None, None, None, None, None, due, on_time]


# --- the rule catalogue --------------------------------------------------------------------------


def test_every_rule_has_a_severity_a_guideline_section_and_messages_in_both_languages() -> None:
    sections = {
        "Ansvarsfördelning och kriterier för konto",
        "Svara så fort som möjligt",
        "Öppna och slutna konton",
        "Mätning och uppföljning",
        "Uppföljning och revidering",
        "Dölja eller ta bort kommentar",
        "Målgrupp",
        "Målsättning – detta vill vi uppnå",
    }
    # 13, 2 of identity, 3 of an account's life, 2 of moderation, 3 of purpose (issue 12)
    assert len(RULE_IDS) == 23
    for rule in RULES_BY_ID.values():
        assert rule.severity in ("critical", "warning")
        assert rule.guideline in sections
        for language in ("sv", "en"):
            messages = catalogue(language)  # a plain message, or one with plural forms
            assert any(f"audit.rule.{rule.id}.message{form}" in messages for form in ("", ".other"))
            assert f"audit.rule.{rule.id}.title" in catalogue(language)


def test_a_healthy_account_breaks_nothing() -> None:
    assert rules(subject()) == []


def test_retired_accounts_are_not_audited() -> None:
    gone = subject(status="retired", editors=0, purpose="", visibility="closed")
    assert rules(gone, Activity(has_rows=False)) == []


# --- editors, purpose, visibility ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("editors", "expected"), [(0, ["no-editors"]), (1, ["single-editor"]), (2, []), (5, [])]
)
def test_editors(editors: int, expected: list[str]) -> None:
    assert rules(subject(editors=editors)) == expected


@pytest.mark.parametrize("purpose", ["", "   ", "\t\n"])
def test_an_empty_or_blank_purpose_is_critical(purpose: str) -> None:
    assert rules(subject(purpose=purpose)) == ["no-purpose"]


def test_a_closed_account_needs_a_reason() -> None:
    assert rules(subject(visibility="closed")) == ["closed-without-reason"]
    assert rules(subject(visibility="closed", closed_reason="  ")) == ["closed-without-reason"]
    assert rules(subject(visibility="closed", closed_reason="Enskilda klasser.")) == []
    assert rules(subject(visibility="open")) == []


# --- projects ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("end", "expected"),
    [
        (None, "time-limited-project"),  # no end date
        (D + timedelta(days=100), "time-limited-project"),
        (D, "time-limited-project"),  # ending on D is not yet ended
        (D - timedelta(days=1), "project-ended"),
    ],
)
def test_projects(end: date | None, expected: str) -> None:
    hits = check_account(subject(project="Sommarlov", project_end=end), BUSY, JUDGED)
    assert [h.rule for h in hits] == [expected]
    assert hits[0].params["project"] == "Sommarlov"
    assert hits[0].variant == ("no_end" if end is None else "message")


def test_no_project_no_project_rule() -> None:
    assert rules(subject(project="", project_end=None)) == []


# --- stats: no-stats, inactive, slow-replies -----------------------------------------------------


def test_no_rows_for_the_quarter_is_no_stats_and_nothing_else() -> None:
    assert rules(subject(), Activity(has_rows=False)) == ["no-stats"]
    # Rows for other months only are no stats for this quarter.
    activity = activity_of({"2026-09": row("2026-09-20T12:00:00+00:00")}, Q4, D, 60)
    assert activity.has_rows is False
    assert rules(subject(), activity) == ["no-stats"]


def _inactive(last_post: date | None, as_of: date = D) -> list[str]:
    months = {m: row(None, 0) for m in ("2026-10", "2026-11", "2026-12")}
    months.update({"2026-08": row(None, 0), "2026-09": row(None, 0)})
    if last_post is not None:
        key = f"{last_post.year:04d}-{last_post.month:02d}"
        months[key] = row(
            datetime(last_post.year, last_post.month, last_post.day, 12, tzinfo=UTC).isoformat()
        )
    return rules(subject(), activity_of(months, Q4, as_of, 60), as_of)


def test_a_post_exactly_60_days_before_d_is_fine_61_is_not() -> None:
    assert _inactive(D - timedelta(days=60)) == []
    assert _inactive(D - timedelta(days=61)) == ["inactive"]
    assert _inactive(D) == []


def test_never_posted_is_inactive() -> None:
    hits = check_account(
        subject(),
        activity_of({m: row(None, 0) for m in ("2026-10", "2026-11", "2026-12")}, Q4, D, 60),
        JUDGED,
    )
    assert [(h.rule, h.variant) for h in hits] == [("inactive", "never")]


def test_the_message_names_the_latest_post_and_the_days() -> None:
    months = {"2026-08": row("2026-08-15T10:00:00+02:00"), "2026-09": row(None, 0)}
    months.update({m: row(None, 0) for m in Q4.months})
    hit = check_account(subject(), activity_of(months, Q4, D, 60), JUDGED)[0]
    assert hit.params == {"latest": "2026-08-15", "days": 138, "limit": 60,
                          "setting": "inactive_days"}  # fmt: skip
    assert render_message(hit.rule, hit.variant, hit.params) == (
        "Senaste inlägget var 2026-08-15, 138 dagar före bedömningsdagen. Riktlinjen: kontot"
        " ”publicerar regelbundet inlägg”; gränsen 60 dagar är AKN:s tillämpning"
        " (inactive_days = 60)."
    )


def test_the_post_date_is_the_stockholm_date() -> None:
    # 2026-11-01 23:30 UTC is 2026-11-02 00:30 in Stockholm: exactly 59 days before D, fine.
    # 2026-10-31 22:30 UTC is still 2026-10-31 23:30 in Stockholm: 61 days, inactive.
    base = {m: row(None, 0) for m in ("2026-09", *Q4.months)}
    fine = {**base, "2026-11": row("2026-11-01T23:30:00+00:00")}
    late = {**base, "2026-10": row("2026-10-31T22:30:00+00:00")}
    assert activity_of(fine, Q4, D, 60).window == POSTED
    assert activity_of(late, Q4, D, 60).window == SILENT


def test_unknown_figures_are_not_zero_for_inactivity() -> None:
    # The posts of November are unknown: the account may well have posted, so no finding.
    months = {"2026-10": row(None, 0), "2026-11": row(None, None), "2026-12": row(None, 0)}
    activity = activity_of(months, Q4, D, 60)
    assert activity.window == UNKNOWN
    assert rules(subject(), activity) == []
    # A month missing from the stats inside the window is unknown too.
    assert (
        activity_of({"2026-10": row(None, 0), "2026-12": row(None, 0)}, Q4, D, 60).window == UNKNOWN
    )


def test_posts_at_an_unknown_time_count_when_the_whole_month_is_in_the_window() -> None:
    months = {"2026-10": row(None, 0), "2026-11": row(None, 3), "2026-12": row(None, 0)}
    assert activity_of(months, Q4, D, 60).window == POSTED
    # October 2026 lies only partly in the window (from 2026-11-01): it cannot tell.
    months = {"2026-10": row(None, 3), "2026-11": row(None, 0), "2026-12": row(None, 0)}
    assert activity_of(months, Q4, date(2026, 12, 30), 60).window == UNKNOWN


def test_a_post_after_d_does_not_count_for_an_earlier_audit() -> None:
    months = {
        "2026-09": row(None, 0),
        "2026-10": row(None, 0),
        "2026-11": row("2026-11-25T09:00:00+00:00"),
    }
    # As of 2026-11-20, November's only known post is after D: it cannot be told.
    assert activity_of(months, Q4, date(2026, 11, 20), 60).window == UNKNOWN
    assert activity_of(months, Q4, date(2026, 11, 30), 60).window == POSTED


def test_quarter_boundaries_for_the_quarter_rows() -> None:
    # A row for September is not a row of Q4; a row for October is.
    assert activity_of({"2026-09": row(None, 0)}, Q4, D, 60).has_rows is False
    assert activity_of({"2026-10": row(None, 0)}, Q4, D, 60).has_rows is True
    # Audited as of 2026-10-15, December's row (a future month) is not read.
    assert activity_of({"2026-12": row(None, 0)}, Q4, date(2026, 10, 15), 60).has_rows is False
    q1 = Quarter(2027, 1)
    assert activity_of({"2026-12": row(None, 0)}, q1, q1.last_day, 60).has_rows is False


def _replies(*pairs: tuple[int | None, int | None]) -> Activity:
    months = {
        m: row("2026-12-20T10:00:00+00:00", 4, due, on_time)
        for m, (due, on_time) in zip(Q4.months, pairs, strict=False)
    }
    return activity_of(months, Q4, D, 60)


def test_exactly_90_percent_is_fine_below_is_slow() -> None:
    assert rules(subject(), _replies((50, 45), (20, 18))) == []  # 63 of 70, exactly 90 %
    assert rules(subject(), _replies((70, 62))) == ["slow-replies"]
    assert is_below(62, 70, Fraction(9, 10)) and not is_below(63, 70, Fraction(9, 10))


def test_slow_replies_sums_the_quarter_and_skips_unknown_months() -> None:
    activity = _replies((10, 10), (10, None), (None, 3))
    assert (activity.replies_due, activity.replies_on_time) == (10, 10)
    assert rules(subject(), activity) == []
    slow = _replies((10, 5), (10, 10), (0, 0))
    assert (slow.replies_due, slow.replies_on_time) == (20, 15)
    hit = check_account(subject(), slow, JUDGED)[0]
    # Rows stored before questions were counted: every comment counted, and the finding says so.
    assert render_message(hit.rule, hit.variant, hit.params) == (
        "15 av 20 kommentarer (75 %) besvarades inom 24 timmar under arbetstid (riktlinjen)."
        " Kravet är AKN:s tillämpning (min_reply_rate = 90 %). Statistiken är äldre än"
        " frågeräkningen, så alla kommentarer räknades, inte bara frågor."
    )


def test_nothing_due_or_nothing_known_is_not_slow() -> None:
    assert rules(subject(), _replies((0, 0), (0, 0), (0, 0))) == []
    assert rules(subject(), _replies((None, None), (None, None), (None, None))) == []
    assert _replies((None, None)).replies_due is None


def test_percentages_round_down_and_use_the_languages_decimal_mark() -> None:
    params = {"on_time": 8997, "due": 10000, "limit": "9/10"}
    assert "(89,9 %)" in render_message("slow-replies", "message", params)
    set_language("en")
    assert "(89.9 %)" in render_message("slow-replies", "message", params)


# --- the register's revision ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("deadline", "expected"),
    [
        (D - timedelta(days=1), "revision-overdue"),
        (D, "revision-due-soon"),  # due on D itself: not yet overdue
        (D + timedelta(days=30), "revision-due-soon"),
        (D + timedelta(days=31), None),
    ],
)
def test_revision_rules(deadline: date, expected: str | None) -> None:
    hits = check_register(deadline, JUDGED)
    assert [h.rule for h in hits] == ([expected] if expected else [])


# --- quarters ------------------------------------------------------------------------------------


def test_quarters() -> None:
    assert (Q4.first_day, Q4.last_day, Q4.months) == (
        date(2026, 10, 1),
        date(2026, 12, 31),
        ("2026-10", "2026-11", "2026-12"),
    )
    assert Quarter.parse("2027q1") == Q4.next() and Q4.next().previous() == Q4
    assert Quarter.of(date(2026, 9, 30)) == Quarter(2026, 3)
    assert Quarter.of(date(2026, 10, 1)) == Q4
    assert Quarter(2024, 1).last_day == date(2024, 3, 31)
    with pytest.raises(FieldError):
        Quarter.parse("2026Q5")


def test_adding_months_clamps_to_the_month_end() -> None:
    assert add_months_to_date(date(2026, 10, 1), 6) == date(2027, 4, 1)
    assert add_months_to_date(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert add_months_to_date(date(2023, 9, 30), 6) == date(2024, 3, 30)


# --- re-certification of editor lists (issue 6) -----------------------------------------------


@pytest.mark.parametrize(
    ("confirmed", "expected"),
    [
        (None, ["editors-unconfirmed"]),
        (D - timedelta(days=92), []),  # exactly the window: still fine
        (D - timedelta(days=93), ["editors-unconfirmed"]),
        (date(2026, 12, 30), []),
    ],
)
def test_editor_lists_must_be_confirmed_within_the_quarter(
    confirmed: date | None, expected: list[str]
) -> None:
    assert rules(subject(editors_confirmed=confirmed)) == expected


def test_an_account_without_editors_is_not_also_unconfirmed() -> None:
    assert rules(subject(editors=0, editors_confirmed=None)) == ["no-editors"]


def test_each_rule_is_the_function_named_after_it() -> None:
    """Where is rule X? One answer: ``audits.rules.X`` (dashes as underscores)."""
    for rule in RULES_BY_ID.values():
        assert getattr(rule_catalogue, rule.id.replace("-", "_")) is rule


def test_subject_from_doc_fills_each_field() -> None:
    """from_doc builds the tuple by position (for speed): each value must land in its field."""
    doc = {
        "id": "0123456789ab",
        "platform": "instagram",
        "handle": "hbgkultur",
        "department": "Kulturförvaltningen",
        "purpose": "Evenemang.",
        "editors": [{"name": "A"}, {"name": "B"}, {"name": "C"}],
        "visibility": "closed",
        "closed_reason": "Enskilda klasser.",
        "project": "Sommarlov",
        "project_end": "2026-08-31",
        "status": "retired",
        "editors_confirmed_at": "2026-11-02T09:00:00+00:00",
        "audience": "Unga vuxna i Helsingborg.",
        "goals": ["informera", "engagera"],
        "department_goals": ["g1", "g3"],
    }
    assert Subject.from_doc(doc) == Subject(
        id="0123456789ab",
        platform="instagram",
        handle="hbgkultur",
        department="Kulturförvaltningen",
        purpose="Evenemang.",
        editors=3,
        visibility="closed",
        closed_reason="Enskilda klasser.",
        project="Sommarlov",
        project_end=date(2026, 8, 31),
        status="retired",
        editors_confirmed=date(2026, 11, 2),
        audience="Unga vuxna i Helsingborg.",
        goals=("informera", "engagera"),
        department_goals=("g1", "g3"),
    )
    bare = Subject.from_doc({"id": "0123456789ab", "platform": "x", "handle": "h"})
    assert bare == Subject(id="0123456789ab", platform="x", handle="h", department="")


def test_one_of_a_kind_reads_in_the_singular() -> None:
    from audits.rules import render_message

    params = {"count": 1, "first": "2026-11-02", "id": "a1b2c3d4", "late": 0}
    assert render_message("removal-unregistered", "message", params).startswith(
        "1 borttagen kommentar har inte skickats"
    )
    assert render_message("removal-unregistered", "late", {"count": 1}).startswith(
        "1 borttagen kommentar skickades"
    )
    params["count"] = 2
    assert render_message("removal-unregistered", "message", params).startswith(
        "2 borttagna kommentarer har inte skickats"
    )
