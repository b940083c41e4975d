"""The web server: textual-serve's ``Server``, with a gate in front of every route.

What is ours: every request passes the gate (:mod:`kontokoll.serving.gate`) or gets a 403 and a
line in the access log; a WebSocket must come from our own page (Origin); each session's app
process gets its login and the server's signed proof (:mod:`kontokoll.serving.sessions`); a
session ends after the idle time or on sign-out (a POST to ``/sign-out``); a download is only
for the session that made it. Page, static files and the app protocol are textual-serve's.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiohttp import WSMsgType, web
from textual_serve.server import Server

from governance.errors import KontokollError
from governance.i18n import t
from kontokoll.serving.access_log import AccessLog
from kontokoll.serving.gate import admit, origin_allowed
from kontokoll.serving.launcher import Launcher, app_arguments, unsupported
from kontokoll.serving.options import ServeOptions
from kontokoll.serving.sessions import Session, SessionApp, Sessions

log = logging.getLogger("kontokoll.serve")
SIGN_OUT_PATH = "/sign-out"
#: Browser messages that are a person's doing (pings and focus changes are not).
_ACTIVITY = frozenset({"stdin", "resize"})


class KontokollServer(Server):
    """textual-serve's server, gated; see the module docstring."""

    def __init__(
        self, command: str, options: ServeOptions, *, key: bytes | None, title: str,
        templates: str, data_dir: Path,
    ) -> None:
        super().__init__(
            command, host=options.host, port=options.port, title=title,
            public_url=options.public_url, templates_path=templates,
        )
        self.options = options
        self.key = key
        self.data_dir = data_dir
        self.access = AccessLog(options.access_log)
        self.sessions = Sessions(options.idle_s)
        self.launcher = make_launcher(command)

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.middlewares.append(self._gate)
        app.router.add_post(SIGN_OUT_PATH, self.handle_sign_out)  # any other method: 405
        app.on_startup.append(self._start_launcher)
        app.on_cleanup.append(self._stop_launcher)  # after on_shutdown has ended every session
        return app

    async def _start_launcher(self, app: web.Application) -> None:
        if self.launcher is not None:
            await self.launcher.start()

    async def _stop_launcher(self, app: web.Application) -> None:
        if self.launcher is not None:
            await self.launcher.stop()

    @web.middleware
    async def _gate(self, request: web.Request, handler: Any) -> web.StreamResponse:
        verdict = admit(self.options, _peer(request), _values(request))
        if verdict.refusal is not None:
            return self._refuse(request, verdict.refusal)
        if verdict.login is not None:
            request["login"] = verdict.login
        response: web.StreamResponse = await handler(request)
        return response

    def _refuse(self, request: web.Request, reason: str, status: int = 403) -> web.Response:
        self.access.refused(_peer(request) or "unix", reason, request.path_qs)
        return web.Response(status=status, text=t("serve.http.refused", reason=reason) + "\n")

    async def on_startup(self, app: web.Application) -> None:
        """Quiet: ``kontokoll serve`` has said where it listens (textual-serve would print the
        command, paths included)."""

    async def on_shutdown(self, app: web.Application) -> None:
        """Stopping the server ends every session's app: none is left running on its own."""
        await asyncio.gather(*(s.app.end() for s in list(self.sessions.open)))

    async def handle_sign_out(self, request: web.Request) -> web.StreamResponse:
        """The sign-out (the page's button, a POST): end every session of the login, then go
        where ``--sign-out-url`` says.

        Only a POST from our own page counts, checked as a WebSocket's Origin is: a browser
        sends Origin with every POST, so a form on another site (which the proxy would sign in
        all the same) is refused, and so is a POST without Origin. A GET (an image or a link on
        a foreign page) never reaches here: 405."""
        login = request.get("login")
        if login is None:
            return self._refuse(request, "sign-out-without-login", 404)
        if not origin_allowed(self.options, _values(request)):
            return self._refuse(request, "sign-out-from-another-site")
        for session in self.sessions.of_login(login):
            await self.sessions.end(session, "sign-out")
        if self.options.sign_out_url:
            raise web.HTTPSeeOther(self.options.sign_out_url)
        return web.Response(text=t("serve.http.signed_out") + "\n")

    async def handle_download(self, request: web.Request) -> web.StreamResponse:
        """A download, only for a request of the same login as the session that made it."""
        try:
            meta = await self.download_manager.get_download_metadata(request.match_info["key"])
        except KeyError:
            raise web.HTTPNotFound() from None
        owner = getattr(meta.app_service, "login", None)
        if owner != request.get("login"):
            return self._refuse(request, "download-of-another-session", 404)
        response: web.StreamResponse = await super().handle_download(request)
        return response

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """One browser session: check Origin and the limit, start the app, relay until the end."""
        if not origin_allowed(self.options, _values(request)):
            raise web.HTTPForbidden(text=self._refuse(request, "bad-origin").text)
        if len(self.sessions.open) >= self.options.max_sessions:
            raise web.HTTPServiceUnavailable(text=self._refuse(request, "too-many", 503).text)
        if self.options.from_proxy and not await asyncio.to_thread(self._users_defined):
            raise web.HTTPForbidden(text=self._refuse(request, "no-users").text)
        websocket = web.WebSocketResponse(heartbeat=15)
        await websocket.prepare(request)
        app = SessionApp(
            self.command, login=request.get("login"), key=self.key,
            write_bytes=websocket.send_bytes, write_str=websocket.send_str,
            close=websocket.close, download_manager=self.download_manager, launcher=self.launcher,
        )
        session = Session(app, websocket.close)
        await self._run_session(request, websocket, session)
        return websocket

    def _users_defined(self) -> bool:
        """Whether the store has users now. Checked for every session, not only at start: a
        restore may since have left none, and single-user mode would make every login that
        the proxy vouches for admin. A store that cannot be read admits no one either."""
        from kontokoll.serving.check import defined_users

        try:
            return defined_users(self.data_dir) > 0
        except (KontokollError, OSError) as error:
            log.warning("users of %s unreadable: %s", self.data_dir, error)
            return False

    async def _run_session(
        self, request: web.Request, websocket: web.WebSocketResponse, session: Session
    ) -> None:
        peer, login = _peer(request) or "unix", session.app.login or ""
        width, height = _size(request, "width", 80), _size(request, "height", 24)
        self.sessions.add(session)
        idle = asyncio.create_task(self.sessions.watch_idle(session))
        try:
            await session.app.start(width, height)
            self.access.session("start", login=login, session=session.app.app_service_id,
                                peer=peer, via=session.app.started_via)
            await self._relay(websocket, session)
        except Exception as error:  # one broken session must not take the server down
            log.exception(error)
        finally:
            self.sessions.discard(session)
            idle.cancel()
            await session.app.end()
            self.access.session(
                "end", login=login, session=session.app.app_service_id, peer=peer,
                reason=session.ended_because or "closed",
            )

    async def _relay(self, websocket: web.WebSocketResponse, session: Session) -> None:
        """The browser's messages to the app, as textual-serve's own loop, marking activity."""
        app = session.app
        async for message in websocket:
            if message.type != WSMsgType.TEXT:
                continue
            try:
                envelope = message.json()
            except ValueError:
                continue
            if not isinstance(envelope, list) or not envelope:
                continue
            kind, data = envelope[0], envelope[1] if len(envelope) > 1 else None
            if kind in _ACTIVITY:
                session.touch()
            if kind == "stdin" and isinstance(data, str):
                await app.send_bytes(data.encode("utf-8"))
            elif kind == "resize" and isinstance(data, dict):
                await app.set_terminal_size(
                    _bounded(data.get("width"), 80), _bounded(data.get("height"), 24)
                )
            elif kind == "ping":
                await websocket.send_json(["pong", data])
            elif kind == "blur":
                await app.blur()
            elif kind == "focus":
                await app.focus()

    def listen(self) -> None:
        """Serve until stopped (Ctrl+C, SIGTERM): on the Unix socket, or on host and port."""
        self.initialize_logging()
        sock = unix_socket(self.options) if self.options.socket is not None else None
        web.run_app(
            self._make_app(),
            host=None if sock else self.host,
            port=None if sock else self.port,
            sock=sock,
            print=lambda *args: None,
        )


