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
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

from governance.i18n import current_language, t
from governance.model import Account

if TYPE_CHECKING:  # settings.py needs RULE_IDS at import time; only the annotations need this
    from audits.settings import AuditSettings

ACCOUNT = "account"
REGISTER = "register"


class Subject(NamedTuple):
    """An account as the rules see it (no editors' names or e-mails: only how many there are).

    A NamedTuple, not a frozen dataclass: the engine builds 10,000 of them per run.
    """

    id: str
    platform: str
    handle: str
    department: str
    purpose: str = ""
    editors: int = 0
    visibility: str = "open"
    closed_reason: str = ""
    project: str = ""
    project_end: date | None = None
    status: str = "active"
    editors_confirmed: date | None = None  # the day the lead last confirmed the editor list

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any]) -> Subject:
        """From a stored account document (the engine reads these raw, for speed).

        Positional, in field order: keyword construction of a NamedTuple costs twice as much,
        and this runs once per account (``test_subject_from_doc_fills_each_field`` checks).
        """
        end = doc.get("project_end")
        confirmed = doc.get("editors_confirmed_at")
        return cls(
            doc["id"],
            doc["platform"],
            doc["handle"],
            doc.get("department", ""),
            doc.get("purpose", ""),
            len(doc.get("editors", ())),  # editors
            doc.get("visibility", "open"),
            doc.get("closed_reason", ""),
            doc.get("project", ""),
            date.fromisoformat(end) if end else None,  # project_end
            doc.get("status", "active"),
            # editors_confirmed: the Stockholm date would differ only for a confirmation made
            # just after midnight UTC; a day's slack in a quarter-long window changes nothing.
            date.fromisoformat(confirmed[:10]) if confirmed else None,
        )

    @classmethod
    def from_account(cls, account: Account) -> Subject:
        return cls.from_doc(account.to_doc())


#: Whether an account posted within the inactivity window: yes, no, or cannot be told.
POSTED, SILENT, UNKNOWN = "posted", "silent", "unknown"


class Activity(NamedTuple):
    """What the stats say about one account for the audited quarter (up to D)."""

    has_rows: bool
    window: str = UNKNOWN
    latest_post: date | None = None  # the latest known post on or before D, if any
    replies_due: int | None = None  # over the quarter's months where both figures are known
    replies_on_time: int | None = None


class Judgement(NamedTuple):
    """What every account of one run is judged against; built once per run, not per account."""

    as_of: date  # the day D
    settings: AuditSettings
    quarter: str  # the quarter's label, as the no-stats message names it


@dataclass(frozen=True, slots=True)
class Hit:
    """A rule that fired: its id, which message variant, and the message's parameters."""

    rule: str
    variant: str = "message"
    params: Mapping[str, Any] = field(default_factory=dict)


#: An account rule's check: the hit, or None when the account keeps the rule.
AccountCheck = Callable[[Subject, Activity, Judgement], Hit | None]
#: A register rule's check, given the guideline's revision deadline as of D.
RegisterCheck = Callable[[date, Judgement], Hit | None]


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule: its id, default severity, the guideline section (in Swedish) and its scope."""

    id: str
    severity: str
    guideline: str
    scope: ClassVar[str] = ACCOUNT

    @property
    def title(self) -> str:
        """The rule's short name in the current language."""
        return t(f"audit.rule.{self.id}.title")


@dataclass(frozen=True, slots=True)
class AccountRule(Rule):
    """A rule every active account is checked against."""

    check: AccountCheck


@dataclass(frozen=True, slots=True)
class RegisterRule(Rule):
    """A rule the register as a whole is checked against, once per run."""

    check: RegisterCheck
    scope: ClassVar[str] = REGISTER


def account_rule(
    rule_id: str, severity: str, guideline: str
) -> Callable[[AccountCheck], AccountRule]:
    """Make the decorated check the account rule ``rule_id`` (the entry sits on its function)."""

    def make(check: AccountCheck) -> AccountRule:
        return AccountRule(rule_id, severity, guideline, check)

    return make


def register_rule(
    rule_id: str, severity: str, guideline: str
) -> Callable[[RegisterCheck], RegisterRule]:
    """Make the decorated check the register rule ``rule_id``."""

    def make(check: RegisterCheck) -> RegisterRule:
        return RegisterRule(rule_id, severity, guideline, check)

    return make


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


