"""Batching: many accounts' calls to one platform sent as one HTTP request, where documented.

Every account of a sync is fetched by its own client, concurrently; the calls those clients make
at about the same moment (the same turn of the event loop) are gathered here and sent together:

* :class:`GraphBatcher`: Facebook and Instagram GETs as one Graph API batch request,
  ``POST /`` with ``batch=[{"method": "GET", "relative_url": ...}, ...]``, at most 50 calls each
  (https://developers.facebook.com/docs/graph-api/batch-requests). The answer is a 200 with one
  ``{code, headers, body}`` per call, in order; a call that failed inside it (``code`` 4xx with a
  Graph error body) is that call's failure only, and a ``null`` item (the batch ran out of time)
  is retried like a timeout. A batch refused whole (a 400, an expired token) gives every call in
  it that same answer. Each call still counts toward Meta's rate limits: batching saves round
  trips, not quota. The response-size cap is one call's: a batch whose answer passes it is sent
  again in halves, down to single calls, so only a call whose own answer is too large fails. A
  200 that is no batch answer (not JSON, not a list, 3 items for 4 calls, an item without a
  status code or a body) fails its calls as malformed, saying what is wrong
  (:class:`BadBatchAnswer`). Which account an item's answer belongs to is checked by the
  clients, where the documented shapes allow (:func:`governance.platforms.meta.check_owned`).
* :class:`Coalescer`: the id lookups a platform takes many of at once (YouTube's
  ``channels.list`` with up to 50 ids, X's ``GET /2/users?ids=`` with up to 100).

Calls ask for their own headers (``include_headers=true``): the Business Use Case usage and its
``estimated_time_to_regain_access`` are per Page, so they come with each call.

A batch is sent from the turn after the first call was queued, so calls made in the same turn by
other accounts ride along; nothing waits on a timer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Generic, TypeVar

import httpx
import orjson

from governance.platforms.body import BodyRefused
from governance.platforms.session import HttpSession, Params

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

#: The Graph API takes at most this many calls in one batch request.
GRAPH_BATCH_MOST = 50
#: The fewest calls per batch after timeouts (or answers past the size cap) have halved it.
MIN_AFTER_TIMEOUT = 5
#: Turns of the event loop a batch waits for more calls before it is sent.
GATHER_TURNS = 2
#: A call's status, headers (names lower-cased) and body.
Exchange = tuple[int, Mapping[str, str], bytes]


@dataclass
class Usage:
    """What one platform's part of a sync cost: HTTP requests, and its quota as counted.

    ``None`` is unknown (the platform did not say, or nothing was counted), never 0.
    """

    #: HTTP requests sent (a batch is one).
    http_requests: int = 0
    #: Calls as the platform counts them toward its limits (each call inside a batch is one).
    calls: int = 0
    #: YouTube: quota units spent (every Data API call Kontokoll makes costs 1 unit).
    units: int | None = None
    #: X: posts read (each counts toward the monthly post cap).
    posts_read: int | None = None
    #: Meta: the highest share of an app or business use-case limit reported (percent).
    usage_percent: float | None = None
    #: The lists of calls a coalescer is gathering, by name (see :meth:`coalescer`).
    _coalescers: dict[str, Any] = field(default_factory=dict)

    def coalescer(self, name: str, most: int,
                  send: Callable[[list[Any]], Awaitable[Mapping[Any, Any]]]) -> Coalescer[Any, Any]:
        """The platform's coalescer called ``name`` (made on first use, with that ``send``)."""
        found = self._coalescers.get(name)
        if found is None:
            found = self._coalescers[name] = Coalescer(most, send)
        return found

    def graph(self, session: object, base_url: str, headers: httpx.Headers,
              limit: int) -> GraphBatcher:
        """The platform's Graph batcher (made on first use)."""
        found = self._coalescers.get("graph")
        if found is None:
            if not isinstance(session, HttpSession):
                raise TypeError("session must come from open_http()")
            found = self._coalescers["graph"] = GraphBatcher(session, base_url, headers, self,
                                                             limit)
        return found

    def add_posts(self, read: int) -> None:
        self.posts_read = (self.posts_read or 0) + read

    def add_usage(self, percent: float | None) -> None:
        """Keep the highest share reported; an unknown one (None, NaN) changes nothing."""
        if percent is not None and percent == percent:  # NaN is not equal to itself
            self.usage_percent = (percent if self.usage_percent is None
                                  else max(self.usage_percent, percent))


