"""The moderation register as a service: record, list, register (diarieföra), retention.

Rights (:mod:`governance.access`): a lead records and registers for the accounts of their own
departments, an admin for all, a viewer reads. Every change lands in one write transaction with
its change-log entry (who, which record; never an address).

Retention runs at the start of every moderation command (:meth:`ModerationService.retain`, a
write only when a screenshot is due, and only on the records the user may change: a viewer's
read changes nothing) and on ``kontokoll moderation retention`` for a cron job, run by an admin
(the service account registered as one): no daemon is needed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import cache, cached_property
from typing import Any

from governance.access import READ, RECORD_MODERATION, REGISTER_MODERATION, identify
from governance.account_refs import resolve
from governance.errors import InputError, StoreCorrupt
from governance.i18n import t
from governance.kc import load_kc_department
from governance.mail_claims import SendClaim, claim_params, new_claim, verdict
from governance.model import Account, ChangeEntry, utc_now
from governance.moderation.records import (
    ModerationRecord,
    ScreenshotRef,
    new_record_id,
    parse_diarienummer,
    parse_record_id,
)
from governance.moderation.requests import ParsedRequest, RecordRequest, parse_request
from governance.moderation.retention import expire_screenshots, expired, may_change
from governance.moderation.settings import ModerationSettings, load_moderation_settings
from governance.moderation.stored import BadRecord
from governance.monthly import STOCKHOLM
from governance.service import Service
from governance.storage.database import ReadTransaction
from governance.storage.layout import screenshot_file
from governance.store import Store, repos

_Change = Callable[["ModerationRecord"], "ModerationRecord"]


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
    claim: SendClaim | None = None  # this sender's claim on the mail (a dry run has none)
    taken_over: SendClaim | None = None  # a stale claim this sender took over (``--resend``)


def load_records(txn: ReadTransaction) -> list[ModerationRecord]:
    """Every moderation record, oldest first (a record of the wrong shape: StoreCorrupt)."""
    stored = repos(txn).moderation
    records = [_from_doc(txn, doc, key) for key, doc in stored.all().items()]
    return sorted(records, key=lambda r: (r.at, r.id))


def _from_doc(txn: ReadTransaction, doc: Any, key: str) -> ModerationRecord:
    """A stored record, or the store's "damaged file" error naming the file, record and field."""
    try:
        return ModerationRecord.from_doc(doc, key)
    except BadRecord as problem:
        raise StoreCorrupt(path=str(repos(txn).moderation.where), detail=str(problem)) from None