@account_rule("closed-without-reason", "warning", "Öppna och slutna konton")
def closed_without_reason(subject: Subject, activity: Activity, judged: Judgement) -> Hit | None:
    """A closed account must say why it is closed."""
    if subject.visibility == "closed" and not subject.closed_reason.strip():
        return Hit("closed-without-reason")
    return None


# --- activity -------------------------------------------------------------------------------------


@account_rule("no-stats", "warning", "Mätning och uppföljning")
def no_stats(subject: Subject, activity: Activity, judged: Judgement) -> Hit | None:
    """No stats row for any month of the quarter up to D (then inactivity cannot be judged)."""
    return None if activity.has_rows else Hit("no-stats", params={"quarter": judged.quarter})


@account_rule("inactive", "critical", _CRITERIA)
def inactive(subject: Subject, activity: Activity, judged: Judgement) -> Hit | None:
    """No post in the ``settings.inactive_days`` (default 60) days before D.

    Fires only on a window known to be silent: :class:`audits.activity.ActivityReader` reads the
    window from the stored months (``activity.window``) and treats unknown figures as unknown,
    never as "no posts".
    """
    if not activity.has_rows or activity.window != SILENT:
        return None
    limit = judged.settings.inactive_days
    if activity.latest_post is None:
        return Hit("inactive", "never", {"limit": limit})
    days = (judged.as_of - activity.latest_post).days
    latest = activity.latest_post.isoformat()
    return Hit("inactive", params={"latest": latest, "days": days, "limit": limit})


@account_rule("slow-replies", "warning", _REPLIES)
def slow_replies(subject: Subject, activity: Activity, judged: Judgement) -> Hit | None:
    """Fewer than ``settings.min_reply_rate`` of the quarter's replies due were on time.

    "On time" is 24 hours of working time (:mod:`governance.worktime`), counted by the platform
    clients when they sync; months where either figure is unknown are left out of both sums.
    """
    due, on_time = activity.replies_due, activity.replies_on_time
    rate = judged.settings.min_reply_rate
    if not due or on_time is None or not is_below(on_time, due, rate):
        return None
    return Hit("slow-replies", params={"on_time": on_time, "due": due, "limit": str(rate)})


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
    time_limited_project,
    project_ended,
    closed_without_reason,
    no_stats,
    inactive,
    slow_replies,
    editors_unconfirmed,
)
REGISTER_RULES: tuple[RegisterRule, ...] = (revision_overdue, revision_due_soon)
RULES: tuple[Rule, ...] = (*ACCOUNT_RULES, *REGISTER_RULES)
RULES_BY_ID: Mapping[str, Rule] = {rule.id: rule for rule in RULES}
RULE_IDS: tuple[str, ...] = tuple(RULES_BY_ID)
#: A rule's place in RULES, for sorting findings without searching the tuple each time.
RULE_ORDER: Mapping[str, int] = {rule_id: n for n, rule_id in enumerate(RULE_IDS)}

# The bare functions, so the per-account loop does no attribute look-ups.
_ACCOUNT_CHECKS: tuple[AccountCheck, ...] = tuple(rule.check for rule in ACCOUNT_RULES)


def check_account(subject: Subject, activity: Activity, judged: Judgement) -> list[Hit]:
    """Every account rule ``subject`` breaks as of ``judged.as_of``. Retired accounts break none."""
    if subject.status != "active":
        return []
    checks = _ACCOUNT_CHECKS
    return [hit for check in checks if (hit := check(subject, activity, judged)) is not None]


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
    if rule == "slow-replies":
        due = int(params["due"])
        shown["percent"] = _percent(Fraction(int(params["on_time"]), due) if due else Fraction(0))
        shown["limit"] = _percent(Fraction(str(params["limit"])))
    return t(f"audit.rule.{rule}.{variant}", **shown)


def _percent(value: Fraction) -> str:
    # Rounded down, so that 89.96 % never shows as "90 %" beside a 90 % limit it missed.
    tenths = math.floor(value * 1000)
    text = f"{tenths // 10}" + (f".{tenths % 10}" if tenths % 10 else "")
    return text.replace(".", ",") if current_language() == "sv" else text
