"""The moderation register as a service: record, list, register (diarieföra), retention.

Rights (:mod:`governance.access`): a lead records and registers for the accounts of their own
departments, an admin for all, a viewer reads. Every change lands in one write transaction with
its change-log entry (who, which record; never an address).

Retention runs at the start of every moderation command (:meth:`ModerationService.retain`, a
write only when a screenshot is due) and on ``kontokoll moderation retention`` for a cron job:
no daemon is needed, and a screenshot outlives its day only until Kontokoll is next used for
moderation.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import cached_property

from governance.access import READ, RECORD_MODERATION, REGISTER_MODERATION, identify
from governance.account_refs import resolve
from governance.errors import InputError, StoreCorrupt
from governance.i18n import t
from governance.kc import load_kc_department
from governance.model import Account, ChangeEntry
from governance.moderation.records import (
    ModerationRecord,
    ScreenshotRef,
    new_record_id,
    parse_diarienummer,
    parse_record_id,
)
from governance.moderation.requests import ParsedRequest, RecordRequest, parse_request
from governance.moderation.settings import ModerationSettings, load_moderation_settings
from governance.monthly import STOCKHOLM
from governance.service import Service
from governance.storage.database import ReadTransaction, WriteTransaction
from governance.storage.layout import screenshot_file
from governance.store import repos

_Change = Callable[["ModerationRecord"], "ModerationRecord"]
_EntryMaker = Callable[..., ChangeEntry]


@dataclass(frozen=True)
class Listed:
    """A record with the account it belongs to, as lists and exports show it."""

    record: ModerationRecord
    ref: str  # PLATFORM:HANDLE (the account's id if it is no longer in the register)
    department: str
    kc_handles_comments: bool = False  # KC moderates its comments (governance.kc)


@dataclass(frozen=True)
class Registration:
    """What the registration mail is made of (:mod:`governance.moderation.registration`)."""

    listed: Listed
    screenshot: bytes | None  # None once the retention deleted it


def load_records(txn: ReadTransaction) -> list[ModerationRecord]:
    """Every moderation record, oldest first (a record of the wrong shape: StoreCorrupt)."""
    stored = repos(txn).moderation
    docs = stored.all()
    with txn.shaped(str(stored.where.relative_to(txn.path("")))):
        records = [ModerationRecord.from_doc(doc) for doc in docs.values()]
    return sorted(records, key=lambda r: (r.at, r.id))


class ModerationService(Service):
    """One user's work with the moderation register."""

    @cached_property
    def settings(self) -> ModerationSettings:
        return load_moderation_settings(self.store.data_dir)

    # --- recording ---------------------------------------------------------------------------

    def record(self, request: RecordRequest) -> ModerationRecord:
        """Check and store a new record (and its screenshot); nothing is stored on a bad input."""
        return self.record_parsed(parse_request(request, self._clock(), self.store.data_dir))

    def record_parsed(self, parsed: ParsedRequest) -> ModerationRecord:
        """Store a record whose fields are already checked (:func:`parse_request`)."""
        self.retain()
        with self._write() as txn:
            account = resolve(txn, parsed.account)
            self._authorize_moderation(txn, RECORD_MODERATION, account.department, account.ref,
                                       kc_handles_comments=account.kc_handles_comments)
            if account.status in ("requested", "rejected"):  # never published: no comments
                raise InputError("moderation.error.account_not_published", ref=account.ref,
                                 status=t(f"value.{account.status}"))
            record = self._new_record(txn, account, parsed)
            stored = repos(txn)
            stored.moderation.put(record.id, record.to_doc())
            if parsed.screenshot is not None:
                shot = parsed.screenshot
                stored.moderation.put_screenshot(shot.sha256, shot.extension, shot.data)
            detail = f"{record.id} {record.action} {record.reason}"
            stored.log.append(self._log(account, "moderation-recorded", new=detail))
        return record

    def _new_record(
        self, txn: ReadTransaction, account: Account, parsed: ParsedRequest
    ) -> ModerationRecord:
        taken = repos(txn).moderation.get
        shot = parsed.screenshot
        return ModerationRecord(
            id=new_record_id(lambda candidate: taken(candidate) is not None),
            account_id=account.id, action=parsed.action, reason=parsed.reason, at=parsed.at,
            recorded_by=self.user, recorded_at=self._clock(), comment_id=parsed.comment_id,
            notified=parsed.notified, note=parsed.note,
            screenshot=ScreenshotRef(shot.sha256, shot.extension, len(shot.data)) if shot else None,
        )  # fmt: skip

    # --- reading -----------------------------------------------------------------------------

    def records(
        self,
        account: str | None = None,
        *,
        unregistered: bool = False,
        between: tuple[date, date] | None = None,
    ) -> list[Listed]:
        """The records (of one account; only deletions not yet sent; made within ``between``)."""
        self.retain()
        with self._read() as txn:
            self._authorize(txn, READ)
            wanted = resolve(txn, account).id if account else None
            return [
                listed
                for listed in self._listed(txn)
                if (wanted is None or listed.record.account_id == wanted)
                and (not unregistered or unsent_deletion(listed.record))
                and (between is None or between[0] <= local_day(listed.record.at) <= between[1])
            ]

    def get(self, record_id: str) -> Listed:
        """One record by its id (InputError naming it if there is none)."""
        with self._read() as txn:
            return self._one(txn, parse_record_id(record_id))

    def _listed(self, txn: ReadTransaction) -> Iterator[Listed]:
        accounts = repos(txn).accounts
        cache: dict[str, Account | None] = {}
        for record in load_records(txn):
            if record.account_id not in cache:
                cache[record.account_id] = accounts.get(record.account_id)
            account = cache[record.account_id]
            ref = account.ref if account else record.account_id
            yield Listed(record, ref, account.department if account else "")

    def _one(self, txn: ReadTransaction, record_id: str) -> Listed:
        doc = repos(txn).moderation.get(record_id)
        if doc is None:
            raise InputError("moderation.error.unknown_record", id=record_id)
        with txn.shaped("moderation"):
            record = ModerationRecord.from_doc(doc)
        account = repos(txn).accounts.get(record.account_id)
        ref = account.ref if account else record.account_id
        if account is None:
            return Listed(record, ref, "")
        return Listed(record, ref, account.department, account.kc_handles_comments)

    # --- registering -------------------------------------------------------------------------

    def registration(self, record_id: str, *, resend: bool = False) -> Registration:
        """What to mail for the record, if the user may register it and it was not yet sent."""
        wanted = parse_record_id(record_id)
        self.retain()
        with self._read() as txn:
            listed = self._one(txn, wanted)
            self._authorize_moderation(txn, REGISTER_MODERATION, listed.department, listed.ref,
                                       kc_handles_comments=listed.kc_handles_comments)
            record = listed.record
            if record.sent_at is not None and not resend:
                raise InputError("moderation.error.already_sent", id=record.id,
                                 at=record.sent_at.astimezone(STOCKHOLM).isoformat(),
                                 user=record.sent_by)
            shot = record.screenshot
            data = None
            if shot is not None and shot.deleted_at is None:
                data = repos(txn).moderation.screenshot(shot.sha256, shot.extension)
                _check_checksum(txn, shot, data)
            return Registration(listed, data)

    def mark_sent(self, record_id: str) -> ModerationRecord:
        """Record that the registration mail went out now, by this user.

        A resend keeps the first sending's time and sender: the duty (one working day) was met
        or missed then, and an audit of an earlier day must judge what happened by that day. The
        change log keeps every sending.
        """
        return self._change(record_id, REGISTER_MODERATION, "moderation-registered",
                            lambda r: replace(r, sent_at=r.sent_at or self._clock(),
                                              sent_by=r.sent_by or self.user))

    def set_diarienummer(
        self, record_id: str, text: str, *, replace_existing: bool = False
    ) -> ModerationRecord:
        """Record the registry's number; the screenshot's retention counts from the first one.

        A record that has another number keeps it unless ``replace_existing``: a mistyped record
        id must not silently take another record's number away.
        """
        number = parse_diarienummer(text)

        def change(record: ModerationRecord) -> ModerationRecord:
            if record.sent_at is None:  # the number would start the screenshot's retention
                raise InputError("moderation.error.diarienummer_before_sending", id=record.id)
            if record.diarienummer and record.diarienummer != number and not replace_existing:
                raise InputError("moderation.error.diarienummer_exists", id=record.id,
                                 number=record.diarienummer)
            return replace(record, diarienummer=number,
                           diarienummer_at=record.diarienummer_at or self._clock())

        return self._change(record_id, REGISTER_MODERATION, "moderation-diarienummer", change)

    def _change(self, record_id: str, action: str, logged: str,
                change: _Change) -> ModerationRecord:
        wanted = parse_record_id(record_id)
        self.retain()
        with self._write() as txn:
            listed = self._one(txn, wanted)
            self._authorize_moderation(txn, action, listed.department, listed.ref,
                                       kc_handles_comments=listed.kc_handles_comments)
            after = change(listed.record)
            stored = repos(txn)
            stored.moderation.put(after.id, after.to_doc())
            old = listed.record.diarienummer if logged == "moderation-diarienummer" else None
            new = f"{after.id} {after.diarienummer}" if old is not None else after.id
            stored.log.append(self._entry(logged, account_id=after.account_id,
                                          account=listed.ref, field="moderation",
                                          old=old or None, new=new))
        return after

    # --- retention ---------------------------------------------------------------------------

    def retain(self) -> int:
        """Delete the screenshots whose keeping time has run out; how many records lost theirs."""
        now = self._clock()
        keep = timedelta(days=self.settings.keep_screenshots_days)
        with self.store.read() as txn:
            self._authorize(txn, READ)  # a login that is not a user changes nothing, not even this
            if not any(_expired(r, now, keep) for r in load_records(txn)):
                return 0  # the common case: no write, no lock held for long
        with self.store.write() as txn:
            return expire_screenshots(txn, now, keep, self._entry)

    def _authorize_moderation(self, txn: ReadTransaction, action: str, department: str, ref: str,
                              *, kc_handles_comments: bool) -> None:
        """The account's department's lead may; so may KC's lead where KC handles the comments
        (whoever answers the comments hides and deletes them, and the audit makes the
        registration duty KC's there: audits.responsibility)."""
        if kc_handles_comments:
            kc = load_kc_department(self.store.data_dir)
            if identify(txn, self.user).may(action, kc):
                return
        self._authorize(txn, action, department, ref)

    def _log(self, account: Account, action: str, **values: str | None) -> ChangeEntry:
        return self._entry(action, account_id=account.id, account=account.ref,
                           field="moderation", **values)


