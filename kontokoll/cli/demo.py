"""``kontokoll demo``: build the demo register (if missing) and open the app on it.

The app opens only when standard output is a terminal; otherwise (scripts, CI) and with
``--no-app`` the command prints where the demo is and what it holds, and never waits for input.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from typing import Any

from governance.i18n import t
from kontokoll.cli.context import CliContext


def register(commands: Any) -> None:
    parser = commands.add_parser("demo", help=t("cli.demo.help"))
    parser.add_argument("--rebuild", action="store_true", help=t("cli.demo.rebuild_help"))
    parser.add_argument("--no-app", action="store_true", help=t("tui.demo.no_app_help"))
    parser.set_defaults(handler=run_demo)


def run_demo(args: argparse.Namespace, ctx: CliContext) -> int:
    from governance.register import Register
    from governance.store import Store
    from kontokoll.demo_setup import demo_ready, prepare_demo, stale_demo

    if args.rebuild or not demo_ready(ctx.data_dir):
        ctx.warn(t("cli.demo.building"))
    directory = prepare_demo(ctx.data_dir, rebuild=args.rebuild)
    if stale_demo(ctx.data_dir):
        ctx.warn(t("demo.stale"))
    if not args.no_app and ctx.out.isatty() and sys.stdin.isatty():
        from kontokoll.app_launch import run_app

        return run_app(ctx.data_dir, demo=True)
    store = Store(directory)
    try:
        accounts = Register(store).accounts()
        departments = [d.name for d in Register(store).departments()]
    finally:
        store.close()
    ctx.print(t("cli.demo.ready", path=str(directory)))
    per_platform = Counter(a.platform for a in accounts)
    with_accounts = {a.department for a in accounts}
    ctx.print(
        t(
            "demo_summary.summary",
            accounts=len(accounts),
            with_accounts=len(with_accounts),
            departments=len(departments),
            platforms=", ".join(f"{p} {n}" for p, n in sorted(per_platform.items())),
        )
    )
    without = [name for name in departments if name not in with_accounts]
    if without:  # (Kontaktcenter's: it answers for others' accounts, has none of its own)
        ctx.print(t("demo_summary.without", names=", ".join(without)))
    ctx.print(t("cli.demo.try", path=str(directory)))
    return 0
