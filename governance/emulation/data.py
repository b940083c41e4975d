"""Deterministic activity of emulated accounts: posts, comments, replies and daily figures.

Everything follows from the profile, the seed and ``now``: the same inputs give the same figures
on every run and machine (``random.Random`` seeded with a string, CRC32 for daily values).
"""

from __future__ import annotations

import random
import zlib
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from functools import cached_property, lru_cache

from governance.emulation.texts import pick
from governance.fields import API_PLATFORMS
from governance.monthly import add_months, month_of

#: How far back emulated accounts have posts (beyond the 24 months a first sync reads).
MONTHS_OF_HISTORY = 30
ACTIVITIES = ("active", "quiet", "dormant", "never", "slow-replies")


@dataclass(frozen=True)
class AccountProfile:
    """One emulated account, and how it behaves.

    ``activity``: ``active`` posts and answers on time; ``quiet`` posts rarely; ``dormant`` has
    not posted for about five months; ``never`` has never posted; ``slow-replies`` answers well
    under 90 % of comments on time.
    """

    platform: str
    platform_id: str
    handle: str
    activity: str = "active"

    def __post_init__(self) -> None:
        if self.activity not in ACTIVITIES:
            raise ValueError(f"unknown activity {self.activity!r}")


@dataclass(frozen=True)
class Comment:
    """A comment by someone else, and the account's reply to it (if any).

    ``hidden``: the page hid it (spam, abuse); it is still listed, flagged, and never answered.
    Deleted comments are simply not there, as on the platforms.
    """

    id: str
    at: datetime
    author: str
    reply_id: str | None
    reply_at: datetime | None
    text: str = "…"
    question: bool = False
    hidden: bool = False


@dataclass(frozen=True)
class Message:
    """One direct message: from the account itself, or from the person it talks with."""

    id: str
    at: datetime
    by_account: bool


@dataclass(frozen=True)
class Conversation:
    """A direct-message conversation with one person, oldest message first."""

    id: str
    person: str
    messages: tuple[Message, ...]

    @property
    def updated(self) -> datetime:
        return self.messages[-1].at


@dataclass(frozen=True)
class Post:
    """One post (a video on YouTube)."""

    id: str
    at: datetime
    likes: int
    shares: int
    saves: int
    views: int
    link_clicks: int
    video: bool
    comments: tuple[Comment, ...]
    #: Unique people reached, and what the post is (governance.posts.POST_KINDS).
    reach: int = 0
    kind: str = "text"


@dataclass(frozen=True)
class AccountData:
    """An emulated account's whole history, newest post first."""

    profile: AccountProfile
    key: str
    followers: int
    posts: tuple[Post, ...]
    #: Direct-message conversations, the most recently active first (Facebook, Instagram, X).
    conversations: tuple[Conversation, ...] = ()
    #: The daily digests computed so far, by metric (one series serves every range of values).
    _series: dict[str, _Series] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    def daily(self, day: date, metric: str, low: int, high: int) -> int:
        """A deterministic daily figure between ``low`` and ``high``."""
        if not self.posts:
            return 0
        series = self._covering(day, 1, metric)
        return low + series.digests[(day - series.first).days] % (high - low + 1)

    @cached_property
    def by_id(self) -> dict[str, Post]:
        """The account's posts by id."""
        return {post.id: post for post in self.posts}

    def comments(self) -> list[tuple[Post, Comment]]:
        """Every comment with its post, newest comment first."""
        found = [(post, c) for post in self.posts for c in post.comments]
        return sorted(found, key=lambda pair: pair[1].at, reverse=True)

    def dailies(self, first: date, days: int, metric: str, low: int, high: int) -> list[int]:
        """``daily()`` of ``days`` days from ``first`` on (each day's digest computed once)."""
        if not self.posts or days <= 0:
            return [0] * max(0, days)
        series = self._covering(first, days, metric)
        offset = (first - series.first).days
        span = high - low + 1
        return [low + digest % span for digest in series.digests[offset:offset + days]]

    def daily_total(self, first: date, days: int, metric: str, low: int, high: int) -> int:
        """The sum of ``daily()`` over ``days`` days from ``first`` on."""
        return sum(self.dailies(first, days, metric, low, high))

    def _covering(self, first: date, days: int, metric: str) -> _Series:
        series = self._series.get(metric)
        end = first + timedelta(days=days)
        if series is not None and series.first <= first and end <= series.end:
            return series
        if series is None:
            series = _Series.build(self.key, first - _MARGIN, end + _MARGIN, metric)
        else:  # only the days missing are computed: a sync may ask for windows newest first
            before = _Series.build(self.key, min(first - _MARGIN, series.first), series.first,
                                   metric)
            after = _Series.build(self.key, series.end, max(end + _MARGIN, series.end), metric)
            series = _Series(before.first, after.end,
                             before.digests + series.digests + after.digests)
        self._series[metric] = series
        return series


