"""``kontokoll serve``: the app in a web browser (textual-serve), one app process per session.

Without ``--auth-header`` every session is the OS account running the server (today's
behaviour, said on start), so it binds to 127.0.0.1 unless told otherwise. With it, the login
comes from an authenticating proxy's header and each session acts as that person (see
:mod:`kontokoll.serving`). ``--check`` prints what a person would get, and serves nothing.
"""

from __future__ import annotations

import argparse
import re
import shlex
import sys
from pathlib import Path
from typing import Any

from governance.i18n import current_language, t
from governance.sync_source import is_demo_store
from kontokoll.cli.context import CliContext
from kontokoll.serving.addresses import is_loopback

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def register(commands: Any) -> None:
    parser = commands.add_parser("serve", help=t("tui.serve.help"))
    parser.add_argument("--demo", action="store_true", help=t("tui.serve.demo_help"))
    parser.add_argument("--port", type=port_number, default=DEFAULT_PORT,
                        help=t("tui.serve.port_help"))
    parser.add_argument("--host", default=DEFAULT_HOST, help=t("tui.serve.host_help"))
    parser.add_argument("--socket", type=Path, metavar="PATH", help=t("serve.help.socket"))
    parser.add_argument("--socket-group", metavar="GROUP", help=t("serve.help.socket_group"))
    parser.add_argument("--auth-header", metavar="NAME", help=t("serve.help.auth_header"))
    parser.add_argument("--trusted-proxy", metavar="ADDR[,ADDR...]", help=t("serve.help.trusted"))
    parser.add_argument(
        "--proxy-secret-file", type=Path, metavar="FILE", help=t("serve.help.secret_file")
    )
    parser.add_argument("--public-url", metavar="URL", help=t("serve.help.public_url"))
    parser.add_argument("--sign-out-url", metavar="URL", help=t("serve.help.sign_out_url"))
    parser.add_argument(
        "--idle-minutes", type=float, default=30.0, metavar="N", help=t("serve.help.idle")
    )
    parser.add_argument(
        "--max-sessions", type=int, default=60, metavar="N", help=t("serve.help.max_sessions")
    )
    parser.add_argument("--access-log", type=Path, metavar="FILE", help=t("serve.help.access_log"))
    parser.add_argument("--check", action="store_true", help=t("serve.help.check"))
    parser.set_defaults(handler=serve)


def port_number(text: str) -> int:
    """A TCP port, 1–65535 (argparse turns the ValueError into a usage message, exit 2)."""
    port = int(text)
    if not 1 <= port <= 65535:
        raise ValueError(text)
    return port


def app_command(data_dir: str) -> str:
    """The command textual-serve runs (through a shell) for each browser session: the app on
    ``data_dir``. ``exec``, so that the shell becomes the app and ending it ends the app."""
    return "exec " + shlex.join(
        [sys.executable, "-m", "kontokoll", "--data-dir", data_dir, "--lang", current_language()]
    )


def serve(args: argparse.Namespace, ctx: CliContext) -> int:
    from governance.export_target import refuse_inside_data_dir
    from kontokoll.demo_setup import prepare_demo, stale_demo
    from kontokoll.serving.check import print_check, startup_key
    from kontokoll.serving.options import options_from_args

    options = options_from_args(args)
    for own_file in (options.access_log, options.socket):  # anyone who reaches the port writes
        if own_file is not None:  # the access log: never into the change log's folder
            refuse_inside_data_dir(own_file, ctx.data_dir)
    if args.check:
        return print_check(options, ctx.data_dir, ctx)
    directory = prepare_demo(ctx.data_dir) if args.demo else ctx.data_dir
    if args.demo and stale_demo(ctx.data_dir):
        ctx.warn(t("demo.stale"))
    key = startup_key(options, directory)  # refuses a proxy mode that would hand out admin
    _say_how(options, directory, ctx)
    return _run(options, directory, key)


def _say_how(options: Any, directory: Path, ctx: CliContext) -> None:
    where = str(options.socket) if options.socket else options.public_url
    ctx.print(t("tui.serve.listening", url=where, path=str(directory)))
    if options.socket is None:
        local = is_loopback(options.host)
        ctx.warn(t("tui.serve.local_only" if local else "tui.serve.exposed", host=options.host))
    if options.from_proxy:
        ctx.warn(t("serve.start.from_proxy", header=options.auth_header, url=options.public_url))
    else:
        ctx.warn(t("tui.serve.no_login"))


def _run(options: Any, directory: Path, key: bytes | None) -> int:
    import tempfile  # (here: tempfile loads random and hashlib, which --help need not)

    from kontokoll.serving.server import KontokollServer

    # The store says whether it is the demo (its marker), as the sessions' app does.
    title = register_title(demo=is_demo_store(directory))
    with tempfile.TemporaryDirectory(prefix="kontokoll-serve-") as templates:
        titled_templates(Path(templates), title, sign_out=options.from_proxy)
        server = KontokollServer(
            app_command(str(directory)), options, key=key, title=title, templates=templates,
            data_dir=directory,
        )
        server.listen()
    return 0


def register_title(*, demo: bool) -> str:
    """The register's name, as the browser's title and the start page show it: never a path."""
    return t("tui.title_demo") if demo else t("tui.title")


#: A stylesheet or script the page would load from another site (textual-serve's page loads its
#: font from Google): every session would tell that site the person's address, and the page
#: would wait for it on a closed network. The terminal falls back to the browser's monospace.
_EXTERNAL_LINK = re.compile(
    r"""<(?:link|script)\b[^>]*\b(?:href|src)\s*=\s*["']?(?:https?:)?//[^>]*>(?:\s*</script>)?""",
    re.IGNORECASE,
)
#: The sign-out behind a proxy: a POST from the page itself (see the server's handle_sign_out).
_SIGN_OUT_FORM = """
    <style>
      form.kontokoll-sign-out { position: fixed; top: 0; right: 0; z-index: 30; margin: 0; }
      form.kontokoll-sign-out button { margin: 0; padding: 2px 10px; font-size: 12px; }
    </style>
    <form class="kontokoll-sign-out" method="post" action="/sign-out">
      <button type="submit">{label}</button>
    </form>
  </body>"""


def titled_templates(folder: Path, title: str, *, sign_out: bool = False) -> Path:
    """textual-serve's page template with a ``<title>``, so that the browser's tab names the
    register instead of showing the server's address (textual-serve's own page has none),
    nothing loaded from other sites, and behind a proxy a sign-out button."""
    import html

    import textual_serve

    source = Path(textual_serve.__file__).with_name("templates") / "app_index.html"
    page = _EXTERNAL_LINK.sub("", source.read_text(encoding="utf-8"))
    if "<title>" not in page:
        page = page.replace("<head>", f"<head>\n    <title>{html.escape(title)}</title>", 1)
    if sign_out:
        label = html.escape(t("serve_guard.sign_out"))
        page = page.replace("</body>", _SIGN_OUT_FORM.replace("{label}", label), 1)
    target = folder / source.name
    target.write_text(page, encoding="utf-8")
    return target
