"""The guideline's rules: one small function each, beside its id, severity and guideline section.

"Where is the inactivity rule?" has one answer: :func:`inactive` below, under its
``@account_rule("inactive", ...)`` entry. What feeds it is named in its docstring (the stats
reader that works out the window, the setting that sets its length).

An audit of a quarter is judged *as of* a day D (the quarter's last day unless asked otherwise).
Rules are pure functions of an account's register fields (:class:`Subject`), what its stats say
about the quarter (:class:`Activity`) and the run's :class:`Judgement` (D, the settings, the
quarter); the engine feeds them from the store. A figure Kontokoll does not know is ``None`` and
never counts as 0: a rule that cannot be judged on unknown figures stays silent rather than
guessing.

To add a rule: write its check under an ``@account_rule`` (or ``@register_rule``) entry, add it to
:data:`ACCOUNT_RULES` (or :data:`REGISTER_RULES`) where its findings should sort, and give it a
title and messages in both locale catalogues (a test checks they exist).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from governance.account_checks import CLOSED_REASON_JUDGED, lacks_closed_reason
from governance.i18n import current_language, t

if TYPE_CHECKING:  # settings.py needs RULE_IDS at import time; only the annotations need this
    from audits.settings import AuditSettings

# Re-exported by name too: rule X is audits.rules.X (tests/audits/test_audit_rules.py).
from audits.moderation_rules import MODERATION_RULES, hidden_unlogged, removal_unregistered
from audits.purpose_rules import PURPOSE_RULES, no_audience, no_goals, purpose_unlinked
from audits.rule_kinds import (
    ACCOUNT,
    POSTED,
    REGISTER,
    SILENT,
    UNKNOWN,
    AccountCheck,
    AccountRule,
    Activity,
    Hit,
    Judgement,
    RegisterCheck,
    RegisterRule,
    Rule,
    Subject,
    account_rule,
    register_rule,
)

# Re-exported: the engine, settings, screens and tests import these from here.
__all__ = [
    "ACCOUNT",
    "POSTED",
    "REGISTER",
    "SILENT",
    "UNKNOWN",
    "AccountCheck",
    "AccountRule",
    "Activity",
    "Hit",
    "Judgement",
    "RegisterCheck",
    "RegisterRule",
    "Rule",
    "Subject",
    "account_rule",
    "hidden_unlogged",
    "no_audience",
    "no_goals",
    "purpose_unlinked",
    "register_rule",
    "removal_unregistered",
]

_CRITERIA = "Ansvarsfördelning och kriterier för konto"
_REPLIES = "Svara så fort som möjligt"
_REVISION = "Uppföljning och revidering"


# --- editors and purpose --------------------------------------------------------------------------


@account_rule("no-editors", "critical", _CRITERIA)
def no_editors(subject: Subject, activity: Activity, judged: Judgement) -> Hit | None:
    """Nobody answers for the account: the department must appoint editors."""
    return Hit("no-editors") if subject.editors == 0 else None


@account_rule("single-editor", "warning", _REPLIES)
def single_editor(subject: Subject, activity: Activity, judged: Judgement) -> Hit | None:
    """One editor cannot keep the 24-hour promise through holidays and sick days."""
    return Hit("single-editor") if subject.editors == 1 else None


@account_rule("no-purpose", "critical", _CRITERIA)
def no_purpose(subject: Subject, activity: Activity, judged: Judgement) -> Hit | None:
    """Every account needs a stated purpose; a blank one is none."""
    return None if subject.purpose.strip() else Hit("no-purpose")


# --- projects -------------------------------------------------------------------------------------


def _project_params(subject: Subject) -> dict[str, Any]:
    end = subject.project_end
    return {"project": subject.project, "end": end.isoformat() if end else ""}


def _project_ended(subject: Subject, as_of: date) -> bool:
    """Ended before D (ending on D itself is not yet ended)."""
    return subject.project_end is not None and subject.project_end < as_of


@account_rule("time-limited-project", "warning", _CRITERIA)
def time_limited_project(subject: Subject, activity: Activity, judged: Judgement) -> Hit | None:
    """Time-limited projects should not get accounts of their own (until one ends: see below)."""
    if not subject.project.strip() or _project_ended(subject, judged.as_of):
        return None
    variant = "message" if subject.project_end else "no_end"
    return Hit("time-limited-project", variant, _project_params(subject))


@account_rule("project-ended", "critical", _CRITERIA)
def project_ended(subject: Subject, activity: Activity, judged: Judgement) -> Hit | None:
    """A project account outliving its project's end date should be closed."""
    if not subject.project.strip() or not _project_ended(subject, judged.as_of):
        return None
    return Hit("project-ended", params=_project_params(subject))


