"""The working-time reply deadline: the guideline's examples, the Swedish calendar, DST, parsing."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest
from dateutil.easter import easter

from governance.worktime import (
    STOCKHOLM,
    answered_on_time,
    clock_start,
    is_working_day,
    is_working_time,
    parse_timestamp,
    reply_deadline,
)


def sthlm(text: str) -> datetime:
    """A Stockholm wall-clock time written as ``YYYY-MM-DDTHH:MM``."""
    return datetime.fromisoformat(text).replace(tzinfo=STOCKHOLM)


def elapsed(start: datetime, end: datetime) -> timedelta:
    """Real time between two moments (subtracting two Stockholm datetimes gives wall-clock time)."""
    return end.astimezone(UTC) - start.astimezone(UTC)


def deadline_of(text: str) -> str:
    return reply_deadline(parse_timestamp(text)).isoformat()


# --- the guideline's examples and the edges of the working day ------------------------------


@pytest.mark.parametrize(
    ("arrival", "deadline"),
    [
        ("2026-12-21T10:00", "2026-12-22T10:00:00+01:00"),  # Monday -> Tuesday
        ("2026-12-18T16:00", "2026-12-21T16:00:00+01:00"),  # Friday -> Monday
        ("2026-12-19T12:00", "2026-12-22T08:00:00+01:00"),  # Saturday -> clock Monday 08:00
        ("2026-12-23T16:30", "2026-12-28T16:30:00+01:00"),  # over julafton and Christmas
    ],
)
def test_the_guideline_examples(arrival: str, deadline: str) -> None:
    assert deadline_of(arrival) == deadline


def test_exactly_eight_is_inside_working_time() -> None:
    assert is_working_time(sthlm("2026-12-21T08:00"))
    assert clock_start(sthlm("2026-12-21T08:00")) == sthlm("2026-12-21T08:00")
    assert deadline_of("2026-12-21T08:00") == "2026-12-22T08:00:00+01:00"


def test_exactly_seventeen_is_outside_working_time() -> None:
    assert not is_working_time(sthlm("2026-12-21T17:00"))
    assert is_working_time(sthlm("2026-12-21T16:59:59.999999"))
    assert clock_start(sthlm("2026-12-21T17:00")) == sthlm("2026-12-22T08:00")
    assert deadline_of("2026-12-21T17:00") == "2026-12-23T08:00:00+01:00"
    assert deadline_of("2026-12-21T16:59:59") == "2026-12-22T16:59:59+01:00"


def test_before_eight_starts_the_clock_at_eight_the_same_day() -> None:
    assert not is_working_time(sthlm("2026-12-21T07:59"))
    assert clock_start(sthlm("2026-12-21T07:59")) == sthlm("2026-12-21T08:00")
    assert deadline_of("2026-12-21T00:00") == "2026-12-22T08:00:00+01:00"


def test_friday_evening_and_sunday_move_to_monday_morning() -> None:
    assert clock_start(sthlm("2026-12-18T17:00")) == sthlm("2026-12-21T08:00")
    assert deadline_of("2026-12-20T23:59") == "2026-12-22T08:00:00+01:00"


def test_seconds_and_microseconds_are_kept() -> None:
    deadline = reply_deadline(sthlm("2026-12-21T10:15:30.250000"))
    assert deadline == sthlm("2026-12-22T10:15:30.250000")


# --- holidays and the three eves ------------------------------------------------------------


def test_julafton_is_a_day_off() -> None:
    assert not is_working_day(date(2026, 12, 24))  # a Thursday
    assert not is_working_time(sthlm("2026-12-24T10:00"))
    assert deadline_of("2026-12-24T10:00") == "2026-12-29T08:00:00+01:00"


def test_midsommarafton_is_a_day_off() -> None:
    assert not is_working_day(date(2026, 6, 19))  # Friday in 19-25 June
    assert deadline_of("2026-06-18T10:00") == "2026-06-22T10:00:00+02:00"
    assert deadline_of("2026-06-19T10:00") == "2026-06-23T08:00:00+02:00"


def test_nyarsafton_and_new_year() -> None:
    assert not is_working_day(date(2026, 12, 31))
    assert not is_working_day(date(2027, 1, 1))
    assert deadline_of("2026-12-30T10:00") == "2027-01-04T10:00:00+01:00"


def test_trettondedag_jul_is_off_but_its_eve_is_a_working_day() -> None:
    assert is_working_day(date(2027, 1, 5))  # trettondagsafton, a half day: working
    assert not is_working_day(date(2027, 1, 6))  # a Wednesday
    assert deadline_of("2027-01-05T10:00") == "2027-01-07T10:00:00+01:00"


def test_easter() -> None:
    assert is_working_day(date(2026, 4, 2))  # skärtorsdagen, a half day: working
    assert not is_working_day(date(2026, 4, 3))  # långfredagen
    assert not is_working_day(date(2026, 4, 6))  # annandag påsk
    assert deadline_of("2026-04-02T10:00") == "2026-04-07T10:00:00+02:00"


def test_kristi_himmelsfard_its_eve_and_the_klamdag() -> None:
    assert not is_working_day(date(2026, 5, 14))  # Kristi himmelsfärdsdag, Thursday
    assert is_working_day(date(2026, 5, 13))  # the half day before
    assert is_working_day(date(2026, 5, 15))  # the klämdag after
    assert deadline_of("2026-05-13T10:00") == "2026-05-15T10:00:00+02:00"
    assert deadline_of("2026-05-15T10:00") == "2026-05-18T10:00:00+02:00"


def test_a_datetime_is_judged_by_its_calendar_day() -> None:
    assert not is_working_day(datetime(2026, 12, 24, 10, 0))
    assert is_working_day(datetime(2026, 12, 23, 10, 0))


def test_years_without_a_calendar_are_refused() -> None:
    with pytest.raises(ValueError, match="1953–2100"):
        is_working_day(date(1900, 1, 2))
    with pytest.raises(ValueError, match="1953–2100"):
        reply_deadline(datetime(2200, 1, 2, 10, 0))
    with pytest.raises(ValueError, match="2101"):  # the deadline would fall in 2101
        reply_deadline(datetime(2100, 12, 30, 10, 0))


def _law_days_off(year: int) -> set[date]:
    """Lag (1989:253) om allmänna helgdagar plus the three eves, computed independently."""
    sunday = easter(year)

    def saturday_in(first: date) -> date:  # the Saturday in a seven-day window
        return first + timedelta(days=(5 - first.weekday()) % 7)

    midsommardagen = saturday_in(date(year, 6, 20))
    return {
        date(year, 1, 1),  # nyårsdagen
        date(year, 1, 6),  # trettondedag jul
        sunday - timedelta(days=2),  # långfredagen
        sunday,  # påskdagen
        sunday + timedelta(days=1),  # annandag påsk
        sunday + timedelta(days=39),  # Kristi himmelsfärdsdag, sixth Thursday after Easter
        date(year, 5, 1),  # första maj
        sunday + timedelta(days=49),  # pingstdagen
        date(year, 6, 6),  # nationaldagen
        midsommardagen,
        saturday_in(date(year, 10, 31)),  # alla helgons dag
        date(year, 12, 25),  # juldagen
        date(year, 12, 26),  # annandag jul
        midsommardagen - timedelta(days=1),  # midsommarafton, the Friday in 19-25 June
        date(year, 12, 24),  # julafton
        date(year, 12, 31),  # nyårsafton
    }


@pytest.mark.parametrize("year", range(2024, 2031))
def test_calendar_agrees_with_the_law_on_every_day(year: int) -> None:
    days_off = _law_days_off(year)
    day = date(year, 1, 1)
    disagreements = []
    while day.year == year:
        expected = day.weekday() < 5 and day not in days_off
        if is_working_day(day) != expected:
            disagreements.append(day)
        day += timedelta(days=1)
    assert disagreements == []


@pytest.mark.parametrize("year", range(2024, 2031))
def test_half_days_and_klamdagar_are_working_days(year: int) -> None:
    sunday = easter(year)
    candidates = [
        date(year, 1, 5),  # trettondagsafton
        sunday - timedelta(days=3),  # skärtorsdagen
        date(year, 4, 30),  # valborgsmässoafton
        sunday + timedelta(days=38),  # dagen före Kristi himmelsfärdsdag
        sunday + timedelta(days=40),  # klämdagen efter Kristi himmelsfärdsdag
        date(year, 12, 23),
        date(year, 12, 30),
    ]
    weekdays = [day for day in candidates if day.weekday() < 5]
    assert weekdays  # the Easter-bound ones are always weekdays
    assert all(is_working_day(day) for day in weekdays)


def test_ordinary_sundays_and_saturdays_are_off_and_mondays_work() -> None:
    assert not is_working_day(date(2026, 8, 15))  # Saturday
    assert not is_working_day(date(2026, 8, 16))  # Sunday
    assert is_working_day(date(2026, 8, 17))  # Monday


# --- DST: the deadline keeps the wall-clock time -------------------------------------------


def test_friday_before_the_spring_change() -> None:
    arrival = sthlm("2026-03-27T10:00")  # clocks go forward on Sunday 29 March
    deadline = reply_deadline(arrival)
    assert deadline.isoformat() == "2026-03-30T10:00:00+02:00"
    assert elapsed(arrival, deadline) == timedelta(hours=71)


def test_friday_before_the_autumn_change() -> None:
    arrival = sthlm("2026-10-23T10:00")  # clocks go back on Sunday 25 October
    deadline = reply_deadline(arrival)
    assert deadline.isoformat() == "2026-10-26T10:00:00+01:00"
    assert elapsed(arrival, deadline) == timedelta(hours=73)


def test_friday_afternoon_in_utc_before_the_spring_change() -> None:
    deadline = reply_deadline(datetime(2026, 3, 27, 15, 30, tzinfo=UTC))  # 16:30 CET
    assert deadline.isoformat() == "2026-03-30T16:30:00+02:00"
    assert deadline.astimezone(UTC) == datetime(2026, 3, 30, 14, 30, tzinfo=UTC)


def test_arrivals_in_the_skipped_and_the_repeated_hour() -> None:
    assert deadline_of("2026-03-29T02:30+01:00") == "2026-03-31T08:00:00+02:00"  # is 03:30
    first = datetime(2026, 10, 25, 2, 30, tzinfo=STOCKHOLM)  # exists twice
    second = first.replace(fold=1)
    assert reply_deadline(first) == reply_deadline(second) == sthlm("2026-10-27T08:00")


def test_dst_weeks_in_several_years() -> None:
    # 2024 is the awkward one: Easter Sunday is the spring change, so Friday and Monday are off.
    for year in range(2024, 2031):
        for month in (3, 10):
            change = date(year, month, 31)
            change -= timedelta(days=(change.weekday() + 1) % 7)  # the last Sunday
            day = change - timedelta(days=2)
            while not is_working_day(day):
                day -= timedelta(days=1)
            arrival = datetime.combine(day, time(9, 45), tzinfo=STOCKHOLM)
            deadline = reply_deadline(arrival)
            assert deadline.date() > change
            assert (deadline.hour, deadline.minute, deadline.tzinfo) == (9, 45, STOCKHOLM)
            wall_clock = (deadline.date() - day).days * timedelta(hours=24)
            shift = timedelta(hours=-1 if month == 3 else 1)
            assert elapsed(arrival, deadline) == wall_clock + shift


# --- inputs: aware, naive, offsets ----------------------------------------------------------


def test_the_result_is_aware_stockholm_time() -> None:
    deadline = reply_deadline(datetime(2026, 6, 15, 10, 0, tzinfo=UTC))
    assert deadline.tzinfo is STOCKHOLM
    assert deadline.isoformat() == "2026-06-16T12:00:00+02:00"


def test_a_naive_datetime_is_stockholm_time() -> None:
    assert reply_deadline(datetime(2026, 12, 23, 16, 30)) == sthlm("2026-12-28T16:30")


def test_an_offset_is_converted_to_stockholm_before_judging() -> None:
    # 07:30 in New York is 13:30 in Stockholm: inside working time.
    new_york = timezone(timedelta(hours=-5))
    arrival = datetime(2026, 12, 21, 7, 30, tzinfo=new_york)
    assert is_working_time(arrival)
    assert reply_deadline(arrival).isoformat() == "2026-12-22T13:30:00+01:00"


@pytest.mark.parametrize(
    ("text", "deadline"),
    [
        ("2026-12-23T15:30Z", "2026-12-28T16:30:00+01:00"),
        ("2026-12-23T15:30:00z", "2026-12-28T16:30:00+01:00"),
        ("2026-12-23T16:30+01:00", "2026-12-28T16:30:00+01:00"),
        ("2026-12-23T16:30:00+0000", "2026-12-29T08:00:00+01:00"),  # 17:30 Stockholm
        ("2026-12-23T16:30", "2026-12-28T16:30:00+01:00"),
        ("2026-12-23 16:30", "2026-12-28T16:30:00+01:00"),
        ("2026-12-23", "2026-12-28T08:00:00+01:00"),  # 00:00, clock starts 08:00 the same day
        ("2026-06-15T06:30Z", "2026-06-16T08:30:00+02:00"),
    ],
)
def test_parse_and_deadline(text: str, deadline: str) -> None:
    assert deadline_of(text) == deadline


def test_parse_timestamp_results() -> None:
    assert parse_timestamp("2026-12-23T15:30Z") == datetime(2026, 12, 23, 15, 30, tzinfo=UTC)
    assert parse_timestamp(" 2026-12-23T16:30 ") == sthlm("2026-12-23T16:30")
    assert parse_timestamp("2026-12-23").tzinfo is STOCKHOLM
    assert parse_timestamp("2026-12-23") == sthlm("2026-12-23T00:00")
    offset = parse_timestamp("2026-12-23T16:30+0100").utcoffset()
    assert offset == timedelta(hours=1)


@pytest.mark.parametrize(
    "text",
    ["", "   ", "tomorrow", "2026-13-01", "2026-12-23T25:00", "23/12/2026", "2026-12-23T16:30 CET"],
)
def test_parse_timestamp_refuses_non_iso(text: str) -> None:
    with pytest.raises(ValueError, match="ISO 8601") as raised:
        parse_timestamp(text)
    assert repr(text) in str(raised.value)


# --- answered on time ----------------------------------------------------------------------


def test_answered_at_the_deadline_is_on_time_and_a_moment_later_is_not() -> None:
    arrival = sthlm("2026-12-23T16:30")
    assert answered_on_time(arrival, sthlm("2026-12-28T16:30"))
    assert not answered_on_time(arrival, sthlm("2026-12-28T16:30:00.000001"))
    assert answered_on_time(arrival, sthlm("2026-12-23T16:31"))


def test_answered_compares_instants_not_wall_clocks() -> None:
    arrival = datetime(2026, 12, 23, 15, 30, tzinfo=UTC)
    assert answered_on_time(arrival, datetime(2026, 12, 28, 15, 30, tzinfo=UTC))
    assert not answered_on_time(arrival, datetime(2026, 12, 28, 16, 0, tzinfo=UTC))
    assert answered_on_time(arrival, datetime(2026, 12, 28, 16, 30))  # naive: Stockholm


# --- other working hours ------------------------------------------------------------------


def test_working_hours_can_be_overridden() -> None:
    assert not is_working_time(sthlm("2026-12-21T08:30"), hours=(9, 16))
    assert clock_start(sthlm("2026-12-21T08:30"), hours=(9, 16)) == sthlm("2026-12-21T09:00")
    assert reply_deadline(sthlm("2026-12-21T16:00"), hours=(9, 16)) == sthlm("2026-12-23T09:00")
    assert is_working_time(sthlm("2026-12-21T23:59"), hours=(0, 24))


@pytest.mark.parametrize("hours", [(17, 8), (8, 8), (-1, 17), (8, 25)])
def test_impossible_working_hours_are_refused(hours: tuple[int, int]) -> None:
    with pytest.raises(ValueError, match="working hours"):
        is_working_time(sthlm("2026-12-21T10:00"), hours=hours)


def test_the_calendar_years_are_the_holidays_packages() -> None:
    """worktime spells the years out (so that importing it does not import holidays)."""
    from holidays.countries.sweden import Sweden

    from governance import worktime

    assert (Sweden.start_year, Sweden.end_year) == (worktime.FIRST_YEAR, worktime.LAST_YEAR)


def test_a_wall_clock_time_stockholm_skips_is_refused_and_the_repeated_hour_is_the_first() -> None:
    with pytest.raises(ValueError, match="sommartiden"):
        parse_timestamp("2026-03-29T02:30")
    assert parse_timestamp("2026-03-29T03:30").utcoffset() == timedelta(hours=2)
    assert parse_timestamp("2026-10-25T02:30").utcoffset() == timedelta(hours=2)  # fold 0
    assert parse_timestamp("2026-10-25T02:30+01:00").utcoffset() == timedelta(hours=1)


def test_an_offset_cannot_carry_a_moment_outside_the_accepted_years() -> None:
    with pytest.raises(ValueError, match="2000"):
        parse_timestamp("2000-01-01T00:30+14:00")
    with pytest.raises(ValueError, match="2100"):
        parse_timestamp("2100-12-31T23:00-14:00")
    assert parse_timestamp("2000-01-01T00:30Z").year == 2000