class Coalescer(Generic[K, V]):
    """Gathers the keys asked for in one turn and fetches them ``most`` at a time.

    ``send(keys)`` returns what it found by key; a key it leaves out gets :class:`Missing`, and an
    exception it raises reaches every caller whose key was in that request.
    """

    def __init__(self, most: int, send: Callable[[list[K]], Awaitable[Mapping[K, V]]]) -> None:
        self._most = most
        self._send = send
        self._waiting: dict[K, list[asyncio.Future[V]]] = {}
        self._scheduled = False

    async def get(self, key: K) -> V:
        future: asyncio.Future[V] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(key, []).append(future)
        if not self._scheduled:
            self._scheduled = True
            _keep(asyncio.ensure_future(self._flush()))
        return await future

    async def _flush(self) -> None:
        for _ in range(GATHER_TURNS):
            await asyncio.sleep(0)
        waiting, self._waiting, self._scheduled = self._waiting, {}, False
        keys = list(waiting)
        chunks = [keys[i:i + self._most] for i in range(0, len(keys), self._most)]
        await asyncio.gather(*(self._one(chunk, waiting) for chunk in chunks))

    async def _one(self, keys: list[K], waiting: dict[K, list[asyncio.Future[V]]]) -> None:
        try:
            found = await self._send(keys)
        except BaseException as error:  # handed to each caller, who raises it
            _fail([f for key in keys for f in waiting[key]], error)
            return
        for key in keys:
            for future in waiting[key]:
                if future.done():
                    continue
                if key in found:
                    future.set_result(found[key])
                else:
                    future.set_exception(Missing(str(key)))


#: Batches being gathered or sent: the event loop keeps only weak references to tasks.
_FLUSHING: set[asyncio.Future[None]] = set()


def _fail(futures: list[asyncio.Future[Any]], error: BaseException) -> None:
    """Hand ``error`` to every caller still waiting (a cancel cancels them)."""
    for future in futures:
        if future.done():
            continue
        if isinstance(error, asyncio.CancelledError):
            future.cancel()
        else:
            future.set_exception(error)


def _keep(task: asyncio.Future[None]) -> None:
    _FLUSHING.add(task)
    task.add_done_callback(_FLUSHING.discard)


class Missing(LookupError):
    """A key the batch answer left out (an unknown or deleted id)."""


