"""Which addresses reach only this machine, and which name no page at all.

Apart from :mod:`kontokoll.serving.options` so that ``kontokoll --help`` (which loads the serve
command's module) does not pay for the options' imports.

Loopback (:mod:`governance.loopback`, shared with the platform clients) is recognised in its
unambiguous spellings: ``localhost`` in any case with an optional
trailing dot, any 127.0.0.0/8 address in dotted form, ``::1`` (bracketed or not) and an
IPv4-mapped loopback (``::ffff:127.0.0.1``). Other spellings that a resolver may or may not take
for this machine (``127.1``, ``0x7f000001``, ``localhost.localdomain``) are refused as not
recognised, never called exposed: see :func:`looks_local`.
"""

from __future__ import annotations

from governance.loopback import bind_host, is_loopback
from governance.loopback import ip_or_none as _ip

__all__ = ["bind_all", "bind_host", "is_loopback", "looks_local"]


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
