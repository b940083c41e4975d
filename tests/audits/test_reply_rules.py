"""slow-replies on questions (and on older statistics, saying so) and slow-dm-replies (issue 10),
from stored month rows as the audit reads them."""

from __future__ import annotations

from typing import Any

from audits.activity import DUTY_FIELDS, activity_of
from audits.quarters import Quarter
from audits.rules import (
    RULES_BY_ID,
    Activity,
    Judgement,
    Subject,
    check_account,
    render_message,
)
from audits.settings import AuditSettings
from governance.i18n import set_language
from governance.monthly import MonthlyStats

Q4 = Quarter(2026, 4)
D = Q4.last_day
JUDGED = Judgement(D, AuditSettings(), str(Q4))
SUBJECT = Subject("0123456789ab", "facebook", "hbgbibliotek", "Kulturförvaltningen", "Evenemang.",
                  editors=2)
POSTED_AT = "2026-12-20T10:00:00+00:00"


def new_row(month: str, **figures: Any) -> list[Any]:
    """A month row as the sync stores it now (every field)."""
    return [POSTED_AT, *MonthlyStats("0123456789ab", month, posts=4, **figures).to_row()[1:]]


def old_row(due: int | None, on_time: int | None) -> list[Any]:
    """A month row stored before issue 10: it ends at ``replies_on_time``."""
    return [POSTED_AT, 4, None, None, None, None, None, None, None, None, None, due, on_time]


def hits(activity: Activity) -> dict[str, tuple[str, dict[str, Any]]]:
    return {h.rule: (h.variant, dict(h.params)) for h in check_account(SUBJECT, activity, JUDGED)}


def test_questions_are_judged_not_every_comment() -> None:
    # 40 comments, 25 answered late; but only 10 were questions, 9 of them answered on time.
    months = {m: new_row(m, replies_due=40 if m == "2026-10" else 0, replies_on_time=15
                         if m == "2026-10" else 0, questions_due=10 if m == "2026-10" else 0,
                         questions_on_time=9 if m == "2026-10" else 0)
              for m in Q4.months}
    activity = activity_of(months, Q4, D, 60)
    assert (activity.questions_due, activity.questions_on_time) == (10, 9)
    assert (activity.replies_due, activity.replies_on_time) == (40, 15)
    assert "slow-replies" not in hits(activity)


def test_slow_questions_say_questions_and_what_was_counted() -> None:
    months = {m: new_row(m, replies_due=30, replies_on_time=30, questions_due=4,
                         questions_on_time=1) for m in Q4.months}
    variant, params = hits(activity_of(months, Q4, D, 60))["slow-replies"]
    assert variant == "message"
    assert render_message("slow-replies", variant, params) == (
        "3 av 12 frågor (25 %) besvarades inom 24 timmar under arbetstid (riktlinjen)."
        " Kravet är AKN:s tillämpning (min_reply_rate = 90 %).")


def test_older_months_are_judged_on_all_comments_and_the_finding_says_so() -> None:
    months = {"2026-10": old_row(10, 5), "2026-11": old_row(10, 5),
              "2026-12": new_row("2026-12", replies_due=9, replies_on_time=9, questions_due=2,
                                 questions_on_time=2)}
    activity = activity_of(months, Q4, D, 60)
    assert (activity.questions_due, activity.questions_on_time) == (22, 12)
    assert (activity.months_all_comments, activity.months_questions) == (2, 1)
    variant, params = hits(activity)["slow-replies"]
    assert variant == "mixed" and params["months"] == 2
    message = render_message("slow-replies", variant, params)
    assert message.startswith("12 av 22 frågor och kommentarer (54,5 %)")
    assert "2 av månaderna har äldre statistik" in message
    only_old = activity_of({m: old_row(10, 5) for m in Q4.months}, Q4, D, 60)
    variant, params = hits(only_old)["slow-replies"]
    assert variant == "comments" and "kommentarer" in render_message("slow-replies", variant,
                                                                     params)


def test_a_month_with_questions_unknown_but_replies_known_falls_back_to_replies() -> None:
    months = {"2026-10": new_row("2026-10", replies_due=10, replies_on_time=2)}  # e.g. imported
    activity = activity_of(months, Q4, D, 60)
    assert activity.questions_due == 10 and activity.months_all_comments == 1


def test_slow_dm_replies_judges_direct_messages_at_the_same_threshold() -> None:
    months = {m: new_row(m, dms_due=10, dms_on_time=8, questions_due=0, questions_on_time=0)
              for m in Q4.months}
    activity = activity_of(months, Q4, D, 60)
    assert (activity.dms_due, activity.dms_on_time) == (30, 24)
    variant, params = hits(activity)["slow-dm-replies"]
    assert variant == "message" and (params["due"], params["on_time"]) == (30, 24)
    assert render_message("slow-dm-replies", variant, params) == (
        "24 av 30 direktmeddelanden (80 %) besvarades inom 24 timmar under arbetstid."
        " Riktlinjen: kontot ”svarar på de kommentarer, meddelanden och inlägg som kommer in”;"
        " kommentarernas 24 timmar även för meddelanden och kravet är AKN:s tillämpning"
        " (min_reply_rate = 90 %).")
    set_language("en")
    assert "24 of 30 direct messages (80 %)" in render_message("slow-dm-replies", variant, params)
    set_language("sv")
    good = {m: new_row(m, dms_due=10, dms_on_time=9) for m in Q4.months}
    assert "slow-dm-replies" not in hits(activity_of(good, Q4, D, 60))
    assert RULES_BY_ID["slow-dm-replies"].severity == "warning"


def test_unknown_messages_and_hidden_are_not_zero() -> None:
    months = {m: new_row(m, dms_due=None, dms_on_time=None, hidden=None) for m in Q4.months}
    activity = activity_of(months, Q4, D, 60)
    assert activity.dms_due is None and activity.hidden is None
    assert activity.questions_due is None  # neither questions nor comments known
    assert not {"slow-replies", "slow-dm-replies"} & set(hits(activity))
    months = {"2026-10": new_row("2026-10", hidden=2), "2026-11": new_row("2026-11", hidden=None),
              "2026-12": old_row(None, None)}
    assert activity_of(months, Q4, D, 60).hidden == 2  # summed where known


def test_the_reader_slices_the_reply_figures_in_their_stored_order() -> None:
    assert DUTY_FIELDS == ("replies_due", "replies_on_time", "questions_due", "questions_on_time",
                           "hidden", "dms_due", "dms_on_time")
