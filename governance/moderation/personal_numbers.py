"""Swedish personal identity numbers and phone numbers in a free text (a moderation note).

A moderation note says what was done and why, never who commented: an e-mail address is refused
(:func:`governance.text_safety.has_email_like`), and so are these (personal data only where
needed). Both are told from the dates, times, ids and diarienummer a note may rightly hold:

- a personnummer or samordningsnummer (``ÅÅÅÅMMDD-NNNN``, ``ÅÅMMDD-NNNN``, ``+`` for a person
  over 100, or the digits alone) must have a real month, a day of the month (a samordningsnummer
  adds 60 to it) and the Luhn check digit that every such number carries, so a date followed by
  four digits, or a ten-digit id, is refused only when all three happen to hold;
- a phone number is written the Swedish way, from a leading 0 (``070-123 45 67``,
  ``042-10 50 00``) or from the country code (``+46 70 123 45 67``, ``0046 70 …``): 8 to 10
  digits with a leading 0, each group separated by at most a space or a hyphen. A date
  (``2026-01-05``), a time or ``KS 2026/01234`` has too few digits after its zero to be one.
"""

from __future__ import annotations

import re

_PERSONNUMMER = re.compile(r"(?<![\d+])(?:\d\d)?(\d{6})[-+]?(\d{4})(?!\d)", re.ASCII)
_SEPARATOR = r"(?: ?- ?| )?"
_PHONE = re.compile(
    rf"(?<![\d+])(?:(?:\+|00)46{_SEPARATOR}(?:\(0\){_SEPARATOR})?|0)[1-9](?:{_SEPARATOR}\d){{6,8}}(?!\d)",
    re.ASCII,
)


def has_personnummer(text: str) -> bool:
    """Whether ``text`` holds a Swedish personnummer or samordningsnummer (check digit valid)."""
    return any(_valid(match[1] + match[2]) for match in _PERSONNUMMER.finditer(text))


def has_phone_number(text: str) -> bool:
    """Whether ``text`` holds a Swedish phone number, national or international."""
    return _PHONE.search(text) is not None


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
