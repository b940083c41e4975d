"""A URL query or form body read as a dict, as ``dict(parse_qsl(text, keep_blank_values=True))``.

The emulation reads one for every request and every call of a Graph batch: ``parse_qsl`` spends
half its time on argument coercion and checks that a ``str`` from our own server never needs.
"""

from __future__ import annotations

from urllib.parse import unquote_plus


def query(text: str) -> dict[str, str]:
    """``name=value`` pairs split on ``&``, ``+`` read as a space, percent escapes decoded
    (UTF-8, bad bytes replaced); empty pairs skipped, a name without ``=`` has the value ``""``,
    the last of a repeated name wins."""
    found: dict[str, str] = {}
    for pair in text.split("&"):
        if pair:
            name, _, value = pair.partition("=")
            found[unquote_plus(name)] = unquote_plus(value)
    return found
