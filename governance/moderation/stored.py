"""The shape a stored moderation record must have, checked field by field.

``moderation/records.json`` is a file a person can edit (or a disk can damage). Every command
reads it through :func:`check_record_doc` (via ``ModerationRecord.from_doc``), so a record of the
wrong shape stops the command with the store's "damaged file" message naming the file, the
record and the field, never a traceback deeper down (a screenshot named ``zz``, a year 9999 that
overflows the retention's arithmetic). ``kontokoll doctor`` reports the same problems, one per
record, through :func:`record_problems`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from governance.fields import FIRST_YEAR, LAST_YEAR
from governance.i18n import t
from governance.mail_claims import claim_problems, is_stored_moment
from governance.text_safety import MAX_TEXT, UNSAFE

ACTIONS = ("hide", "delete", "block")
EXTENSIONS = ("png", "jpg", "pdf")
_ID = re.compile(r"[0-9a-f]{8}")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_MAX_SCREENSHOT = 10 * 1024 * 1024
_TEXTS = ("account_id", "reason", "recorded_by")
_OPTIONAL_TEXTS = ("comment_id", "note", "sent_by", "diarienummer")
_MOMENTS = ("at", "recorded_at")
_OPTIONAL_MOMENTS = ("sent_at", "diarienummer_at")


class BadRecord(ValueError):
    """One field of one stored record is wrong (a ValueError: the store reports it as damage)."""

    def __init__(self, record: str, field: str, reason: str) -> None:
        self.record = record
        self.field = field
        key = reason if "." in reason else f"records_check.reason.{reason}"  # a whole key: its own
        self.detail = t(key, first=FIRST_YEAR, last=LAST_YEAR,
                        limit=MAX_TEXT,
                        actions=", ".join(ACTIONS), extensions=", ".join(EXTENSIONS))
        super().__init__(t("records_check.record", id=record, field=field, detail=self.detail))


def record_label(key: str, doc: Any) -> str:
    """How a message names a stored record: its id if it has a usable one, else its doc key."""
    found = doc.get("id") if isinstance(doc, Mapping) else None
    return found if isinstance(found, str) and _ID.fullmatch(found) else f"#{key}"


def check_record_doc(doc: Any, key: str = "") -> None:
    """Raise :class:`BadRecord` for the first field of ``doc`` not as Kontokoll writes it."""
    for field, reason in _field_problems(doc, key):
        raise BadRecord(record_label(key, doc), field, reason)


def record_problems(docs: Mapping[str, Any]) -> Iterator[BadRecord]:
    """The first problem of each stored record that has one, for ``kontokoll doctor``."""
    for key, doc in docs.items():
        try:
            check_record_doc(doc, key)
        except BadRecord as problem:
            yield problem


def _field_problems(doc: Any, key: str) -> Iterator[tuple[str, str]]:
    if not isinstance(doc, Mapping):
        yield "record", "object"
        return
    record_id = doc.get("id")
    if not isinstance(record_id, str) or not _ID.fullmatch(record_id):
        yield "id", "id"
    elif key and key != str(int(record_id, 16)):
        yield "id", "key"
    if doc.get("action") not in ACTIONS:
        yield "action", "action"
    for name in _TEXTS:
        if not isinstance(doc.get(name), str) or not doc[name]:
            yield name, "text"
    for name in _OPTIONAL_TEXTS:
        if not isinstance(doc.get(name, ""), str):
            yield name, "optional_text"
    yield from _text_problems(doc)
    for name in (*_MOMENTS, *_OPTIONAL_MOMENTS):
        value = doc.get(name)
        if (value is not None or name in _MOMENTS) and not is_stored_moment(value):
            yield name, "moment"
    notified = doc.get("notified")
    if notified is not None and not isinstance(notified, bool):  # 1 == True, yet not a bool
        yield "notified", "notified"
    yield from _screenshot_problems(doc.get("screenshot"))
    if doc.get("sending") is not None:  # older records have none
        yield from claim_problems(doc["sending"])


def _text_problems(doc: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """Texts no command writes: a control or direction character (an edited file's ESC would
    reach the terminal, the export and the registry's mail), or more than any field holds."""
    for name in (*_TEXTS, *_OPTIONAL_TEXTS):
        value = doc.get(name)
        if isinstance(value, str) and UNSAFE.search(value):
            yield name, "unsafe_text"
        elif isinstance(value, str) and len(value) > MAX_TEXT:
            yield name, "long_text"


def _screenshot_problems(shot: Any) -> Iterator[tuple[str, str]]:
    if shot is None:
        return
    if not isinstance(shot, Mapping):
        yield "screenshot", "object"
        return
    if not isinstance(shot.get("sha256"), str) or not _SHA256.fullmatch(shot["sha256"]):
        yield "screenshot.sha256", "sha256"
    if shot.get("extension") not in EXTENSIONS:
        yield "screenshot.extension", "extension"
    size = shot.get("size")
    if isinstance(size, bool) or not isinstance(size, int) or not 0 < size <= _MAX_SCREENSHOT:
        yield "screenshot.size", "size"
    deleted = shot.get("deleted_at")
    if deleted is not None and not is_stored_moment(deleted):
        yield "screenshot.deleted_at", "moment"
