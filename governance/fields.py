"""Parsing and formatting of every account field, shared by the CSV import, CLI and TUI form.

Each parser takes the text a person typed (or a CSV cell) and returns the typed value, or raises
:class:`FieldError` with the field's name and a reason in the current language. Each formatter is
the exact inverse, so export → import gives back the same values.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from governance.errors import FieldError
from governance.text_safety import (
    MAX_EMAIL,
    MAX_LINE,
    MAX_NAME,
    MAX_TEXT,
    MAX_URL,
    check_text,
)

# The one definition of each field's choices; everything else imports them from here
# (tests/test_one_definition.py finds a list of them spelled out anywhere else).

#: The platforms whose stats ``kontokoll sync`` reads from an official API (each has a client
#: in ``governance.platforms``), in the order sync runs and reports them.
API_PLATFORMS: tuple[str, ...] = ("facebook", "instagram", "linkedin", "x", "youtube")
#: Every platform an account can be on, in the order lists and filters show them; those without
#: an API import their stats from CSV.
PLATFORMS: tuple[str, ...] = (*API_PLATFORMS, "tiktok", "other")
PLATFORM_ALIASES = {"twitter": "x", "x (twitter)": "x", "twitter (x)": "x"}
GOALS: tuple[str, ...] = ("informera", "aktivera", "engagera")
#: The guideline's five content categories (*Innehållskategorier*), as machine values; their
#: Swedish names (the guideline's words) and English labels are ``goals.category.<value>`` in the
#: locale catalogues, and the parser also reads the Swedish names.
CATEGORIES: tuple[str, ...] = (
    "samhallsinformation",  # Samhällsinformation och krisinformation
    "tips",  # Tips och inspiration från våra verksamheter
    "berattelser",  # Vardagsnära berättelser om människor i staden
    "utveckling",  # Helsingborgs utveckling
    "varumarke",  # Varumärkesbyggande innehåll om platsen Helsingborg
)
#: A department's goal id: ``g`` and a number the department hands out once (never reused).
_GOAL_ID = re.compile(r"g[1-9][0-9]{0,5}", re.ASCII)
VISIBILITIES: tuple[str, ...] = ("open", "closed")
VISIBILITY_ALIASES = {
    "öppet": "open",
    "öppen": "open",
    "publikt": "open",
    "slutet": "closed",
    "sluten": "closed",
    "stängt": "closed",
    "privat": "closed",
}
#: ``requested`` and ``rejected`` are set only by ``accounts request`` and ``accounts reject``
#: (governance.lifecycle); an import or an edit can neither set nor change them.
STATUSES: tuple[str, ...] = ("active", "retired", "requested", "rejected")
#: The statuses only the request workflow sets (listed and exported, never imported).
REQUEST_STATUSES: tuple[str, ...] = ("requested", "rejected")
STATUS_ALIASES = {
    "aktiv": "active",
    "aktivt": "active",
    "avvecklad": "retired",
    "avvecklat": "retired",
    "avslutad": "retired",
    "avslutat": "retired",
    "begärt": "requested",
    "ansökt": "requested",
    "avslaget": "rejected",
    "avslagen": "rejected",
}
TRUE_WORDS = frozenset({"true", "yes", "ja", "sant", "1", "x"})
FALSE_WORDS = frozenset({"false", "no", "nej", "falskt", "0", ""})

_EMAIL = re.compile(r"^[^@\s<>,;|]+@[^@\s<>,;|]+\.[^@\s<>,;|.]{2,}$")
_EDITOR = re.compile(r"^\s*(?P<name>[^<>|]*?)\s*<(?P<email>[^<>]*)>\s*$")
_HANDLE_FORBIDDEN = re.compile(r"[\s:/?#<>|,;\"']")


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
    value = check_text(value, "handle", limit=MAX_NAME)
    if _HANDLE_FORBIDDEN.search(value):
        raise FieldError("handle", "field.bad_handle", value=text.strip())
    return value


def parse_email(text: str, field: str = "email") -> str:
    """An e-mail address, in lower case (addresses are matched without regard to case)."""
    value = text.strip().lower()
    value = check_text(value, field, limit=MAX_EMAIL)
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
    name = check_text(name, field, limit=MAX_NAME)
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


#: The one range of years Kontokoll accepts in any date, month, quarter or timestamp, typed or
#: read from a file. Outside it the holiday calendar, the time zone rules and date arithmetic
#: (a quarter's end, a deadline months later) would fail or mean nothing.
FIRST_YEAR = 2000
LAST_YEAR = 2100
#: The largest UTC offset in use anywhere (Kiribati, UTC+14:00; the lowest is UTC-12:00).
MAX_OFFSET = timedelta(hours=14)
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def check_year(year: int, field: str, value: object) -> None:
    """Refuse a year outside FIRST_YEAR..LAST_YEAR with a FieldError naming the field."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise FieldError(
            field, "input.year_out_of_range", value=value, first=FIRST_YEAR, last=LAST_YEAR
        )