@account_rule(
    "closed-without-reason", "warning", "Öppna och slutna konton", status=CLOSED_REASON_JUDGED
)
def closed_without_reason(subject: Subject, activity: Activity, judged: Judgement) -> Hit | None:
    """A closed account must say why it is closed."""
    if lacks_closed_reason(subject.visibility, subject.closed_reason):
        return Hit("closed-without-reason")
    return None


# --- activity -------------------------------------------------------------------------------------


@account_rule("no-stats", "warning", "Mätning och uppföljning")
def no_stats(subject: Subject, activity: Activity, judged: Judgement) -> Hit | None:
    """No stats row for any month of the quarter up to D (then inactivity cannot be judged)."""
    return None if activity.has_rows else Hit("no-stats", params={"quarter": judged.quarter})


@account_rule("inactive", "critical", _CRITERIA)
def inactive(subject: Subject, activity: Activity, judged: Judgement) -> Hit | None:
    """No post in the ``settings.inactive_days`` (default 60) days before D, or in the platform's
    own limit where ``[audit.inactive_days_per_platform]`` sets one (``settings.inactive_limit``).

    The guideline says "publicerar regelbundet"; the number of days is AKN's application, and the
    finding names the setting that applied (``setting``: ``inactive_days`` or
    ``inactive_days_per_platform.<platform>``).

    Fires only on a window known to be silent: :class:`audits.activity.ActivityReader` reads the
    window from the stored months (``activity.window``, with the engine's reader for the
    account's platform) and treats unknown figures as unknown, never as "no posts".
    """
    if not activity.has_rows or activity.window != SILENT:
        return None
    settings = judged.settings
    limit = settings.inactive_limit(subject.platform)
    own = subject.platform in settings.inactive_days_per_platform
    setting = f"inactive_days_per_platform.{subject.platform}" if own else "inactive_days"
    if activity.latest_post is None:
        return Hit("inactive", "never", {"limit": limit, "setting": setting})
    days = (judged.as_of - activity.latest_post).days
    latest = activity.latest_post.isoformat()
    return Hit("inactive", params={"latest": latest, "days": days, "limit": limit,
                                   "setting": setting})  # fmt: skip


@account_rule("slow-replies", "warning", _REPLIES)
def slow_replies(subject: Subject, activity: Activity, judged: Judgement) -> Hit | None:
    """Fewer than ``settings.min_reply_rate`` of the quarter's questions due were on time.

    "I kommentarsflödet svarar vi alltid på direkta, konkreta och seriösa frågor": the sync
    classifies others' top-level comments (:mod:`governance.comment_classifier`) and counts the
    questions, not hidden ones (``questions_due``/``questions_on_time``). A month synced before
    that (older statistics) counts every comment instead, and the finding says so (variant
    ``comments`` when all months did, ``mixed`` when some did). "On time" is 24 hours of working
    time (:mod:`governance.worktime`); months where a figure is unknown are left out of both sums.
    """
    due, on_time = activity.questions_due, activity.questions_on_time
    rate = judged.settings.min_reply_rate
    if not due or on_time is None or not is_below(on_time, due, rate):
        return None
    params: dict[str, Any] = {"on_time": on_time, "due": due, "limit": str(rate)}
    old = activity.months_all_comments
    if not old:
        return Hit("slow-replies", params=params)
    if not activity.months_questions:
        return Hit("slow-replies", "comments", params)
    return Hit("slow-replies", "mixed", {**params, "months": old})


@account_rule("slow-dm-replies", "warning", _REPLIES)
def slow_dm_replies(subject: Subject, activity: Activity, judged: Judgement) -> Hit | None:
    """Fewer than ``settings.min_reply_rate`` of the quarter's direct messages due were on time.

    *Aktivt*: "svarar på de kommentarer, meddelanden och inlägg". A message from someone else
    falls due; the account's first message after it closes it (:mod:`governance.platforms.dms`),
    by the same 24 hours of working time and the same threshold as comments. Platforms that
    give no messages (LinkedIn, YouTube, X accounts other than the token's) stay unknown.
    """
    due, on_time = activity.dms_due, activity.dms_on_time
    rate = judged.settings.min_reply_rate
    if not due or on_time is None or not is_below(on_time, due, rate):
        return None
    return Hit("slow-dm-replies", params={"on_time": on_time, "due": due, "limit": str(rate)})


