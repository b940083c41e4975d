"""A real SMTP server for the mail tests: aiosmtpd in a thread, on 127.0.0.1 and a free port.

It keeps every message it accepted (envelope recipients and the raw bytes) and refuses, with a
550, the recipients named in ``refuse``. ``stop()`` makes it a dead server: the port is closed.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


@dataclass
class Received:
    sender: str
    recipients: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = message_from_bytes(self.data, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class Handler:
    refuse: set[str] = field(default_factory=set)
    received: list[Received] = field(default_factory=list)

    async def handle_RCPT(  # aiosmtpd's hook names
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address.casefold() in self.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        got = Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content)
        self.received.append(got)
        return "250 Message accepted for delivery"


class Authenticator:
    """Accepts one user and password; remembers every password it was offered."""

    def __init__(self, user: str, password: str) -> None:
        self.user, self.password = user, password
        self.offered: list[str] = []

    def __call__(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login, password = auth_data.login.decode(), auth_data.password.decode()
        self.offered.append(password)
        if login == self.user and password == self.password:
            return AuthResult(success=True)
        return AuthResult(success=False, handled=False)  # the server answers 535 itself


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class SmtpServer:
    def __init__(self, authenticator: Authenticator | None = None) -> None:
        self.handler = Handler()
        self.port = free_port()
        options: dict[str, Any] = {}
        if authenticator is not None:
            options = {"authenticator": authenticator, "auth_require_tls": False}
        self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, **options)
        self._running = False

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def refuse(self, *addresses: str) -> None:
        self.handler.refuse.update(a.casefold() for a in addresses)

    def start(self) -> None:
        self._controller.start()
        self._running = True

    def stop(self) -> None:
        if self._running:
            self._controller.stop()
            self._running = False

    def settings_toml(self, **extra: str) -> str:
        table = {
            "host": '"127.0.0.1"',
            "port": str(self.port),
            "starttls": "false",
            "from": '"Kontokoll <kontokoll@helsingborg.se>"',
            **extra,
        }
        return "[mail]\n" + "".join(f"{key} = {value}\n" for key, value in table.items())


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()