def check_day(day: date, field: str) -> date:
    """``day`` itself if its year is in the accepted range (a FieldError otherwise)."""
    check_year(day.year, field, day.isoformat())
    return day


def check_moment(moment: datetime, field: str, value: str) -> datetime:
    """``moment`` itself if its year is accepted and its UTC offset is a real one (±14:00)."""
    check_year(moment.year, field, value)
    offset = moment.utcoffset()
    if offset is not None and abs(offset) > MAX_OFFSET:
        raise FieldError(field, "input.bad_offset", value=value)
    if offset is not None:  # "2000-01-01T00:30+14:00" is a moment of 1999
        # (An aware datetime minus a timedelta is wall-clock arithmetic, as on a naive one.)
        check_year((moment - offset).year, field, value)
    return moment


def parse_date(text: str, field: str) -> date | None:
    """An ISO date (``YYYY-MM-DD``) in the accepted years; empty text is no date."""
    value = text.strip()
    if not value:
        return None
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value, re.ASCII):
            raise ValueError(value)
        day = date.fromisoformat(value)
    except ValueError:
        raise FieldError(field, "field.bad_date", value=value) from None
    return check_day(day, field)


def parse_month(text: str, field: str) -> str:
    """A month as ``YYYY-MM`` in the accepted years."""
    value = text.strip()
    match = _MONTH.match(value) if value.isascii() else None
    if match is None:
        raise FieldError(field, "input.bad_month", value=value)
    check_year(int(match[1]), field, value)
    return value


def parse_timestamp(text: str, field: str) -> datetime:
    """An ISO 8601 date or date-time in the accepted years, naive if no offset was given.

    ``Z``, ``+01:00`` and ``+0100`` are read, in upper or lower case; an offset beyond ±14:00
    is refused. A bare date is its midnight.
    """
    value = text.strip()
    try:
        if not value.isascii():
            raise ValueError(value)
        # fromisoformat wants upper-case T and Z; ISO 8601 and RFC 3339 allow lower case.
        moment = datetime.fromisoformat(value.upper())
    except ValueError:
        raise FieldError(field, "input.bad_timestamp", value=value) from None
    return check_moment(moment, field, value)


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
            allowed=", ".join((*VISIBILITIES, "öppet", "slutet")),
        )
    return value


def parse_status(text: str) -> str:
    """One of STATUSES (``active``, ``retired``, ``requested``, ``rejected``); empty is active."""
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


def parse_categories(text: str) -> tuple[str, ...]:
    """Content categories separated by ``|``: machine values or the guideline's Swedish names
    (any letter case), kept in CATEGORIES order."""
    from governance.i18n import catalogue  # the Swedish names live in the catalogue

    names = catalogue("sv")
    by_name = {names[f"goals.category.{c}"].casefold(): c for c in CATEGORIES}
    wanted: set[str] = set()
    unknown: list[str] = []
    for part in text.split("|"):
        value = part.strip().casefold()
        if value:
            # the ids are the Swedish words without å, ä, ö: "berättelser" is "berattelser"
            plain = value.translate(_SWEDISH_TO_ASCII)
            found = plain if plain in CATEGORIES else by_name.get(value)
            if found:
                wanted.add(found)
            else:
                unknown.append(part.strip())
    if unknown:
        raise FieldError(
            "categories", "field.bad_choice", value=", ".join(unknown),
            allowed=", ".join(CATEGORIES),
        )  # fmt: skip
    return tuple(c for c in CATEGORIES if c in wanted)


_SWEDISH_TO_ASCII = str.maketrans("åäö", "aao")


def goal_number(goal_id: str) -> int:
    """The number of a well-formed goal id (``g12`` -> 12)."""
    return int(goal_id[1:])


