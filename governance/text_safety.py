"""Text that is safe to store and to show: no control or invisible characters, bounded length.

A cell of a CSV file, an argument on the command line or a field of the app's form may carry
characters that are harmless to Python but not to the people reading the register later: ESC and
the other C0/C1 controls repaint a terminal, bidi overrides reorder what is shown, zero-width
characters make two different handles look the same. :func:`check_text` refuses them on the way
in (every entry path goes through the field parsers, which call it); :func:`visible` makes them
visible on the way out, for what an older version may already have stored, and
:func:`visible_in_text` does so for every CSV cell written. A platform's answer cannot be refused
like a user's file: an id or username that holds one fails that account's sync as a malformed
answer (:mod:`governance.platforms.identity`), and the reasons a sync stores and shows are made
visible (:class:`governance.platforms.tokens.Redactor`).

The refused characters are the Unicode categories Cc (controls), Cf (format: bidi marks and
overrides, zero-width characters, the BOM, soft hyphen, tag characters), Cs (lone surrogates, which
cannot even be written as UTF-8), Zl and Zp (line and paragraph separators). Long free-text fields
may keep line feeds and tabs: a purpose is often pasted as several paragraphs.
"""

from __future__ import annotations

import re
import unicodedata

from governance.errors import FieldError

#: Length limits of every kind of text, in characters: the one place they are chosen.
MAX_NAME = 200  # a department, a project, a person's name, a handle
MAX_EMAIL = 254  # the longest address SMTP can carry (RFC 5321)
MAX_LINE = 200  # other one-line values: platform ids
MAX_TEXT = 2000  # purpose, audience, closed reason, notes, reasons
MAX_URL = 2048  # the longest URL browsers and platforms reliably take

# The characters of categories Cc, Cf, Cs, Zl and Zp (Unicode 14, Python 3.11), written out
# because deriving them from unicodedata at import would cost every command a third of a second.
# tests/test_text_hygiene.py checks this class against unicodedata.
_UNSAFE_CLASS = (
    "\x00-\x1f\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2\u180e"
    "\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ud800-\udfff\ufeff\ufff9-\ufffb"
    "\U000110bd\U000110cd\U00013430-\U00013438\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0001\U000e0020-\U000e007f"
    + "\u034f\u115f\u1160\u3164\uffa0"  # INVISIBLE_LETTERS, below
)
#: Letters and marks that draw nothing (the Hangul fillers, the combining grapheme joiner): not
#: controls, but a name made of them looks empty or like another name.
INVISIBLE_LETTERS = "\u034f\u115f\u1160\u3164\uffa0"
UNSAFE = re.compile(f"[{_UNSAFE_CLASS}]")
# The same without TAB (0x09) and LF (0x0a), for long free text.
_UNSAFE_IN_TEXT = re.compile("[\x00-\x08\x0b-\x1f" + _UNSAFE_CLASS.removeprefix("\x00-\x1f") + "]")
_SHORT_ESCAPES = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}
#: Something that reads as an e-mail address: a note or reason that reaches an export or a mail
#: must not carry one (waivers in audits.review_service, moderation notes).
EMAIL_LIKE = re.compile(r"[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+")


def has_email_like(text: str) -> bool:
    """Whether ``text`` carries something that reads as an e-mail address, also when written
    with look-alike characters (fullwidth "＠", "﹫") or percent-encoded ("%40") so that it
    slips past a plain search but still reads as an address to a person or a mail client."""
    if EMAIL_LIKE.search(text):
        return True
    from urllib.parse import unquote  # only for the rare text that needs the second look

    folded = unquote(unicodedata.normalize("NFKC", text))
    return EMAIL_LIKE.search(folded) is not None


def escape_char(char: str) -> str:
    """One character as a Python-style escape: ``\\n``, ``\\x1b``, ``\\u202e``, ``\\U000e0001``."""
    if char in _SHORT_ESCAPES:
        return _SHORT_ESCAPES[char]
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def visible(text: str, *, keep_newlines: bool = False) -> str:
    """``text`` with every control or invisible character shown as an escape, never raw.

    With ``keep_newlines`` line feeds stay (for a message of several lines); everything else,
    tabs and carriage returns included, is escaped.
    """
    if not UNSAFE.search(text):  # the common case: nothing to do, no copy
        return text
    if keep_newlines:
        return "\n".join(visible(line) for line in text.split("\n"))
    return UNSAFE.sub(lambda match: escape_char(match.group()), text)


def visible_in_text(text: str) -> str:
    """``text`` with every control or invisible character shown as an escape, except the line
    feeds and tabs that long free text may hold: what a file for another program carries (a CSV
    cell, :func:`governance.csvio.escape_cell`), whatever reached the store or a platform sent."""
    if not _UNSAFE_IN_TEXT.search(text):  # the common case: nothing to do, no copy
        return text
    return _UNSAFE_IN_TEXT.sub(lambda match: escape_char(match.group()), text)


def first_unsafe(value: str, *, multiline: bool = False) -> tuple[str, int] | None:
    """The first control or invisible character of ``value``, escaped, and its position
    (from 1); None when there is none. ``multiline`` allows line feeds and tabs."""
    found = (_UNSAFE_IN_TEXT if multiline else UNSAFE).search(value)
    return None if found is None else (escape_char(found.group()), found.start() + 1)


def check_text(value: str, field: str, *, limit: int, multiline: bool = False) -> str:
    """``value`` in Unicode's composed form (NFC) if it fits ``limit`` and holds no unsafe
    character, else FieldError.

    Every field parser passes what people type through here, so this is where text is made
    NFC: "ö" pasted from a Mac arrives as "o" and a combining diaeresis (NFD), looks the same
    and would otherwise be another department, handle or name than the one typed on Windows.
    ``multiline`` allows line feeds and tabs (long free text); a CRLF must have been turned into
    LF by the caller. The message names the first offending character, escaped, and where it is.
    """
    value = unicodedata.normalize("NFC", value)
    found = first_unsafe(value, multiline=multiline)
    if found is not None:
        raise FieldError(field, "text.unsafe_char", char=found[0], position=found[1])
    if len(value) > limit:
        raise FieldError(field, "text.too_long", length=len(value), limit=limit)
    return value
