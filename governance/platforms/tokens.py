"""Where the platform tokens come from: the OS keyring if there is one, else the environment.

Tokens live only in memory. They are never written to the data directory, printed or logged;
:class:`Redactor` scrubs them from any text that might leave the process.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping

from governance.keyring_secrets import KeyringGet, keyring_get
from governance.platforms.settings import PLATFORMS
from governance.text_safety import visible

#: The keyring service name; each platform is the "user name" under it.
KEYRING_SERVICE = "kontokoll"

#: The environment variable of each platform's token (YouTube uses an API key).
TOKEN_ENV: Mapping[str, str] = {
    "facebook": "KONTOKOLL_FACEBOOK_TOKEN",
    "instagram": "KONTOKOLL_INSTAGRAM_TOKEN",
    "linkedin": "KONTOKOLL_LINKEDIN_TOKEN",
    "x": "KONTOKOLL_X_TOKEN",
    "youtube": "KONTOKOLL_YOUTUBE_KEY",
}



def load_tokens(
    platforms: Iterable[str] = PLATFORMS,
    *,
    env: Mapping[str, str] | None = None,
    keyring_get: KeyringGet = keyring_get,
) -> dict[str, str]:
    """The token of each platform that has one: keyring first, then the environment."""
    env = os.environ if env is None else env
    tokens: dict[str, str] = {}
    for platform in platforms:
        token = keyring_get(KEYRING_SERVICE, platform) or env.get(TOKEN_ENV[platform], "")
        if token.strip():
            tokens[platform] = token.strip()
    return tokens


class Redactor:
    """Makes a text fit to store and show: every known secret becomes ``***``, and every control
    or invisible character an escape (a reason may quote a platform's words, such as a Graph
    error code, and a platform can send anything there)."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        # Longest first, so that a token containing another is removed whole.
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def add(self, secret: str) -> None:
        """Also redact ``secret`` from now on."""
        if secret and secret not in self._secrets:
            self._secrets = sorted([*self._secrets, secret], key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return visible(text)
