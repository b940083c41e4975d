"""One browser session: its app process, its identity proof, and when it ends.

textual-serve's ``AppService`` starts and feeds the app process; ``SessionApp`` adds what it
lacks here: the signed proof of the session's login in the process's environment (never on the
command line, which every local user can read with ``ps``), and closing the browser's socket
when the process ends. With a launcher (:mod:`kontokoll.serving.launcher`) the app is forked
from it instead of started afresh, and started afresh whenever the launcher cannot.
``Sessions`` knows every open session by login, so that the proxy's
sign-out ends all of a person's sessions and an idle one ends on its own.
"""

from __future__ import annotations

import asyncio
import logging
import time
from asyncio.subprocess import Process
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, cast

from textual_serve.app_service import AppService

from governance.session_proof import PROOF_VARIABLE, make_proof
from kontokoll.serving.launcher import Launcher

#: How long an ended session's app may take to quit before it is killed.
QUIT_GRACE_S = 5.0
log = logging.getLogger("kontokoll.serve")


class SessionApp(AppService):
    """The app process of one browser session, acting for ``login`` (None: the server's account)."""

    def __init__(self, command: str, *, login: str | None, key: bytes | None,
                 launcher: Launcher | None = None, **kw: Any) -> None:
        super().__init__(command, **kw)
        self.login = login
        self.launcher = launcher
        #: How the app was started: "fork" (from the launcher) or "process" (a new program).
        self.started_via = ""
        self._proof = make_proof(key, login, self.app_service_id) if login and key else None

    def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
        environment = super()._build_environment(width, height)
        environment.pop(PROOF_VARIABLE, None)  # never pass on one the server itself was given
        if self._proof is not None:
            environment[PROOF_VARIABLE] = self._proof
        return environment

    async def _open_app_process(self, width: int = 80, height: int = 24) -> Process:
        if self.launcher is not None:
            forked = await self.launcher.spawn(self._build_environment(width, height))
            if forked is not None:
                self.started_via = "fork"
                self._stdin = forked.stdin
                # Duck-typed: AppService uses a process's pipes, and our end() its returncode
                # and kill(); ForkedProcess has them all.
                self._process = cast(Process, forked)
                return self._process
        self.started_via = "process"
        return await super()._open_app_process(width, height)

    async def run(self) -> None:
        await super().run()
        await self.remote_close()  # the app ended (quit, or refused its identity): so does the page

    async def end(self) -> None:
        """Ask the app to quit; kill it unless it has ended QUIT_GRACE_S later.

        What is waited for is the app's own end, not only textual-serve's relay of its output:
        the relay stops as soon as a write to the browser fails (the page closed while the app
        drew, e.g. an audit's progress), and an app that keeps running then blocks on its full
        output pipe with the store's lock held. Whatever stopping raised, the app is killed.
        """
        try:
            await asyncio.wait_for(self._quit(), QUIT_GRACE_S)
        except Exception as error:  # (TimeoutError, or the relay's own failure)
            log.debug("session %s did not quit: %r", self.app_service_id, error)
        finally:
            if self._process is not None and self._process.returncode is None:
                self._process.kill()

    async def _quit(self) -> None:
        await self.stop()
        if self._process is not None:
            await self._process.wait()


class _EnvironmentOnly(AppService):
    """Only to ask textual-serve which environment it gives an app: no process, no socket."""

    def __init__(self) -> None:  # not AppService's: there is nothing to serve
        self.debug = False


def session_environment() -> dict[str, str]:
    """The environment every session's app gets but for its size and proof (the launcher's)."""
    environment = _EnvironmentOnly()._build_environment()
    environment.pop(PROOF_VARIABLE, None)
    return environment


@dataclass(eq=False)
class Session:
    """An open browser session."""

    app: SessionApp
    close: Callable[[], Awaitable[Any]]
    last_active: float = field(default_factory=time.monotonic)
    ended_because: str = ""

    def touch(self) -> None:
        self.last_active = time.monotonic()


@dataclass
class Sessions:
    """The open sessions, for sign-out by login, idle expiry and the session limit."""

    idle_s: float
    open: set[Session] = field(default_factory=set)

    def add(self, session: Session) -> None:
        self.open.add(session)

    def discard(self, session: Session) -> None:
        self.open.discard(session)

    def of_login(self, login: str) -> list[Session]:
        return [s for s in self.open if s.app.login == login]

    async def end(self, session: Session, reason: str) -> None:
        """Close the browser's socket; the session's handler then stops the app."""
        if not session.ended_because:
            session.ended_because = reason
            await session.close()

    async def watch_idle(self, session: Session) -> None:
        """End ``session`` once it has had no input for ``idle_s`` (run as its own task)."""
        while session in self.open and not session.ended_because:
            quiet = time.monotonic() - session.last_active
            if quiet >= self.idle_s:
                await self.end(session, "idle")
                return
            await asyncio.sleep(min(self.idle_s - quiet + 0.05, 30.0))
