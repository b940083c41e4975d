"""Swedish personal identity numbers and phone numbers in a free text (a moderation note).

A moderation note says what was done and why, never who commented: an e-mail address is refused
(:func:`governance.text_safety.has_email_like`), and so are these (personal data only where
needed). Both are told from the dates, times, ids and diarienummer a note may rightly hold.

The text is first made plain, so that a number typed or pasted another way is still found:
NFKC (fullwidth digits, no-break spaces), every Unicode decimal digit as 0-9, every dash as
``-`` and any run of whitespace as one space. ISO dates, times and timestamps are then masked:
they are never either number, also when they come in ranges (``2026-01-05 - 2026-01-09``) or
beside a time (``2026-01-05 0930``).

- A personnummer or samordningsnummer (``ÅÅÅÅMMDD-NNNN``, ``ÅÅMMDD NNNN``, ``+`` for a person
  over 100, or the digits alone) must have a real month, a day of the month (a samordningsnummer
  adds 60 to it) and the Luhn check digit that every such number carries, so a date followed by
  four digits, or a ten-digit id, is refused only when all three happen to hold.
- A phone number is a whole number as a person writes it (digit groups joined by one space,
  ``-``, ``.`` or ``/``; the area code perhaps in parentheses) in a Swedish phone number's shape:
  ``0``, an area code (``8`` or two or three digits) and a subscriber number of 5-8 digits in
  groups of 2-4, 8-10 digits in all (``070-123 45 67``, ``08-123 456 78``, ``(070) 123 45 67``);
  or the same after ``+46``/``0046`` without the leading 0. Written without any separator, only
  a mobile number (``0701234567``, ``46701234567``) or one after ``+46``/``0046`` is taken for a
  phone number: ``0123456789`` is as likely an id. A number glued to a letter or an underscore
  (``1234567890_0123456789``) is an id, and one with a group too many or too short
  (``012 345 678 9``, ``01 02 03 04``) is not a phone number.
"""

from __future__ import annotations

import re
import unicodedata

_MINUS_SIGN = "\u2212"  # a math symbol, not a dash by category, but typed as one
_ISO_MOMENT = re.compile(
    r"(?<!\d)\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])(?!\d)"  # a date
    r"|(?<!\d)(?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:[.,]\d+)?)?(?![\d:])"  # a time
)
_MASK = "#"  # what a masked date or time leaves: neither a digit, a letter nor a separator

_PERSONNUMMER = re.compile(r"(?<![\w+])(?:\d\d)?(\d{6})(?: ?[-+.] ?| )?(\d{4})(?!\w)")

# A number as written: digit groups joined by one separator, a group perhaps after a + or
# with a part in parentheses (``+46``, ``(0)70``, ``(070) 123``), not glued to a letter, digit or
# underscore at either end.
_SEPARATOR = r"(?: ?[-./] ?| )"
_GROUP = r"(?:\+ ?)?(?:\d*\(\d+\) ?)?\d+"
_NUMBER = re.compile(rf"(?<![\w+)]){_GROUP}(?:{_SEPARATOR}{_GROUP})*+(?!\w)")

_SUBSCRIBER = rf"(?:\d{{5,8}}|\d{{2,4}}(?:{_SEPARATOR}\d{{2,4}})+)"
_AREA = r"(?:8|[1-9]\d{1,2})"
_PHONE = re.compile(
    rf"0{_AREA}{_SEPARATOR}{_SUBSCRIBER}"  # 070-123 45 67, 08 123 456 78
    rf"|\(0{_AREA}\) ?{_SUBSCRIBER}"  # (070) 123 45 67
    r"|(?:46|0)7\d{8}"  # 0701234567, 46701234567: a mobile number without separators
    rf"|(?:\+ ?|00)46{_SEPARATOR}?(?:\(0\) ?|0)?{_AREA}{_SEPARATOR}?{_SUBSCRIBER}",  # +46 70 …
    re.ASCII,
)


def has_personnummer(text: str) -> bool:
    """Whether ``text`` holds a Swedish personnummer or samordningsnummer (check digit valid)."""
    return any(_valid(match[1] + match[2]) for match in _PERSONNUMMER.finditer(_plain(text)))


def has_phone_number(text: str) -> bool:
    """Whether ``text`` holds a Swedish phone number, national or international."""
    return any(_is_phone(match.group()) for match in _NUMBER.finditer(_plain(text)))


def _plain(text: str) -> str:
    """``text`` with its numbers spelled one way (see the module's docstring), dates and times
    masked."""
    text = unicodedata.normalize("NFKC", text)
    if not text.isascii():
        text = "".join(map(_plain_char, text))
    return _ISO_MOMENT.sub(_MASK, " ".join(text.split()))


def _plain_char(char: str) -> str:
    if char.isdecimal():
        return str(unicodedata.decimal(char))
    if char == _MINUS_SIGN or unicodedata.category(char) == "Pd":
        return "-"
    return char


def _is_phone(number: str) -> bool:
    """Whether a whole ``number`` is a phone number's shape with 8-10 digits from the 0 on (7-9
    after the country code)."""
    if not _PHONE.fullmatch(number):
        return False
    digits = "".join(char for char in number if char.isdigit())
    return 7 <= len(digits.removeprefix("00").removeprefix("46").removeprefix("0")) <= 9


def _valid(digits: str) -> bool:
    """Whether ten digits ``ÅÅMMDDNNNN`` have a real month, a day (plus 60 for a
    samordningsnummer) and the Luhn check digit."""
    month, day = int(digits[2:4]), int(digits[4:6])
    day = day - 60 if day > 60 else day
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return False
    total = 0
    for position, char in enumerate(digits[:9]):
        product = int(char) * (2 if position % 2 == 0 else 1)
        total += product - 9 if product > 9 else product
    return (10 - total % 10) % 10 == int(digits[9])
