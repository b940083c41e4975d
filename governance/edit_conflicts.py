"""Two people editing one account: a field changed since the editor read it is not overwritten.

An editor (the app's form) reads an account, the user types for a while, and saves the fields
they changed. Meanwhile someone else may have saved one of those fields. Writing the editor's
value then would silently undo the other person's change, and the log would record a change from
a value the editor never saw. So the editor sends, with its changes, the value it saw of each
field (``expected``); inside the write lock the register compares it with the value stored now,
saves the fields nobody else touched and refuses the others with :class:`EditConflict`, which
names who changed the field and when (from the change log) and what it holds now.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from governance.errors import FieldError
from governance.fields import format_value
from governance.i18n import t
from governance.model import Account, ChangeEntry
from governance.monthly import STOCKHOLM
from governance.store import ReadTransaction, repos


@dataclass(frozen=True)
class FieldConflict:
    """One field someone else changed after the editor read it."""

    field: str
    stored: str  # the value stored now, as the form and the CSV show it
    user: str | None  # who changed it last; None when the change log does not say
    at: datetime | None


class EditConflict(FieldError):
    """Fields were refused because they changed since they were read; the others were saved.

    ``account`` is the account as stored after the save, ``saved`` the fields that were written.
    """

    def __init__(
        self, account: Account, conflicts: Sequence[FieldConflict], saved: Sequence[str]
    ) -> None:
        first = conflicts[0]
        super().__init__(first.field, "edit_conflicts.refused", **describe(first))
        self.account = account
        self.conflicts = tuple(conflicts)
        self.saved = tuple(saved)

    def __str__(self) -> str:
        lines = [
            t("error.field", field=c.field, reason=t("edit_conflicts.refused", **describe(c)))
            for c in self.conflicts
        ]
        return "\n".join(lines)


def describe(conflict: FieldConflict) -> dict[str, str]:
    """The parameters the conflict messages take: the stored value, by whom and when."""
    when = conflict.at.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M") if conflict.at else ""
    by = t("edit_conflicts.by", user=conflict.user, at=when) if conflict.user else ""
    return {"value": conflict.stored, "by": by}


def stale_fields(
    txn: ReadTransaction,
    stored: Account,
    changes: Mapping[str, Any],
    expected: Mapping[str, Any],
) -> dict[str, FieldConflict]:
    """The changed fields whose stored value is no longer the one the editor saw.

    A field stored with the very value the editor wants is no conflict: nothing would be lost.
    """
    stale = [
        name
        for name, value in changes.items()
        if name in expected and getattr(stored, name) not in (expected[name], value)
    ]
    if not stale:
        return {}
    entries = repos(txn).log.read()  # read whole, but only when there is a conflict to explain
    return {name: _conflict(stored, name, entries) for name in stale}


def _conflict(stored: Account, name: str, entries: Sequence[ChangeEntry]) -> FieldConflict:
    last = next(
        (e for e in reversed(entries) if e.account_id == stored.id and e.field == name), None
    )
    value = format_value(getattr(stored, name))
    if last is None:
        return FieldConflict(name, value, None, None)
    return FieldConflict(name, value, last.user, last.at)
