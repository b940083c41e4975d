"""What a rule is made of: the inputs it judges and the kinds of rule, apart from the rules.

:mod:`audits.rules` holds the guideline's rules themselves, one small function each; this module
holds what they share: an account's register fields as a rule sees them (:class:`Subject`), what
its stats say about the quarter (:class:`Activity`), what a whole run judges against
(:class:`Judgement`), a rule that fired (:class:`Hit`), and the two kinds of rule with the
decorators that make a check into one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

import msgspec

from governance.i18n import t
from governance.model import Account, Retirement

if TYPE_CHECKING:  # settings.py needs RULE_IDS at import time; only the annotations need this
    from audits.settings import AuditSettings
    from governance.moderation.facts import ModerationFacts

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
    requested: date | None = None  # the day the account was requested (accounts request)
    retired: date | None = None  # the day it was retired, once the closing checklist existed
    retirement: Retirement | None = None  # the closing checklist's answers
    editors_pending: tuple[date, ...] = ()  # per editor yet to acknowledge: due since (engine)
    platform_id: str = ""
    observed_handle: str = ""  # the username the last sync read (governance.identity_check)
    identity_mismatch: str = ""  # the other id behind the registered handle, if one was found
    shared: bool = False  # a city-wide (stadsgemensamt) account: KC answers its direct messages
    kc_handles_comments: bool = False  # by agreement, KC answers its comments too
    audience: str = ""  # Målgrupp
    goals: tuple[str, ...] = ()  # Målsättning: informera, aktivera, engagera
    department_goals: tuple[str, ...] = ()  # the ids of its department's goals it serves

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
            _day(doc.get("requested_at")),  # requested
            _day(doc.get("retired_at")),  # retired
            Retirement.from_doc(doc["retirement"]) if doc.get("retirement") else None,
            (),  # editors_pending: the engine fills it in
            doc.get("platform_id", ""),
            doc.get("observed_handle", ""),
            doc.get("identity_mismatch", ""),
            doc.get("shared") is True,  # shared
            doc.get("kc_handles_comments") is True,  # kc_handles_comments
            doc.get("audience", ""),
            tuple(doc.get("goals", ())),
            tuple(doc.get("department_goals", ())),
        )

    @classmethod
    def from_account(cls, account: Account) -> Subject:
        return cls.from_doc(account.to_doc())


def _day(stamp: str | None) -> date | None:
    return date.fromisoformat(stamp[:10]) if stamp else None  # (a UTC day: slack of one day)


#: Whether an account posted within the inactivity window: yes, no, or cannot be told.
POSTED, SILENT, UNKNOWN = "posted", "silent", "unknown"


class Activity(NamedTuple):
    """What the stats say about one account for the audited quarter (up to D)."""

    has_rows: bool
    window: str = UNKNOWN
    latest_post: date | None = None  # the latest known post on or before D, if any
    replies_due: int | None = None  # over the quarter's months where both figures are known
    replies_on_time: int | None = None
    hidden: int | None = None  # comments the page hid in the quarter (None: not known)
    #: The reply duty on questions (issue 10): per month ``questions_*`` where the sync counted
    #: them, else (older statistics) ``replies_*``, summed; None when no month tells.
    questions_due: int | None = None
    questions_on_time: int | None = None
    #: How many of the months summed into ``questions_*`` counted every comment (older data).
    months_all_comments: int = 0
    #: How many months counted questions (the rest of what ``questions_*`` sums).
    months_questions: int = 0
    dms_due: int | None = None  # direct messages from others due in the quarter (None: unknown)
    dms_on_time: int | None = None


class Judgement(NamedTuple):
    """What every account of one run is judged against; built once per run, not per account."""

    as_of: date  # the day D
    settings: AuditSettings
    quarter: str  # the quarter's label, as the no-stats message names it
    revision: date | None = None  # the revision editors must have acknowledged, if one is judged
    #: Account id -> its moderation records in the quarter (governance.moderation.facts).
    moderation: Mapping[str, ModerationFacts] = MappingProxyType({})
    #: Department name -> the ids of its own goals (only departments that have any).
    department_goals: Mapping[str, frozenset[str]] = MappingProxyType({})


class Hit(msgspec.Struct, frozen=True):
    """A rule that fired: its id, which message variant, and the message's parameters.

    A msgspec Struct, made in C: a run makes 15,000 (and the rules' record types are made at
    import without a dataclass's generated code).
    """

    rule: str
    variant: str = "message"
    params: Mapping[str, Any] = msgspec.field(default_factory=dict)


#: An account rule's check: the hit, or None when the account keeps the rule.
AccountCheck = Callable[[Subject, Activity, Judgement], Hit | None]
#: A register rule's check, given the guideline's revision deadline as of D.
RegisterCheck = Callable[[date, Judgement], Hit | None]


class Rule(msgspec.Struct, frozen=True):
    """One rule: its id, default severity, the guideline section (in Swedish) and its scope."""

    id: str
    severity: str
    guideline: str
    scope: ClassVar[str] = ACCOUNT

    @property
    def title(self) -> str:
        """The rule's short name in the current language."""
        return t(f"audit.rule.{self.id}.title")


class AccountRule(Rule, frozen=True):
    """A rule every account of ``status`` (active unless said) is checked against."""

    check: AccountCheck
    status: str = "active"


class RegisterRule(Rule, frozen=True):
    """A rule the register as a whole is checked against, once per run."""

    check: RegisterCheck
    scope: ClassVar[str] = REGISTER


def account_rule(
    rule_id: str, severity: str, guideline: str, status: str = "active"
) -> Callable[[AccountCheck], AccountRule]:
    """Make the decorated check the account rule ``rule_id`` (the entry sits on its function)."""

    def make(check: AccountCheck) -> AccountRule:
        return AccountRule(rule_id, severity, guideline, check, status)

    return make


def register_rule(
    rule_id: str, severity: str, guideline: str
) -> Callable[[RegisterCheck], RegisterRule]:
    """Make the decorated check the register rule ``rule_id``."""

    def make(check: RegisterCheck) -> RegisterRule:
        return RegisterRule(rule_id, severity, guideline, check)

    return make
