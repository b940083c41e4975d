"""Working time and the reply deadline of the city's guideline ("inom 24 timmar under arbetstid").

Kontokoll reads the guideline as follows. Working time is Monday to Friday, 08:00–17:00
Europe/Stockholm, the interval [08:00, 17:00): a message at exactly 08:00 is inside, one at
exactly 17:00 is outside. Swedish public holidays (lag (1989:253) om allmänna helgdagar) are days
off, and so are midsommarafton, julafton and nyårsafton, which the annual leave act (1977:480,
7 §) treats like Sundays. The half days before holidays and the squeeze days (klämdagar, such as
the Friday after Kristi himmelsfärdsdag) are ordinary working days.

The clock starts when the message arrives if that is within working time, else at the next
start of working time. The deadline is the same wall-clock time on the next working day.

DST: all wall-clock times are Europe/Stockholm, and the deadline keeps the wall-clock time, so
when a DST change lies in between the elapsed time is one hour less or more than the calendar
suggests (Friday 10:00 to Monday 10:00 is 71 hours over the spring change, 73 over the autumn
one; 23 or 25 hours for a 24-hour span). That is intended: the guideline counts working days,
not hours. Sweden changes clocks in the night to Sunday, so a clock start or a deadline (always
inside working hours on a weekday) never falls in a skipped or repeated hour, and an arrival in
such an hour (a Sunday night) moves to the next working morning whichever reading it gets.

This calendar lives in the core, not in ``audits``: the platform clients count the replies on
time while they sync (``governance.platforms.common``), and the audit only reads those counts.
``governance`` never imports ``audits`` (``tests/audits/test_layers.py`` checks).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cache

from governance.errors import FieldError
from governance.fields import parse_timestamp as parse_timestamp_field
from governance.monthly import STOCKHOLM

__all__ = [
    "FIRST_YEAR",
    "LAST_YEAR",
    "STOCKHOLM",
    "WORKING_HOURS",
    "answered_on_time",
    "clock_start",
    "is_working_day",
    "is_working_time",
    "parse_timestamp",
    "reply_deadline",
    "working_days_between",
]

#: Start and end hour of working time, local Stockholm time; the end hour is not included.
WORKING_HOURS: tuple[int, int] = (8, 17)

#: The years the holidays package (pinned) has a Swedish calendar for; outside them it silently
#: gives none. Spelled out so that importing this module does not import holidays (~0.2 s, paid
#: by every audit command otherwise); tests/governance/test_worktime.py checks them.
FIRST_YEAR: int = 1953
LAST_YEAR: int = 2100

_ONE_DAY = timedelta(days=1)


@cache
def _days_off(year: int) -> frozenset[date]:
    """Holidays and de-facto holidays of one year; cached, a sync asks once per comment."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"no Swedish holiday calendar for {year} (only {FIRST_YEAR}–{LAST_YEAR})")
    # include_sundays is off by default in holidays 0.109 but was on in older releases; say it,
    # so that the set stays "named days off" and weekends are judged by weekday() alone.
    import holidays  # here: only a calculation that needs a calendar pays for the package
    from holidays.constants import DE_FACTO, PUBLIC

    # PUBLIC is the law's list of allmänna helgdagar; DE_FACTO adds exactly the three eves that
    # count as days off (midsommarafton, julafton, nyårsafton). BANK and OPTIONAL are left out:
    # they hold the half days and the klämdag, which are working days for us.
    calendar = holidays.country_holidays(
        "SE", years=year, categories=(PUBLIC, DE_FACTO), include_sundays=False
    )
    return frozenset(calendar)


def is_working_day(day: date) -> bool:
    """True for Monday to Friday unless a public holiday or one of the three eves."""
    if isinstance(day, datetime):  # a datetime is a date too; judge its calendar day only
        day = day.date()
    return day.weekday() < 5 and day not in _days_off(day.year)


@cache
def _next_working_day(day: date) -> date:
    """The first working day strictly after ``day``; cached as it is the hot path of a sync."""
    day += _ONE_DAY
    while not is_working_day(day):
        day += _ONE_DAY
    return day


