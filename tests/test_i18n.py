"""Every user-facing text is in both catalogues, with the same placeholders."""

from __future__ import annotations

import re
import string
from pathlib import Path

from governance.i18n import LANGUAGES, catalogue, set_language, t, tn

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
        for match in re.finditer(r"""\btn?\(\s*["']([a-z][\w.\-]*)["']""", path.read_text("utf-8")):
            used.add(match[1])
    missing = sorted(k for k in used if k not in keys and f"{k}.other" not in keys)
    assert not missing, missing


def test_switching_language() -> None:
    assert LANGUAGES[0] == "sv"
    set_language("en")
    assert t("value.closed") == "closed"
    set_language("sv")
    assert t("value.closed") == "slutet"
    assert t("no.such.key") == "no.such.key"


def test_every_plural_has_both_forms() -> None:
    """A counted text is a table of ``one`` and ``other``, in each language."""
    for language in LANGUAGES:
        keys = set(catalogue(language))
        for key in keys:
            if key.endswith(".one"):
                assert f"{key[:-4]}.other" in keys, (language, key)


def test_a_count_picks_its_plural_form() -> None:
    set_language("sv")
    assert t("audit.cli.finding_count", count=1) == "1 avvikelse."
    assert t("audit.cli.finding_count", count=3) == "3 avvikelser."
    assert t("audit.cli.finding_count", count=0) == "0 avvikelser."
    assert tn("noun.account", 1) == "1 konto"
    assert tn("noun.account", 2) == "2 konton"
    set_language("en")
    assert tn("noun.finding", 1) == "1 finding"
    assert tn("noun.day", 2) == "2 days"
    set_language("sv")


def test_totals_read_right_for_one_and_for_many() -> None:
    def totals(key: str, findings: int, critical: int, open_: int) -> str:
        return t(key, findings=tn("noun.finding", findings),
                 critical=tn("noun.critical", critical), open=tn("noun.open", open_))

    for key in ("packets.md.totals", "packets.mail.totals", "report.findings.totals"):
        assert totals(key, 1, 1, 1).startswith("1 avvikelse, varav 1 kritisk och 1 öppen")
        assert totals(key, 3, 2, 0).startswith("3 avvikelser, varav 2 kritiska och 0 öppna")


def test_a_message_read_from_its_own_file_is_the_catalogue_s() -> None:
    """t() reads only the area file a key names (and core.toml): the same text, every key."""
    from governance.i18n import _lookup

    for language in LANGUAGES:
        for key, text in catalogue(language).items():
            assert _lookup(language, key) == text, (language, key)
