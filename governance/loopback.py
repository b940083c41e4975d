"""Which host names and addresses reach only this machine (loopback), in one place.

Two layers ask: the server (``kontokoll serve``, :mod:`kontokoll.serving.addresses`), which binds
to and advertises such addresses, and the platform clients, which send a token over plain
``http://`` only to this machine (:mod:`governance.platforms.base_url`). Only the standard
library is imported, so the CLI pays nothing for it at start-up.

Loopback is recognised in its unambiguous spellings: ``localhost`` in any case with an optional
trailing dot, any 127.0.0.0/8 address in dotted form, ``::1`` (bracketed or not) and an
IPv4-mapped loopback (``::ffff:127.0.0.1``). Other spellings that a resolver may or may not take
for this machine (``127.1``, ``0x7f000001``, ``localhost.localdomain``) are not loopback here.
"""

from __future__ import annotations

import ipaddress


def bind_host(host: str) -> str:
    """``host`` as a server binds it: ``[::1]`` without brackets, ``LOCALHOST.`` as
    ``localhost``; anything else unchanged."""
    if is_localhost_name(host):
        return "localhost"
    inner = host[1:-1] if host.startswith("[") and host.endswith("]") else None
    return inner if inner is not None and ip_or_none(inner) is not None else host


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine."""
    if is_localhost_name(host):
        return True
    address = ip_or_none(bind_host(host))
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address is not None and address.is_loopback


def is_localhost_name(host: str) -> bool:
    return host.lower() in ("localhost", "localhost.")


def ip_or_none(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """``text`` as an IP address, None when it is not one (a name, garbage)."""
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None
