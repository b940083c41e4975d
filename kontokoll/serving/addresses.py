"""Which addresses reach only this machine, and which name no page at all.

Apart from :mod:`kontokoll.serving.options` so that ``kontokoll --help`` (which loads the serve
command's module) does not pay for the options' imports.
"""

from __future__ import annotations

import ipaddress


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def bind_all(host: str) -> bool:
    """Whether ``host`` is an address that means "every interface" (0.0.0.0, ::)."""
    try:
        return ipaddress.ip_address(host.strip("[]")).is_unspecified
    except ValueError:
        return False
