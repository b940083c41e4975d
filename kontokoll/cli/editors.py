"""``kontokoll editors add|remove|list|confirm|forget|acknowledge``."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from governance.fields import parse_date
from governance.i18n import t
from kontokoll.cli.context import CliContext
from kontokoll.cli.tables import render_table

if TYPE_CHECKING:
    from governance.forget import ForgetReport


def register(commands: Any) -> None:
    parser = commands.add_parser("editors", help=t("cli.editors.help"))
    sub = parser.add_subparsers(dest="editors_command", metavar="ACTION", required=True)

    add = sub.add_parser("add", help=t("cli.editors.add_help"))
    add.add_argument("account", metavar="ACCOUNT", help=t("cli.account_ref_help"))
    add.add_argument("person", metavar='"Namn <e-post>"')
    add.add_argument("--appointed", metavar="YYYY-MM-DD", help=t("cli.editors.appointed_help"))
    add.set_defaults(handler=add_editor)

    remove = sub.add_parser("remove", help=t("cli.editors.remove_help"))
    remove.add_argument("account", metavar="ACCOUNT", help=t("cli.account_ref_help"))
    remove.add_argument("email", metavar="EMAIL")
    remove.set_defaults(handler=remove_editor)

    lst = sub.add_parser("list", help=t("cli.editors.list_help"))
    lst.add_argument("account", metavar="ACCOUNT", help=t("cli.account_ref_help"))
    lst.set_defaults(handler=list_editors)

    forget = sub.add_parser("forget", help=t("forget.help"))
    forget.add_argument("email", metavar="EMAIL")
    forget.set_defaults(handler=forget_person)

    confirm = sub.add_parser("confirm", help=t("cli.editors.confirm_help"))
    confirm.add_argument("account", metavar="ACCOUNT", help=t("cli.account_ref_help"))
    confirm.set_defaults(handler=confirm_editors)

    ack = sub.add_parser("acknowledge", help=t("lifecycle.cli.acknowledge_help"))
    ack.add_argument("email", metavar="EMAIL", nargs="?")
    ack.add_argument("--department", help=t("lifecycle.cli.acknowledge_department_help"))
    ack.set_defaults(handler=acknowledge_revision)


def add_editor(args: argparse.Namespace, ctx: CliContext) -> int:
    from governance.register import Register

    appointed = parse_date(args.appointed, "appointed") if args.appointed else None
    register_ = Register(ctx.store)
    editor = register_.add_editor(args.account, args.person, appointed)
    ctx.print(
        t("cli.editors.added", editor=str(editor), account=register_.account(args.account).ref)
    )
    return 0


def remove_editor(args: argparse.Namespace, ctx: CliContext) -> int:
    from governance.register import Register

    register_ = Register(ctx.store)
    editor = register_.remove_editor(args.account, args.email)
    ctx.print(
        t("cli.editors.removed", editor=str(editor), account=register_.account(args.account).ref)
    )
    return 0


def list_editors(args: argparse.Namespace, ctx: CliContext) -> int:
    from governance.register import Register

    account = Register(ctx.store).account(args.account)
    rows = [[e.name, e.email, e.appointed.isoformat()] for e in account.editors]
    ctx.print(render_table([t("col.name"), t("col.email"), t("col.appointed")], rows))
    if account.editors_confirmed_at:
        ctx.print(
            t(
                "cli.editors.confirmed_at",
                at=account.editors_confirmed_at.date().isoformat(),
                by=account.editors_confirmed_by,
            )
        )
    ctx.print(t("cli.editors.count", count=len(account.editors), account=account.ref))
    return 0


def confirm_editors(args: argparse.Namespace, ctx: CliContext) -> int:
    from governance.register import Register

    account = Register(ctx.store).confirm_editors(args.account)
    ctx.print(t("cli.editors.confirmed", account=account.ref, count=len(account.editors)))
    return 0


def acknowledge_revision(args: argparse.Namespace, ctx: CliContext) -> int:
    from governance.acknowledgements import Acknowledgements

    report = Acknowledgements(ctx.store).acknowledge(args.email, args.department)
    revision = report.revision.isoformat()
    for name, email in report.recorded:
        ctx.print(t("lifecycle.cli.acknowledged", person=f"{name} <{email}>", revision=revision))
    for name, email in report.already:
        ctx.print(t("lifecycle.cli.already", person=f"{name} <{email}>", revision=revision))
    ctx.print(t("lifecycle.cli.ack_summary", count=len(report.recorded), revision=revision))
    return 0


def forget_person(args: argparse.Namespace, ctx: CliContext) -> int:
    from governance.people import People

    report = People(ctx.store).forget(args.email)
    names = ", ".join(f"“{name}”" for name in report.names)
    done = "forget.done" if names else "forget.done_no_names"
    ctx.print(t(done, address=report.address, names=names, pseudonym=report.pseudonym))
    ctx.print(t("forget.changed"))
    ctx.print(render_table([t("forget.col_kind"), t("forget.col_count")], _forget_counts(report)))
    for leftover in report.leftovers:
        ctx.warn(t("forget.leftover", file=leftover.file, key=leftover.key, value=leftover.value))
    return 0


def _forget_counts(report: ForgetReport) -> list[list[str]]:
    counts = (
        ("forget.editor_of", report.editor_of),
        ("forget.contact_of", report.contact_of),
        ("forget.accounts", report.accounts),
        ("forget.departments", report.departments),
        ("forget.text_fields", report.text_fields),
        ("forget.audit_records", report.audit_records),
        ("forget.other_records", report.other_records),
        ("forget.log_entries", report.log_entries),
    )
    return [[t(key), str(count)] for key, count in counts]
