"""Calendar quarters (``2026Q4`` = 2026-10-01…2026-12-31), the unit AKN audits by."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from governance.errors import FieldError
from governance.fields import check_year

_QUARTER = re.compile(r"^\s*(\d{4})\s*-?\s*[Qq]([1-4])\s*$")


@dataclass(frozen=True, order=True, slots=True)
class Quarter:
    """One calendar quarter; ordered by time."""

    year: int
    number: int

    @classmethod
    def parse(cls, text: str, field: str = "quarter") -> Quarter:
        """``2026Q4`` (also ``2026-Q4``, ``2026q4``) in the accepted years; a FieldError otherwise.

        The years are :data:`governance.fields.FIRST_YEAR` to ``LAST_YEAR``, for a quarter typed
        by a user and one read from a stored run alike: outside them a quarter's last day, the
        one before it or the deadline after it may not exist.
        """
        match = _QUARTER.match(text) if isinstance(text, str) and text.isascii() else None
        if not match:
            raise FieldError(field, "audit.bad_quarter", value=str(text).strip())
        check_year(int(match[1]), field, text.strip())
        return cls(int(match[1]), int(match[2]))

    @classmethod
    def of(cls, day: date) -> Quarter:
        """The quarter ``day`` falls in."""
        return cls(day.year, (day.month - 1) // 3 + 1)

    @property
    def first_day(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def last_day(self) -> date:
        return self.next().first_day - timedelta(days=1)

    @property
    def months(self) -> tuple[str, str, str]:
        """The quarter's three months as ``YYYY-MM``."""
        first = 3 * self.number - 2
        return (
            f"{self.year:04d}-{first:02d}",
            f"{self.year:04d}-{first + 1:02d}",
            f"{self.year:04d}-{first + 2:02d}",
        )

    def next(self) -> Quarter:
        return (
            Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)
        )

    def previous(self) -> Quarter:
        return (
            Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)
        )

    def __str__(self) -> str:
        return f"{self.year:04d}Q{self.number}"


def add_months_to_date(day: date, months: int) -> date:
    """``day`` moved by whole months, clamped to the month's end (2026-08-31 + 6 → 2027-02-28)."""
    import calendar  # here: every command imports this module, few move dates by months

    year, month0 = divmod(day.year * 12 + (day.month - 1) + months, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(day.day, last))
