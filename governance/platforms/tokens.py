"""Where the platform tokens come from: the OS keyring if there is one, else the environment.

Tokens live only in memory. They are never written to the data directory, printed or logged;
:class:`Redactor` scrubs them from any text that might leave the process.
"""

from __future__ import annotations

import os
import re
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
#: The length from which a secret is redacted even inside a longer word (see :class:`Redactor`):
#: no platform issues a shorter token (a YouTube API key, the shortest, is 39 characters), and
#: 20 characters do not turn up in a message by chance.
ANYWHERE_FROM = 20


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
    error code, and a platform can send anything there).

    A secret of real length (:data:`ANYWHERE_FROM` characters or more; a platform's token is
    dozens) is removed wherever it appears, glued to other text or not. A shorter one (a test's
    or a mistyped token) would also match inside ordinary words ("t" in "ConnectError"),
    garbling the text for good and showing by where ``***`` falls what the secret is, so it is
    removed only where it stands alone: not right after or before a letter, digit or ``_``.
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._patterns: dict[str, re.Pattern[str]] = {}
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str) -> None:
        """Also redact ``secret`` from now on."""
        if secret and secret not in self._patterns:
            found = re.escape(secret)
            if len(secret) < ANYWHERE_FROM:
                found = rf"(?<!\w){found}(?!\w)"
            self._patterns[secret] = re.compile(found)
            # Longest first, so that a secret containing another is removed whole.
            self._patterns = dict(sorted(self._patterns.items(), key=lambda p: -len(p[0])))

    def __call__(self, text: str) -> str:
        for pattern in self._patterns.values():
            text = pattern.sub("***", text)
        return visible(text)
