"""Secrets from the OS keyring, for the platform tokens and the SMTP password alike.

Read only when asked (keyring is imported lazily, so commands that need no secret start fast),
kept only in memory, and None when no keyring backend is usable (a headless server) so that the
caller falls back to its environment variable.
"""

from __future__ import annotations

from collections.abc import Callable

#: How a secret is looked up: ``(service, user name) -> secret or None``; tests pass their own.
KeyringGet = Callable[[str, str], "str | None"]


def keyring_get(service: str, name: str) -> str | None:
    """``keyring.get_password``, or None when no keyring backend is usable."""
    try:
        import keyring
        from keyring.errors import KeyringError
    except ImportError:
        return None
    try:
        return keyring.get_password(service, name)
    except KeyringError:  # NoKeyringError on headless servers, locked or broken backends
        return None
