"""Settings of the platform clients: base URLs, API versions, timeouts, retries and concurrency.

Defaults are the platforms' official bases. Each base can be overridden with
``KONTOKOLL_<PLATFORM>_BASE_URL`` (for proxies and the emulation); the Graph and LinkedIn versions
with ``KONTOKOLL_GRAPH_VERSION`` and ``KONTOKOLL_LINKEDIN_VERSION``. An override of a base URL is
used as given, version path included, once checked: ``https://``, or ``http://`` to this machine
only (:mod:`governance.platforms.base_url`). ``KONTOKOLL_MAX_RESPONSE_MB`` caps the size of one
response body (default 20 MB, 1 MB = 2**20 bytes), as sent and as unpacked.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from governance.errors import InputError
from governance.fields import API_PLATFORMS
from governance.platforms.base_url import checked_base_url, checked_version

#: The platforms Kontokoll has clients for, in the order reports list them (defined, once, as
#: ``governance.fields.API_PLATFORMS``).
PLATFORMS: tuple[str, ...] = API_PLATFORMS

#: Meta's current Graph version (changelog, 2026-07-29); deprecations hit every version anyway.
DEFAULT_GRAPH_VERSION = "v26.0"
#: LinkedIn versions sunset about a year after release; bump this at least yearly.
DEFAULT_LINKEDIN_VERSION = "202609"
#: The largest body one response may have, in MB. The largest page asked for (100 Facebook posts,
#: each with up to 100 comments of ids and times) is a few MB at most; 20 leaves room. Every
#: request in flight (``concurrency_total``) may hold this much at once.
DEFAULT_MAX_RESPONSE_MB = 20
#: The highest cap that may be configured (times the requests in flight, it must fit in RAM).
MAX_RESPONSE_MB_LIMIT = 1024
MB = 1 << 20


def official_base_url(platform: str, graph_version: str) -> str:
    """The official base URL of a platform's API, version path included."""
    bases = {
        # Instagram via Facebook Login shares the Graph host; Instagram Login would use
        # graph.instagram.com with the same version path (set KONTOKOLL_INSTAGRAM_BASE_URL).
        "facebook": f"https://graph.facebook.com/{graph_version}",
        "instagram": f"https://graph.facebook.com/{graph_version}",
        "linkedin": "https://api.linkedin.com/rest",
        "x": "https://api.x.com/2",
        "youtube": "https://www.googleapis.com/youtube/v3",
    }
    return bases[platform]


@dataclass(frozen=True)
class Settings:
    """How the clients talk to the platforms. Every figure is in seconds unless named otherwise."""

    graph_version: str = DEFAULT_GRAPH_VERSION
    linkedin_version: str = DEFAULT_LINKEDIN_VERSION
    #: Overrides of the official base URLs, by platform.
    base_url_overrides: Mapping[str, str] = field(default_factory=dict)
    #: Longest wait for one request (connect, send, read).
    request_timeout_s: float = 20.0
    #: Longest time one call may take, retries and rate-limit waits included.
    call_deadline_s: float = 90.0
    #: Attempts per call for retryable failures (connection errors, 5xx, short rate limits).
    max_attempts: int = 4
    backoff_base_s: float = 1.0
    backoff_max_s: float = 20.0
    #: A rate limit that resets later than this stops the platform for this sync.
    max_rate_wait_s: float = 60.0
    #: Pause before the next request when a platform reports ≥ 80 % of a limit used.
    slowdown_s: float = 2.0
    #: Accounts fetched at once on one platform, and across all platforms. One platform may take
    #: most slots (Instagram's first sync is over half of all requests), but not all of them.
    #: More accounts than connections are under way at once: a Graph batch carries many
    #: accounts' calls in one request, and an account waiting for its batch holds no connection.
    concurrency_per_platform: int = 60
    accounts_at_once: int = 150
    #: HTTP requests in flight at once (and so the connections open).
    concurrency_total: int = 40
    #: Send the calls of many accounts together where the platform documents batches (Graph
    #: batch requests, YouTube channels and X users by up to 50/100 ids).
    batching: bool = True
    #: A listing that has no "nothing new" signal (X mentions, YouTube comment threads, LinkedIn
    #: posts) is read again on the same Stockholm day only once this much time has passed.
    relist_after_s: float = 3600.0
    #: Pages followed in one listing before it is treated as a paging loop.
    max_pages: int = 500
    #: The largest body of one response in bytes, as sent (Content-Length) and as unpacked
    #: (gzip, deflate); a larger one fails the account instead of filling memory.
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_MB * MB

    def base_url(self, platform: str) -> str:
        """The base URL for ``platform``: the override if set, else the official one."""
        override = self.base_url_overrides.get(platform, "").strip()
        return (override or official_base_url(platform, self.graph_version)).rstrip("/")

    def with_base_urls(self, urls: Mapping[str, str]) -> Settings:
        """A copy whose base URLs are ``urls`` (for example the emulation's)."""
        return replace(self, base_url_overrides={**self.base_url_overrides, **urls})


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Settings from the environment, defaults elsewhere; InputError for a base URL or version
    the clients may not use (:mod:`governance.platforms.base_url`), before any request."""
    env = os.environ if env is None else env
    overrides = {}
    for platform in PLATFORMS:
        variable = f"KONTOKOLL_{platform.upper()}_BASE_URL"
        if env.get(variable, "").strip():
            overrides[platform] = checked_base_url(variable, env[variable])
    return Settings(
        graph_version=_version(env, "KONTOKOLL_GRAPH_VERSION", DEFAULT_GRAPH_VERSION),
        linkedin_version=_version(env, "KONTOKOLL_LINKEDIN_VERSION", DEFAULT_LINKEDIN_VERSION),
        base_url_overrides=overrides,
        max_response_bytes=_max_response_mb(env.get("KONTOKOLL_MAX_RESPONSE_MB", "")) * MB,
    )


def _version(env: Mapping[str, str], variable: str, default: str) -> str:
    """An API version from ``variable``; unset or blank is ``default``."""
    value = env.get(variable, "")
    return checked_version(variable, value) if value.strip() else default


def _max_response_mb(value: str) -> int:
    """``KONTOKOLL_MAX_RESPONSE_MB`` as a whole number of MB; unset is the default."""
    text = value.strip()
    if not text:
        return DEFAULT_MAX_RESPONSE_MB
    # isdigit() alone lets "²" and "١" through, which int() refuses or reads as another number.
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_RESPONSE_MB_LIMIT:
        raise InputError("sync.bad_max_response", value=value, highest=MAX_RESPONSE_MB_LIMIT)
    return int(text)
