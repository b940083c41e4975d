"""What each answer costs against its platform's quota, counted as the sync goes.

* YouTube Data API: every call Kontokoll makes (``channels.list``, ``playlistItems.list``,
  ``videos.list``, ``commentThreads.list``) costs 1 unit, whatever the number of ids or items,
  and so does a refused one; the default budget is 10,000 units a day per Cloud project
  (https://developers.google.com/youtube/v3/determine_quota_cost).
* X API v2: each post returned counts toward the monthly post-read cap (timeline, mentions,
  post lookup, and the most recent post expanded with a user); users and direct-message events
  are billed apart and not counted here (https://docs.x.com/x-api/getting-started/pricing).
* Meta (Facebook, Instagram): the ``X-App-Usage`` and ``X-Business-Use-Case-Usage`` headers
  report the share of the app's and the Page's limits used, in percent; the highest seen is kept
  (https://developers.facebook.com/docs/graph-api/overview/rate-limiting/). Without the headers
  it stays unknown.
* LinkedIn reports nothing: only the calls are counted (its daily limits are per app and member).
"""

from __future__ import annotations

from typing import Any

from governance.platforms.batching import Usage
from governance.platforms.replies import Reply

#: YouTube's default daily budget of units per Cloud project.
YOUTUBE_DAILY_UNITS = 10_000
#: X's monthly cap of posts read (pay-per-use).
X_MONTHLY_POSTS = 3_000_000
#: X paths whose ``data`` are posts.
_X_POST_PATHS = ("/tweets", "/mentions")


def count_quota(usage: Usage, platform: str, url: str, reply: Reply) -> None:
    """Add what ``reply`` (to a request of ``url``) cost to ``usage``."""
    if platform == "youtube":
        usage.units = (usage.units or 0) + 1
    elif platform == "x":
        if 200 <= reply.status < 300 and isinstance(reply.body, dict):
            usage.add_posts(_x_posts(url, reply.body))
    elif platform in ("facebook", "instagram"):
        headers = reply.headers
        if "x-app-usage" in headers or "x-business-use-case-usage" in headers:
            from governance.platforms.meta import usage_percent

            usage.add_usage(usage_percent(headers))


def _x_posts(url: str, body: dict[str, Any]) -> int:
    path = url.split("?", 1)[0]
    data = body.get("data")
    read = len(data) if path.endswith(_X_POST_PATHS) and isinstance(data, list) else 0
    includes = body.get("includes")
    if isinstance(includes, dict):
        for key in ("tweets", "posts"):
            posts = includes.get(key)
            read += len(posts) if isinstance(posts, list) else 0
    return read
