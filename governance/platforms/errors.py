"""Errors from the social media platforms.

Every class hangs from :class:`governance.errors.PlatformError`, carries a catalogue key under
``sync.error.*``, and never holds a token: messages name the platform, the account and the kind of
failure, nothing from a URL's query string. ``code`` is the short, stable reason stored in a
:class:`~governance.monthly.SyncOutcome`.

    PlatformError
    ├── PlatformStopped       the whole platform must stop for this sync
    │   ├── TokenMissing      no token is configured
    │   ├── TokenExpired      the token is expired or revoked (says how to renew it)
    │   └── RateLimited       a rate limit or quota that lasts longer than we wait
    ├── PlatformUnavailable   timeouts, connection errors, 5xx after retries, overall deadline
    ├── MalformedResponse     a body we cannot use (HTML, truncated JSON, wrong types, paging loop)
    └── PlatformRefused       any other refusal (not found, missing permission, bad request)
"""

from __future__ import annotations

from typing import Any

from governance.errors import PlatformError


class PlatformFailure(PlatformError):
    """Base of the failures below; ``code`` is the reason stored for the account."""

    code = "failed"

    def __init__(self, key: str | None = None, /, *, detail: str = "", **params: Any) -> None:
        super().__init__(key, **params)
        # detail is technical and English (a field path, a status), already free of secrets.
        self.detail = detail

    @property
    def reason(self) -> str:
        """The stored reason: the code, plus the technical detail when there is one."""
        return f"{self.code}: {self.detail}" if self.detail else self.code


class PlatformStopped(PlatformFailure):
    """The platform cannot be used any more in this sync; its remaining accounts fail fast."""


class TokenMissing(PlatformStopped):
    """No token is configured for the platform, neither in the keyring nor the environment."""

    key = "sync.error.token_missing"
    code = "token-missing"


class TokenExpired(PlatformStopped):
    """The platform says the token is expired, revoked or invalid."""

    key = "sync.error.token_expired"
    code = "token-expired"


class RateLimited(PlatformStopped):
    """The platform's rate limit or quota will not reset within the time we are willing to wait."""

    key = "sync.error.rate_limited"
    code = "rate-limited"


class PlatformUnavailable(PlatformFailure):
    """The platform did not answer usefully in time, even after retries."""

    key = "sync.error.unavailable"
    code = "unavailable"


class MalformedResponse(PlatformFailure):
    """The platform answered with a body Kontokoll cannot read; nothing from it is stored."""

    key = "sync.error.malformed"
    code = "malformed-response"


class PlatformRefused(PlatformFailure):
    """The platform refused the request (not found, no permission, bad request)."""

    key = "sync.error.refused"
    code = "refused"
