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
from governance.export_target import is_stream
from governance.fields import parse_bool, parse_timestamp
from governance.i18n import t
from governance.moderation.records import (
    ACTIONS,
    CATEGORIES,
    parse_choice,
    parse_comment_id,
    parse_note,
)
from governance.moderation.screenshots import (
    Screenshot,
    read_screenshot,
    refuse_path,
    screenshot_of,
)
from governance.worktime import in_stockholm


@dataclass(frozen=True)
class RecordRequest:
    """The texts of a new record, as typed; empty means not given."""

    account: str
    action: str
    reason: str
    at: str
    screenshot: str = ""  # a file path, or "-" with the bytes in screenshot_data
    comment_id: str = ""
    notified: str = ""  # yes/no (ja/nej); empty: not said
    note: str = ""
    #: The screenshot's bytes as the command line read them from standard input (``-``).
    screenshot_data: bytes | None = None


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


def parse_request(request: RecordRequest, now: datetime, data_dir: Path, *,
                  opens_paths: bool | None = None) -> ParsedRequest:
    """Every field checked (the screenshot read and checked last); FieldError/InputError if not.

    ``opens_paths``: whether a typed path may be opened (None: unless this is a served or
    service-account session; :func:`~governance.moderation.screenshots.refuse_path`)."""
    if not request.account.strip():
        raise FieldError("account", "field.required")
    action = parse_choice(request.action, "action", ACTIONS)
    reason = parse_choice(request.reason, "reason", CATEGORIES)
    at = parse_moment(request.at, now)
    comment_id = parse_comment_id(request.comment_id)
    notified = parse_bool(request.notified, "notified") if request.notified.strip() else None
    note = parse_note(request.note, reason)
    if action == "delete" and not request.screenshot.strip():
        refuse_path("", opens_paths=opens_paths)  # served: say where a deletion can be recorded
        raise FieldError("screenshot", "moderation.error.delete_needs_screenshot")
    shot = _screenshot(request, data_dir, opens_paths)
    return ParsedRequest(request.account.strip(), action, reason, at, shot, comment_id,
                         notified, note)


def _screenshot(request: RecordRequest, data_dir: Path,
                opens_paths: bool | None) -> Screenshot | None:
    text = request.screenshot.strip()
    if request.screenshot_data is not None and is_stream(text):
        return screenshot_of(request.screenshot_data, t("moderation_input.stdin"))
    if not text:
        return None
    refuse_path(text, opens_paths=opens_paths)
    if is_stream(text):  # standard input is the command line's to read, never the app's
        raise FieldError("screenshot", "moderation_input.stdin_cli_only")
    return read_screenshot(Path(text), data_dir)


def parse_moment(text: str, now: datetime) -> datetime:
    """When it happened: ISO 8601, Stockholm time if no offset, never after ``now``."""
    if not text.strip():
        raise FieldError("at", "field.required")
    moment = in_stockholm(parse_timestamp(text, "at"), "at", text.strip())
    if moment > now:
        raise FieldError("at", "moderation.error.in_future", value=text.strip())
    return moment
