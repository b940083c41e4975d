"""Identity on the platform: what the sync read of each account's id and username, in the register.

A sync reads every account's stable id and current username (:mod:`governance.platforms.identity`)
and :class:`~governance.sync_service.SyncService` hands what it read to :meth:`Identities.record`:

- an account without a ``platform_id`` gets the id the platform gave (logged);
- the username and id seen are kept on the account (``observed_handle``, ``observed_id``, and
  ``identity_seen_at`` when they last changed), for the audit's ``handle-changed`` finding;
- a registered handle that leads to another id than the registered one sets
  ``identity_mismatch`` (logged): the audit's critical ``identity-mismatch``, and the sync stores
  no figures for the account until an admin resolves it.

A steady account changes nothing, so a re-sync rewrites no register file. People resolve what the
sync found: :meth:`Identities.rename` (a lead for their departments, or an admin) takes the new
handle, and :meth:`Identities.accept_identity` (an admin) takes the new id as the city's own.
Both clear a pending mismatch; the next sync looks the (new) handle up again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from governance import access
from governance.account_refs import resolve
from governance.errors import FieldError
from governance.fields import check_platform_id, parse_handle
from governance.model import Account
from governance.monthly import SyncOutcome
from governance.service import Service
from governance.store import WriteTransaction, repos
from governance.text_safety import MAX_NAME

if TYPE_CHECKING:  # at run time only where a sync's outcome is read: the platforms bring httpx
    from governance.platforms.identity import Identity

#: The log's action for each change made here: an account change, field by field.
CHANGED = "account-changed"


def observed(account: Account, identity: Identity, now: datetime) -> Account:
    """``account`` with what a sync read of it: the id filled in when the register had none,
    the username and id seen, and a mismatch found (one waiting for an admin stays)."""
    username = identity.username[:MAX_NAME] or account.observed_handle
    mismatch = identity.mismatch(account.platform_id) or account.identity_mismatch
    seen_id = identity.id[:MAX_NAME]
    after = account.with_changes(
        observed_handle=username, observed_id=seen_id, identity_mismatch=mismatch
    )
    if not account.platform_id and not mismatch and _id_form(account.platform, seen_id):
        after = after.with_changes(platform_id=seen_id)
    if after != account:
        after = after.with_changes(identity_seen_at=now)
    return after


def _id_form(platform: str, value: str) -> bool:
    try:
        return bool(check_platform_id(platform, value))
    except FieldError:
        return False  # a platform answering an odd id fills nothing


class Identities(Service):
    """The register's side of account identities, as one user acts on them."""

    def record(self, outcomes: Sequence[SyncOutcome]) -> list[Account]:
        """Keep what a sync read (see the module); returns the accounts that changed."""
        from governance.platforms.identity import Identity

        seen = [(o.account_id, Identity.from_doc(o.identity)) for o in outcomes]
        wanted = {account_id: identity for account_id, identity in seen if identity is not None}
        if not wanted:
            return []
        with self._write() as txn:
            self._authorize(txn, access.SYNC_STATS)
            stored = repos(txn).accounts
            changes: list[tuple[Account, Account | None]] = []
            for account_id, identity in wanted.items():
                before = stored.get(account_id)
                if before is None:
                    continue  # removed while the sync ran
                after = observed(before, identity, self._clock())
                if after == before:
                    continue
                changes.append((after, before))
                for name in ("platform_id", "identity_mismatch"):
                    self._log_change(txn, before, after, name)
            if changes:
                stored.put_many(changes)
        return [after for after, _ in changes]

    def rename(self, ref: str, new_handle: str) -> Account:
        """Take the account's new handle (as the platform now shows it); the index follows."""
        handle = parse_handle(new_handle)
        with self._write() as txn:
            before = resolve(txn, ref)
            self._authorize(txn, access.EDIT_ACCOUNT, before.department, before.ref)
            if handle == before.handle:
                raise FieldError("handle", "identity.field.same_handle", value=handle)
            owner = repos(txn).accounts.index().get(f"{before.platform}:{handle}")
            if owner is not None and owner != before.id:
                ref_taken = f"{before.platform}:{handle}"
                raise FieldError("handle", "field.duplicate_account", ref=ref_taken)
            after = before.with_changes(handle=handle, identity_mismatch="", updated=self._clock())
            repos(txn).accounts.put(after, before)
            self._log_change(txn, before, after, "handle")
            self._log_change(txn, before, after, "identity_mismatch")
        return after

    def accept_identity(self, ref: str) -> Account:
        """Take the id now behind the account's handle as the city's own (admins only)."""
        with self._write() as txn:
            before = resolve(txn, ref)
            self._authorize(txn, access.ACCEPT_IDENTITY, before.department, before.ref)
            if not before.identity_mismatch:
                raise FieldError("platform_id", "identity.field.no_mismatch", account=before.ref)
            after = before.with_changes(
                platform_id=before.identity_mismatch,
                observed_id=before.identity_mismatch,
                identity_mismatch="",
                updated=self._clock(),
            )
            repos(txn).accounts.put(after, before)
            self._log_change(txn, before, after, "platform_id")
            self._log_change(txn, before, after, "identity_mismatch")
        return after

    def _log_change(
        self, txn: WriteTransaction, before: Account, after: Account, name: str
    ) -> None:
        old: Any = getattr(before, name)
        new: Any = getattr(after, name)
        if old != new:
            repos(txn).log.append(
                self._entry(
                    CHANGED, account_id=after.id, account=after.ref, field=name, old=old, new=new
                )
            )
