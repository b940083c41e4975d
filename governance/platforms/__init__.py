"""Platform clients: one per platform, all over the one HTTP layer in :mod:`.http`.

:class:`PlatformSource` says where they read from (the platforms, a proxy, the emulation).

:func:`open_http` opens the HTTP session of a sync; :func:`make_client` builds a platform's client
on it with the platform's policy and authentication. Tokens go in headers (``Authorization:
Bearer`` for Meta, LinkedIn and X; ``X-Goog-Api-Key`` for YouTube), never in a URL.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping

from governance.platforms.batching import Usage
from governance.platforms.common import FetchPlan, FetchResult, PlatformClient, SyncTarget
from governance.platforms.facebook import FacebookClient
from governance.platforms.http import PlatformHttp, Sleep
from governance.platforms.instagram import InstagramClient
from governance.platforms.linkedin import LinkedInClient, LinkedInPolicy
from governance.platforms.meta import MetaPolicy
from governance.platforms.replies import Policy, Throttle
from governance.platforms.session import Transport, open_http
from governance.platforms.settings import PLATFORMS, Settings, load_settings
from governance.platforms.source import PlatformSource
from governance.platforms.tokens import Redactor, load_tokens
from governance.platforms.x import XClient, XPolicy
from governance.platforms.youtube import YouTubeClient, YouTubePolicy

__all__ = [
    "PLATFORMS",
    "FetchPlan",
    "FetchResult",
    "PlatformClient",
    "PlatformSource",
    "Settings",
    "SyncTarget",
    "Throttle",
    "Transport",
    "Usage",
    "load_settings",
    "load_tokens",
    "make_client",
    "open_http",
]

_CLIENTS: Mapping[str, Callable[[PlatformHttp], PlatformClient]] = {
    "facebook": FacebookClient,
    "instagram": InstagramClient,
    "linkedin": LinkedInClient,
    "x": XClient,
    "youtube": YouTubeClient,
}
_POLICIES: Mapping[str, Callable[[], Policy]] = {
    "facebook": MetaPolicy,
    "instagram": MetaPolicy,
    "linkedin": LinkedInPolicy,
    "x": XPolicy,
    "youtube": YouTubePolicy,
}


def auth_headers(platform: str, token: str) -> dict[str, str]:
    """The headers that carry a platform's token."""
    if platform == "youtube":
        return {"X-Goog-Api-Key": token}
    return {"Authorization": f"Bearer {token}"}


def make_client(
    platform: str,
    *,
    session: object,
    token: str,
    settings: Settings,
    redact: Redactor,
    throttle: Throttle | None = None,
    sleep: Sleep | None = None,
    clock: Callable[[], float] | None = None,
    wall: Callable[[], float] | None = None,
    rng: random.Random | None = None,
    usage: Usage | None = None,
) -> PlatformClient:
    """The client of ``platform`` for one account, on a session from :func:`open_http`.

    Pass the platform's one :class:`Throttle` to every client of that platform in a sync, so that
    a rate limit met by one account holds them all, and its one :class:`Usage`, so that their
    calls are counted together and batched where the platform documents batches (with
    ``settings.batching``; see :mod:`governance.platforms.batching`).
    """
    redact.add(token)
    extra = {}
    if platform == "linkedin":
        extra = {"LinkedIn-Version": settings.linkedin_version,
                 "X-Restli-Protocol-Version": "2.0.0"}
    http = PlatformHttp(
        platform,
        session=session,
        auth_headers=auth_headers(platform, token),
        policy=_POLICIES[platform](),
        settings=settings,
        redact=redact,
        extra_headers=extra,
        throttle=throttle,
        sleep=sleep,
        clock=clock,
        wall=wall,
        rng=rng,
        usage=usage,
        batch=settings.batching and usage is not None,
    )
    return _CLIENTS[platform](http)
