"""The checks of what the environment sets for the platform clients' addresses and versions.

``KONTOKOLL_<PLATFORM>_BASE_URL`` names where a platform's token goes. It is checked once, when
the settings are read, before any request: a value httpx cannot parse, a port outside 1-65535,
no ``https://``, credentials (``user:password@``), a query or a fragment is refused with a message
naming the variable and what is wrong (never a traceback, never a retried request). Plain
``http://`` would carry the token in clear text, so it is allowed only to this machine (the
emulation, a local proxy; :func:`governance.loopback.is_loopback`). The API versions
(``KONTOKOLL_GRAPH_VERSION``, ``KONTOKOLL_LINKEDIN_VERSION``) go into a URL path and a header: a
version is letters, digits, dots, hyphens and underscores.
"""

from __future__ import annotations

import re

from governance.errors import InputError
from governance.i18n import t
from governance.loopback import is_loopback

#: How much of a refused value a message quotes (an environment variable can be megabytes).
SHOWN_CHARS = 120
_VERSION = re.compile(r"[A-Za-z0-9._-]{1,32}")
_SPACE = re.compile(r"\s")


def checked_base_url(variable: str, value: str) -> str:
    """``value`` (stripped) if the clients may send a platform's token there; else InputError."""
    import httpx  # (only on the way to a sync: the CLI does not load httpx at start-up)

    text = value.strip()
    try:
        url = httpx.URL(text)
        port = url.port
    except httpx.InvalidURL:
        raise _refused(variable, value, "not_url") from None
    if _SPACE.search(text):  # (httpx takes "exa mple.se" as a host: no resolver does)
        raise _refused(variable, value, "not_url")
    if url.scheme not in ("https", "http") or not url.host:
        raise _refused(variable, value, "scheme")
    if port is not None and not 1 <= port <= 65535:
        raise _refused(variable, value, "port")
    if url.userinfo:
        raise _refused(variable, value, "userinfo")
    if "?" in text or "#" in text:
        raise _refused(variable, value, "query")
    if url.scheme == "http" and not is_loopback(url.host):
        raise _refused(variable, value, "plain_http")
    return text


def checked_version(variable: str, value: str) -> str:
    """An API version as given (stripped) if it is one; else InputError naming ``variable``."""
    text = value.strip()
    if not _VERSION.fullmatch(text):
        raise InputError("f9b_sync.bad_version", variable=variable, value=_shown(value))
    return text


def _refused(variable: str, value: str, reason: str) -> InputError:
    return InputError("f9b_sync.bad_base_url", variable=variable, value=_shown(value),
                      reason=t(f"f9b_sync.base_url.{reason}"))


def _shown(value: str) -> str:
    """``value`` as a message quotes it: bounded, quoted, every control or bidi character
    escaped (``repr`` escapes what is not printable)."""
    return repr(value if len(value) <= SHOWN_CHARS else value[: SHOWN_CHARS - 1] + "…")