class ModerationService(Service):
    """One user's work with the moderation register.

    ``opens_paths`` says whether a screenshot may be read from a path the user typed: None (the
    default) unless this process is a served or a service-account session, False never (the
    app in a browser), True always (a test's own files). A screenshot given as bytes
    (``--screenshot -``, standard input) is never a path.
    """

    def __init__(self, store: Store, *, user: str | None = None,
                 clock: Callable[[], datetime] = utc_now, opens_paths: bool | None = None) -> None:
        super().__init__(store, user=user, clock=clock)
        self.opens_paths = opens_paths

    @cached_property
    def settings(self) -> ModerationSettings:
        return load_moderation_settings(self.store.data_dir)

    # --- recording ---------------------------------------------------------------------------

    def record(self, request: RecordRequest) -> ModerationRecord:
        """Check and store a new record (and its screenshot); nothing is stored on a bad input."""
        return self.record_parsed(parse_request(request, self._clock(), self.store.data_dir,
                                                opens_paths=self.opens_paths))

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
        record = _from_doc(txn, doc, "")
        account = repos(txn).accounts.get(record.account_id)
        ref = account.ref if account else record.account_id
        if account is None:
            return Listed(record, ref, "")
        return Listed(record, ref, account.department, account.kc_handles_comments)

    # --- registering -------------------------------------------------------------------------

    def registration(self, record_id: str, *, resend: bool = False) -> Registration:
        """What to mail for the record, if the user may register it and it was not yet sent
        (a dry run's: it claims nothing, :meth:`claim_registration` does)."""
        wanted = parse_record_id(record_id)
        self.retain()
        with self._read() as txn:
            return self._registration(txn, wanted, resend)

    def claim_registration(self, record_id: str, *, resend: bool = False) -> Registration:
        """What to mail, with this sender's claim on it (:mod:`governance.mail_claims`) stored
        in the same transaction that checks the record is unsent and unclaimed, so two senders
        at once never both mail it. A live claim refuses even ``resend``; a stale one refuses
        without it, and with it is taken over (``Registration.taken_over`` names it)."""
        wanted = parse_record_id(record_id)
        self.retain()
        with self._write() as txn:
            registration = self._registration(txn, wanted, resend)
            record = registration.listed.record
            now = self._clock()
            found = verdict(record.sending, now, resend=resend)
            if record.sending is not None and found in ("busy", "unfinished"):
                raise InputError(f"mail_claims.moderation.{found}", id=record.id,
                                 **claim_params(record.sending, now))
            claim = new_claim(self.user, now)
            repos(txn).moderation.put(record.id, replace(record, sending=claim).to_doc())
        return replace(registration, claim=claim, taken_over=record.sending)

    def _registration(self, txn: ReadTransaction, wanted: str, resend: bool) -> Registration:
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

    def release(self, registration: Registration) -> None:
        """The mail did not go out: end this sender's claim, so the next try may send. A claim
        another sender took over meanwhile is theirs and stays."""
        record_id, ours = registration.listed.record.id, registration.claim
        with self._write() as txn:
            doc = repos(txn).moderation.get(record_id)
            record = _from_doc(txn, doc, "") if doc is not None else None
            if record is not None and ours is not None and ours.same(record.sending):
                repos(txn).moderation.put(record_id, replace(record, sending=None).to_doc())

    def mark_sent(self, record_id: str, claim: SendClaim | None = None) -> ModerationRecord:
        """Record that the registration mail went out now, by this user (and end ``claim``,
        the sender's own, unless another sender took it over meanwhile).

        A resend keeps the first sending's time and sender: the duty (one working day) was met
        or missed then, and an audit of an earlier day must judge what happened by that day. The
        change log keeps every sending.
        """

        def sent(r: ModerationRecord) -> ModerationRecord:
            ours = claim is not None and claim.same(r.sending)
            return replace(r, sent_at=r.sent_at or self._clock(), sent_by=r.sent_by or self.user,
                           sending=None if ours else r.sending)

        return self._change(record_id, REGISTER_MODERATION, "moderation-registered", sent)

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

    def retain(self, *, required: bool = False) -> int:
        """Delete the screenshots whose keeping time has run out, of the records this user may
        change (:mod:`governance.moderation.retention`: a viewer's read changes nothing); how
        many records lost theirs. ``required`` (``kontokoll moderation retention``, a cron job)
        refuses a user who may not change every record, and says so in the change log."""
        now = self._clock()
        keep = timedelta(days=self.settings.keep_screenshots_days)
        with self._read() if required else self.store.read() as txn:
            if required:
                self._authorize(txn, RECORD_MODERATION)
            if not self._due(txn, now, keep):
                return 0  # the common case: no write, no lock held for long
        with self.store.write() as txn:  # again under the lock: another may have been first
            return expire_screenshots(txn, load_records(txn), self._due(txn, now, keep), now,
                                      self._entry)

    def _due(self, txn: ReadTransaction, now: datetime, keep: timedelta) -> set[str]:
        """The ids of the records whose screenshot is due and that this user may change."""
        user = identify(txn, self.user)  # a login that is no user changes nothing, not even this
        due = [r for r in load_records(txn) if expired(r, now, keep)]
        if not due or not (user.role == "admin" or user.departments):
            return set()
        accounts = repos(txn).accounts
        kc = cache(lambda: load_kc_department(self.store.data_dir))
        return {r.id for r in due if may_change(user, accounts.get(r.account_id), kc)}

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


def _check_checksum(txn: ReadTransaction, shot: ScreenshotRef, data: bytes | None) -> None:
    """The screenshot is the one recorded: never mail a file changed behind Kontokoll's back,
    nor one lost from the store as if retention had deleted it."""
    path = txn.path(screenshot_file(shot.sha256, shot.extension))
    if data is None:
        raise StoreCorrupt(path=str(path), detail=t("moderation.error.screenshot_lost"))
    if hashlib.sha256(data).hexdigest() != shot.sha256:
        raise StoreCorrupt(path=str(path), detail=t("moderation.error.checksum_differs"))


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
