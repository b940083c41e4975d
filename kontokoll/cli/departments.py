"""``kontokoll departments list|add|goals``: the förvaltningar, their communications contacts and
their own goals (:mod:`governance.department_goals`)."""

from __future__ import annotations

import argparse
from collections import Counter
from typing import Any

from governance.account_fields import department_key
from governance.fields import parse_person
from governance.i18n import t
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
    goals = sub.add_parser("goals", help=t("goals.cli.help"))
    goals.add_argument("name", metavar="NAME")
    change = goals.add_mutually_exclusive_group()
    change.add_argument("--add", metavar="TEXT", help=t("goals.cli.add_help"))
    change.add_argument("--remove", metavar="ID", help=t("goals.cli.remove_help"))
    goals.set_defaults(handler=department_goals)


def list_departments(args: argparse.Namespace, ctx: CliContext) -> int:
    from governance.register import Register

    register_ = Register(ctx.store)
    counts = Counter(department_key(a.department) for a in register_.accounts())
    rows = [
        [d.name, str(counts.get(d.key, 0)), ", ".join(str(p) for p in d.contacts)]
        for d in register_.departments()
    ]
    ctx.print(render_table([t("col.department"), t("col.accounts"), t("col.contacts")], rows))
    return 0


def add_department(args: argparse.Namespace, ctx: CliContext) -> int:
    from governance.model import Person
    from governance.register import Register

    contacts = [Person(*parse_person(text, "contact")) for text in args.contact]
    department = Register(ctx.store).add_department(args.name, contacts)
    ctx.print(t("cli.departments.saved", name=department.name, count=len(department.contacts)))
    return 0


def department_goals(args: argparse.Namespace, ctx: CliContext) -> int:
    from governance.department_goals import DepartmentGoals

    service = DepartmentGoals(ctx.store)
    if args.add is not None:
        goal = service.add(args.name, args.add)
        name = service.department(args.name).name
        ctx.print(t("goals.cli.added", goal=goal.id, department=name, text=goal.text))
        return 0
    if args.remove is not None:
        goal, unlinked = service.remove(args.name, args.remove)
        name = service.department(args.name).name
        ctx.print(t("goals.cli.removed", goal=goal.id, department=name))
        if unlinked:
            refs = ", ".join(a.ref for a in unlinked)
            ctx.print(t("goals.cli.unlinked", count=len(unlinked), accounts=refs))
        return 0
    department = service.department(args.name)
    if not department.goals:
        ctx.print(t("goals.cli.none", department=department.name))
        return 0
    linked = service.linked_accounts(department.name)
    header = [t("goals.cli.col_id"), t("goals.cli.col_goal"), t("goals.cli.col_accounts")]
    rows = [[g.id, g.text, str(len(linked.get(g.id, [])))] for g in department.goals]
    ctx.print(render_table(header, rows))
    return 0
