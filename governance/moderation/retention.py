"""The screenshots' retention: a screenshot is deleted ``keep_screenshots_days`` after its record
got its diarienummer (the registry keeps its own copy from then on).

Deleting is a change to the record, so it is done for a user only on the records that user may
change (:func:`governance.access.User.may` with ``moderation.record``): an admin's command
expires every record's screenshot, a lead's those of their departments' accounts (and of KC's
where KC answers the comments), a viewer's read none at all. The record keeps that its
screenshot was deleted, and when; a file is deleted once no record still keeps it.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import replace
from datetime import datetime, timedelta

from governance.access import RECORD_MODERATION, User
from governance.model import Account, ChangeEntry
from governance.moderation.records import ModerationRecord
from governance.storage.database import WriteTransaction
from governance.store import repos

_EntryMaker = Callable[..., ChangeEntry]


def expired(record: ModerationRecord, now: datetime, keep: timedelta) -> bool:
    """The record's screenshot is still kept, and its time has run out."""
    shot = record.screenshot
    return (shot is not None and shot.deleted_at is None
            and record.diarienummer_at is not None and record.diarienummer_at + keep <= now)


def may_change(user: User, account: Account | None, kc_department: Callable[[], str]) -> bool:
    """Whether ``user`` may change a record of ``account`` (None: no longer in the register,
    which only an admin may touch). ``kc_department`` is asked only when it matters."""
    if account is None:
        return user.may(RECORD_MODERATION)
    if user.may(RECORD_MODERATION, account.department):
        return True
    return account.kc_handles_comments and user.may(RECORD_MODERATION, kc_department())


def expire_screenshots(txn: WriteTransaction, records: list[ModerationRecord],
                       chosen: Collection[str], now: datetime, entry: _EntryMaker) -> int:
    """Mark the screenshots of the ``chosen`` record ids deleted; delete each file no record
    still keeps. ``records`` are all of them (a file may be shared by two records)."""
    expired_now = [r for r in records if r.id in chosen and r.screenshot is not None]
    stored = repos(txn)
    for record in expired_now:
        assert record.screenshot is not None
        shot = replace(record.screenshot, deleted_at=now)
        stored.moderation.put(record.id, replace(record, screenshot=shot).to_doc())
        account = stored.accounts.get(record.account_id)
        stored.log.append(entry("moderation-screenshot-deleted", account_id=record.account_id,
                                account=account.ref if account else record.account_id,
                                field="moderation", new=record.id))
    kept = {r.screenshot.sha256 for r in records
            if r.screenshot and r.screenshot.deleted_at is None and r.id not in chosen}
    for record in expired_now:
        assert record.screenshot is not None
        if record.screenshot.sha256 not in kept:
            stored.moderation.delete_screenshot(record.screenshot.sha256,
                                                record.screenshot.extension)
    return len(expired_now)
