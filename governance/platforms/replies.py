"""How a platform's answer is read: the reply as policies see it, their verdict, and the throttle.

Kept apart from the HTTP machinery (:mod:`.http`, :mod:`.session`) so that each platform's
:class:`Policy` (in its client module) depends only on these plain types, never on httpx
responses: a policy can then be tested with a hand-made :class:`Reply`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import httpx

from governance.platforms.scope import shown_url
from governance.platforms.settings import Settings

Kind = Literal["ok", "retry", "wait", "token", "quota", "refused", "malformed"]


@dataclass(frozen=True, slots=True)
class Reply:
    """What came back for one request, as the policies see it (no httpx types)."""

    status: int
    headers: Mapping[str, str]
    body: Any
    #: False when the body was not JSON (an HTML page, a truncated document).
    is_json: bool


@dataclass(frozen=True, slots=True)
class Verdict:
    """A policy's reading of a reply: go on, retry, wait, or fail in a given way."""

    kind: Kind
    wait_s: float | None = None
    detail: str = ""


OK = Verdict("ok")


class Policy(Protocol):
    """A platform's reading of its own error bodies and rate-limit signals."""

    def judge(self, reply: Reply, now: float) -> Verdict:
        """What to do with a reply (``now`` is the wall clock, Unix seconds)."""
        ...

    def pause(self, reply: Reply, now: float, settings: Settings) -> float:
        """Seconds to hold the platform's next request because a limit is near (0: none)."""
        ...


#: The longest wait a platform may credibly ask for, in seconds: a day. Every limit Kontokoll
#: meets resets within one (Meta's hourly and 24-hour windows, X's 15 minutes, LinkedIn and
#: YouTube at midnight), so a longer, negative or non-finite wait (``Retry-After: inf``,
#: ``estimated_time_to_regain_access: 1e999``) is a broken or hostile answer: the wait is then
#: unknown, never slept and never shown as a number of minutes.
LONGEST_CREDIBLE_WAIT_S = 24 * 3600.0


def credible_wait(seconds: float | None) -> float | None:
    """``seconds`` when it is a wait a platform may really ask for, else None (unknown)."""
    if seconds is None or not 0.0 <= seconds <= LONGEST_CREDIBLE_WAIT_S:
        return None  # NaN fails both comparisons
    return seconds


def retry_after(headers: Mapping[str, str]) -> float | None:
    """The Retry-After header in seconds as sent, if it is a number (HTTP dates are rare here);
    whether it is credible is the HTTP layer's question (:func:`credible_wait`)."""
    value = headers.get("retry-after", "").strip()
    try:
        return float(value) if value else None
    except ValueError:
        return None


def generic_verdict(reply: Reply) -> Verdict:
    """The reading every platform shares for statuses its own policy did not claim."""
    if reply.status == 401:
        return Verdict("token", detail="HTTP 401")
    if reply.status == 429:
        return Verdict("wait", retry_after(reply.headers), "HTTP 429")
    if reply.status >= 500:
        return Verdict("retry", retry_after(reply.headers), f"HTTP {reply.status}")
    if reply.status >= 400:
        return Verdict("refused", detail=f"HTTP {reply.status}")
    if not reply.is_json:
        return Verdict("malformed", detail="body is not JSON")
    return OK


def redirect_verdict(reply: Reply, url: str) -> Verdict | None:
    """A 3xx fails the account, whatever its body says: it is never followed, since the token
    would go wherever ``Location`` points, and its body is not the answer asked for."""
    if not 300 <= reply.status < 400:
        return None
    location = reply.headers.get("location", "").strip()
    try:
        target = shown_url(httpx.URL(url).join(location)) if location else "nowhere"
    except httpx.InvalidURL:
        target = "an invalid URL"
    return Verdict("malformed", detail=f"HTTP {reply.status} redirect to {target} not followed")


class Throttle:
    """When a platform may be called next: shared by all accounts of a platform in one sync."""

    def __init__(self) -> None:
        self.not_before = 0.0

    def hold_until(self, moment: float) -> None:
        """Let no request of the platform start before ``moment`` (monotonic seconds)."""
        self.not_before = max(self.not_before, moment)
