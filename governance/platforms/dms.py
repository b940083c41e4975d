"""Direct messages: the reply duty on conversations, read from Meta's and X's message APIs.

A message from someone else starts a *turn* that falls due; the account's first message after it
closes it, on time or late, by the same working-time deadline as comments
(:func:`governance.worktime.reply_deadline`). Further messages before the account answers wait on
the same reply and are not counted again (three lines typed in a row are one question asked).
Only ids, times and senders are read: never a message's text.

Facebook Page and Instagram (Conversations API, Graph v26.0):

* ``GET /{page-id}/conversations?platform=messenger`` and ``GET /{ig-user-id}/conversations
  ?platform=instagram`` list conversations ``{id, updated_time}``, the most recently active
  first, cursor-paged (``paging.next``); there is no time filter ("Time-based pagination is not
  available for the conversations endpoint"), so paging stops at the first conversation last
  active before the window.
* The messages ride along as a field expansion, ``messages.limit(20){id,created_time,from}``:
  Meta serves the details of the 20 most recent messages of a conversation only, newest first;
  ``from.id`` is the Page (or the Instagram account) on its own messages.
* Docs: https://developers.facebook.com/docs/messenger-platform/conversations ,
  https://developers.facebook.com/docs/graph-api/reference/page/conversations/ ,
  https://developers.facebook.com/docs/graph-api/reference/conversation ,
  https://developers.facebook.com/docs/instagram-platform/instagram-api-with-instagram-login/conversations-api
  (permissions ``pages_messaging`` / ``instagram_manage_messages``; a token without them is
  refused, and the account's messages are then unknown, not a failed sync).

A re-sync reads only the first page when no conversation was active since the last read and no
unanswered message has reached its deadline since (``dms_newest``, ``dms_recheck`` in the
cursor): the stored figures then stand.

X (``GET /2/dm_events?event_types=MessageCreate&dm_event.fields=created_at,sender_id,
dm_conversation_id,event_type``, newest first, ``meta.next_token``; user context with
``dm.read``), once a Stockholm day, for the account the token belongs to (``GET /2/users/me``;
Kontokoll holds one X token, so the other X accounts' messages are unknown). X keeps 30 days of
events, so a month is counted only while its first day is within them; older months keep what
the last sync that reached them counted (a daily sync leaves out at most a month's last day).
Docs: https://docs.x.com/x-api/direct-messages/lookup/introduction .
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Iterable, Mapping
from contextlib import aclosing
from datetime import datetime, timedelta
from typing import Any, cast

from governance.platforms.common import (
    DueTally,
    FetchPlan,
    MonthBook,
    PageGuard,
    iso,
    items,
    meta_time,
    month_start_utc,
    obj,
    rfc3339,
    stored_time,
    text,
)
from governance.platforms.errors import PlatformRefused
from governance.platforms.http import PlatformHttp
from governance.platforms.meta import graph_pages
from governance.worktime import reply_deadline

DM_FIELDS = ("dms_due", "dms_on_time")
#: Meta serves the details of a conversation's 20 most recent messages only.
MESSAGES_KEPT = 20
CONVERSATION_FIELDS = f"id,updated_time,messages.limit({MESSAGES_KEPT}){{id,created_time,from}}"
#: X keeps direct message events this long.
X_DM_DAYS = 30
X_DM_FIELDS = "created_at,sender_id,dm_conversation_id,event_type"


def tally_turns(
    tally: DueTally, messages: Iterable[tuple[datetime, bool]], now: datetime
) -> datetime | None:
    """Feed one conversation's messages, ``(sent, by_account)``, into ``tally``.

    Returns the earliest deadline still ahead of an unanswered turn (when the figures change
    without a new message), or None.
    """
    waiting: datetime | None = None
    for sent, by_account in sorted(messages):
        if by_account:
            if waiting is not None:
                tally.arrival(waiting, sent)
                waiting = None
        elif waiting is None:
            waiting = sent
    if waiting is None:
        return None
    tally.arrival(waiting, None)
    deadline = reply_deadline(waiting)
    return deadline if deadline > now else None


def _keep_stored(plan: FetchPlan, book: MonthBook) -> None:
    """Nothing changed: stored figures stand; a month not yet stored starts at 0."""
    for month in book.months:
        stored = plan.previous.get(month)
        if stored is None or stored.dms_due is None:
            for name in DM_FIELDS:
                book.set(month, name, 0)


def _still(plan: FetchPlan, newest: datetime | None) -> bool:
    """Whether a re-sync may keep the stored figures: no conversation active since the last
    read, no unanswered message past its deadline since, and no month new to the read."""
    seen = stored_time(plan.cursor.get("dms_newest"))
    if seen is None or plan.cursor.get("dms_from") is None:
        return False
    if str(plan.cursor["dms_from"]) > plan.months[0]:
        return False  # months before the last read's first one are asked for (sync --since)
    recheck = stored_time(plan.cursor.get("dms_recheck"))
    if recheck is not None and recheck <= plan.now:
        return False
    return newest is None or newest <= seen


async def meta_conversations(
    http: PlatformHttp, owner: str, platform: str, plan: FetchPlan, book: MonthBook
) -> dict[str, Any]:
    """Tally the direct messages of a Page (``messenger``) or Instagram account (``instagram``).

    Returns the cursor entries to keep. The same Stockholm day as the last sync, nothing is read
    (the stored figures stand, as daily insights do). On a refusal (no messaging permission) the
    months' message figures are unknown and the account's sync goes on.
    """
    if plan.same_day and plan.cursor.get("dms_from") is not None:
        _keep_stored(plan, book)
        return {k: plan.cursor.get(k) for k in ("dms_newest", "dms_recheck", "dms_from")}
    try:
        found = await _active_conversations(http, owner, platform, plan)
    except PlatformRefused:
        book.unknown(*DM_FIELDS)
        return {"dms_newest": None, "dms_recheck": None, "dms_from": None}
    if found is None:
        _keep_stored(plan, book)
        return _dm_cursor(plan, plan.cursor.get("dms_newest"), plan.cursor.get("dms_recheck"))
    newest, conversations = found
    tally = DueTally(book, plan.now, *DM_FIELDS)
    recheck: datetime | None = None
    for where, doc in conversations:
        ahead = tally_turns(tally, _meta_messages(doc, owner, where), plan.now)
        if ahead is not None and (recheck is None or ahead < recheck):
            recheck = ahead
    return _dm_cursor(plan, iso(newest), iso(recheck))


async def _active_conversations(
    http: PlatformHttp, owner: str, platform: str, plan: FetchPlan
) -> tuple[datetime | None, list[tuple[str, dict[str, Any]]]] | None:
    """The conversations active since the window began, and the newest activity; None when
    the first page shows that nothing changed since the last read (see :func:`_still`)."""
    params: dict[str, str | int] = {"platform": platform, "fields": CONVERSATION_FIELDS,
                                    "limit": 25}
    window = month_start_utc(plan.months[0])
    newest: datetime | None = None
    found: list[tuple[str, dict[str, Any]]] = []
    pages = graph_pages(http, f"{owner}/conversations", params, "conversations")
    async with aclosing(cast(AsyncGenerator[list[Any], None], pages)):
        async for batch in pages:
            for index, raw in enumerate(batch):
                where = f"conversations[{len(found)}]"
                doc = obj(raw, f"conversations[{index}]")
                updated = meta_time(doc.get("updated_time"), f"{where}.updated_time")
                if newest is None:
                    newest = updated
                    if _still(plan, newest):
                        return None
                if updated < window:
                    return newest, found
                found.append((where, doc))
    if newest is None and _still(plan, None):
        return None
    return newest, found


def _dm_cursor(plan: FetchPlan, newest: Any, recheck: Any) -> dict[str, Any]:
    first = plan.cursor.get("dms_from")
    months_from = plan.months[0] if not isinstance(first, str) else min(first, plan.months[0])
    return {"dms_newest": newest, "dms_recheck": recheck, "dms_from": months_from}


def _meta_messages(doc: Mapping[str, Any], owner: str, where: str) -> list[tuple[datetime, bool]]:
    edge = doc.get("messages")
    if edge is None:
        return []
    found = []
    for index, raw in enumerate(items(obj(edge, f"{where}.messages").get("data"), where)):
        mwhere = f"{where}.messages[{index}]"
        message = obj(raw, mwhere)
        sent = meta_time(message.get("created_time"), f"{mwhere}.created_time")
        sender = obj(message.get("from"), f"{mwhere}.from")
        found.append((sent, text(sender.get("id"), f"{mwhere}.from.id") == owner))
    return found


async def x_dm_events(
    http: PlatformHttp, user_id: str, plan: FetchPlan, book: MonthBook
) -> None:
    """Tally X direct messages of the last 30 days into the months whose start they reach.

    ``/2/dm_events`` answers for the token's own user (``GET /2/users/me``): another account's
    messages, and a token without ``dm.read`` (HTTP 403), leave the figures unknown.
    """
    horizon = plan.now - timedelta(days=X_DM_DAYS)
    counted = [m for m in book.months if month_start_utc(m) >= horizon]
    for month in book.months:
        if month not in counted and plan.previous.get(month) is None:
            book.unknown(*DM_FIELDS, months=[month])
    if not counted:
        return
    try:
        me = obj(obj(await http.get("users/me"), "me").get("data"), "me.data")
    except PlatformRefused:
        me = {}
    if me.get("id") != user_id:  # the token is another account's: its inbox is not this one
        book.unknown(*DM_FIELDS, months=counted)
        return
    inner = MonthBook(counted)
    tally = DueTally(inner, plan.now, *DM_FIELDS)
    try:
        conversations = await _x_conversations(http, user_id)
    except PlatformRefused:
        book.unknown(*DM_FIELDS, months=counted)
        return
    for messages in conversations.values():
        tally_turns(tally, messages, plan.now)
    for month in counted:
        for name in DM_FIELDS:
            book.set(month, name, inner.patches[month][name])


async def _x_conversations(
    http: PlatformHttp, user_id: str
) -> dict[str, list[tuple[datetime, bool]]]:
    """Every message event X still keeps, by conversation: ``(sent, by the account)``."""
    params: dict[str, str | int] = {"event_types": "MessageCreate", "max_results": 100,
                                    "dm_event.fields": X_DM_FIELDS}
    conversations: dict[str, list[tuple[datetime, bool]]] = {}
    guard = PageGuard(http, "dm_events")
    while True:
        body = obj(await http.get("dm_events", params), "dm_events")
        for index, raw in enumerate(items(body.get("data", []), "dm_events.data")):
            where = f"dm_events[{index}]"
            event = obj(raw, where)
            if event.get("event_type", "MessageCreate") != "MessageCreate":
                continue
            sent = rfc3339(event.get("created_at"), f"{where}.created_at")
            key = text(event.get("dm_conversation_id"), f"{where}.dm_conversation_id")
            sender = text(event.get("sender_id"), f"{where}.sender_id")
            conversations.setdefault(key, []).append((sent, sender == user_id))
        meta = body.get("meta")
        token = meta.get("next_token") if isinstance(meta, dict) else None
        if token is None:
            return conversations
        if not isinstance(token, str):
            raise PageGuard.bad_next("dm_events")
        guard.check(token)
        params = {**params, "pagination_token": token}
