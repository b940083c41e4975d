"""What every platform client shares: the fetch plan and result, strict body readers, month books.

Readers are strict on purpose: a number sent as a string, a ``null`` where a figure belongs or a
missing list raises :class:`MalformedResponse`, so that the account is recorded as failed and its
previous figures stay, instead of a wrong figure being stored.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any, Protocol

from governance.monthly import MonthlyStats, add_months, month_of
from governance.platforms.errors import MalformedResponse
from governance.platforms.http import PlatformHttp
from governance.platforms.identity import Identity
from governance.posts import PostBook
from governance.worktime import answered_on_time, reply_deadline


class CommentClassifier(Protocol):
    """Tells a question from other comments (``governance.comment_classifier.Classifier``)."""

    @property
    def version(self) -> str: ...
    def classify(self, text: str) -> str: ...


class SyncTarget(Protocol):
    """What a client needs to know of an account (``governance.model.Account`` fits)."""

    @property
    def id(self) -> str: ...
    @property
    def platform(self) -> str: ...
    @property
    def handle(self) -> str: ...
    @property
    def platform_id(self) -> str: ...


@dataclass(frozen=True)
class FetchPlan:
    """What to fetch for one account in one sync."""

    account: SyncTarget
    now: datetime
    #: The months to (re)build, oldest first; the last is the month of ``now``.
    months: tuple[str, ...]
    #: The client's resume point from the previous sync (empty on a first sync).
    cursor: Mapping[str, Any] = field(default_factory=dict)
    #: True when the previous sync ran earlier the same Stockholm day: daily figures are unchanged,
    #: so only new posts, comments and the follower count are read.
    same_day: bool = False
    #: The stored records of the account, by month (some clients derive figures from them).
    previous: Mapping[str, MonthlyStats] = field(default_factory=dict)
    #: Whether to look the registered handle up too (see governance.platforms.identity).
    check_handle: bool = False
    #: Classifies comment texts as questions; None: questions are not counted (unknown).
    classifier: CommentClassifier | None = None
    #: Which posts' figures are due, and those read (governance.posts); None: not read.
    posts: PostBook | None = None

    @property
    def since(self) -> datetime:
        """The start of the first month to build, as an aware UTC datetime."""
        return month_start_utc(self.months[0])


@dataclass
class FetchResult:
    """A client's answer: per month, the fields it read (absent fields keep their stored value)."""

    patches: dict[str, dict[str, Any]]
    cursor: dict[str, Any]
    #: The account's id and username as read (None: the client read none).
    identity: Identity | None = None


class PlatformClient(Protocol):
    """One platform's client; ``fetch`` raises a PlatformFailure when the account fails."""

    platform: str
    #: The account's HTTP layer (its request count is the account's).
    http: PlatformHttp

    async def fetch(self, plan: FetchPlan) -> FetchResult: ...


@lru_cache(maxsize=4096)
def month_start_utc(month: str) -> datetime:
    """00:00 Stockholm on the first day of ``month``, in UTC (a sync asks for the same few months
    for every account, so the answers are kept)."""
    from governance.monthly import STOCKHOLM, month_start

    local = datetime.combine(month_start(month), datetime.min.time(), tzinfo=STOCKHOLM)
    return local.astimezone(UTC)


def months_between(first: str, last: str) -> tuple[str, ...]:
    """Every month from ``first`` to ``last``, both included."""
    months = [first]
    while months[-1] < last:
        months.append(add_months(months[-1], 1))
    return tuple(months)


#: The cursor key of when the listings without a "nothing new" signal were last read.
LISTED_AT = "listed_at"


def relist_due(plan: FetchPlan, after_s: float) -> bool:
    """Whether a listing that has no "nothing new" signal (X mentions, YouTube comment threads,
    LinkedIn posts) is to be read in this sync: always on a new Stockholm day (or a first sync,
    or ``sync --since``); the same day only once ``after_s`` seconds have passed since the last
    read, so that syncing twice in a row does not ask every account again."""
    if not plan.same_day:
        return True
    listed = stored_time(plan.cursor.get(LISTED_AT))
    return listed is None or (plan.now - listed).total_seconds() >= after_s


