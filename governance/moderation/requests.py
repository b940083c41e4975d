"""A moderation record as typed (CLI options, the app's form), parsed before anything is stored.

One parser for every front end: :func:`parse_request` turns the texts into a
:class:`ParsedRequest` or raises the FieldError of the first bad field. The time is ISO 8601 with
or without an offset (without: Stockholm time, as ``kontokoll deadline``), within the project's
years, and not in the future.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from governance.errors import FieldError
from governance.fields import parse_bool, parse_timestamp
from governance.moderation.records import (
    ACTIONS,
    CATEGORIES,
    parse_choice,
    parse_comment_id,
    parse_note,
)
from governance.moderation.screenshots import Screenshot, read_screenshot
from governance.worktime import in_stockholm


@dataclass(frozen=True)
class RecordRequest:
    """The texts of a new record, as typed; empty means not given."""

    account: str
    action: str
    reason: str
    at: str
    screenshot: str = ""  # a file path
    comment_id: str = ""
    notified: str = ""  # yes/no (ja/nej); empty: not said
    note: str = ""


@dataclass(frozen=True)
class ParsedRequest:
    account: str
    action: str
    reason: str
    at: datetime
    screenshot: Screenshot | None
    comment_id: str
    notified: bool | None
    note: str


def parse_request(request: RecordRequest, now: datetime, data_dir: Path) -> ParsedRequest:
    """Every field checked (the screenshot read and checked last); FieldError/InputError if not."""
    if not request.account.strip():
        raise FieldError("account", "field.required")
    action = parse_choice(request.action, "action", ACTIONS)
    reason = parse_choice(request.reason, "reason", CATEGORIES)
    at = parse_moment(request.at, now)
    comment_id = parse_comment_id(request.comment_id)
    notified = parse_bool(request.notified, "notified") if request.notified.strip() else None
    note = parse_note(request.note, reason)
    if action == "delete" and not request.screenshot.strip():
        raise FieldError("screenshot", "moderation.error.delete_needs_screenshot")
    shot = None
    if request.screenshot.strip():
        shot = read_screenshot(Path(request.screenshot.strip()), data_dir)
    return ParsedRequest(request.account.strip(), action, reason, at, shot, comment_id,
                         notified, note)


def parse_moment(text: str, now: datetime) -> datetime:
    """When it happened: ISO 8601, Stockholm time if no offset, never after ``now``."""
    if not text.strip():
        raise FieldError("at", "field.required")
    moment = in_stockholm(parse_timestamp(text, "at"), "at", text.strip())
    if moment > now:
        raise FieldError("at", "moderation.error.in_future", value=text.strip())
    return moment
