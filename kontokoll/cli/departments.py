"""``kontokoll departments list|add``: the förvaltningar and their communications contacts."""

from __future__ import annotations

import argparse
from collections import Counter
from typing import Any

from governance.fields import parse_person
from governance.i18n import t
from governance.model import Person, department_key
from governance.register import Register
from kontokoll.cli.context import CliContext
from kontokoll.cli.tables import render_table


def register(commands: Any) -> None:
    parser = commands.add_parser("departments", help=t("cli.departments.help"))
    sub = parser.add_subparsers(dest="departments_command", metavar="ACTION", required=True)
    lst = sub.add_parser("list", help=t("cli.departments.list_help"))
    lst.set_defaults(handler=list_departments)
    add = sub.add_parser("add", help=t("cli.departments.add_help"))
    add.add_argument("name", metavar="NAME")
    add.add_argument(
        "--contact",
        action="append",
        default=[],
        metavar='"Namn <e-post>"',
        help=t("cli.departments.contact_help"),
    )
    add.set_defaults(handler=add_department)


def list_departments(args: argparse.Namespace, ctx: CliContext) -> int:
    register_ = Register(ctx.store)
    counts = Counter(department_key(a.department) for a in register_.accounts())
    rows = [
        [d.name, str(counts.get(d.key, 0)), ", ".join(str(p) for p in d.contacts)]
        for d in register_.departments()
    ]
    ctx.print(render_table([t("col.department"), t("col.accounts"), t("col.contacts")], rows))
    return 0


def add_department(args: argparse.Namespace, ctx: CliContext) -> int:
    contacts = [Person(*parse_person(text, "contact")) for text in args.contact]
    department = Register(ctx.store).add_department(args.name, contacts)
    ctx.print(t("cli.departments.saved", name=department.name, count=len(department.contacts)))
    return 0