# --- strict readers --------------------------------------------------------------------------


def bad(where: str, what: str) -> MalformedResponse:
    """The error for a body that does not have the shape the platform documents."""
    return MalformedResponse(detail=f"{what} at {where}")


def obj(value: Any, where: str) -> dict[str, Any]:
    """``value`` if it is a JSON object."""
    if not isinstance(value, dict):
        raise bad(where, "expected an object")
    return value


def items(value: Any, where: str) -> list[Any]:
    """``value`` if it is a JSON array."""
    if not isinstance(value, list):
        raise bad(where, "expected a list")
    return value


def text(value: Any, where: str) -> str:
    """``value`` if it is a non-empty string."""
    if not isinstance(value, str) or not value:
        raise bad(where, "expected a string")
    return value


def count(value: Any, where: str) -> int:
    """A JSON integer ≥ 0; a string, a float, a bool or null is malformed."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise bad(where, "expected a whole number")
    return value


def signed(value: Any, where: str) -> int:
    """A JSON integer, possibly negative (net follower gains)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise bad(where, "expected a whole number")
    return value


def optional_count(doc: Mapping[str, Any], key: str, where: str) -> int | None:
    """``doc[key]`` as a count when present, None when the platform left it out."""
    return None if key not in doc else count(doc[key], f"{where}.{key}")


def uint64_text(value: Any, where: str) -> int:
    """YouTube's documented form of a count: a decimal string (``"1234"``)."""
    if not isinstance(value, str) or not value.isdigit():
        raise bad(where, "expected a decimal string")
    return int(value)


def meta_time(value: Any, where: str) -> datetime:
    """Meta's ``2026-10-02T14:05:11+0000``."""
    return _iso(value, where, "a Graph timestamp")


def rfc3339(value: Any, where: str) -> datetime:
    """X's ``2026-10-02T14:05:11.000Z`` and YouTube's ``2026-10-02T14:05:11Z``."""
    return _iso(value, where, "an RFC 3339 timestamp")


def _iso(value: Any, where: str, what: str) -> datetime:
    # fromisoformat (Python 3.11+) reads "+0000", "+00:00" and "Z" alike, and is fast: a sync
    # parses hundreds of thousands of these.
    try:
        parsed = datetime.fromisoformat(text(value, where))
    except ValueError:
        raise bad(where, f"expected {what}") from None
    if parsed.tzinfo is None:
        raise bad(where, "timestamp without offset")
    return parsed


def quick_time(value: Any) -> datetime | None:
    """``value`` as :func:`meta_time` and :func:`rfc3339` read it when it is a good timestamp,
    else None: the caller then asks the strict reader, which raises naming where. For the hot
    loops of a sync (~10^5 comments), where building that name for every good one showed."""
    if type(value) is str:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
        if parsed.tzinfo is not None:
            return parsed
    return None


def epoch_ms(value: Any, where: str) -> datetime:
    """LinkedIn's epoch milliseconds: a moment from 1970 to year 9999 (what a datetime holds)."""
    milliseconds = count(value, where)
    try:
        return datetime.fromtimestamp(milliseconds / 1000, tz=UTC)
    except (ValueError, OverflowError, OSError):  # past year 9999, or past a float or time_t
        raise bad(where, "expected epoch milliseconds") from None


def stored_time(value: Any) -> datetime | None:
    """A timestamp kept in a sync cursor (ISO 8601), or None."""
    if not isinstance(value, str) or not value:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def iso(moment: datetime | None) -> str | None:
    """A timestamp in the form kept in a sync cursor."""
    return moment.isoformat() if moment else None