@account_rule("editors-unconfirmed", "warning", _CRITERIA)
def editors_unconfirmed(subject: Subject, activity: Activity, judged: Judgement) -> Hit | None:
    """The department appoints the editors; a list nobody has confirmed lately may be stale.

    A confirmation older than ``settings.editors_confirmed_days`` before D counts as none.
    """
    if not subject.editors:
        return None
    confirmed = subject.editors_confirmed
    window = judged.settings.editors_confirmed_days
    if confirmed is None:
        return Hit("editors-unconfirmed", "never", {"days": window})
    if (judged.as_of - confirmed).days > window:
        params = {"confirmed": confirmed.isoformat(), "days": window}
        return Hit("editors-unconfirmed", params=params)
    return None


def is_below(on_time: int, due: int, rate: Fraction) -> bool:
    """Whether ``on_time / due`` is below ``rate``, exactly (63/70 is 90 %, not a hair under)."""
    return on_time * rate.denominator < rate.numerator * due


@account_rule("request-pending", "warning", _CRITERIA, status="requested")
def request_pending(subject: Subject, activity: Activity, judged: Judgement) -> Hit | None:
    """A request waited more than ``settings.request_pending_days`` working days (AKN:s
    tillämpning, default 10; :mod:`governance.worktime`) for AKN's decision."""
    # Imported here: only requested accounts need the working-time calendar (readers of a stored
    # run, which import the rules for their titles and messages, never do).
    from governance.worktime import working_days_between

    waited = working_days_between(subject.requested or judged.as_of, judged.as_of)
    limit = judged.settings.request_pending_days
    if subject.requested is None or waited <= limit:
        return None
    params = {"requested": subject.requested.isoformat(), "days": waited, "limit": limit}
    return Hit("request-pending", params=params)


@account_rule("revision-unacknowledged", "warning", _CRITERIA)
def revision_unacknowledged(subject: Subject, activity: Activity, judged: Judgement) -> Hit | None:
    """Editors not acknowledging the revision ``judged.revision`` (one recorded once this
    existed) within ``settings.revision_acknowledge_days`` (AKN:s tillämpning, default 30) of it
    or of their appointment: :mod:`governance.acknowledgements`. Says how many, never who."""
    if not subject.editors_pending or judged.revision is None:  # (most accounts: nobody due)
        return None
    days = judged.settings.revision_acknowledge_days
    late = sum(1 for due in subject.editors_pending if (judged.as_of - due).days > days)
    if not late:
        return None
    params = {"count": late, "editors": subject.editors, "revision": judged.revision.isoformat()}
    return Hit("revision-unacknowledged", params={**params, "days": days})


@account_rule("retirement-open", "warning", _CRITERIA, status="retired")
def retirement_open(subject: Subject, activity: Activity, judged: Judgement) -> Hit | None:
    """The closing checklist (AKN:s tillämpning, :class:`governance.model.Retirement`) of an
    account retired once it existed has open items."""
    if subject.retirement is None or subject.retired is None or subject.retired > judged.as_of:
        return None
    items = subject.retirement.open_items(judged.as_of)
    if not items:
        return None
    params = {"retired": subject.retired.isoformat(), "open": len(items), "items": ",".join(items)}
    return Hit("retirement-open", params=params)


# --- identity on the platform (read by the sync: governance.identity_check) ----------------------


@account_rule("handle-changed", "warning", _CRITERIA)
def handle_changed(subject: Subject, activity: Activity, judged: Judgement) -> Hit | None:
    """The platform shows another username than the handle; ``accounts rename`` takes it."""
    seen = subject.observed_handle
    return Hit("handle-changed", params={"handle": subject.handle, "observed": seen}) if (
        seen and seen != subject.handle) else None


@account_rule("identity-mismatch", "critical", _CRITERIA)
def identity_mismatch(subject: Subject, activity: Activity, judged: Judgement) -> Hit | None:
    """The handle leads to another id (lost, taken over, re-created?): no figures are stored
    until an admin runs ``accounts accept-identity`` or corrects the handle."""
    if not subject.identity_mismatch:
        return None
    params = {"handle": subject.handle, "registered": subject.platform_id,
              "observed": subject.identity_mismatch}
    return Hit("identity-mismatch", params=params)


# --- the register ---------------------------------------------------------------------------------


