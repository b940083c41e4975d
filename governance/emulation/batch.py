"""Emulated Graph API batch requests: ``POST /`` with ``batch=[...]`` (Facebook and Instagram).

As documented (https://developers.facebook.com/docs/graph-api/batch-requests): at most 50 calls;
the answer is a 200 with one ``{"code", "headers", "body"}`` per call, in order, ``body`` being
the call's JSON as a string, so a call that fails (a Graph error, a missing object) fails alone
while the others carry their data. A call that would hang is ``null`` (the batch ran out of time
before it). A batch of more than 50 calls, or one that is not a list of GETs, is refused whole
with a 400; a missing or expired token refuses the whole batch as it would a single call.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import orjson

from governance.emulation.query import query

#: The Graph API's limit of calls in one batch request.
MOST = 50
Exchange = tuple[int, dict[str, str], bytes]
#: Meta runs a batch's calls side by side on its servers; the emulation runs them one by one in
#: its single event loop, where fifty in one go held back every other answer due meanwhile (tens
#: of ms, a queue no platform has). After this much time on a batch, the others' answers go out
#: before its next call (not after every call: each turn of the server's loop costs CPU too).
SLICE_S = 0.002
#: What runs one call as if it came alone (the emulation's own answer to it).
Runner = Callable[[MutableMapping[str, Any]], Awaitable[Exchange | None]]


async def form(receive: Callable[[], Awaitable[MutableMapping[str, Any]]]) -> bytes:
    """A batch request's whole body (its form), at most 8 MB kept."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size <= 8 << 20:
            chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)


def is_batch(method: str, path: str, prefix: str) -> bool:
    return method == "POST" and path in (prefix, prefix + "/")


def refused(message: str) -> Exchange:
    error = {"message": message, "type": "OAuthException", "code": 100,
             "fbtrace_id": "AbCdEfGhIjKlMnOp"}
    raw = orjson.dumps({"error": error})
    return 400, {"content-type": "application/json; charset=UTF-8"}, raw


def calls_of(fields: dict[str, str]) -> list[str] | str:
    """The relative URLs of the batch's calls, or why the batch is refused whole."""
    try:
        batch = orjson.loads(fields.get("batch", ""))
    except orjson.JSONDecodeError:
        return "(#100) The parameter batch is required and must be a JSON array"
    if not isinstance(batch, list) or not batch:
        return "(#100) The parameter batch is required and must be a JSON array"
    if len(batch) > MOST:
        return f"(#100) Too many requests in batch message. Maximum batch size is {MOST}"
    urls = []
    for item in batch:
        if not isinstance(item, dict) or str(item.get("method", "GET")).upper() != "GET" or (
                not isinstance(item.get("relative_url"), str)):
            return "(#100) Each batch item must be a GET with a relative_url"
        urls.append(item["relative_url"])
    return urls


async def answer(scope: MutableMapping[str, Any], prefix: str, form: bytes,
                 run: Runner) -> Exchange:
    """The batch's answer: each call run as if alone, gathered in order."""
    fields = query(form.decode("utf-8", "replace"))
    calls = calls_of(fields)
    headed = fields.get("include_headers", "true") != "false"
    if isinstance(calls, str):
        return refused(calls)
    items: list[dict[str, Any] | None] = []
    slice_began = time.perf_counter()
    for relative in calls:
        if time.perf_counter() - slice_began >= SLICE_S:
            await asyncio.sleep(0)
            slice_began = time.perf_counter()
        path, _, asked = relative.lstrip("/").partition("?")
        item_scope = {**scope, "method": "GET", "path": f"{prefix}/{path}",
                      "query_string": asked.encode()}
        result = await run(item_scope)
        if result is None:
            items.append(None)  # ran out of time
            continue
        status, headers, body = result
        items.append({"code": status, "headers": [
            {"name": k, "value": v} for k, v in headers.items()
            if headed and k != "content-length"],
            "body": body.decode("utf-8", "replace")})
    raw = orjson.dumps(items)
    return 200, {"content-type": "application/json; charset=UTF-8"}, raw
