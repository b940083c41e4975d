"""The guideline's rules: what each checks, how severe it is, and which section it enforces.

An audit of a quarter is judged *as of* a day D (the quarter's last day unless asked otherwise).
Rules are pure functions of an account's register fields (:class:`Subject`), what its stats say
about the quarter (:class:`Activity`), D and the settings; the engine feeds them from the store.
A figure Kontokoll does not know is ``None`` and never counts as 0: a rule that cannot be judged
on unknown figures stays silent rather than guessing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from typing import Any, NamedTuple

from audits.settings import AuditSettings
from governance.i18n import current_language, t
from governance.model import Account

ACCOUNT = "account"
REGISTER = "register"


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule: its id, default severity, the guideline section (in Swedish) and its scope."""

    id: str
    severity: str
    guideline: str
    scope: str = ACCOUNT

    @property
    def title(self) -> str:
        """The rule's short name in the current language."""
        return t(f"audit.rule.{self.id}.title")


_CRITERIA = "Ansvarsfördelning och kriterier för konto"

RULES: tuple[Rule, ...] = (
    Rule("no-editors", "critical", _CRITERIA),
    # One editor cannot keep the 24-hour promise through holidays and sick days.
    Rule("single-editor", "warning", "Svara så fort som möjligt"),
    Rule("no-purpose", "critical", _CRITERIA),
    Rule("time-limited-project", "warning", _CRITERIA),
    Rule("project-ended", "critical", _CRITERIA),
    Rule("closed-without-reason", "warning", "Öppna och slutna konton"),
    Rule("no-stats", "warning", "Mätning och uppföljning"),
    Rule("inactive", "critical", _CRITERIA),
    Rule("slow-replies", "warning", "Svara så fort som möjligt"),
    # The department appoints the editors; a list nobody has confirmed lately may be stale.
    Rule("editors-unconfirmed", "warning", _CRITERIA),
    Rule("revision-overdue", "critical", "Uppföljning och revidering", REGISTER),
    Rule("revision-due-soon", "warning", "Uppföljning och revidering", REGISTER),
)
RULES_BY_ID: Mapping[str, Rule] = {rule.id: rule for rule in RULES}
RULE_IDS: tuple[str, ...] = tuple(RULES_BY_ID)


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
        """From a stored account document (the engine reads these raw, for speed)."""
        end = doc.get("project_end")
        confirmed = doc.get("editors_confirmed_at")
        return cls(
            id=doc["id"],
            platform=doc["platform"],
            handle=doc["handle"],
            department=doc.get("department", ""),
            purpose=doc.get("purpose", ""),
            editors=len(doc.get("editors", ())),
            visibility=doc.get("visibility", "open"),
            closed_reason=doc.get("closed_reason", ""),
            project=doc.get("project", ""),
            project_end=date.fromisoformat(end) if end else None,
            status=doc.get("status", "active"),
            # The Stockholm date would differ only for a confirmation made just after midnight
            # UTC; a day's slack in a quarter-long window does not change a finding.
            editors_confirmed=date.fromisoformat(confirmed[:10]) if confirmed else None,
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


@dataclass(frozen=True, slots=True)
class Hit:
    """A rule that fired: its id, which message variant, and the message's parameters."""

    rule: str
    variant: str = "message"
    params: Mapping[str, Any] = field(default_factory=dict)


def check_account(
    subject: Subject, activity: Activity, as_of: date, settings: AuditSettings, quarter: str
) -> list[Hit]:
    """Every account rule ``subject`` breaks as of ``as_of``. Retired accounts break none."""
    if subject.status != "active":
        return []
    hits: list[Hit] = []
    if subject.editors == 0:
        hits.append(Hit("no-editors"))
    elif subject.editors == 1:
        hits.append(Hit("single-editor"))
    if not subject.purpose.strip():
        hits.append(Hit("no-purpose"))
    if subject.project.strip():
        end = subject.project_end
        params = {"project": subject.project, "end": end.isoformat() if end else ""}
        if end is not None and end < as_of:
            hits.append(Hit("project-ended", params=params))
        else:
            hits.append(Hit("time-limited-project", "message" if end else "no_end", params))
    if subject.visibility == "closed" and not subject.closed_reason.strip():
        hits.append(Hit("closed-without-reason"))
    if not activity.has_rows:
        hits.append(Hit("no-stats", params={"quarter": quarter}))
    elif activity.window == SILENT:
        limit = settings.inactive_days
        if activity.latest_post is None:
            hits.append(Hit("inactive", "never", {"limit": limit}))
        else:
            days = (as_of - activity.latest_post).days
            latest = activity.latest_post.isoformat()
            hits.append(Hit("inactive", params={"latest": latest, "days": days, "limit": limit}))
    if subject.editors:
        confirmed = subject.editors_confirmed
        window = settings.editors_confirmed_days
        if confirmed is None:
            hits.append(Hit("editors-unconfirmed", "never", {"days": window}))
        elif (as_of - confirmed).days > window:
            hits.append(
                Hit(
                    "editors-unconfirmed",
                    params={"confirmed": confirmed.isoformat(), "days": window},
                )
            )
    due, on_time = activity.replies_due, activity.replies_on_time
    if due and on_time is not None and is_below(on_time, due, settings.min_reply_rate):
        limit_text = str(settings.min_reply_rate)
        hits.append(
            Hit("slow-replies", params={"on_time": on_time, "due": due, "limit": limit_text})
        )
    return hits


def is_below(on_time: int, due: int, rate: Fraction) -> bool:
    """Whether ``on_time / due`` is below ``rate``, exactly (63/70 is 90 %, not a hair under)."""
    return on_time * rate.denominator < rate.numerator * due


def check_register(deadline: date, as_of: date, settings: AuditSettings) -> list[Hit]:
    """The register-level rules: the guideline's revision deadline against D."""
    params = {"deadline": deadline.isoformat()}
    if deadline < as_of:
        return [Hit("revision-overdue", params={**params, "days": (as_of - deadline).days})]
    if (deadline - as_of).days <= settings.revision_due_soon_days:
        return [Hit("revision-due-soon", params={**params, "days": (deadline - as_of).days})]
    return []


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
