"""A session's app never outlives its session, even when the page closed while the app drew.

textual-serve's relay of the app's output stops at the first write to a closed page; the app,
busy (an audit running) and deaf to "quit", then kept running, and once its output pipe was full
it blocked for good with the store's lock held. Ending a session waits for the app itself.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

import pytest
from textual_serve.download_manager import DownloadManager

from kontokoll.serving import sessions
from kontokoll.serving.sessions import SessionApp

#: An app that draws without pause and never quits on its own within the test.
BUSY_APP = r"""
import sys, time
out = sys.stdout.buffer
out.write(b"__GANGLION__\n"); out.flush()
frame = b"x" * 1000
until = time.monotonic() + 120
while time.monotonic() < until:
    out.write(b"D" + len(frame).to_bytes(4, "big") + frame); out.flush()
    time.sleep(0.005)
"""


async def _closed_page(_data: object) -> None:
    raise ConnectionResetError("Cannot write to closing transport")  # as aiohttp says it


async def _nothing() -> None:
    return None


def test_an_app_still_drawing_when_its_page_closed_is_ended_with_its_session(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sessions, "QUIT_GRACE_S", 1.0)
    script = tmp_path / "busy_app.py"
    script.write_text(BUSY_APP, encoding="utf-8")

    async def scenario() -> tuple[bool, int | None]:
        app = SessionApp(
            f"exec {sys.executable} {script}", login=None, key=None, write_bytes=_closed_page,
            write_str=_closed_page, close=_nothing, download_manager=DownloadManager(),
        )
        await app.start(80, 24)
        process = app._process
        assert process is not None
        for _ in range(200):  # until the relay has met the closed page and stopped
            if app._task is not None and app._task.done():
                break
            await asyncio.sleep(0.05)
        relay_stopped = app._task is not None and app._task.done()
        await app.end()
        for _ in range(300):  # (the returncode is set once the process has ended)
            if process.returncode is not None:
                break
            await asyncio.sleep(0.1)
        code = process.returncode
        if code is None:
            process.kill()
        # The app's output pipe, unread since the page closed: closed here, not left to the GC.
        process._transport.close()  # type: ignore[attr-defined]
        return relay_stopped, code

    relay_stopped, code = asyncio.run(scenario())
    assert relay_stopped  # the situation of the report: nobody reads the app's output any more
    assert code == -signal.SIGKILL  # ended with its session, not left running