@register_rule("revision-overdue", "critical", _REVISION)
def revision_overdue(deadline: date, judged: Judgement) -> Hit | None:
    """The guideline's half-yearly revision is past its deadline.

    The deadline comes from the recorded revisions, ``settings.revision_interval_months`` and
    ``settings.first_revision_deadline`` (:func:`audits.revisions.deadline_as_of`).
    """
    if deadline >= judged.as_of:
        return None
    days = (judged.as_of - deadline).days
    return Hit("revision-overdue", params={"deadline": deadline.isoformat(), "days": days})


@register_rule("revision-due-soon", "warning", _REVISION)
def revision_due_soon(deadline: date, judged: Judgement) -> Hit | None:
    """The revision is due on D or within ``settings.revision_due_soon_days`` after it."""
    days = (deadline - judged.as_of).days
    if days < 0 or days > judged.settings.revision_due_soon_days:
        return None
    return Hit("revision-due-soon", params={"deadline": deadline.isoformat(), "days": days})


# --- the catalogue --------------------------------------------------------------------------------

#: In the order findings of one account sort in (and the order of every list of rules).
ACCOUNT_RULES: tuple[AccountRule, ...] = (
    no_editors,
    single_editor,
    no_purpose,
    *PURPOSE_RULES,  # purpose-unlinked, no-audience, no-goals (audits.purpose_rules)
    time_limited_project,
    project_ended,
    closed_without_reason,
    no_stats,
    inactive,
    slow_replies,
    slow_dm_replies,
    editors_unconfirmed,
    revision_unacknowledged,
    request_pending,
    retirement_open,
    handle_changed,
    identity_mismatch,
    *MODERATION_RULES,  # removal-unregistered, hidden-unlogged (audits.moderation_rules)
)
REGISTER_RULES: tuple[RegisterRule, ...] = (revision_overdue, revision_due_soon)
RULES: tuple[Rule, ...] = (*ACCOUNT_RULES, *REGISTER_RULES)
RULES_BY_ID: Mapping[str, Rule] = {rule.id: rule for rule in RULES}
RULE_IDS: tuple[str, ...] = tuple(RULES_BY_ID)
#: A rule's place in RULES, for sorting findings without searching the tuple each time.
RULE_ORDER: Mapping[str, int] = {rule_id: n for n, rule_id in enumerate(RULE_IDS)}

# The bare functions by the status they judge, so the per-account loop does no look-ups.
_CHECKS_BY_STATUS: Mapping[str, tuple[AccountCheck, ...]] = {
    status: tuple(rule.check for rule in ACCOUNT_RULES if rule.status == status)
    for status in dict.fromkeys(rule.status for rule in ACCOUNT_RULES)
}
JUDGED_STATUSES = frozenset(_CHECKS_BY_STATUS)


def check_account(subject: Subject, activity: Activity, judged: Judgement) -> list[Hit]:
    """Every account rule of its status (active, requested, retired) ``subject`` breaks."""
    hits = []  # (a loop, not a comprehension: that would be one more frame per account)
    for check in _CHECKS_BY_STATUS.get(subject.status, ()):
        hit = check(subject, activity, judged)
        if hit is not None:
            hits.append(hit)
    return hits


def check_register(deadline: date, judged: Judgement) -> list[Hit]:
    """The register-level rules: the guideline's revision deadline against D."""
    hits = [rule.check(deadline, judged) for rule in REGISTER_RULES]
    return [hit for hit in hits if hit is not None]


def severity_of(rule: str, settings: AuditSettings) -> str:
    """The rule's severity under ``settings`` (an override, else the default)."""
    return settings.severity.get(rule, RULES_BY_ID[rule].severity)


def render_message(rule: str, variant: str, params: Mapping[str, Any]) -> str:
    """The finding's message in the current language."""
    shown = dict(params)
    if rule in ("slow-replies", "slow-dm-replies"):
        due = int(params["due"])
        shown["percent"] = _percent(Fraction(int(params["on_time"]), due) if due else Fraction(0))
        shown["limit"] = _percent(Fraction(str(params["limit"])))
    elif rule == "inactive":  # a run stored before per-platform limits had only the one
        shown.setdefault("setting", "inactive_days")
    elif rule == "retirement-open":
        shown["items"] = ", ".join(
            t(f"lifecycle.item.{i}") for i in str(params["items"]).split(",")
        )
    return t(f"audit.rule.{rule}.{variant}", **shown)


def _percent(value: Fraction) -> str:
    # Rounded down, so that 89.96 % never shows as "90 %" beside a 90 % limit it missed.
    tenths = math.floor(value * 1000)
    text = f"{tenths // 10}" + (f".{tenths % 10}" if tenths % 10 else "")
    return text.replace(".", ",") if current_language() == "sv" else text
