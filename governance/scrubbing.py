"""Matching one person in text: their e-mail address whole, and each of their names as a name.

The rules of :mod:`governance.forget` (see its docstring, *Matching*), kept apart so that whatever
else holds copies of the store (backup snapshots, :mod:`governance.backup`) applies exactly them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

#: Characters that may be part of an e-mail address (RFC 5322 atext, dots, and any letter or digit,
#: for internationalised addresses), less those Kontokoll's own parser refuses in one (``|``).
#: An address is matched only where neither neighbour is one of them.
_ADDRESS_CHAR = r"[\w.!#$%&'*+/=?^`{}~-]"


def address_pattern(address: str) -> str:
    """A regex source matching ``address`` whole, in any letter case."""
    return rf"(?<!{_ADDRESS_CHAR})(?i:{re.escape(address)})(?![\w-])(?!\.[\w-])"


def name_pattern(name: str) -> str:
    """A regex source matching ``name`` as a whole name (for letter case, see governance.forget)."""
    words = [re.escape(word) for word in name.split()]
    # A Swedish genitive ("Anna Bergs beslut") is still her name; the "s" itself stays.
    body = r"\s+".join(words) + r"(?=s?(?!\w))"
    if len(words) > 1:
        body = f"(?i:{body})"
    return rf"(?<!\w){body}"


class Scrubber:
    """Rewrites text so that one address and its names read as one pseudonym.

    Public so that whatever else holds store files (backup snapshots) is rewritten by exactly
    the same rules: ``Scrubber(report.address, report.names, report.pseudonym)``.
    """

    def __init__(self, address: str, names: Iterable[str], pseudonym: str) -> None:
        self.address = address
        # Longest first, so "Anna Berg" is replaced whole before "Anna" could match a part of it.
        # A "name" without a letter or digit ("-", ".") would match punctuation everywhere.
        real = {n.strip() for n in names if re.search(r"\w", n)}
        self.names = tuple(sorted(real, key=lambda n: (-len(n), n)))
        self.pseudonym = pseudonym
        address_source = address_pattern(address)
        self._address = re.compile(address_source)
        alternatives = []
        self._name: re.Pattern[str] | None = None
        if self.names:
            any_name = "(?:" + "|".join(name_pattern(n) for n in self.names) + ")"
            self._name = re.compile(any_name)
            alternatives += [
                rf"(?P<mine>{any_name}[ \t]*<\s*{address_source}\s*>)",
                rf"(?P<namesake>{any_name}[ \t]*<[^<>\s@]+@[^<>\s]+>)",
            ]
        alternatives.append(f"(?P<address>{address_source})")
        if self._name is not None:
            alternatives.append(f"(?P<name>{self._name.pattern})")
        self._text = re.compile("|".join(alternatives))

    def text(self, value: str) -> str:
        """Free text: ``Name <address>``, the address and every name become the pseudonym."""
        return self._text.sub(self._replace, value)

    def identifier(self, value: str) -> str:
        """An identifier or another person's record: only the address is replaced."""
        return self._address.sub(self.pseudonym, value)

    def names_in(self, value: str) -> bool:
        """Whether ``value`` holds one of the names."""
        return self._name is not None and self._name.search(value) is not None

    def mentions(self, value: str) -> bool:
        """Whether ``value`` holds the address or one of the names."""
        return self._address.search(value) is not None or self.names_in(value)

    def _replace(self, match: re.Match[str]) -> str:
        return match[0] if match.lastgroup == "namesake" else self.pseudonym
