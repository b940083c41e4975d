"""The emulation's own queueing (issue 15, sync ratio): a Graph batch does not hold back others.

Meta runs a batch's calls side by side; the emulation runs them one by one in its single event
loop, so after ``SLICE_S`` on a batch it lets the answers of other requests out before the next
call. Order only, never time.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import MutableMapping
from typing import Any
from urllib.parse import urlencode

import pytest

from governance.emulation import AccountProfile, build_emulation
from governance.emulation import batch as batch_module
from governance.emulation.app import PREFIXES
from tests.platforms.conftest import NOW, TOKENS

AUTH = [(b"authorization", f"Bearer {TOKENS['facebook']}".encode())]


async def _call(app: Any, scope: dict[str, Any], body: bytes, done: list[str],
                name: str) -> None:
    """Run one request through the ASGI app; note ``name`` in ``done`` when its answer ends."""
    statuses: list[int] = []

    async def receive() -> MutableMapping[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: MutableMapping[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])
        elif message["type"] == "http.response.body":
            done.append(name)

    await app(scope, receive, send)
    assert statuses == [200]


def test_a_request_arriving_during_a_batch_is_answered_before_the_batch_ends(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Every call of the batch is "long": the others' answers go out before each next call.
    monkeypatch.setattr(batch_module, "SLICE_S", 0.0)
    profiles = [AccountProfile("facebook", f"{9100 + n}", f"page{n}", "active")
                for n in range(3)]
    app = build_emulation(profiles, now=NOW, tokens=TOKENS)  # no latency: order is all there is
    prefix = PREFIXES["facebook"]
    calls = [{"method": "GET", "relative_url": f"{9100 + n % 3}/published_posts?fields=id"}
             for n in range(50)]
    form = urlencode({"batch": json.dumps(calls), "include_headers": "false"}).encode()
    batch = {"type": "http", "method": "POST", "path": prefix + "/", "query_string": b"",
             "headers": [*AUTH, (b"content-type", b"application/x-www-form-urlencoded")]}
    single = {"type": "http", "method": "GET", "path": f"{prefix}/9101", "query_string":
              b"fields=id", "headers": AUTH}
    done: list[str] = []

    async def go() -> None:
        # The batch starts first; the single request comes in while the batch is being run.
        await asyncio.gather(_call(app, batch, form, done, "batch"),
                             _call(app, single, b"", done, "single"))

    asyncio.run(go())
    assert done == ["single", "batch"]
    assert app.batches == ["facebook"] and app.served["facebook"] == 2
