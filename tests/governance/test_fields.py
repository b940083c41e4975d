from __future__ import annotations

from datetime import date

import pytest

from governance.errors import FieldError
from governance.fields import (
    format_value,
    parse_bool,
    parse_date,
    parse_email,
    parse_goals,
    parse_handle,
    parse_people,
    parse_person,
    parse_platform,
    parse_status,
    parse_url,
    parse_visibility,
)


def test_platform_names_and_twitter_alias() -> None:
    assert parse_platform(" Facebook ") == "facebook"
    assert parse_platform("Twitter") == "x"
    assert parse_platform("X") == "x"
    with pytest.raises(FieldError) as caught:
        parse_platform("myspace")
    assert caught.value.field == "platform"
    assert "myspace" in str(caught.value)


def test_handles_are_case_insensitive_and_lose_the_at_sign() -> None:
    assert parse_handle("@HelsingborgsStad") == "helsingborgsstad"
    for bad in ("", "två ord", "a:b", "a/b"):
        with pytest.raises(FieldError):
            parse_handle(bad)


def test_people_and_emails() -> None:
    assert parse_person("Anna Andersson <Anna.Andersson@Helsingborg.se>") == (
        "Anna Andersson",
        "anna.andersson@helsingborg.se",
    )
    assert parse_people("A B <a@b.se>| C D <c@d.se>") == [("A B", "a@b.se"), ("C D", "c@d.se")]
    assert parse_people("") == []
    for bad in ("a@b.se", "<a@b.se>", "Anna <not-an-email>", "Anna <a@b>"):
        with pytest.raises(FieldError):
            parse_person(bad)
    with pytest.raises(FieldError, match="flera gånger"):
        parse_people("A <a@b.se>|B <A@b.se>")
    with pytest.raises(FieldError):
        parse_email("anna@@b.se")


def test_dates_are_iso_only() -> None:
    assert parse_date("2026-12-31", "project_end") == date(2026, 12, 31)
    assert parse_date("", "project_end") is None
    for bad in ("31/12/2026", "2026-13-01", "2026-02-30", "igår"):
        with pytest.raises(FieldError) as caught:
            parse_date(bad, "project_end")
        assert caught.value.field == "project_end"


def test_choices_accept_swedish_words() -> None:
    assert parse_visibility("öppet") == "open"
    assert parse_visibility("Slutet") == "closed"
    assert parse_visibility("") == "open"
    assert parse_status("") == "active"
    assert parse_status("avvecklad") == "retired"
    assert parse_bool("Ja", "shared") is True
    assert parse_bool("", "shared") is False
    assert parse_goals("Engagera|informera") == ("informera", "engagera")
    with pytest.raises(FieldError):
        parse_visibility("halvöppet")
    with pytest.raises(FieldError):
        parse_goals("underhålla")
    with pytest.raises(FieldError):
        parse_bool("kanske", "shared")
    with pytest.raises(FieldError):
        parse_url("www.helsingborg.se")


def test_format_value_is_the_inverse_of_the_parsers() -> None:
    assert parse_goals(format_value(("informera", "aktivera"))) == ("informera", "aktivera")
    assert parse_bool(format_value(True), "shared") is True
    assert parse_date(format_value(date(2027, 1, 2)), "d") == date(2027, 1, 2)
    assert format_value(None) == ""