class PageGuard:
    """Stops a listing that repeats a cursor or never ends (a paging loop is a malformed body)."""

    def __init__(self, http: PlatformHttp, where: str) -> None:
        self._seen: set[str] = set()
        self._limit = http.settings.max_pages
        self._where = where

    @staticmethod
    def bad_next(where: str) -> MalformedResponse:
        """The error for a next-page link or token that is not a string."""
        return bad(where, "next page is not a string")

    def check(self, token: str) -> None:
        """Call with each next-page cursor or URL before following it."""
        if token in self._seen or len(self._seen) >= self._limit:
            raise bad(self._where, "paging loop")
        self._seen.add(token)


# --- month books -------------------------------------------------------------------------------


class MonthBook:
    """Per-month figures being built for one account."""

    def __init__(self, months: Iterable[str]) -> None:
        self.months = tuple(months)
        self.patches: dict[str, dict[str, Any]] = {m: {} for m in self.months}
        # Where each month starts (UTC), and where the last one ends: a moment's month is then
        # a search, with no time-zone conversion (a sync places hundreds of thousands).
        contiguous = self.months and self.months == months_between(self.months[0],
                                                                   self.months[-1])
        self._starts = [month_start_utc(m) for m in self.months] if contiguous else []
        if contiguous:
            self._starts.append(month_start_utc(add_months(self.months[-1], 1)))

    def holds(self, moment: datetime) -> str | None:
        """The month of ``moment`` if it is one being built."""
        if not self._starts or moment.tzinfo is None:
            month = month_of(moment)
            return month if month in self.patches else None
        index = bisect_right(self._starts, moment) - 1
        return self.months[index] if 0 <= index < len(self.months) else None

    def zero(self, *names: str) -> None:
        """Start counts at 0 in every month: the listing they come from is read in full."""
        for patch in self.patches.values():
            for name in names:
                patch[name] = 0

    def unknown(self, *names: str, months: Iterable[str] | None = None) -> None:
        """Mark figures as unknown (None) in the given months (default: all)."""
        for month in self.months if months is None else months:
            for name in names:
                self.patches[month][name] = None

    def add(self, month: str, name: str, value: int | None) -> None:
        """Add ``value`` to a count; adding an unknown makes the month's figure unknown."""
        patch = self.patches[month]
        if value is None or (name in patch and patch[name] is None):
            patch[name] = None
        else:
            patch[name] = patch.get(name, 0) + value

    def set(self, month: str, name: str, value: Any) -> None:
        self.patches[month][name] = value

    def last_posts(self, newest: Mapping[str, datetime], known: datetime | None) -> None:
        """Fill ``last_post_at``: the newest post at or before each month's end.

        ``newest`` maps each month to its newest post seen; ``known`` is the newest post before
        the first month (from the previous sync or a probe), so quiet months still carry it.
        """
        running = known
        for month in self.months:
            mine = newest.get(month)
            if mine is not None and (running is None or mine > running):
                running = mine
            self.patches[month]["last_post_at"] = running


#: No reply deadline lies this far after its arrival (the longest run of days off in the Swedish
#: calendar is under two weeks; tests/platforms/test_sync_deadline_bounds.py checks the bound).
DEADLINE_WITHIN = timedelta(days=30)
#: An answer this soon after its arrival is on time: the deadline is the clock start's wall-clock
#: time on the next working day, the clock starts no earlier than the arrival, and consecutive
#: working days have no clock change between them (23 hours even so, for a day over a change).
SURELY_ON_TIME = timedelta(hours=23)


