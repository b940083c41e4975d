"""Per-post figures (issue 12): one record per post, kept for 13 months, never the post's text.

A client reads a post's figures when :meth:`PostBook.due` says so: a post not stored yet is read
once; a stored post is re-read at most once a Stockholm day while it is younger than
:data:`FRESH_DAYS` days (its figures still grow); an older stored post is not re-read (they have
settled, and re-reading them would cost a request per post or per batch on every sync). Posts
older than :data:`KEPT_MONTHS` months are neither read nor kept.

``None`` is unknown (the platform gives no such figure for the post), never 0. The figures are
lifetime totals as the platform reports them on the day in ``read_on``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from governance.monthly import STOCKHOLM, add_months, month_of

#: A post is re-read (at most once a day) while it is younger than this.
FRESH_DAYS = 28
#: The current month and the 12 before it.
KEPT_MONTHS = 13
#: What a post is. ``reel`` covers Instagram reels and YouTube Shorts alike.
POST_KINDS: tuple[str, ...] = ("text", "image", "video", "link", "reel")
#: The figures of a post, in the stored row's order (after the time and the kind).
POST_COUNTS: tuple[str, ...] = (
    "reach", "video_views", "link_clicks", "reactions", "comments", "shares", "saves",
)


@dataclass(frozen=True, slots=True)
class PostFigures:
    """One post's figures. ``kind`` is one of :data:`POST_KINDS`; ``read_on`` the Stockholm day
    they were read."""

    post_id: str
    at: datetime
    kind: str
    read_on: str
    reach: int | None = None
    video_views: int | None = None
    link_clicks: int | None = None
    reactions: int | None = None
    comments: int | None = None
    shares: int | None = None
    saves: int | None = None

    @property
    def month(self) -> str:
        return month_of(self.at)

    def to_row(self) -> list[Any]:
        """The compact stored form: time, kind, read_on, then :data:`POST_COUNTS`."""
        return [self.at.isoformat(), self.kind, self.read_on,
                *(getattr(self, name) for name in POST_COUNTS)]

    @classmethod
    def from_row(cls, post_id: str, row: list[Any]) -> PostFigures:
        """Rebuild a record; ValueError/TypeError/IndexError when the row is not one."""
        at = datetime.fromisoformat(str(row[0]))
        if at.tzinfo is None or row[1] not in POST_KINDS or not isinstance(row[2], str):
            raise ValueError(f"not a post row: {post_id}")
        counts = list(row[3:3 + len(POST_COUNTS)])
        counts += [None] * (len(POST_COUNTS) - len(counts))
        for figure in counts:
            if figure is not None and (isinstance(figure, bool) or not isinstance(figure, int)):
                raise ValueError(f"not a post figure: {post_id}")
        date.fromisoformat(row[2])
        month_of(at)  # ValueError for a time with no Stockholm month (year 1, year 9999)
        return cls(post_id, at, str(row[1]), row[2], **dict(zip(POST_COUNTS, counts, strict=True)))


#: The longest post id kept (the platforms' are well under 100 characters).
MAX_ID = 200


def plausible_id(post_id: str) -> bool:
    """Whether ``post_id`` looks like a platform's post id: short, printable, no spaces."""
    # isprintable() refuses every separator but the ASCII space (and every control character):
    # so " " is the one space left to look for, without a loop over the characters in Python.
    return 0 < len(post_id) <= MAX_ID and post_id.isprintable() and " " not in post_id


def stockholm_day(moment: datetime) -> str:
    return moment.astimezone(STOCKHOLM).date().isoformat()


def first_kept_month(now: datetime) -> str:
    """The oldest month whose posts are kept (the current month is the 13th)."""
    return add_months(month_of(now), -(KEPT_MONTHS - 1))


def kept_since(now: datetime) -> datetime:
    """00:00 Stockholm on the first day of :func:`first_kept_month`, as an aware moment."""
    first = first_kept_month(now)
    return datetime(int(first[:4]), int(first[5:]), 1, tzinfo=STOCKHOLM)


@dataclass(frozen=True)
class PostState:
    """What the sync needs to know of a stored post: when it was posted and last read."""

    at: datetime
    read_on: str
    kind: str = "text"


class PostBook:
    """The per-post side of one account's fetch: which posts are due, and what was read.

    A client calls :meth:`due` for each post it meets (and for those it may look up by id:
    :meth:`due_elsewhere`), and :meth:`add` with the figures it read.
    """

    def __init__(self, now: datetime, known: Mapping[str, PostState]) -> None:
        self.now = now
        self.today = stockholm_day(now)
        # The first kept month's start as a UTC moment: a comparison, no time-zone conversion
        # per post (a first sync meets tens of thousands; the posts' times are UTC).
        self._first_start = kept_since(now).astimezone(UTC)
        self._fresh_since = now - timedelta(days=FRESH_DAYS)
        self._known = known
        self.read: dict[str, PostFigures] = {}

    def kept(self, at: datetime) -> bool:
        """Whether a post of this time is within the months kept."""
        return self._first_start <= at <= self.now

    def due(self, post_id: str, at: datetime) -> bool:
        """Whether to read (and store) this post's figures now. An id no platform would send
        (over :data:`MAX_ID` characters, or with spaces or control characters) never is: it is
        neither stored nor shown."""
        if not self.kept(at) or post_id in self.read or not plausible_id(post_id):
            return False
        state = self._known.get(post_id)
        if state is None:
            return True
        return at >= self._fresh_since and state.read_on < self.today

    def due_elsewhere(self, seen: set[str]) -> list[str]:
        """Stored posts due for a re-read that the listing did not show (``seen``): a client
        that can look posts up by id reads these too. Oldest first."""
        found = [(s.at, pid) for pid, s in self._known.items()
                 if pid not in seen and self.due(pid, s.at)]
        return [pid for _, pid in sorted(found)]

    def known_at(self, post_id: str) -> datetime | None:
        state = self._known.get(post_id)
        return state.at if state else None

    def known_kind(self, post_id: str) -> str:
        state = self._known.get(post_id)
        return state.kind if state else "text"

    def add(self, post_id: str, at: datetime, kind: str, **figures: int | None) -> None:
        """The figures read for one post (unknown where not given)."""
        self.read[post_id] = PostFigures(post_id, at, kind, self.today, **figures)

    def update(self, post_id: str, **figures: int | None) -> None:
        """Add figures read by a second request for a post already added."""
        read = self.read[post_id]
        # Built directly (dataclasses.replace looks the fields up again for every post).
        counts = {name: figures.get(name, getattr(read, name)) for name in POST_COUNTS}
        self.read[post_id] = PostFigures(read.post_id, read.at, read.kind, read.read_on, **counts)


def prune_rows(rows: Mapping[str, list[Any]], now: datetime) -> dict[str, list[Any]]:
    """Stored rows (:meth:`PostFigures.to_row`) without the posts older than the kept months;
    ValueError for a row whose time is not one."""
    since = kept_since(now)
    return {pid: row for pid, row in rows.items() if _moment(row[0]) >= since}


def state_of(row: list[Any]) -> PostState:
    """The re-read rule's view of a stored row (its time, day read and kind), checked."""
    if not isinstance(row[2], str) or row[1] not in POST_KINDS:
        raise ValueError("not a post row")
    date.fromisoformat(row[2])  # the day read: a sync must not keep rewriting a damaged row
    return PostState(_moment(row[0]), row[2], row[1])


def _moment(text: Any) -> datetime:
    at = datetime.fromisoformat(str(text))
    if at.tzinfo is None:
        raise ValueError("a post time without offset")
    return at