def working_days_between(start: date, end: date) -> int:
    """How many working days lie after ``start``, up to and including ``end`` (0 if none): a
    request filed on a Friday has waited one working day on Monday."""
    count, day = 0, start
    while day < end:
        day += _ONE_DAY
        count += is_working_day(day)
    return count


def _check_hours(hours: tuple[int, int]) -> tuple[int, int]:
    start, end = hours
    if not 0 <= start < end <= 24:
        raise ValueError(f"working hours must satisfy 0 <= start < end <= 24, got {hours!r}")
    return start, end


def _local(moment: datetime) -> datetime:
    """``moment`` as Stockholm wall-clock time; a naive datetime already is one."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=STOCKHOLM)
    return moment.astimezone(STOCKHOLM)


def is_working_time(moment: datetime, *, hours: tuple[int, int] = WORKING_HOURS) -> bool:
    """True if ``moment`` (aware, or naive Stockholm time) lies within working time."""
    start, end = _check_hours(hours)
    local = _local(moment)
    # hour < end rather than time() < time(end): the same for whole hours, and allows end=24.
    return is_working_day(local.date()) and start <= local.hour < end


def clock_start(arrival: datetime, *, hours: tuple[int, int] = WORKING_HOURS) -> datetime:
    """When the reply clock starts for a message that arrived at ``arrival`` (Stockholm time)."""
    start, end = _check_hours(hours)
    local = _local(arrival)
    day = local.date()
    if is_working_day(day):
        if local.hour < start:
            return datetime.combine(day, time(start), tzinfo=STOCKHOLM)
        if local.hour < end:
            return local
    return datetime.combine(_next_working_day(day), time(start), tzinfo=STOCKHOLM)


def reply_deadline(arrival: datetime, *, hours: tuple[int, int] = WORKING_HOURS) -> datetime:
    """The latest on-time reply: the clock start's wall-clock time on the next working day.

    ``arrival`` is aware (any offset) or naive Stockholm time; the result is aware, Stockholm.
    Raises ValueError if the calendar needed lies outside FIRST_YEAR..LAST_YEAR (1953–2100).
    """
    started = clock_start(arrival, hours=hours)
    # Rebuilt from the wall-clock time, not by adding a timedelta, so 10:00 stays 10:00 over DST.
    return datetime.combine(_next_working_day(started.date()), started.time(), tzinfo=STOCKHOLM)


def answered_on_time(
    arrival: datetime, answered: datetime, *, hours: tuple[int, int] = WORKING_HOURS
) -> bool:
    """True if ``answered`` is at or before the reply deadline of ``arrival``."""
    deadline = reply_deadline(arrival, hours=hours)
    # Compare in UTC: datetimes sharing one tzinfo compare by wall clock, which ignores fold.
    return _local(answered).astimezone(UTC) <= deadline.astimezone(UTC)


def in_stockholm(moment: datetime, field: str, value: str) -> datetime:
    """``moment`` as is if it has an offset; a wall-clock time read as Stockholm time.

    A wall-clock time that Stockholm skips when summer time starts (02:00–03:00 on the last
    Sunday of March) is refused rather than moved an hour; in the hour that repeats in October
    the first is meant (a time given with its offset says which).
    """
    if moment.tzinfo is not None:
        return moment
    local = moment.replace(tzinfo=STOCKHOLM)
    if local.astimezone(UTC).astimezone(STOCKHOLM).replace(tzinfo=None) != moment:
        raise FieldError(field, "input.no_such_local_time", value=value)
    return local


def parse_timestamp(text: str) -> datetime:
    """An ISO 8601 date or date-time as an aware datetime.

    Accepts ``Z``, ``+01:00``, ``+0100`` or no offset; without one the time is Stockholm time,
    and a bare date means 00:00 Stockholm. An offset given is kept as given. Raises ValueError
    naming the input for anything else, a year outside the accepted ones (2000–2100, see
    :data:`governance.fields.FIRST_YEAR`) or an offset beyond ±14:00.
    """
    try:
        parsed = parse_timestamp_field(text, "timestamp")
        return in_stockholm(parsed, "timestamp", text.strip())
    except FieldError as error:
        raise ValueError(f"{text!r}: {error.reason}") from None