class DueTally:
    """Arrivals that need a reply, counted in the Stockholm month they arrived.

    One counts as due once it is answered or its deadline has passed; one still within its
    deadline and unanswered is not counted yet. Only timestamps pass through here, never text.
    """

    def __init__(self, book: MonthBook, now: datetime, due: str, on_time: str) -> None:
        self._book = book
        self._now = now
        self._due = due
        self._on_time = on_time
        book.zero(due, on_time)

    def arrival(self, arrived: datetime, answered: datetime | None) -> None:
        month = self._book.holds(arrived)
        if month is not None:
            self.arrival_in(month, arrived, answered)

    def arrival_in(self, month: str, arrived: datetime, answered: datetime | None) -> None:
        """:meth:`arrival` of one the caller has placed in ``month`` (one of the book's)."""
        # The calendar is asked only when its answer is not already certain: most arrivals of
        # a sync are months old, and most answers come the same day (a sync places ~10^5).
        if answered is None and self._now - arrived < DEADLINE_WITHIN and (
                reply_deadline(arrived) > self._now):
            return
        self._book.add(month, self._due, 1)
        if answered is not None and (answered - arrived <= SURELY_ON_TIME
                                     or answered_on_time(arrived, answered)):
            self._book.add(month, self._on_time, 1)


class ReplyTally:
    """Others' top-level comments: all of them (``replies_*``, as before issue 10), the questions
    among them (``questions_*``) and the hidden ones (``hidden``).

    A comment's text is classified here and dropped: nothing of it is kept or logged. Hidden
    comments never fall due as questions (deleted ones are not in the listing at all). Without
    a classifier the questions stay unknown; ``hidden_known`` says whether the platform tells.
    """

    def __init__(
        self,
        book: MonthBook,
        now: datetime,
        classifier: CommentClassifier | None = None,
        *,
        hidden_known: bool = False,
    ) -> None:
        self._book = book
        self._replies = DueTally(book, now, "replies_due", "replies_on_time")
        self._classifier = classifier
        self._questions: DueTally | None = None
        #: Comments whose texts wait for :meth:`settle` (held no longer than a page).
        self._waiting: list[tuple[datetime, datetime | None, str]] = []
        if classifier is not None:
            self._questions = DueTally(book, now, "questions_due", "questions_on_time")
            for month in book.months:
                book.set(month, "words_version", classifier.version)
        if hidden_known:
            book.zero("hidden")

    def comment_text(
        self, arrived: datetime, answered: datetime | None, text: Any, *, hidden: bool = False
    ) -> None:
        """:meth:`comment` for a comment whose text is judged later, with the others of its
        page, in :meth:`settle` (the classifier judges many texts at once for a fraction of the
        CPU of one at a time). A hidden comment, or one without words (a sticker or a photo
        asks nothing words could tell), is counted at once, as no question."""
        if hidden or self._classifier is None or not isinstance(text, str) or not text:
            self.comment(arrived, answered, hidden=hidden)
        else:
            self._waiting.append((arrived, answered, text))

    def settle(self) -> None:
        """Judge the texts :meth:`comment_text` holds, count their comments and drop the texts.
        Call it after each page; the counts are complete only after it."""
        waiting, self._waiting = self._waiting, []
        if not waiting or self._classifier is None:
            return
        texts = [text for _, _, text in waiting]
        many = getattr(self._classifier, "classify_many", None)
        labels = many(texts) if many is not None else [
            self._classifier.classify(text) for text in texts]
        for (arrived, answered, _), label in zip(waiting, labels, strict=True):
            self.comment(arrived, answered, question=label == "question")

    def comment(
        self,
        arrived: datetime,
        answered: datetime | None,
        *,
        question: bool = False,
        hidden: bool = False,
    ) -> None:
        """One top-level comment from someone else (``question``: its text asks; see
        :meth:`comment_text`)."""
        month = self._book.holds(arrived)  # placed once for every tally it counts in
        if month is None:
            return
        self._replies.arrival_in(month, arrived, answered)
        if hidden:
            self._book.add(month, "hidden", 1)
        elif question and self._questions is not None:
            self._questions.arrival_in(month, arrived, answered)


def first_after(arrived: datetime, replies: Iterable[datetime]) -> datetime | None:
    """The earliest reply at or after ``arrived``."""
    later = [r for r in replies if r >= arrived]
    return min(later) if later else None