def expire_screenshots(txn: WriteTransaction, now: datetime, keep: timedelta,
                       entry: _EntryMaker) -> int:
    """Mark each expired record's screenshot deleted; delete a file no record still keeps."""
    records = load_records(txn)
    expired = [r for r in records if _expired(r, now, keep)]
    stored = repos(txn)
    for record in expired:
        assert record.screenshot is not None
        shot = replace(record.screenshot, deleted_at=now)
        stored.moderation.put(record.id, replace(record, screenshot=shot).to_doc())
        account = stored.accounts.get(record.account_id)
        stored.log.append(entry("moderation-screenshot-deleted", account_id=record.account_id,
                                account=account.ref if account else record.account_id,
                                field="moderation", new=record.id))
    gone = {r.id for r in expired}
    kept = {r.screenshot.sha256 for r in records
            if r.screenshot and r.screenshot.deleted_at is None and r.id not in gone}
    for record in expired:
        assert record.screenshot is not None
        if record.screenshot.sha256 not in kept:
            stored.moderation.delete_screenshot(record.screenshot.sha256,
                                                record.screenshot.extension)
    return len(expired)


def _check_checksum(txn: ReadTransaction, shot: ScreenshotRef, data: bytes | None) -> None:
    """The screenshot is the one recorded: never mail a file changed behind Kontokoll's back."""
    if data is not None and hashlib.sha256(data).hexdigest() != shot.sha256:
        path = txn.path(screenshot_file(shot.sha256, shot.extension))
        raise StoreCorrupt(path=str(path), detail=t("moderation.error.checksum_differs"))


def _expired(record: ModerationRecord, now: datetime, keep: timedelta) -> bool:
    shot = record.screenshot
    return (shot is not None and shot.deleted_at is None
            and record.diarienummer_at is not None and record.diarienummer_at + keep <= now)


def unsent_deletion(record: ModerationRecord) -> bool:
    """A deletion whose registration mail has not gone out."""
    return record.needs_registration and record.sent_at is None


def local_day(moment: datetime) -> date:
    """The Stockholm date of ``moment``."""
    return moment.astimezone(STOCKHOLM).date()


def by_account(records: list[ModerationRecord]) -> Mapping[str, tuple[ModerationRecord, ...]]:
    """The records grouped by account id."""
    grouped: dict[str, list[ModerationRecord]] = {}
    for record in records:
        grouped.setdefault(record.account_id, []).append(record)
    return {key: tuple(value) for key, value in grouped.items()}