class BadBatchAnswer(Exception):
    """A batch answer, or one item of it, not of the documented shape: the calls it concerns
    fail as malformed, and ``detail`` says what was wrong ("3 items for 4 calls")."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class GraphBatcher:
    """One platform's Graph GETs, sent as batch requests of at most :data:`GRAPH_BATCH_MOST`."""

    def __init__(self, session: HttpSession, base_url: str, headers: httpx.Headers,
                 usage: Usage, limit: int) -> None:
        self._session = session
        self._base = base_url.rstrip("/")
        self._headers = headers
        self._usage = usage
        self._limit = limit
        self._calls: list[tuple[str, asyncio.Future[Exchange]]] = []
        self._scheduled = False
        #: Calls per batch: halved after a batch timed out (its calls are retried in smaller
        #: ones, so that the same too-heavy batch is not sent again and again).
        self.most = GRAPH_BATCH_MOST

    def relative(self, target: httpx.URL | str, params: Params | None) -> str:
        """The call as a batch item's ``relative_url`` (checked to be under the base before)."""
        full = str(target)
        path = full[len(self._base) + 1:] if full.startswith(self._base + "/") else full
        if params:
            path += ("&" if "?" in path else "?") + "&".join(
                f"{_param_form(str(k))}={_param_form(str(v))}" for k, v in params.items())
        return path

    async def get(self, target: httpx.URL | str, params: Params | None,
                  timeout: float) -> Exchange:
        """The call's own status, headers and body, as if it had been sent alone."""
        future: asyncio.Future[Exchange] = asyncio.get_running_loop().create_future()
        self._calls.append((self.relative(target, params), future))
        if not self._scheduled:
            self._scheduled = True
            _keep(asyncio.ensure_future(self._flush(timeout)))
        return await future

    async def _flush(self, timeout: float) -> None:
        for _ in range(GATHER_TURNS):
            await asyncio.sleep(0)
        calls, self._calls, self._scheduled = self._calls, [], False
        most = self.most
        chunks = [calls[i:i + most] for i in range(0, len(calls), most)]
        await asyncio.gather(*(self._send(chunk, timeout) for chunk in chunks))

    async def _send(self, calls: list[tuple[str, asyncio.Future[Exchange]]],
                    timeout: float) -> None:
        batch = [{"method": "GET", "relative_url": url} for url, _ in calls]
        form = f"batch={form_value(orjson.dumps(batch).decode())}&include_headers=true"
        self._usage.http_requests += 1
        try:
            status, headers, raw = await self._session.post(
                self._base + "/", form, self._headers, timeout, self._limit)
        except BodyRefused as refused:
            if refused.too_large and len(calls) > 1:
                await self._split(calls, timeout)
            else:  # one call's own answer too large, or a body that cannot be unpacked
                _fail([future for _, future in calls], refused)
            return
        except BaseException as error:  # each call retries or fails on its own
            if isinstance(error, TimeoutError | httpx.TimeoutException):
                self.most = max(MIN_AFTER_TIMEOUT, len(calls) // 2)
            _fail([future for _, future in calls], error)
            return
        for (_, future), answer in zip(calls, _items(status, headers, raw, len(calls)),
                                       strict=True):
            if future.done():
                continue
            if isinstance(answer, BadBatchAnswer):
                future.set_exception(answer)
            else:
                future.set_result(answer)

    async def _split(self, calls: list[tuple[str, asyncio.Future[Exchange]]],
                     timeout: float) -> None:
        """A batch whose answer passed the size cap, sent again in two halves, down to single
        calls: the cap is there for one call's answer, and fifty answers of 400 KB each are not
        one answer of 20 MB. Later batches are smaller too, as after a timeout. Meta ran every
        call of the refused batch and counts each toward its limits, so they count again."""
        self.most = max(MIN_AFTER_TIMEOUT, min(self.most, len(calls) // 2))
        self._usage.calls += len(calls)
        half = len(calls) // 2
        await asyncio.gather(self._send(calls[:half], timeout), self._send(calls[half:], timeout))


#: What ``urlencode`` (``quote_plus``) writes for each byte of a value's UTF-8 form: the byte
#: itself for a letter, digit or one of ``_.-~``, ``+`` for a space, else ``%XX``.
_FORM_BYTES = tuple(
    chr(b) if chr(b) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~"
    else "+" if b == 0x20 else f"%{b:02X}" for b in range(256))


def form_value(value: str) -> str:
    """``value`` as ``urllib.parse.urlencode`` writes it in a form, the same characters: its
    UTF-8 bytes looked up in a table, in C (``map``): one rule for any text, and on a sync's
    batch forms ~1.4 times faster than ``str.translate`` with an escape table (quote_plus
    loops over the bytes in Python)."""
    return "".join(map(_FORM_BYTES.__getitem__, value.encode()))


@lru_cache(maxsize=1024)
def _param_form(value: str) -> str:
    """:func:`form_value` of a parameter; kept, as the same field lists recur in every call."""
    return form_value(value)


def _merged(batch: dict[str, str], own: Any) -> dict[str, str]:
    """The batch's headers with the call's own over them (its usage, its Retry-After), as a
    plain dict of lower-cased names: what the HTTP layer reads of any answer's headers."""
    if not isinstance(own, list) or not own:
        return batch
    merged = dict(batch)
    for pair in own:
        if isinstance(pair, dict) and isinstance(pair.get("name"), str) and isinstance(
                pair.get("value"), str):
            merged[pair["name"].lower()] = pair["value"]
    return merged


#: What a call inside a batch gets when the batch ran out of time before it (a ``null`` item).
_UNFINISHED = b'{"error":{"code":2,"message":"batch item not finished","is_transient":true}}'


def _items(status: int, headers: httpx.Headers, raw: bytes,
           expected: int) -> list[Exchange | BadBatchAnswer]:
    """Each call's answer: the whole answer for each call when the batch was refused whole (a
    400, an expired token), and for each call what is wrong when the 200 is no batch answer."""
    if status != 200:
        return [(status, headers, raw)] * expected
    doc = _batch_doc(raw, expected)
    if isinstance(doc, BadBatchAnswer):
        return [doc] * expected
    # The batch's own headers carry the usage (X-App-Usage ...) that every call shares; read
    # once into the form every call's are read in.
    shared = dict(headers.items())
    found: list[Exchange | BadBatchAnswer] = []
    for index, item in enumerate(doc):
        if type(item) is dict:
            code, body = item.get("code"), item.get("body")
            if type(code) is int and 100 <= code <= 599 and type(body) is str:
                found.append((code, _merged(shared, item.get("headers")), body.encode()))
                continue
        found.append(_odd_item(item, f"batch item {index + 1} of {expected}", headers))
    return found


def _batch_doc(raw: bytes, expected: int) -> list[Any] | BadBatchAnswer:
    """The items of a 200 batch answer, or what is wrong with it."""
    try:
        doc = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return BadBatchAnswer("the batch answer is not JSON")
    if not isinstance(doc, list):
        return BadBatchAnswer(f"the batch answer is {_json_kind(doc)}, not a list of items")
    if len(doc) != expected:
        return BadBatchAnswer(f"the batch answer has {_many(len(doc), 'item')} for "
                              f"{_many(expected, 'call')}")
    return doc


def _odd_item(item: Any, where: str, headers: httpx.Headers) -> Exchange | BadBatchAnswer:
    """An item that is not a plain ``{code, body}``: ``null`` (the batch ran out of time before
    the call: retried), or what is wrong with it."""
    if item is None:
        return 503, headers, _UNFINISHED
    if not isinstance(item, dict):
        return BadBatchAnswer(f"{where} is {_json_kind(item)}, not an object")
    code, body = item.get("code"), item.get("body")
    if type(code) is not int:
        shown = _json_kind(code) if "code" in item else "missing"
        return BadBatchAnswer(f"{where} has no status code (code is {shown})")
    if not 100 <= code <= 599:
        return BadBatchAnswer(f"{where} has code {code}, not an HTTP status")
    shown = _json_kind(body) if "body" in item else "missing"
    return BadBatchAnswer(f"{where} has no body text (body is {shown})")


def _many(count: int, noun: str) -> str:
    """``count`` and ``noun``, in the plural unless it is one (technical English detail)."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _json_kind(value: Any) -> str:
    """What a JSON value is, for a message (never the value's text, which may be anything)."""
    if value is None or isinstance(value, bool):
        return "null" if value is None else str(value).lower()
    kinds = {dict: "an object", list: "a list", str: "a string", int: "a number",
             float: "a number"}
    return kinds.get(type(value), "of another kind")