def make_launcher(command: str) -> Launcher | None:
    """The launcher the sessions' apps are forked from; None (each app a new process) where it
    cannot run, or when ``command`` is not the app command it knows how to preload."""
    from kontokoll.serving.sessions import session_environment

    why_not, app_argv = unsupported(), app_arguments(command)
    if why_not is None and app_argv is None:
        why_not = t("serve.prefork.other_command")
    if why_not is not None or app_argv is None:
        log.info(t("serve.prefork.off", reason=why_not))
        return None
    return Launcher(app_argv, session_environment())


def unix_socket(options: ServeOptions) -> socket.socket:
    """A listening Unix socket at ``options.socket``: mode 0660, in the proxy's group if given.

    Created under a umask that leaves it 0660 from the start (no moment in which others could
    connect); a stale socket from an earlier run is replaced, anything else at the path refused.
    """
    assert options.socket is not None
    path = options.socket
    if os.path.lexists(path):
        if not _stale_socket(str(path)):
            raise OSError(17, "in use, or not a socket", str(path))
        os.unlink(path)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old = os.umask(0o117)
    try:
        sock.bind(str(path))
    finally:
        os.umask(old)
    if options.socket_group is not None:
        os.chown(path, -1, options.socket_group)
    os.chmod(path, 0o660)
    sock.listen(128)
    return sock


def _stale_socket(path: str) -> bool:
    """Whether ``path`` is a socket nobody listens on any more."""
    import stat

    if not stat.S_ISSOCK(os.lstat(path).st_mode):
        return False
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(path)
    except OSError:
        return True
    finally:
        probe.close()
    return False


def _values(request: web.Request) -> Callable[[str], list[str]]:
    """All values of a request header by name ([] if absent)."""
    return lambda name: request.headers.getall(name, [])


def _peer(request: web.Request) -> str | None:
    """The peer's IP address; None on a Unix socket."""
    return request.remote if request.transport is not None and request.remote else None


def _size(request: web.Request, name: str, default: int) -> int:
    return _bounded(request.query.get(name), default)


def _bounded(value: object, default: int) -> int:
    """A terminal dimension from the browser: a whole number within 1..1000, else ``default``."""
    try:
        number = int(str(value))
    except ValueError:
        return default
    return number if 1 <= number <= 1000 else default
