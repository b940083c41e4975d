"""Kontokoll's exceptions.

Every error a user can cause or meet hangs from one base class, carries a catalogue key and its
parameters, and renders in the current UI language. The CLI prints ``str(error)`` and exits
non-zero; the TUI shows it as a notification. None of them is ever shown as a traceback.

    KontokollError
    ├── InputError            bad input from a user or a file
    │   ├── FieldError        one field of one record is wrong
    │   ├── ImportRefused     a file had bad rows; nothing was changed
    │   └── UnknownAccount    an account reference matched nothing
    ├── AccessRefused         the user may not do this (or is not a user at all)
    ├── StoreError            the data directory cannot be used
    │   ├── StoreLocked       another process holds the lock for too long
    │   ├── StoreCorrupt      a file is not valid JSON or not Kontokoll's
    │   │   └── StoreFileMissing  a file the store records is gone
    │   ├── StoreTooNew       a file was written by a newer Kontokoll
    │   ├── StoreUnsafe       a link, or something not a regular file, where a store file belongs
    │   └── JournalMismatch   a redo journal that does not fit the files it would change
    └── PlatformError         a platform refused or failed (see governance.platforms)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from governance.i18n import t


class KontokollError(Exception):
    """Base of every error Kontokoll reports to a user."""

    key: str = "error.generic"

    def __init__(self, key: str | None = None, /, **params: Any) -> None:
        self.key = key or self.key
        self.params = params
        super().__init__(self.key)

    def __str__(self) -> str:
        return t(self.key, **self.params)


class InputError(KontokollError):
    """Input from a user or a file cannot be accepted."""


class FieldError(InputError):
    """One field of one record holds a value Kontokoll cannot accept."""

    def __init__(self, field: str, key: str, /, **params: Any) -> None:
        super().__init__(key, **params)
        self.field = field

    def __str__(self) -> str:
        return t("error.field", field=self.field, reason=t(self.key, **self.params))

    @property
    def reason(self) -> str:
        """The reason alone, without the field name."""
        return t(self.key, **self.params)


class RowProblem(NamedTuple):
    """One bad field on one line of an imported file.

    A NamedTuple, not a frozen dataclass: every command imports this module, and a dataclass's
    generated methods are compiled at import (about 1 ms); made, compared and printed alike."""

    line: int
    field: str
    reason: str


class ImportRefused(InputError):
    """A file had bad rows; nothing in the store was changed."""

    key = "error.import_refused"

    def __init__(self, path: str, problems: Sequence[RowProblem]) -> None:
        super().__init__(path=path, count=len(problems))
        self.path = path
        self.problems = list(problems)

    def __str__(self) -> str:
        head = t(self.key, path=self.path, count=len(self.problems))
        lines = [
            t("error.row_problem", path=self.path, line=p.line, field=p.field, reason=p.reason)
            for p in self.problems
        ]
        return "\n".join([head, *lines])


class UnknownAccount(InputError):
    """An account reference (PLATFORM:HANDLE or id) matched no account."""

    key = "error.unknown_account"


class AccessRefused(KontokollError):
    """The current user's role does not allow the action, or the login is not a user at all.

    ``action`` and ``target`` say what was tried, for the change log.
    """

    key = "error.access_refused"

    def __init__(self, key: str | None = None, /, *, action: str, target: str = "", **params: Any):
        super().__init__(key, action=action, target=target, **params)
        self.action = action
        self.target = target


class StoreError(KontokollError):
    """The data directory cannot be used as it is."""


class StoreLocked(StoreError):
    """Another process held the store's lock for longer than we wait."""

    key = "error.store_locked"


class StoreCorrupt(StoreError):
    """A file in the data directory is not valid JSON or not a Kontokoll file."""

    key = "error.store_corrupt"

    def __str__(self) -> str:
        # Imported here: the snapshots module stands on the storage layer, which imports this one.
        from governance.snapshots import restore_hint

        return f"{super().__str__()}\n{restore_hint(str(self.params.get('path', '')))}"


class StoreTooNew(StoreError):
    """A file in the data directory was written by a newer version of Kontokoll."""

    key = "error.store_too_new"


class StoreFileMissing(StoreCorrupt):
    """A file the store's manifest lists has disappeared; reading it as empty would lose data."""

    key = "store.missing"


class StoreUnsafe(StoreError):
    """A symbolic link, device, FIFO or folder stands where the store expects one of its files.

    In a shared data directory a planted link would make the next writer create, append to or
    chmod a file elsewhere with its own rights, so the store refuses it instead of following it.
    """

    key = "store.unsafe"


class JournalMismatch(StoreError):
    """A leftover redo journal does not match the files it would change, so it is not replayed."""

    key = "store.journal_mismatch"


class PlatformError(KontokollError):
    """A social media platform refused a request or answered with something unusable."""

    key = "error.platform"
