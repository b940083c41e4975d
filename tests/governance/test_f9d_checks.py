"""The pieces behind the X9 fixes: personnummer and phone numbers in a note, the first quarter
an audit can be due, a store file's decoding error in words."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import msgspec
import pytest

from audits import schedule
from audits.quarters import Quarter
from governance.moderation.personal_numbers import has_personnummer, has_phone_number
from governance.monthly import STOCKHOLM
from governance.register import AccountRow as ImportRow
from governance.register import Register
from governance.storage.corrupt_detail import json_problem
from governance.storage.typed import registered_before
from governance.store import Store, load_accounts, put_account
from tests.governance.moderation_support import luhn_digit


def test_a_valid_personnummer_is_found_in_every_spelling_and_a_wrong_check_digit_is_not() -> None:
    chance = random.Random(20261129)
    for _ in range(500):
        born = date(1920, 1, 1) + timedelta(days=chance.randrange(36500))
        nine = born.strftime("%y%m%d") + f"{chance.randrange(1000):03d}"
        right = luhn_digit(nine)
        wrong = str((int(right) + chance.randrange(1, 10)) % 10)
        for digit, found in ((right, True), (wrong, False)):
            short, full = nine[:6] + "-" + nine[6:] + digit, born.strftime("%Y") + nine[2:] + digit
            for text in (f"Anna {short}", f"{full[:8]}-{full[8:]} ringde", f"pnr {full}"):
                assert has_personnummer(text) is found, text


def test_a_samordningsnummer_counts_and_dates_and_ids_do_not() -> None:
    nine = "701063239"  # day 63 = the 3rd + 60
    assert has_personnummer(f"{nine[:6]}-{nine[6:]}{luhn_digit(nine)}")
    for text in ("2026-11-28", "2026-11-28 10:00", "KS 2026/01234", "2026Q4-2", "id 1234567890",
                 "1234567890123", "20261128-1000"):
        assert not has_personnummer(text), text


@pytest.mark.parametrize(
    "text",
    ["070-123 45 67", "0701234567", "070 123 45 67", "+46 70 123 45 67", "+46701234567",
     "0046 70-123 45 67", "+46 (0)70 123 45 67", "042-10 50 00", "08-123 456 78"],
)
def test_phone_numbers_are_found(text: str) -> None:
    assert has_phone_number(f"ring {text} i morgon")


@pytest.mark.parametrize(
    "text",
    ["2026-01-05 10:00", "KS 2026/01234", "kl 08 00", "2026-11-28", "987_654", "v. 07 2026",
     "0,5 %", "031-12"],
)
def test_dates_times_and_case_numbers_are_not_phone_numbers(text: str) -> None:
    assert not has_phone_number(text)


def test_the_first_due_quarter_starts_with_the_first_account() -> None:
    today = date(2026, 11, 29)
    asked: list[datetime] = []

    def before(day: date | None) -> Callable[[datetime], bool]:
        def registered_before(moment: datetime) -> bool:
            asked.append(moment)
            return day is not None and datetime.combine(day, time(), STOCKHOLM) < moment
        return registered_before

    assert schedule.first_due(today, before(None)) == Quarter(2026, 4)  # no account: not overdue
    assert asked == [datetime(2026, 10, 1, tzinfo=STOCKHOLM)]  # Q3's end, in Stockholm
    assert schedule.first_due(today, before(date(2026, 11, 29))) == Quarter(2026, 4)
    assert schedule.first_due(today, before(date(2026, 9, 30))) == Quarter(2026, 3)
    assert schedule.first_due(today, before(date(2020, 1, 1))) == Quarter(2026, 3)  # no further
    late = schedule.next_audit({}, today, schedule.first_due(today, before(date(2026, 10, 2))))
    assert (late.quarter, late.overdue) == (Quarter(2026, 4), False)


def test_registered_before_reads_the_register_and_skips_stamps_without_offset(
    tmp_path: Path,
) -> None:
    store = Store(tmp_path / "data")
    register = Register(store, user="test")
    values = {"platform": "facebook", "handle": "a", "department": "Kulturförvaltningen",
              "purpose": "Informera.", "goals": ("informera",)}
    register.import_rows([ImportRow(line=2, values=values, editors=[])], "<test>")
    with store.write() as txn:  # registered at 2026-09-30 22:30 UTC: Oct 1 in Stockholm
        (account,) = load_accounts(txn)
        stamp = datetime(2026, 9, 30, 22, 30, tzinfo=UTC)
        put_account(txn, account.with_changes(created=stamp), account)
    with store.read() as txn:
        assert registered_before(txn, datetime(2026, 10, 1, tzinfo=STOCKHOLM)) is False
        assert registered_before(txn, datetime(2026, 10, 2, tzinfo=STOCKHOLM)) is True
    store.close()


def test_msgspec_errors_are_told_by_line_and_column_and_path() -> None:
    raw = b'{"a": 1,\n "b": [1,,2]}'
    with pytest.raises(msgspec.DecodeError) as broken:
        msgspec.json.decode(raw)
    assert json_problem(raw, broken.value) == "ogiltig JSON på rad 2, kolumn 10"

    class Shape(msgspec.Struct):
        id: str

    for text, words in ((b'{"id": 5}', "värdet vid $.id har fel typ: int där det ska vara str"),
                        (b"{}", "fältet id saknas vid $")):
        with pytest.raises(msgspec.ValidationError) as wrong:
            msgspec.json.decode(text, type=Shape)
        assert json_problem(text, wrong.value) == words
    bad_utf8 = b'{"a": "\xff"}'
    assert json_problem(bad_utf8, ValueError("x")) == "filen är inte UTF-8 (byte 7)"