#: How far before and after the days asked for a metric its series is computed.
_MARGIN = timedelta(days=60)


@dataclass(frozen=True)
class _Series:
    first: date
    end: date
    #: ``digests[i]``: the CRC32 of "{key}|{day}|{metric}" for day ``first + i`` (ISO date).
    digests: list[int]

    @staticmethod
    def build(key: str, first: date, end: date, metric: str) -> _Series:
        # CRC32 goes on from where it stopped: the digest of "key|day|metric" is the digest of
        # "key|" continued with the day, then with "|metric" (the day's text is made once).
        head = zlib.crc32(f"{key}|".encode())
        tail = f"|{metric}".encode()
        crc32 = zlib.crc32
        days = _iso_days(first, (end - first).days)
        return _Series(first, end, [crc32(tail, crc32(day, head)) for day in days])


@lru_cache(maxsize=1024)
def _iso_days(first: date, count: int) -> tuple[bytes, ...]:
    """``count`` days from ``first`` on as ISO text (every account's series reads the same)."""
    start = first.toordinal()
    return tuple(date.fromordinal(day).isoformat().encode() for day in range(start, start + count))


_POSTS_PER_MONTH = {
    "active": (6, 12), "quiet": (0, 2), "dormant": (4, 9), "never": (0, 0),
    "slow-replies": (5, 9),
}
_FOLLOWERS = {
    "active": (2_000, 40_000), "quiet": (150, 3_000), "dormant": (300, 5_000),
    "never": (0, 40), "slow-replies": (1_000, 20_000),
}


def generate(profile: AccountProfile, *, now: datetime, seed: int) -> AccountData:
    """The history of one account up to ``now``."""
    key = f"{seed}:{profile.platform}:{profile.platform_id}"
    rng = random.Random(key)
    # Texts, hidden comments and messages draw from their own generator, so that adding them
    # left every other figure of a seed as it was.
    talk = random.Random(f"{key}:talk")
    low, high = _FOLLOWERS[profile.activity]
    followers = rng.randint(low, high)
    posts: list[Post] = []
    current = month_of(now)
    serial = 0
    for back in range(MONTHS_OF_HISTORY, -1, -1):
        month = add_months(current, -back)
        if profile.activity == "dormant" and back < 5:
            continue
        start = datetime.fromisoformat(f"{month}-01T00:00:00+00:00")
        end = min(datetime.fromisoformat(f"{add_months(month, 1)}-01T00:00:00+00:00"),
                  now - timedelta(hours=1))
        if end <= start:
            continue
        lo, hi = _POSTS_PER_MONTH[profile.activity]
        for _ in range(rng.randint(lo, hi)):
            serial += 1
            at = start + timedelta(seconds=rng.randint(0, int((end - start).total_seconds())))
            posts.append(_post(profile, rng, talk, serial, at.replace(microsecond=0), now))
    posts.sort(key=lambda p: p.at, reverse=True)
    chats = conversations(profile, talk, now) if profile.platform in MESSAGING else ()
    return AccountData(profile, key, followers, tuple(posts), chats)


