"""Where a platform's requests may go, and how a URL is quoted in a stored reason.

Every request, a ``paging.next`` link from a body included, must stay under the platform's base
URL (same scheme, host, port and path): :class:`BaseScope` is that check, kept in one place so
that no client can bypass it. :func:`shown_url` is the one way a URL enters a message: never
with its query or user info, where tokens and credentials live.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import httpx

#: A full URL rather than a path under the base URL (only links from bodies are full URLs).
ABSOLUTE_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
#: Longest URL quoted in a stored reason (a hostile link can be megabytes long).
SHOWN_URL_CHARS = 160


def shown_url(url: httpx.URL) -> str:
    """A URL fit for a stored reason: scheme, host, port and path, never user info or query.

    The query (where real Graph links carry ``access_token``) and user info may hold secrets;
    the host is the ASCII (punycode) form and the path stays percent-encoded, so nothing in it
    can act on a terminal.
    """
    host = url.raw_host.decode("ascii", "replace")
    host = f"[{host}]" if ":" in host else host
    port = f":{url.port}" if url.port is not None else ""
    path = url.raw_path.split(b"?", 1)[0].decode("ascii", "replace")
    text = f"{url.scheme}://{host}{port}{path}"
    return text if len(text) <= SHOWN_URL_CHARS else text[: SHOWN_URL_CHARS - 1] + "…"


@dataclass(frozen=True, slots=True)
class BaseScope:
    """Where one platform's requests may go: the scheme, host, port and path of its base URL."""

    scheme: str
    host: bytes
    port: int | None
    #: The base path, percent-encoded as sent, without a trailing "/".
    path: bytes
    #: User info of the base itself (a proxy's credentials in an override), usually empty.
    userinfo: bytes
    shown: str

    @classmethod
    def of(cls, base_url: str) -> BaseScope:
        url = httpx.URL(base_url)
        path = url.raw_path.split(b"?", 1)[0].rstrip(b"/")
        return cls(url.scheme, url.raw_host.lower(), url.port, path, url.userinfo,
                   shown_url(url))

    def holds(self, url: httpx.URL) -> bool:
        """Whether ``url`` is under the base (httpx has already lower-cased the scheme and host,
        dropped a default port and resolved literal dot segments)."""
        if (url.scheme, url.raw_host.lower(), url.port) != (self.scheme, self.host, self.port):
            return False
        if url.userinfo != self.userinfo:  # a link brings no credentials of its own
            return False
        path = url.raw_path.split(b"?", 1)[0]
        if path != self.path and not path.startswith(self.path + b"/"):
            return False
        # httpx resolves "/../" but not "/%2e%2e/" or "%2F..%2F", which a server may still read
        # as a step up and out of the base path.
        return not any(part in (".", "..") for part in url.path.split("/"))
