"""X's rate-limit headers and Problem bodies, as the HTTP layer reads them.

Every answer carries ``x-rate-limit-limit``, ``-remaining`` and ``-reset`` (Unix seconds); a 429
is waited out until the reset (+1 s, as X advises), a usage cap (``usage-capped``) stops the
platform, and a 200 with only ``errors[]`` is a refusal
(https://docs.x.com/x-api/fundamentals/rate-limits ,
https://docs.x.com/x-api/fundamentals/response-codes-and-errors).
"""

from __future__ import annotations

from typing import Any

from governance.platforms.replies import OK, Reply, Verdict, retry_after
from governance.platforms.settings import Settings

#: Pace requests once fewer than this share of the window's calls remain.
LOW_REMAINING = 0.05


class XPolicy:
    """X's rate-limit headers and Problem bodies."""

    def judge(self, reply: Reply, now: float) -> Verdict:
        body = reply.body if isinstance(reply.body, dict) else {}
        kind = str(body.get("type", ""))
        if reply.status == 401:
            return Verdict("token", detail="HTTP 401")
        if kind.endswith("/usage-capped") or body.get("title") == "UsageCapExceeded":
            return Verdict("quota", None, "usage cap reached")
        if reply.status == 429:
            return Verdict("wait", _until_reset(reply, now), "HTTP 429")
        if reply.status == 200 and "data" not in body and body.get("errors"):
            return Verdict("refused", detail=_problem(body))
        return OK

    def pause(self, reply: Reply, now: float, settings: Settings) -> float:
        try:
            limit = int(reply.headers["x-rate-limit-limit"])
            remaining = int(reply.headers["x-rate-limit-remaining"])
        except (KeyError, ValueError):
            return 0.0
        if reply.status == 429 or remaining > max(1, limit * LOW_REMAINING):
            return 0.0
        wait = _until_reset(reply, now) or settings.slowdown_s
        # Spread what is left of the window over the calls that remain.
        return wait if remaining <= 0 else wait / (remaining + 1)


def _until_reset(reply: Reply, now: float) -> float | None:
    """Seconds until ``x-rate-limit-reset`` (+1 s, as X advises), else Retry-After."""
    try:
        return max(0.0, int(reply.headers["x-rate-limit-reset"]) - now + 1)
    except OverflowError:  # a reset too far off for a float: no credible wait
        return None
    except (KeyError, ValueError):
        return retry_after(reply.headers)


def _problem(body: dict[str, Any]) -> str:
    errors = body.get("errors")
    first = errors[0] if isinstance(errors, list) and errors else {}
    kind = first.get("type", "") if isinstance(first, dict) else ""
    return f"X problem {str(kind).rsplit('/', 1)[-1] or 'unknown'}"
