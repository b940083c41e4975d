"""A moderation record: one comment hidden, deleted or its writer blocked, and why.

The guideline (*Riktlinjer vid hantering av kommentarer*, *Dölja eller ta bort kommentar*) names
what is removed; :data:`CATEGORIES` are its words as ids. A record never names the commenter:
there is no field for it, and a note that holds an e-mail address is refused. What a record
keeps of the screenshot is its checksum, type and size; the bytes live in the store's
screenshot folder until the retention deletes them (:mod:`governance.moderation.retention`).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from governance.errors import FieldError
from governance.mail_claims import SendClaim
from governance.moderation.personal_numbers import has_personnummer, has_phone_number
from governance.moderation.stored import ACTIONS as ACTIONS  # re-exported: its home is here
from governance.moderation.stored import check_record_doc
from governance.text_safety import MAX_TEXT, check_text, has_email_like

#: The guideline's reasons for removing a comment, in its order; ``annat`` needs a note.
CATEGORIES = (
    "rasism",
    "hot",
    "personangrepp",
    "sekretess",
    "falsk-information",
    "upphovsratt",
    "samtycke",
    "spam",
    "annat",
)
OTHER = "annat"
_ID = re.compile(r"[0-9a-f]{8}")
_COMMENT_ID = re.compile(r"[A-Za-z0-9_.:-]{1,100}")
#: The registry's usual forms: series letters optional (``KS 2026/01234``, ``2026/01234``), a
#: year and a running number, an optional part (``-2``) and document number (``:3``).
_DIARIENUMMER = re.compile(
    r"(?:[A-Za-zÅÄÖåäö]{1,10}[ -]?)?\d{2,4}[/-]\d{1,8}(?:-\d{1,4})?(?::\d{1,4})?"
)


@dataclass(frozen=True, slots=True)
class ScreenshotRef:
    """What a record keeps of its screenshot: the checksum (also the file's name), type, size."""

    sha256: str
    extension: str  # png, jpg or pdf
    size: int
    deleted_at: datetime | None = None  # when the retention deleted the file

    def to_doc(self) -> dict[str, Any]:
        return {"sha256": self.sha256, "extension": self.extension, "size": self.size,
                "deleted_at": _stamp(self.deleted_at)}

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any]) -> ScreenshotRef:
        return cls(str(doc["sha256"]), str(doc["extension"]), int(doc["size"]),
                   _moment(doc.get("deleted_at")))


@dataclass(frozen=True, slots=True)
class ModerationRecord:
    """One moderation action on one account's comment."""

    id: str
    account_id: str
    action: str
    reason: str
    at: datetime  # when the comment was hidden or removed (aware)
    recorded_by: str  # the login that recorded it
    recorded_at: datetime
    comment_id: str = ""
    notified: bool | None = None  # whether the writer was told; None: not said
    note: str = ""
    screenshot: ScreenshotRef | None = None
    sent_at: datetime | None = None  # the registration mail went to the registry
    sent_by: str = ""
    diarienummer: str = ""
    diarienummer_at: datetime | None = None
    sending: SendClaim | None = None  # a process is mailing it now (governance.mail_claims)
    extra: Mapping[str, Any] = field(default_factory=dict)  # fields of a newer version, kept

    @property
    def needs_registration(self) -> bool:
        """A deletion must be screenshotted and registered (diarieförd)."""
        return self.action == "delete"

    def to_doc(self) -> dict[str, Any]:
        return {
            **self.extra,
            "id": self.id, "account_id": self.account_id, "action": self.action,
            "reason": self.reason, "at": _stamp(self.at), "recorded_by": self.recorded_by,
            "recorded_at": _stamp(self.recorded_at), "comment_id": self.comment_id,
            "notified": self.notified, "note": self.note,
            "screenshot": self.screenshot.to_doc() if self.screenshot else None,
            "sent_at": _stamp(self.sent_at), "sent_by": self.sent_by,
            "diarienummer": self.diarienummer, "diarienummer_at": _stamp(self.diarienummer_at),
            "sending": self.sending.to_doc() if self.sending else None,  # put() merges: None ends
        }  # fmt: skip

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any], key: str = "") -> ModerationRecord:
        """From a stored document (``key``: its TinyDB doc id, when known); a wrong shape raises
        :class:`~governance.moderation.stored.BadRecord` naming the record and the field."""
        check_record_doc(doc, key)
        known = {f.name for f in fields(cls)}
        shot = doc.get("screenshot")
        notified = doc.get("notified")
        return cls(
            doc["id"], str(doc["account_id"]), doc["action"], str(doc["reason"]),
            _required(doc["at"]), str(doc["recorded_by"]), _required(doc["recorded_at"]),
            str(doc.get("comment_id", "")), notified, str(doc.get("note", "")),
            ScreenshotRef.from_doc(shot) if shot else None,
            _moment(doc.get("sent_at")), str(doc.get("sent_by", "")),
            str(doc.get("diarienummer", "")), _moment(doc.get("diarienummer_at")),
            SendClaim.from_doc(doc["sending"]) if doc.get("sending") is not None else None,
            {k: v for k, v in doc.items() if k not in known},
        )  # fmt: skip


def new_record_id(taken: Callable[[str], bool]) -> str:
    """A fresh 8-hex-digit id that ``taken`` says is free (short enough to type, never reused)."""
    while True:
        candidate = secrets.token_hex(4)
        if not taken(candidate):
            return candidate


def parse_record_id(text: str) -> str:
    """A record id as typed (case and spaces forgiven); FieldError if it cannot be one."""
    value = text.strip().lower()
    if not _ID.fullmatch(value):
        raise FieldError("id", "moderation.error.bad_id", value=text.strip())
    return value


def parse_choice(text: str, field: str, choices: tuple[str, ...]) -> str:
    value = text.strip().lower()
    if value not in choices:
        raise FieldError(field, "field.bad_choice", value=text.strip(), allowed=", ".join(choices))
    return value


def parse_note(text: str, reason: str) -> str:
    """The note: one trimmed line, no control characters, no e-mail address, personnummer or
    phone number (:mod:`governance.moderation.personal_numbers`); required for ``annat``."""
    value = " ".join(text.split())
    check_text(value, "note", limit=MAX_TEXT)
    if has_email_like(value):
        raise FieldError("note", "moderation.error.note_email")
    if has_personnummer(value):
        raise FieldError("note", "f9d_input.note.personnummer")
    if has_phone_number(value):
        raise FieldError("note", "f9d_input.note.phone")
    if reason == OTHER and not value:
        raise FieldError("note", "moderation.error.other_needs_note")
    return value


def parse_comment_id(text: str) -> str:
    """The platform's id of the comment (optional): letters, digits and ``_ . : -``."""
    value = text.strip()
    if value and not _COMMENT_ID.fullmatch(value):
        check_text(value, "comment_id", limit=100)
        raise FieldError("comment_id", "moderation.error.bad_comment_id", value=value)
    return value


def parse_diarienummer(text: str) -> str:
    """The registry's number, such as ``KS 2026/01234``, ``2026/01234`` or ``KS 2026/01234:3``."""
    value = " ".join(text.split())
    check_text(value, "diarienummer", limit=40)
    if not _DIARIENUMMER.fullmatch(value):
        raise FieldError("diarienummer", "moderation.error.bad_diarienummer", value=value)
    return value


def _stamp(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _moment(value: Any) -> datetime | None:
    return _required(value) if value else None


def _required(value: Any) -> datetime:
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError(f"time without offset: {value!r}")
    return moment
