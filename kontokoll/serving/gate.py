"""Who may open what: the trusted proxy, its secret, the login header, a WebSocket's Origin.

Behind a proxy, the peer address alone proves nothing (every local user reaches 127.0.0.1 as the
proxy does), so a request counts as the proxy's only from a trusted address *and* with the shared
secret in ``X-Kontokoll-Proxy-Secret`` (compared in constant time). On a Unix socket the socket's
permissions (0660, the proxy's group) take the secret's place; a secret given anyway is checked.
Only then is the login taken from the configured header. Each refusal has a reason code for the
access log; the person gets a plain 403.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Callable
from dataclasses import dataclass

from governance.errors import InputError
from governance.session_proof import valid_login
from kontokoll.serving.options import ServeOptions

SECRET_HEADER = "X-Kontokoll-Proxy-Secret"

#: All values of one request header (several if the request repeats it).
HeaderValues = Callable[[str], list[str]]


@dataclass(frozen=True)
class Verdict:
    """A request's outcome: admitted (with the proxy's login, if any), or refused and why."""

    login: str | None = None
    refusal: str | None = None


def admit(options: ServeOptions, peer: str | None, header_values: HeaderValues) -> Verdict:
    """Whether a request from ``peer`` (None on a Unix socket) with these headers may pass."""
    if not options.from_proxy:
        return Verdict()
    if options.socket is None and not trusted_peer(options, peer):
        return Verdict(refusal="untrusted-peer")
    if options.secret is not None:
        given = header_values(SECRET_HEADER)
        if not given:
            return Verdict(refusal="no-secret")
        if len(given) > 1 or not hmac.compare_digest(given[0].encode("utf-8"), options.secret):
            return Verdict(refusal="bad-secret")
    assert options.auth_header is not None
    logins = header_values(options.auth_header)
    if not logins:
        return Verdict(refusal="no-login")
    if len(logins) > 1:  # two logins in one request: which one the proxy meant is unknowable
        return Verdict(refusal="ambiguous-login")
    try:
        return Verdict(login=valid_login(logins[0]))
    except InputError:
        return Verdict(refusal="bad-login")


def trusted_peer(options: ServeOptions, peer: str | None) -> bool:
    if peer is None:
        return False
    try:
        address = ipaddress.ip_address(peer.split("%", 1)[0])
    except ValueError:
        return False
    return any(address in network for network in options.trusted)


def origin_allowed(options: ServeOptions, header_values: HeaderValues) -> bool:
    """Whether a WebSocket upgrade comes from our own page (one Origin, and ours).

    Browsers always send Origin on a WebSocket; without this check any site a signed-in person
    visits could open a session with their cookies and drive it.
    """
    given = header_values("Origin")
    return len(given) == 1 and given[0].rstrip("/").lower() in options.origins()
