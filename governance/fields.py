"""Parsing and formatting of every account field, shared by the CSV import, CLI and TUI form.

Each parser takes the text a person typed (or a CSV cell) and returns the typed value, or raises
:class:`FieldError` with the field's name and a reason in the current language. Each formatter is
the exact inverse, so export → import gives back the same values.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from governance.errors import FieldError

PLATFORMS = ("facebook", "instagram", "linkedin", "x", "youtube", "tiktok", "other")
PLATFORM_ALIASES = {"twitter": "x", "x (twitter)": "x", "twitter (x)": "x"}
GOALS = ("informera", "aktivera", "engagera")
VISIBILITIES = ("open", "closed")
VISIBILITY_ALIASES = {
    "öppet": "open",
    "öppen": "open",
    "publikt": "open",
    "slutet": "closed",
    "sluten": "closed",
    "stängt": "closed",
    "privat": "closed",
}
STATUSES = ("active", "retired")
STATUS_ALIASES = {
    "aktiv": "active",
    "aktivt": "active",
    "avvecklad": "retired",
    "avvecklat": "retired",
    "avslutad": "retired",
    "avslutat": "retired",
}
TRUE_WORDS = frozenset({"true", "yes", "ja", "sant", "1", "x"})
FALSE_WORDS = frozenset({"false", "no", "nej", "falskt", "0", ""})

_EMAIL = re.compile(r"^[^@\s<>,;|]+@[^@\s<>,;|]+\.[^@\s<>,;|.]{2,}$")
_EDITOR = re.compile(r"^\s*(?P<name>[^<>|]*?)\s*<(?P<email>[^<>]*)>\s*$")
_HANDLE_FORBIDDEN = re.compile(r"[\s:/?#<>|,;\"']")
MAX_TEXT = 2000


def parse_platform(text: str) -> str:
    """A platform name; "Twitter" is read as ``x``."""
    value = text.strip().lower()
    value = PLATFORM_ALIASES.get(value, value)
    if value not in PLATFORMS:
        raise FieldError(
            "platform", "field.unknown_platform", value=text.strip(), allowed=", ".join(PLATFORMS)
        )
    return value


def parse_handle(text: str) -> str:
    """An account handle: case-insensitive, so kept in lower case, without a leading ``@``."""
    value = text.strip().lstrip("@").lower()
    if not value:
        raise FieldError("handle", "field.required")
    if _HANDLE_FORBIDDEN.search(value) or len(value) > 200:
        raise FieldError("handle", "field.bad_handle", value=text.strip())
    return value


def parse_email(text: str, field: str = "email") -> str:
    """An e-mail address, in lower case (addresses are matched without regard to case)."""
    value = text.strip().lower()
    if not _EMAIL.match(value):
        raise FieldError(field, "field.bad_email", value=text.strip())
    return value


def parse_person(text: str, field: str = "editors") -> tuple[str, str]:
    """``Name <email>`` as (name, email)."""
    match = _EDITOR.match(text)
    if not match:
        raise FieldError(field, "field.bad_person", value=text.strip())
    name = match["name"].strip()
    if not name:
        raise FieldError(field, "field.person_without_name", value=text.strip())
    return name, parse_email(match["email"], field)


def parse_people(text: str, field: str = "editors") -> list[tuple[str, str]]:
    """``Name <email>|Name <email>`` as a list; empty text is an empty list. No duplicates."""
    people: list[tuple[str, str]] = []
    seen: set[str] = set()
    for part in text.split("|"):
        if not part.strip():
            continue
        name, email = parse_person(part, field)
        if email in seen:
            raise FieldError(field, "field.duplicate_email", value=email)
        seen.add(email)
        people.append((name, email))
    return people


def format_person(name: str, email: str) -> str:
    """The inverse of :func:`parse_person`."""
    return f"{name} <{email}>"


def parse_date(text: str, field: str) -> date | None:
    """An ISO date (``YYYY-MM-DD``); empty text is no date."""
    value = text.strip()
    if not value:
        return None
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise FieldError(field, "field.bad_date", value=value) from None


def parse_bool(text: str, field: str) -> bool:
    """Yes/no in Swedish or English (ja/nej, true/false, 1/0); empty is no."""
    value = text.strip().lower()
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise FieldError(field, "field.bad_bool", value=text.strip())


def parse_visibility(text: str) -> str:
    """``open`` or ``closed`` (also öppet/slutet)."""
    value = text.strip().lower()
    value = VISIBILITY_ALIASES.get(value, value) or "open"
    if value not in VISIBILITIES:
        raise FieldError(
            "visibility",
            "field.bad_choice",
            value=text.strip(),
            allowed="open, closed, öppet, slutet",
        )
    return value


def parse_status(text: str) -> str:
    """``active`` or ``retired``; empty is active."""
    value = text.strip().lower()
    value = STATUS_ALIASES.get(value, value) or "active"
    if value not in STATUSES:
        raise FieldError(
            "status", "field.bad_choice", value=text.strip(), allowed=", ".join(STATUSES)
        )
    return value


def parse_goals(text: str) -> tuple[str, ...]:
    """Goals separated by ``|``: any of informera, aktivera, engagera, in that order."""
    wanted = {part.strip().lower() for part in re.split(r"[|,]", text) if part.strip()}
    unknown = wanted - set(GOALS)
    if unknown:
        raise FieldError(
            "goals", "field.bad_choice", value=", ".join(sorted(unknown)), allowed=", ".join(GOALS)
        )
    return tuple(goal for goal in GOALS if goal in wanted)


def parse_url(text: str) -> str:
    """An http(s) URL, or empty."""
    value = text.strip()
    if value and not re.match(r"^https?://[^\s/$.?#][^\s]*$", value, re.IGNORECASE):
        raise FieldError("url", "field.bad_url", value=value)
    return value


def parse_text(field: str, *, required: bool = False) -> Callable[[str], str]:
    """A parser for free text: trimmed, at most MAX_TEXT characters, optionally required."""

    def parse(text: str) -> str:
        value = text.strip()
        if required and not value:
            raise FieldError(field, "field.required")
        if len(value) > MAX_TEXT:
            raise FieldError(field, "field.too_long", limit=MAX_TEXT)
        if any(ord(ch) < 32 and ch not in "\t\n" for ch in value):
            raise FieldError(field, "field.control_chars")
        return value

    return parse


def _bool_parser(field: str) -> Callable[[str], bool]:
    return lambda text: parse_bool(text, field)


def _date_parser(field: str) -> Callable[[str], date | None]:
    return lambda text: parse_date(text, field)


#: The editable account fields and the parser of each. Editors are handled on their own.
ACCOUNT_FIELD_PARSERS: dict[str, Callable[[str], Any]] = {
    "platform": parse_platform,
    "handle": parse_handle,
    "department": parse_text("department", required=True),
    "purpose": parse_text("purpose"),
    "visibility": parse_visibility,
    "closed_reason": parse_text("closed_reason"),
    "project": parse_text("project"),
    "project_end": _date_parser("project_end"),
    "url": parse_url,
    "platform_id": parse_text("platform_id"),
    "status": parse_status,
    "shared": _bool_parser("shared"),
    "goals": parse_goals,
    "audience": parse_text("audience"),
    "kc_handles_comments": _bool_parser("kc_handles_comments"),
}


def format_value(value: Any) -> str:
    """A field value as text: the inverse of the parsers above."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return "|".join(str(item) for item in value)
    return str(value)
