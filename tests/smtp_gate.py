"""A real SMTP server on 127.0.0.1 that holds each message at DATA until the test opens its gate.

A sender is then provably in the middle of its send (claimed, not yet recorded) for as long as
the test needs: to start a second sender against it, or to ``kill -9`` it there. The server
accepts (and keeps) each held message once the gate opens, as a slow server would.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from tests.conftest import child_env
from tests.smtp_server import Handler, free_port

#: How long a test waits for a sender to reach the server or to finish: far more than it takes.
PATIENCE_S = 60.0


@dataclass
class GatedHandler(Handler):
    gate: threading.Event = field(default_factory=threading.Event)
    arrivals: int = 0  # messages that reached DATA, held or not

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.arrivals += 1
        while not self.gate.is_set():
            await asyncio.sleep(0.01)
        return await super().handle_DATA(server, session, envelope)


class GatedSmtp:
    def __init__(self) -> None:
        self.handler = GatedHandler()
        self.port = free_port()
        self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    @property
    def received(self) -> list[Any]:
        return self.handler.received

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self.open()  # never leave a handler waiting for a gate nobody opens
        self._controller.stop()

    def open(self) -> None:
        self.handler.gate.set()

    def wait_for_arrivals(self, count: int, *watched: subprocess.Popen[str]) -> None:
        """Until ``count`` messages are held, or a watched sender has ended (then: return)."""
        deadline = time.monotonic() + PATIENCE_S
        while self.handler.arrivals < count and all(p.poll() is None for p in watched):
            assert time.monotonic() < deadline, "no sender reached the server"
            time.sleep(0.01)

    def settings_toml(self) -> str:
        return (f'[mail]\nhost = "127.0.0.1"\nport = {self.port}\nstarttls = false\n'
                'from = "Kontokoll <kontokoll@helsingborg.se>"\n')


@pytest.fixture
def gated_smtp() -> Iterator[GatedSmtp]:
    server = GatedSmtp()
    server.start()
    yield server
    server.stop()


def start_kontokoll(data_dir: Path, *args: str) -> subprocess.Popen[str]:
    """``python -m kontokoll --data-dir DATA ARGS...`` as a process of its own."""
    return subprocess.Popen(
        [sys.executable, "-m", "kontokoll", "--data-dir", str(data_dir), *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=child_env(),
    )  # fmt: skip


def finish(process: subprocess.Popen[str]) -> tuple[int, str]:
    """The process's exit code and everything it printed (out and err)."""
    out, err = process.communicate(timeout=PATIENCE_S)
    return process.returncode, out + err
