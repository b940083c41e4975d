"""Personnummer and phone numbers in a moderation note, both ways: every way a person writes one
is refused, the dates, times, ranges and ids a note rightly holds are not (X9b findings 2, 3); and
a closed account's missing reason warned at input only where the audit raises it (finding 9)."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from audits.rules import Activity, Judgement, Subject, check_account
from audits.settings import AuditSettings
from governance.account_checks import guideline_gaps
from governance.errors import FieldError
from governance.fields import STATUSES
from governance.model import Account
from governance.moderation.personal_numbers import has_personnummer, has_phone_number
from governance.moderation.records import parse_note
from tests.governance.moderation_support import luhn_digit

ROUNDS = 400
# How a person separates the parts: hyphen, en dash, non-breaking hyphen, minus sign, fullwidth
# hyphen, spaces (also doubled or no-break); none at all.
DASHES = ("-", "–", "\u2011", "\u2212", "－")
SPACES = (" ", "  ", "\u00a0", "\u202f", "\u3000")
# Digits as another script or width types them: fullwidth, Arabic-Indic, Devanagari.
ZEROS = ("０", "\u0660", "\u0966")


def _script(text: str, chance: random.Random) -> str:
    """``text`` with its digits, at random, in another script's or width's digits."""
    if chance.random() < 0.7:
        return text
    zero = ord(chance.choice(ZEROS))
    return "".join(chr(zero + int(c)) if c.isdigit() else c for c in text)


def _separator(chance: random.Random, *, none: bool = True) -> str:
    kinds = [*DASHES, *SPACES, " - ", " – ", *([""] if none else [])]
    return chance.choice(kinds)


def _groups(digits: str, chance: random.Random) -> str:
    """A subscriber number as a person groups it: whole, or in groups of two to four."""
    if chance.random() < 0.3:
        return digits
    parts, rest = [], digits
    while len(rest) > 4:  # a cut of two or three leaves at least two
        size = chance.choice((2, 3))
        parts.append(rest[:size])
        rest = rest[size:]
    return chance.choice([" ", "-", "."]).join([*parts, rest])


def _personnummer(chance: random.Random) -> tuple[str, str]:
    """A valid personnummer (or samordningsnummer) as written, and with a wrong check digit."""
    born = date(1900, 1, 1) + timedelta(days=chance.randrange(46000))
    day = born.day + (60 if chance.random() < 0.2 else 0)
    nine = f"{born:%y%m}{day:02d}{chance.randrange(1000):03d}"
    right = luhn_digit(nine)
    wrong = str((int(right) + chance.randrange(1, 10)) % 10)
    head = (f"{born:%Y}"[:2] if chance.random() < 0.5 else "") + nine[:6]
    separator = chance.choice(["+", *([_separator(chance)] * 5)])
    spelled = [_script(f"{head}{separator}{nine[6:]}{digit}", chance) for digit in (right, wrong)]
    return spelled[0], spelled[1]


def _phone(chance: random.Random) -> str:
    """A Swedish phone number as a person writes it: mobile or landline, national or from
    abroad, in groups or whole."""
    area = chance.choice(["70", "72", "73", "76", "79", "8", "31", "40", "42", "90", "120", "498"])
    low, high = max(5, 7 - len(area)), min(8, 9 - len(area))
    if area.startswith("7"):
        low = high = 7
    subscriber = "".join(str(chance.randrange(10)) for _ in range(chance.randint(low, high)))
    number = _groups(subscriber, chance)
    shape = chance.randrange(4)
    if shape == 0:
        written = f"0{area}{_separator(chance, none=False)}{number}"
    elif shape == 1:
        written = f"(0{area}){chance.choice([' ', ''])}{number}"
    elif shape == 2:
        prefix = chance.choice(["+46", "+ 46", "0046"]) + chance.choice([" ", "-", ""])
        prefix += chance.choice(["", "", "(0)", "(0) ", "0"])
        written = f"{prefix}{area}{chance.choice([' ', '-'])}{number}"
    else:  # whole: only a mobile number is told from an id so
        area = chance.choice(["70", "72", "73", "76", "79"])
        written = chance.choice(["0", "46", "+46", "0046"]) + area + subscriber[:7].ljust(7, "0")
    return _script(written, chance)


def test_every_spelling_of_a_valid_personnummer_is_refused_and_a_wrong_check_digit_is_not() -> None:
    chance = random.Random(20261129)
    for _ in range(ROUNDS):
        valid, wrong = _personnummer(chance)
        for text in (f"Skrev {valid} i kommentaren", f"pnr:{valid}", f"({valid})"):
            assert has_personnummer(text), text
        assert not has_personnummer(f"Skrev {wrong} i kommentaren"), wrong


def test_every_spelling_of_a_phone_number_is_refused() -> None:
    chance = random.Random(2026)
    for _ in range(ROUNDS):
        phone = _phone(chance)
        for text in (f"Ring {phone} i morgon", f"tel:{phone}.", f"(ring {phone})"):
            assert has_phone_number(text), text
            with pytest.raises(FieldError) as refused:
                parse_note(text, "spam")
            assert refused.value.field == "note"


def _day(chance: random.Random) -> str:
    moment = date(1, 1, 1) + timedelta(days=chance.randrange(3652058))
    return moment.isoformat()


def _moment_text(chance: random.Random) -> str:
    """A date, a range of dates, a date with a time or a timestamp, as notes write them."""
    first, second = _day(chance), _day(chance)
    hour, minute, second_ = chance.randrange(24), chance.randrange(60), chance.randrange(60)
    return chance.choice([
        first,
        f"{first}{_separator(chance, none=False)}{second}",
        f"{first}{chance.choice(SPACES)}{hour:02d}{minute:02d}",
        f"{first} {hour:02d} {minute:02d}",
        f"{first} kl {hour:02d}.{minute:02d}",
        f"{first} {hour:02d}:{minute:02d}{_separator(chance, none=False)}{hour:02d}:{minute:02d}",
        f"{first}T{hour:02d}:{minute:02d}:{second_:02d}+01:00",
        f"{first}T{hour:02d}:{minute:02d}:{second_:02d}.{chance.randrange(10**6):06d}Z",
    ])


def _id_text(chance: random.Random) -> str:
    """A platform's id or a case number: digits glued to an underscore or letters, or a
    diarienummer."""
    def digits(low: int, high: int) -> str:
        return "".join(str(chance.randrange(10)) for _ in range(chance.randint(low, high)))

    return chance.choice([
        f"{digits(10, 17)}_{digits(10, 17)}",
        f"inlägg-id {digits(9, 17)}_{digits(9, 17)}",
        f"id{digits(8, 12)}",
        f"{digits(8, 12)}abc",
        f"KS {chance.randrange(1900, 2100)}/{digits(5, 5)}",
        f"dnr {chance.randrange(1900, 2100)}-{digits(4, 6)}",
        f"urn:li:activity:{digits(19, 19)}",
    ])


def test_dates_ranges_times_timestamps_and_ids_are_accepted() -> None:
    chance = random.Random(1129)
    for _ in range(ROUNDS * 2):
        text = f"Dold {_script(_moment_text(chance), chance)} enligt {_id_text(chance)}"
        assert not has_phone_number(text), text
        assert not has_personnummer(text), text
        assert parse_note(text, "annat") == " ".join(text.split())


# The tester's (X9b) own strings, as written.
REFUSED = [
    "Skrev sitt personnummer 19900101 1239 i kommentaren", "pnr 19900101 1239", "900101 1239",
    "Personnummer 900101–1239 (tankstreck)", "Personnummer ９００１０１-１２３９",
    "９００１０１－１２３９", "900101\u00a01239", "900101\u2011" "1239", "900101\u2212" "1239",
    "900101 - 1239", "٩٠٠١٠١-١٢٣٩", "19900101–1239",
    "Ring mig på 070.123.45.67", "Ring (070) 123 45 67", "Ring 070/123 45 67", "Ring 46701234567",
    "Ring +46 70 123 45 67", "070\u2011123 45 67", "070\u2212123 45 67", "+ 46 70 123 45 67",
    "070  123 45 67", "070\u00a0123\u00a045\u00a067", "０７０-１２３ ４５ ６７", "070–123 45 67",
    "٠٧٠-١٢٣ ٤٥ ٦٧",
]
ACCEPTED = [
    "Dold under kampanjen 2026-01-05 - 2026-01-09 enligt punkt 4", "2026-01-05 - 2026-01-09",
    "Upprepad spam 2026-03-02 2026-03-04", "2026-01-05-2026-01-09",
    "Kommentaren kom 2026-01-05 0930, dold efter granskning", "2026-01-05 08 30",
    "2026-01-05 08.30", "2026-01-05 kl 08:30", "2026-01-05T14:30:00+01:00", "Inlägg 0123456789",
    "kommentar-id 1234567890_0123456789", "post 012 345 678 9", "nr 01 02 03 04",
    "KS 2026/01234", "dnr 2026-012345", "08:30-09:15", "v. 02, 2026-01-05 — 2026-01-09",
    "visningar 0 123 456 78", "mellan 08 och 17", "2026-01-05, 0 7 1", "0001-01-01 0101",
]


@pytest.mark.parametrize("text", REFUSED)
def test_the_testers_personal_numbers_are_refused(text: str) -> None:
    assert has_personnummer(text) or has_phone_number(text)
    with pytest.raises(FieldError):
        parse_note(text, "spam")


@pytest.mark.parametrize("text", ACCEPTED)
def test_the_testers_dates_and_ids_are_accepted(text: str) -> None:
    assert not has_personnummer(text) and not has_phone_number(text)
    assert parse_note(text, "spam") == " ".join(text.split())


# --- a closed account's reason at input: warned only where the audit raises it (X9b finding 9)


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize(("visibility", "reason"), [("closed", ""), ("closed", "  "),
                                                    ("closed", "Intern grupp"), ("open", "")])
def test_the_input_warns_of_a_missing_closed_reason_exactly_when_the_audit_raises_it(
    status: str, visibility: str, reason: str
) -> None:
    account = Account("facebook:a", "facebook", "a", "Kultur", purpose="Info",
                      visibility=visibility, closed_reason=reason, status=status)  # fmt: skip
    judged = Judgement(date(2026, 12, 31), AuditSettings(), "2026Q4")
    hits = check_account(Subject.from_account(account), Activity(has_rows=True), judged)
    raised = any(hit.rule == "closed-without-reason" for hit in hits)
    assert ("closed_reason" in guideline_gaps(account)) is raised
    assert raised is (status == "active" and visibility == "closed" and not reason.strip())
