"""Who an account is on its platform: its stable id and current username, read during a sync.

Every client reads the account's profile anyway (followers, uploads playlist, ...); that call
also gives the id and, where the platform puts it there, the username, so reading them costs no
request. The profile is read by the registered id when there is one, else by the handle.

Whether the *registered handle* still leads to the registered id takes a lookup by handle. It is
made (``FetchPlan.check_handle``) only when the engine asks: at most once a week per account,
again after a rename, and whenever the profile can no longer be read by its id (the account may
have been deleted and re-created under the same name). A handle that now leads to another id is
an identity mismatch: the client returns no figures, and the engine stores none.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, TypeVar

from governance.platforms.errors import MalformedResponse, PlatformRefused
from governance.text_safety import first_unsafe

T = TypeVar("T")

#: How often the registered handle is looked up when the id is known.
HANDLE_CHECK_DAYS = 7
#: The cursor key that remembers the last lookup by handle: ``{"handle": ..., "on": ...}``.
CHECKED = "handle_checked"


@dataclass(frozen=True)
class Identity:
    """What a sync read of an account's identity.

    ``handle_id`` is the id the registered handle led to when it was looked up: None when it was
    not looked up in this sync, "" when it led to no account.
    """

    id: str
    username: str = ""
    handle_id: str | None = None

    def mismatch(self, registered_id: str) -> str:
        """The other id behind the registered handle, or "" when there is none to report."""
        if registered_id and self.handle_id and self.handle_id != registered_id:
            return self.handle_id
        return ""

    def to_doc(self) -> dict[str, Any]:
        return {"id": self.id, "username": self.username, "handle_id": self.handle_id}

    @classmethod
    def from_doc(cls, doc: Any) -> Identity | None:
        if not isinstance(doc, dict) or not isinstance(doc.get("id"), str):
            return None
        handle_id = doc.get("handle_id")
        return cls(doc["id"], str(doc.get("username") or ""),
                   handle_id if isinstance(handle_id, str) else None)


def handle_check_due(handle: str, platform_id: str, cursor: Any, today: date) -> bool:
    """Whether this sync should look the registered handle up (the id being known)."""
    if not platform_id:
        return False  # the profile itself is read by handle
    checked = cursor.get(CHECKED) if isinstance(cursor, dict) else None
    if not isinstance(checked, dict) or checked.get("handle") != handle:
        return True
    try:
        on = date.fromisoformat(str(checked.get("on")))
    except ValueError:
        return True
    return today - on >= timedelta(days=HANDLE_CHECK_DAYS)


def clean_username(value: Any, where: str) -> str:
    """A platform's username as a register handle is kept: lower case, without ``@``; "" for
    none. One with a control or invisible character is a malformed answer (:func:`shown_text`)."""
    if not isinstance(value, str):
        return ""
    return shown_text(value.strip().lstrip("@").lower(), where)


def shown_text(value: str, where: str) -> str:
    """``value`` if it holds no control, bidi or invisible character, else MalformedResponse.

    An id or username a sync reads is kept in the register and ends in the audit's messages and
    exports. No platform allows such a character in either (Meta, Instagram and LinkedIn names
    are letters, digits and dots, hyphens or underscores), so one there is a hostile or broken
    answer, not the account's name: the account fails with the field named, as for any answer
    of the wrong shape, rather than the register keeping a name nobody typed (escaped, it would
    still differ from the handle, and a rename to it would be refused).
    """
    found = first_unsafe(value)
    if found is not None:
        char, position = found
        raise MalformedResponse(
            detail=f"control or invisible character {char} at {where} (position {position})")
    return value


async def read_profile(
    handle: str,
    platform_id: str,
    check_handle: bool,
    read: Callable[[str, bool], Awaitable[tuple[T, Identity]]],
    lookup: Callable[[str], Awaitable[str]],
) -> tuple[T | None, Identity]:
    """The profile (by id, else by handle) and the identity read with it.

    ``read(key, by_id)`` reads the profile by an id (``by_id``) or a handle; ``lookup(handle)``
    gives the id behind a handle ("" for none). When the registered id no longer answers and the
    handle leads to another id, the profile is None and the identity says so: the caller returns
    no figures.
    """
    if not platform_id:
        body, seen = await read(handle, False)
        return body, Identity(shown_text(seen.id, "id"), seen.username, seen.id)
    try:
        body, seen = await read(platform_id, True)
    except PlatformRefused:
        other = shown_text(await lookup(handle), "the id behind the handle")
        if other and other != platform_id:
            return None, Identity(other, handle, other)
        raise
    handle_id = await lookup(handle) if check_handle else None
    if handle_id is not None:
        shown_text(handle_id, "the id behind the handle")
    return body, Identity(shown_text(seen.id, "id"), seen.username, handle_id)


async def found_or_empty(lookup: Awaitable[str]) -> str:
    """A lookup's id, or "" when the platform refuses it (no such account)."""
    try:
        return await lookup
    except PlatformRefused:
        return ""
