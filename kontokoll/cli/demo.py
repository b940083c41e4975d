"""``kontokoll demo``: build the demo register (if missing) and show it."""

from __future__ import annotations

import argparse
from collections import Counter
from typing import Any

from governance.demo import build_demo
from governance.i18n import t
from governance.register import Register
from governance.store import Store
from kontokoll.cli.context import CliContext


def register(commands: Any) -> None:
    parser = commands.add_parser("demo", help=t("cli.demo.help"))
    parser.add_argument("--rebuild", action="store_true", help=t("cli.demo.rebuild_help"))
    parser.set_defaults(handler=run_demo)


def run_demo(args: argparse.Namespace, ctx: CliContext) -> int:
    directory = build_demo(ctx.data_dir, rebuild=args.rebuild)
    store = Store(directory)
    try:
        accounts = Register(store).accounts()
    finally:
        store.close()
    ctx.print(t("cli.demo.ready", path=str(directory)))
    per_platform = Counter(a.platform for a in accounts)
    ctx.print(
        t(
            "cli.demo.summary",
            accounts=len(accounts),
            departments=len({a.department for a in accounts}),
            platforms=", ".join(f"{p} {n}" for p, n in sorted(per_platform.items())),
        )
    )
    ctx.print(t("cli.demo.try", path=str(directory)))
    return 0
