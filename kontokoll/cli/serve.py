"""``kontokoll serve [--demo] [--port N] [--host H]``: the app in a web browser, with textual-serve.

textual-serve has no login of its own: anyone who can reach the port can use the app with the
rights of the user running it. So it binds to 127.0.0.1 unless told otherwise, and says so.
"""

from __future__ import annotations

import argparse
import html
import ipaddress
import shlex
import sys
import tempfile
from pathlib import Path
from typing import Any

from governance.i18n import current_language, t
from kontokoll.cli.context import CliContext
from kontokoll.demo_setup import prepare_demo

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def register(commands: Any) -> None:
    parser = commands.add_parser("serve", help=t("tui.serve.help"))
    parser.add_argument("--demo", action="store_true", help=t("tui.serve.demo_help"))
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=t("tui.serve.port_help"))
    parser.add_argument("--host", default=DEFAULT_HOST, help=t("tui.serve.host_help"))
    parser.set_defaults(handler=serve)


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def app_command(data_dir: str) -> str:
    """The command textual-serve runs for each browser session: the app on ``data_dir``."""
    return shlex.join(
        [sys.executable, "-m", "kontokoll", "--data-dir", data_dir, "--lang", current_language()]
    )


def serve(args: argparse.Namespace, ctx: CliContext) -> int:
    from textual_serve.server import Server

    directory = prepare_demo(ctx.data_dir) if args.demo else ctx.data_dir
    url = f"http://{args.host}:{args.port}"
    ctx.print(t("tui.serve.listening", url=url, path=str(directory)))
    if is_loopback(args.host):
        ctx.warn(t("tui.serve.local_only", host=args.host))
    else:
        ctx.warn(t("tui.serve.exposed", host=args.host))
    ctx.warn(t("tui.serve.no_login"))
    title = register_title(demo=args.demo)
    with tempfile.TemporaryDirectory(prefix="kontokoll-serve-") as templates:
        titled_templates(Path(templates), title)
        server = Server(
            app_command(str(directory)),
            host=args.host,
            port=args.port,
            title=title,
            templates_path=templates,
        )
        server.serve()
    return 0


def register_title(*, demo: bool) -> str:
    """The register's name, as the browser's title and the start page show it: never a path."""
    return t("tui.title_demo") if demo else t("tui.title")


def titled_templates(folder: Path, title: str) -> Path:
    """textual-serve's page template with a ``<title>``, so that the browser's tab names the
    register instead of showing the server's address (textual-serve's own page has none)."""
    import textual_serve

    source = Path(textual_serve.__file__).with_name("templates") / "app_index.html"
    page = source.read_text(encoding="utf-8")
    if "<title>" not in page:
        page = page.replace("<head>", f"<head>\n    <title>{html.escape(title)}</title>", 1)
    target = folder / source.name
    target.write_text(page, encoding="utf-8")
    return target
