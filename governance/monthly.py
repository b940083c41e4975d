"""The monthly activity record: one per account and calendar month (Europe/Stockholm).

This is the record the platform clients produce, the store keeps, the stats CSV carries and the
audit rules read. ``None`` means *unknown* (the platform gives no such figure, or it could not be
read); it is never the same as 0.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from governance.errors import FieldError
from governance.fields import parse_month as parse_month_field

STOCKHOLM = ZoneInfo("Europe/Stockholm")

#: The count columns of the record, in CSV order (``last_post_at`` sits after ``posts``).
COUNT_FIELDS: tuple[str, ...] = (
    "posts",
    "followers",
    "new_followers",
    "reach",
    "video_views",
    "link_clicks",
    "reactions",
    "comments",
    "shares",
    "saves",
    "replies_due",
    "replies_on_time",
    # Appended (issue 10), so that rows and CSV files written before them still read: the
    # reply duty on what needs a reply (questions, direct messages) and hidden comments seen.
    "questions_due",
    "questions_on_time",
    "hidden",
    "dms_due",
    "dms_on_time",
)
#: The fields of the record that are text, after the counts (stored and exported last).
TEXT_FIELDS: tuple[str, ...] = ("words_version",)

def parse_month(text: str) -> str:
    """Return ``YYYY-MM`` if ``text`` is one in the accepted years, else raise ValueError.

    :func:`governance.fields.parse_month` says which of the two is wrong; this form is for
    callers that only need yes or no.
    """
    try:
        return parse_month_field(text, "month")
    except FieldError:
        raise ValueError(text.strip()) from None


def month_of(moment: datetime) -> str:
    """The Europe/Stockholm calendar month (``YYYY-MM``) that an aware moment falls in.

    ValueError for a naive moment, or one so near year 1 or 9999 that it has no Stockholm time.
    """
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    try:
        local = moment.astimezone(STOCKHOLM)
    except (OverflowError, ValueError):
        raise ValueError(f"{moment.isoformat()} has no Stockholm time") from None
    return f"{local.year:04d}-{local.month:02d}"


def stored_post_time(text: str) -> datetime:
    """A stored last-post time (ISO text): one without an offset (only a hand edit stores one;
    the sync and ``stats import`` store offsets) is Stockholm time, not the machine's, so every
    reader finds the same moment on every machine. ValueError for text that is not a time."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=STOCKHOLM)


def month_start(month: str) -> date:
    """The first day of a ``YYYY-MM`` month."""
    year, mon = month.split("-")
    return date(int(year), int(mon), 1)


def add_months(month: str, count: int) -> str:
    """``month`` moved by ``count`` months (negative goes back)."""
    year, mon = (int(part) for part in month.split("-"))
    index = year * 12 + (mon - 1) + count
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


@dataclass(frozen=True, slots=True)
class MonthlyStats:
    """Activity of one account in one calendar month. ``None`` is unknown, not zero."""

    account_id: str
    month: str
    posts: int | None = None
    last_post_at: datetime | None = None
    followers: int | None = None
    new_followers: int | None = None
    reach: int | None = None
    video_views: int | None = None
    link_clicks: int | None = None
    reactions: int | None = None
    comments: int | None = None
    shares: int | None = None
    saves: int | None = None
    replies_due: int | None = None
    replies_on_time: int | None = None
    #: Top-level comments from others that the classifier found to be questions (not hidden,
    #: not deleted), counted as ``replies_due`` is; and those answered on time.
    questions_due: int | None = None
    questions_on_time: int | None = None
    #: Comments the page has hidden, by the month they arrived (Facebook, Instagram).
    hidden: int | None = None
    #: Direct messages from others that fell due, and those answered on time.
    dms_due: int | None = None
    dms_on_time: int | None = None
    #: The version of the classifier's word lists that counted ``questions_*`` (None: never).
    words_version: str | None = None

    def to_row(self) -> list[Any]:
        """The compact JSON form kept in the store: the values in ``STORED_FIELDS`` order."""
        return [
            self.last_post_at.isoformat() if self.last_post_at else None,
            *(getattr(self, name) for name in COUNT_FIELDS),
            self.words_version,
        ]

    @classmethod
    def from_row(cls, account_id: str, month: str, row: list[Any]) -> MonthlyStats:
        """Rebuild a record from its compact stored form.

        A row written before later fields were appended is shorter: those fields read as None
        (unknown). A longer row (from a newer Kontokoll) keeps the fields this one knows.
        """
        last_post = stored_post_time(row[0]) if row[0] else None
        values = list(row[1:len(STORED_FIELDS)])
        values += [None] * (len(STORED_FIELDS) - 1 - len(values))
        known = dict(zip((*COUNT_FIELDS, *TEXT_FIELDS), values, strict=True))
        return cls(account_id, month, last_post_at=last_post, **known)


#: The order of values in a stored month row (the account and month are its keys).
STORED_FIELDS: tuple[str, ...] = ("last_post_at", *COUNT_FIELDS, *TEXT_FIELDS)


@dataclass(frozen=True, slots=True)
class SyncOutcome:
    """How the last sync of one account ended: ``ok``, or failed with a reason.

    ``cursor`` is the platform client's resume point (for example the newest post time seen),
    so that the next sync fetches only what is new. It never holds tokens or content.
    """

    account_id: str
    platform: str
    ok: bool
    reason: str
    finished_at: datetime
    requests: int = 0
    cursor: dict[str, Any] | None = None
    #: The account's id and username as this sync read them (``id``, ``username``,
    #: ``handle_id``: see governance.platforms.identity), or None.
    identity: dict[str, Any] | None = None

    def to_doc(self) -> dict[str, Any]:
        """The JSON form kept in the store."""
        doc = asdict(self)
        doc["finished_at"] = self.finished_at.isoformat()
        return doc

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> SyncOutcome:
        """Rebuild an outcome from its stored JSON form."""
        values: dict[str, Any] = {f.name: doc.get(f.name) for f in fields(cls)}
        values["finished_at"] = datetime.fromisoformat(values["finished_at"])
        values["requests"] = values["requests"] or 0
        return cls(**values)