def _post(
    profile: AccountProfile,
    rng: random.Random,
    talk: random.Random,
    serial: int,
    at: datetime,
    now: datetime,
) -> Post:
    comments = []
    for index in range(rng.randint(0, 3)):
        arrived = at + timedelta(minutes=rng.randint(20, 2_000))
        if arrived >= now:
            continue
        reply_at = _reply_time(profile.activity, rng, arrived)
        said, question = pick(talk)
        hidden = talk.random() < _HIDDEN_SHARE
        if (reply_at is not None and reply_at >= now) or hidden:
            reply_at = None  # a hidden comment is not answered (Instagram does not even allow it)
        comments.append(
            Comment(
                id=ident(profile, arrived, serial * 10 + index + 1),
                at=arrived,
                author=f"{zlib.crc32(f'{serial}:{index}'.encode()) % 10**9}",
                reply_id=ident(profile, reply_at, serial * 10 + index + 5) if reply_at else None,
                reply_at=reply_at,
                text=said,
                question=question,
                hidden=hidden,
            )
        )
    video = profile.platform == "youtube" or rng.random() < 0.3
    post = Post(
        id=ident(profile, at, serial * 10),
        at=at,
        likes=rng.randint(0, 300),
        shares=rng.randint(0, 40),
        saves=rng.randint(0, 25),
        views=rng.randint(50, 9_000) if video else 0,
        link_clicks=rng.randint(0, 60),
        video=video,
        comments=tuple(sorted(comments, key=lambda c: c.at)),
    )
    # Reach and kind from a digest of the post, not from ``rng``: every other figure of a seed
    # stays as it was before posts had them.
    digest = zlib.crc32(f"{profile.platform}|{post.id}".encode())
    reach = max(post.likes + post.shares + len(post.comments), 200 + digest % 6_000)
    return replace(post, reach=reach, kind=_kind(profile.platform, video, digest))


def _kind(platform: str, video: bool, digest: int) -> str:
    """A post's kind: videos (reels on Instagram, every other one), else images, links, text."""
    if video:
        return "reel" if platform == "instagram" and digest % 2 else "video"
    if platform == "instagram":
        return "image"  # Instagram has no text or link posts
    return ("image", "image", "link", "link", "text")[digest % 5]


#: Platforms whose direct messages are emulated (LinkedIn and YouTube have no inbox API).
MESSAGING = frozenset(API_PLATFORMS) - {"linkedin", "youtube"}
_HIDDEN_SHARE = 0.06
#: How many months back emulated conversations reach.
_CHAT_MONTHS = 6


def conversations(
    profile: AccountProfile, talk: random.Random, now: datetime
) -> tuple[Conversation, ...]:
    """A few conversations a month: people write one to three messages; the account answers
    as it answers comments (``slow-replies`` late or never)."""
    found: list[Conversation] = []
    quiet = profile.activity in ("never", "dormant")
    for back in range(_CHAT_MONTHS, -1, -1):
        start = datetime.fromisoformat(f"{add_months(month_of(now), -back)}-01T00:00:00+00:00")
        for _ in range(0 if quiet else talk.randint(0, 4)):
            at = start + timedelta(minutes=talk.randint(0, 30 * 24 * 60))
            serial = len(found) + 1
            messages: list[Message] = []
            for _ in range(talk.randint(1, 3)):
                if at < now:
                    messages.append(Message(ident(profile, at, 5000 + serial * 8 + len(messages)),
                                            at, False))
                at += timedelta(minutes=talk.randint(1, 20))
            answer = _reply_time(profile.activity, talk, at)
            if messages and answer is not None and answer < now:
                messages.append(Message(ident(profile, answer, 5000 + serial * 8 + 7),
                                        answer, True))
            if messages:
                person = str(zlib.crc32(f"{profile.platform_id}:p{serial}".encode()) % 10**9)
                found.append(Conversation(f"t_{profile.platform_id}_{serial}", person,
                                          tuple(messages)))
    return tuple(sorted(found, key=lambda c: c.updated, reverse=True))


def _reply_time(activity: str, rng: random.Random, arrived: datetime) -> datetime | None:
    roll = rng.random()
    if activity == "slow-replies":
        if roll < 0.35:
            return arrived + timedelta(minutes=rng.randint(10, 120))
        if roll < 0.7:
            return arrived + timedelta(days=rng.randint(4, 7))
        return None
    if roll < 0.93:
        return arrived + timedelta(minutes=rng.randint(5, 90))
    if roll < 0.97:
        return arrived + timedelta(days=5)
    return None


def ident(profile: AccountProfile, at: datetime, serial: int) -> str:
    """A platform-shaped id; X ids grow with time like snowflakes, so ``since_id`` works."""
    if profile.platform == "x":
        return str(int(at.astimezone(UTC).timestamp() * 1000) * 4096 + serial % 4096)
    if profile.platform == "linkedin":
        return f"urn:li:share:{zlib.crc32(profile.platform_id.encode())}{serial:06d}"
    if profile.platform == "youtube":
        return f"{profile.platform_id[-6:]}v{serial:05d}"
    return f"{profile.platform_id}_{serial}"
