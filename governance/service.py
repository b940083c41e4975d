"""The base of every service: who is acting, their transactions, and checking their rights.

Register, users, audits: each service method opens its transaction through ``_read``/``_write``,
which identify the user first (so an unknown login sees no data) and record every refusal in the
change log, whichever front end asked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from governance.access import User as AccessUser
from governance.access import authorize, identify
from governance.errors import AccessRefused, StoreError
from governance.identity import current_login
from governance.model import ChangeEntry, utc_now
from governance.monthly import STOCKHOLM
from governance.storage.database import ReadTransaction, WriteTransaction
from governance.store import Store, log_change


class Service:
    """A user's session with the store."""

    def __init__(
        self,
        store: Store,
        *,
        user: str | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.store = store
        self.user = user or current_login()
        self._clock = clock

    def today(self) -> date:
        """Today in Stockholm, by this service's clock."""
        return self._clock().astimezone(STOCKHOLM).date()

    def whoami(self) -> AccessUser:
        """The current user and role (admin in single-user mode)."""
        with self._read() as txn:
            return identify(txn, self.user)

    def may(self, action: str, department: str | None = None) -> bool:
        """Whether the current user may do ``action``: for a UI to hide what it may not."""
        try:
            return self.whoami().may(action, department)
        except AccessRefused:
            return False

    def require(self, action: str, department: str | None = None, target: str = "") -> AccessUser:
        """The current user if they may do ``action``; else refuse (and log the refusal).

        For operations that are not a service method themselves, such as a platform sync.
        """
        with self._read() as txn:
            return self._authorize(txn, action, department, target)

    @contextmanager
    def _read(self) -> Iterator[ReadTransaction]:
        with self._refusals(), self.store.read() as txn:
            identify(txn, self.user)
            yield txn

    @contextmanager
    def _write(self) -> Iterator[WriteTransaction]:
        with self._refusals(), self.store.write() as txn:
            identify(txn, self.user)
            yield txn

    def _authorize(
        self, txn: ReadTransaction, action: str, department: str | None = None, target: str = ""
    ) -> AccessUser:
        return authorize(txn, self.user, action, department, target)

    @contextmanager
    def _refusals(self) -> Iterator[None]:
        """Record a refusal in the change log (in its own transaction) before it propagates."""
        try:
            yield
        except AccessRefused as refusal:
            if not getattr(refusal, "logged", False):
                refusal.logged = True  # type: ignore[attr-defined]
                try:
                    with self.store.write() as txn:
                        log_change(
                            txn,
                            self._entry(
                                "refused",
                                field=refusal.action,
                                account=refusal.target,
                                new=refusal.key,
                            ),
                        )
                except StoreError:
                    pass  # the refusal itself still reaches the user
            raise

    def _entry(self, action: str, **values: Any) -> ChangeEntry:
        return ChangeEntry(at=self._clock(), user=self.user, action=action, **values)
