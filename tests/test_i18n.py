"""Every user-facing text is in both catalogues, with the same placeholders."""

from __future__ import annotations

import re
import string
from pathlib import Path

from governance.i18n import LANGUAGES, catalogue, set_language, t

REPO = Path(__file__).resolve().parent.parent
SOURCES = [
    p for d in ("governance", "audits", "screens", "kontokoll") for p in (REPO / d).rglob("*.py")
]


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_both_languages_have_the_same_keys_and_placeholders() -> None:
    swedish, english = catalogue("sv"), catalogue("en")
    assert set(swedish) == set(english), set(swedish) ^ set(english)
    for key, text in swedish.items():
        assert _placeholders(text) == _placeholders(english[key]), key


def test_every_literal_key_used_in_the_code_exists() -> None:
    keys = set(catalogue("sv"))
    used = set()
    for path in SOURCES:
        for match in re.finditer(r"""\bt\(\s*["']([a-z][\w.\-]*)["']""", path.read_text("utf-8")):
            used.add(match[1])
    missing = sorted(k for k in used if k not in keys)
    assert not missing, missing


def test_switching_language() -> None:
    assert LANGUAGES[0] == "sv"
    set_language("en")
    assert t("value.closed") == "closed"
    set_language("sv")
    assert t("value.closed") == "slutet"
    assert t("no.such.key") == "no.such.key"
