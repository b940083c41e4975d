"""The checks of what the environment sets for the platform clients' addresses and versions.

``KONTOKOLL_<PLATFORM>_BASE_URL`` names where a platform's token goes. It is checked once, when
the settings are read, before any request: a value httpx cannot parse, a port outside 1-65535,
no ``https://``, a host name with a malformed A-label (``xn--…``), credentials
(``user:password@``), a query or a fragment, or a path with a dot segment (``/../``, ``/%2e/``)
or an encoded ``?``, ``#``, ``/`` or ``\\`` (a server may read those as a step out of the base,
or as the start of a query) is refused with a message naming the variable and what is wrong
(never a traceback, never a retried request). Plain ``http://`` would carry the token in clear
text, so it is allowed only to this machine (the emulation, a local proxy;
:func:`governance.loopback.is_loopback`). The API versions
(``KONTOKOLL_GRAPH_VERSION``, ``KONTOKOLL_LINKEDIN_VERSION``) go into a URL path and a header: a
version is letters, digits, dots, hyphens and underscores, with at least one letter or digit (so
never ``.`` or ``..``, which step through the base path).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from governance.errors import InputError
from governance.i18n import t
from governance.loopback import is_loopback

if TYPE_CHECKING:
    import httpx

#: How much of a refused value a message quotes (an environment variable can be megabytes).
SHOWN_CHARS = 120
_VERSION = re.compile(r"(?=.*[A-Za-z0-9])[A-Za-z0-9._-]{1,32}")
_SPACE = re.compile(r"\s")
#: An encoded "/", "?", "#" or "\\" in a path: httpx sends it as it is, and a server or proxy
#: that decodes it first would see another path, or a query.
_ENCODED_DELIMITER = re.compile(r"%(2f|3f|23|5c)", re.IGNORECASE)


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
    host = _decoded_host(url)
    if host is None:
        raise _refused(variable, value, "host")
    if url.scheme not in ("https", "http") or not host:
        raise _refused(variable, value, "scheme")
    if port is not None and not 1 <= port <= 65535:
        raise _refused(variable, value, "port")
    if url.userinfo:
        raise _refused(variable, value, "userinfo")
    if "?" in text or "#" in text:
        raise _refused(variable, value, "query")
    if not _plain_path(urlsplit(text).path):
        raise _refused(variable, value, "path")
    if url.scheme == "http" and not is_loopback(host):
        raise _refused(variable, value, "plain_http")
    return text


def _decoded_host(url: httpx.URL) -> str | None:
    """``url.host`` (an A-label decoded), or None if a label is a malformed A-label.

    httpx parses ``https://xn--/`` but raises idna's error, not InvalidURL, when ``url.host``
    decodes it, and it decodes only a host whose first label is an A-label. Every later reader
    of the host (the loopback check, the proxy lookup, each request) uses this same base, so
    the whole host is decoded here, once, whichever label is the A-label.
    """
    import idna  # (httpx's own IDNA codec; loaded with httpx)

    try:
        if any(label.startswith("xn--") for label in url.raw_host.decode("ascii").split(".")):
            idna.decode(url.raw_host)
        return url.host
    except UnicodeError:  # (idna.IDNAError is one)
        return None


def _plain_path(path: str) -> bool:
    """Whether a base path, as written, stays what it says: no "." or ".." segment (httpx
    drops "/../" silently, a server decodes "/%2e%2e/"), no encoded delimiter, no backslash."""
    if _ENCODED_DELIMITER.search(path) or "\\" in path:
        return False
    return not any(unquote(part) in (".", "..") for part in path.split("/"))


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
