"""The message catalogues: every user-facing text, in Swedish (default) and English.

Each language is one catalogue, kept as TOML files under ``governance/locale/<lang>/`` split by area
(``core.toml``, ``audit.toml``, ``tui.toml`` ...). A key is ``<file stem>.<dotted key>`` minus the
stem for ``core.toml``: ``error.field`` lives in ``core.toml``, ``audit.rule.no-editors`` in
``audit.toml``. A test checks that both languages hold the same keys and placeholders.

A text that counts something has plural forms: a table with the sub-keys ``one`` and ``other``
(``finding_count = { one = "{count} avvikelse.", other = "{count} avvikelser." }``). ``t(key,
count=n)`` picks the form for ``n`` (as i18next does with its ``count`` option), and ``tn(key, n)``
says so outright. Swedish and English share the rule: ``one`` for exactly 1, ``other`` for the rest.
The forms are also flattened as ``key.one`` and ``key.other``, so the catalogue test compares them.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any

from governance.locale_cache import cached_messages

LANGUAGES = ("sv", "en")
DEFAULT_LANGUAGE = "sv"
_LOCALE_DIR = Path(__file__).with_name("locale")

_current = DEFAULT_LANGUAGE


def _flatten(prefix: str, table: dict[str, Any], into: dict[str, str]) -> None:
    for key, value in table.items():
        full = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            _flatten(full, value, into)
        else:
            into[full] = str(value)


@cache
def catalogue(language: str) -> dict[str, str]:
    """All messages of one language, keyed by their dotted key."""
    messages: dict[str, str] = {}
    for stem in sorted(_stems(language) | {"core"}):
        messages.update(_part(language, stem))
    return messages


@cache
def _stems(language: str) -> frozenset[str]:
    """The areas of a language's catalogue: its files but ``core``."""
    return frozenset(p.stem for p in (_LOCALE_DIR / language).glob("*.toml")) - {"core"}


@cache
def _part(language: str, stem: str) -> dict[str, str]:
    """The messages of one area's file (``core``: keys without a prefix), parsed once
    (:mod:`governance.locale_cache`)."""
    return cached_messages(_LOCALE_DIR / language / f"{stem}.toml", _parse)


def _parse(path: Path) -> dict[str, str]:
    """The messages of one catalogue file, flattened. (What this gives for a file is what the
    cache keeps: a change to it bumps ``governance.locale_cache.FORMAT``.)"""
    import tomllib  # (here: a process whose catalogue files are cached never imports it)

    with path.open("rb") as handle:
        table = tomllib.load(handle)
    messages: dict[str, str] = {}
    _flatten("" if path.stem == "core" else path.stem, table, messages)
    return messages


def _lookup(language: str, key: str) -> str | None:
    """One message, reading only its area's file: a command that says a few things parses a
    few of the thirty files, not all of them (about 50 ms less at every start)."""
    stem = key.partition(".")[0]
    if stem in _stems(language):
        found = _part(language, stem).get(key)
        if found is not None:
            return found
    return _part(language, "core").get(key)


def language_from_environment() -> str:
    """The language asked for by KONTOKOLL_LANG, or else the locale; Swedish when unsure."""
    wanted = os.environ.get("KONTOKOLL_LANG", "").strip().lower()
    if wanted in LANGUAGES:
        return wanted
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable, "")
        if value:
            return "en" if value.lower().startswith("en") else DEFAULT_LANGUAGE
    import locale  # here: only a process with none of those variables set asks the C library

    try:
        code = locale.getlocale()[0] or ""
    except ValueError:
        code = ""
    return "en" if code.lower().startswith("en") else DEFAULT_LANGUAGE


def set_language(language: str) -> None:
    """Choose the language of every message from now on."""
    global _current
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}")
    _current = language


def current_language() -> str:
    """The language messages are rendered in."""
    return _current


def t(key: str, /, **params: Any) -> str:
    """The message ``key`` in the current language, with ``params`` filled in.

    A key missing from the catalogue renders as the key itself, so a gap shows up plainly
    instead of crashing; the catalogue test keeps that from reaching users.
    """
    if "count" in params:
        key = _plural_key(key, params["count"])
    template = _lookup(_current, key) or _lookup(DEFAULT_LANGUAGE, key)
    if template is None:
        return key
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        return template


def tn(key: str, count: int, /, **params: Any) -> str:
    """The message ``key`` in the plural form for ``count``, with ``count`` and ``params`` filled
    in: ``tn("noun.account", 1)`` is "1 konto", ``tn("noun.account", 3)`` "3 konton"."""
    return t(key, count=count, **params)


def plural_form(count: object) -> str:
    """``one`` or ``other``: the form of a noun after ``count`` (in Swedish and in English)."""
    if isinstance(count, str):  # a count already formatted ("1 234")
        count = count.replace("\u00a0", "").replace(" ", "")
        return "one" if count == "1" else "other"
    return "one" if isinstance(count, int) and abs(count) == 1 else "other"


def _plural_key(key: str, count: object) -> str:
    """``key.one`` or ``key.other`` if ``key`` has plural forms, else ``key`` itself."""
    plain = _lookup(DEFAULT_LANGUAGE, key)
    if plain is not None or _lookup(DEFAULT_LANGUAGE, f"{key}.other") is None:
        return key
    return f"{key}.{plural_form(count)}"


def action_label(action: str) -> str:
    """The change log's name for an action, wherever its area keeps it."""
    areas = ("", "audit.", "sync.", "goals.", "moderation.")
    for key in (f"{area}action.{action}" for area in areas):
        text = t(key)
        if text != key:
            return text
    return action
