"""What an accounts import reads (rows) and what it would change (a plan).

Kept apart from :mod:`governance.register`, which offers both names too, so that the register's
module stays small.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from governance.model import Account


@dataclass(frozen=True)
class AccountRow:
    """One account as read from a file: the typed values of the columns it has, and its line."""

    line: int
    values: Mapping[str, Any]
    editors: Sequence[tuple[str, str]] | None = None  # None: the file has no editors column


@dataclass
class ImportPlan:
    """What an import changes: new accounts, changed accounts (before, after), unchanged ones."""

    created: list[Account] = field(default_factory=list)
    updated: list[tuple[Account, Account]] = field(default_factory=list)
    unchanged: list[Account] = field(default_factory=list)
    new_departments: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """Whether applying the plan changes the register."""
        return bool(self.created or self.updated)
