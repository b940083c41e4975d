"""Which addresses reach only this machine, and which name no page at all.

Apart from :mod:`kontokoll.serving.options` so that ``kontokoll --help`` (which loads the serve
command's module) does not pay for the options' imports.

Loopback is recognised in its unambiguous spellings: ``localhost`` in any case with an optional
trailing dot, any 127.0.0.0/8 address in dotted form, ``::1`` (bracketed or not) and an
IPv4-mapped loopback (``::ffff:127.0.0.1``). Other spellings that a resolver may or may not take
for this machine (``127.1``, ``0x7f000001``, ``localhost.localdomain``) are refused as not
recognised, never called exposed: see :func:`looks_local`.
"""

from __future__ import annotations

import ipaddress


def bind_host(host: str) -> str:
    """``host`` as the server binds it: ``[::1]`` without brackets, ``LOCALHOST.`` as
    ``localhost``; anything else unchanged."""
    if _is_localhost_name(host):
        return "localhost"
    inner = host[1:-1] if host.startswith("[") and host.endswith("]") else None
    return inner if inner is not None and _ip(inner) is not None else host


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine."""
    if _is_localhost_name(host):
        return True
    address = _ip(bind_host(host))
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address is not None and address.is_loopback


def looks_local(host: str) -> bool:
    """Whether ``host`` is probably this machine in a spelling :func:`is_loopback` does not
    accept (``127.1``, ``0x7f000001``, ``localhost.localdomain``): refused as unrecognised."""
    if host.lower().startswith("localhost."):
        return True
    import socket  # (here: only on the way to a refusal)

    try:  # (inet_aton takes the old short and hex forms that ipaddress refuses)
        return socket.inet_aton(host)[0] == 127
    except OSError:
        return False


def bind_all(host: str) -> bool:
    """Whether ``host`` is an address that means "every interface" (0.0.0.0, ::)."""
    address = _ip(host.strip("[]"))
    return address is not None and address.is_unspecified


def _is_localhost_name(host: str) -> bool:
    return host.lower() in ("localhost", "localhost.")


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None