def parse_goal_ids(text: str) -> tuple[str, ...]:
    """Department goal ids separated by ``|`` or ``,`` (``g1|g3``), in number order, once each.

    Only their form is checked here; whether the account's department has them is the
    register's check (:mod:`governance.goal_links`).
    """
    wanted = {part.strip().lower() for part in re.split(r"[|,]", text) if part.strip()}
    bad = sorted(value for value in wanted if not _GOAL_ID.fullmatch(value))
    if bad:
        raise FieldError("department_goals", "goals.field.bad_id", value=", ".join(bad))
    return tuple(sorted(wanted, key=goal_number))


def parse_url(text: str) -> str:
    """An http(s) URL, or empty."""
    value = check_text(text.strip(), "url", limit=MAX_URL)
    if value and not re.match(r"^https?://[^\s/$.?#][^\s]*$", value, re.IGNORECASE):
        raise FieldError("url", "field.bad_url", value=value)
    return value


def parse_text(
    field: str, *, required: bool = False, limit: int = MAX_LINE, multiline: bool = False
) -> Callable[[str], str]:
    """A parser for text: trimmed, at most ``limit`` characters, no control or invisible
    characters (see governance.text_safety), optionally required.

    ``multiline`` text (purpose and the like) may hold line feeds and tabs, as pasted paragraphs
    do; a Windows line end (CRLF) is kept as LF, a lone CR is refused (it rewrites a terminal line).
    """

    def parse(text: str) -> str:
        value = text.strip()
        if multiline:
            value = value.replace("\r\n", "\n")
        if required and not value:
            raise FieldError(field, "field.required")
        return check_text(value, field, limit=limit, multiline=multiline)

    return parse


def _bool_parser(field: str) -> Callable[[str], bool]:
    return lambda text: parse_bool(text, field)


def _date_parser(field: str) -> Callable[[str], date | None]:
    return lambda text: parse_date(text, field)


#: The editable account fields and the parser of each. Editors are handled on their own.
ACCOUNT_FIELD_PARSERS: dict[str, Callable[[str], Any]] = {
    "platform": parse_platform,
    "handle": parse_handle,
    "department": parse_text("department", required=True, limit=MAX_NAME),
    "purpose": parse_text("purpose", limit=MAX_TEXT, multiline=True),
    "visibility": parse_visibility,
    "closed_reason": parse_text("closed_reason", limit=MAX_TEXT, multiline=True),
    "project": parse_text("project", limit=MAX_NAME),
    "project_end": _date_parser("project_end"),
    "url": parse_url,
    "platform_id": parse_text("platform_id"),
    "status": parse_status,
    "shared": _bool_parser("shared"),
    "goals": parse_goals,
    "audience": parse_text("audience", limit=MAX_TEXT, multiline=True),
    "kc_handles_comments": _bool_parser("kc_handles_comments"),
    "categories": parse_categories,
    "department_goals": parse_goal_ids,
}


#: The form of each platform's stable account id, as the platforms hand them out: numeric Graph,
#: LinkedIn and X ids (a LinkedIn id also as its ``urn:li:organization:`` URN), and YouTube's
#: ``UC`` channel ids. TikTok and other platforms have no form Kontokoll knows.
PLATFORM_ID_FORMS: dict[str, re.Pattern[str]] = {
    "facebook": re.compile(r"[1-9][0-9]{0,19}", re.ASCII),
    "instagram": re.compile(r"[1-9][0-9]{0,19}", re.ASCII),
    "linkedin": re.compile(r"(urn:li:organization:)?[1-9][0-9]{0,19}", re.ASCII),
    "x": re.compile(r"[1-9][0-9]{0,19}", re.ASCII),
    "youtube": re.compile(r"UC[A-Za-z0-9_-]{22}", re.ASCII),
}
#: What a spreadsheet makes of a long number: 3.5718449604286E+17 (digits are lost).
_SCIENTIFIC = re.compile(r"[+-]?[0-9]+([.,][0-9]*)?[eE][+-]?[0-9]+")


def check_platform_id(platform: str, value: str) -> str:
    """``value`` if it is empty or of ``platform``'s id form; a FieldError otherwise.

    An id in scientific notation (a spreadsheet's rounding of a long number) is refused on every
    platform, with the reason that its digits are lost.
    """
    if not value:
        return value
    if _SCIENTIFIC.fullmatch(value):
        raise FieldError("platform_id", "identity.field.scientific", value=value)
    form = PLATFORM_ID_FORMS.get(platform)
    if form is not None and not form.fullmatch(value):
        raise FieldError("platform_id", "identity.field.bad_id", value=value, platform=platform)
    return value


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
