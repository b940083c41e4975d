"""``kontokoll accounts import|export|list`` (and the subcommands registered from beside it)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from governance.account_fields import department_key
from governance.errors import FieldError
from governance.fields import format_value, parse_platform, parse_status
from governance.i18n import t
from governance.text_safety import visible
from kontokoll.cli import account_edit, account_identity, lifecycle
from kontokoll.cli.context import CliContext
from kontokoll.cli.exchange import add_delimiter_option, export, output_path, read_input
from kontokoll.cli.tables import render_table

if TYPE_CHECKING:
    from collections.abc import Sequence

    from governance.import_plan import AccountRow
    from governance.register import ImportPlan


def register(commands: Any) -> None:
    parser = commands.add_parser("accounts", help=t("cli.accounts.help"))
    sub = parser.add_subparsers(dest="accounts_command", metavar="ACTION", required=True)

    imp = sub.add_parser("import", help=t("cli.accounts.import_help"))
    imp.add_argument("file", type=Path, metavar="FILE.csv")
    imp.add_argument("--dry-run", action="store_true", help=t("cli.accounts.dry_run_help"))
    imp.set_defaults(handler=import_accounts)

    exp = sub.add_parser("export", help=t("cli.accounts.export_help"))
    exp.add_argument("file", type=output_path, metavar="FILE.csv")
    add_delimiter_option(exp)
    account_identity.add_export_options(exp)  # --format csv|xlsx, --department
    exp.set_defaults(handler=export_accounts)

    lst = sub.add_parser("list", help=t("cli.accounts.list_help"))
    lst.add_argument("--department", help=t("cli.accounts.department_filter_help"))
    lst.add_argument("--platform", help=t("cli.accounts.platform_filter_help"))
    lst.add_argument("--status", help=t("lifecycle.cli.status_filter_help"))
    lst.set_defaults(handler=list_accounts)
    lifecycle.register(sub)  # request, approve, reject, retire
    account_identity.register(sub)  # rename, accept-identity
    account_edit.register(sub)  # add, edit


def import_accounts(args: argparse.Namespace, ctx: CliContext) -> int:
    from governance.accounts_csv import read_account_rows
    from governance.register import Register

    rows = read_account_rows(args.file, read_input(args.file), account_identity.stored_ids(ctx))
    register_ = Register(ctx.store)
    if args.dry_run:
        plan = register_.plan_import(rows, str(args.file))
    else:
        plan = register_.import_rows(rows, str(args.file))
    _print_plan(ctx, plan, dry_run=args.dry_run)
    _warn_guideline_gaps(ctx, plan, rows, str(args.file))
    return 0


def _warn_guideline_gaps(
    ctx: CliContext, plan: ImportPlan, rows: Sequence[AccountRow], path: str
) -> None:
    """Per line, what the guideline asks of an account the file creates or changes that it
    lacks (see :func:`account_edit.warn_guideline_gaps`)."""
    from governance.account_checks import guideline_gaps

    line_of = {f"{row.values['platform']}:{row.values['handle']}": row.line for row in rows}
    for account in (*plan.created, *(after for _, after in plan.updated)):
        for field in guideline_gaps(account):
            reason = t(f"f9d_input.gap.{field}", option=t("f9d_input.column", name=field))
            ctx.warn(t("error.row_problem", path=path, line=line_of.get(account.ref, "?"),
                       field=field, reason=reason))


def _print_plan(ctx: CliContext, plan: ImportPlan, *, dry_run: bool) -> None:
    from governance.register import changed_fields

    for name in plan.new_departments:
        ctx.print(t("cli.accounts.plan_new_department", name=name))
    for account in plan.created:
        ctx.print(t("cli.accounts.plan_created", ref=account.ref))
    for before, after in plan.updated:
        for name in changed_fields(before, after):
            old = _shown(before, name)
            new = _shown(after, name)
            # Editors one by one (added, removed, renamed), so a lead sees each change.
            lines = account_identity.editor_changes(before, after) if name == "editors" else []
            for line in lines or [t("cli.accounts.plan_changed", ref=after.ref, field=name,
                                    old=old, new=new)]:
                ctx.print(line)
    key = "cli.accounts.summary_dry_run" if dry_run else "cli.accounts.summary"
    ctx.print(
        t(key, created=len(plan.created), updated=len(plan.updated), unchanged=len(plan.unchanged))
    )


def _shown(account: Any, name: str) -> str:
    """A value on one line of the plan: a multi-line purpose shows its line breaks as ``\\n``."""
    if name == "editors":
        return visible("|".join(str(e) for e in account.editors)) or "∅"
    return visible(format_value(getattr(account, name))) or "∅"


def export_accounts(args: argparse.Namespace, ctx: CliContext) -> int:
    data, count = account_identity.export_data(args, ctx)
    done = t("cli.accounts.exported", count=count, path=str(args.file))
    export(ctx, args.file, data, done)
    return 0


#: How ``accounts list`` groups accounts: active first, then requests, rejected, retired.
_STATUS_ORDER = {"requested": 1, "rejected": 2, "retired": 3}


def list_accounts(args: argparse.Namespace, ctx: CliContext) -> int:
    from governance.register import Register

    register_ = Register(ctx.store)
    accounts = register_.accounts()
    if args.department:
        wanted = department_key(args.department)
        known = {department_key(d.name): d.name for d in register_.departments()}
        known.update((department_key(a.department), a.department) for a in accounts)
        if wanted not in known:  # an unknown department is a mistake, not an empty list
            raise FieldError(
                "department",
                "field.unknown_department",
                value=visible(args.department.strip()),
                allowed=", ".join(visible(name) for name in sorted(known.values())) or "–",
            )
        accounts = [a for a in accounts if department_key(a.department) == wanted]
    if args.platform:
        platform = parse_platform(args.platform)
        accounts = [a for a in accounts if a.platform == platform]
    if args.status:
        accounts = [a for a in accounts if a.status == parse_status(args.status)]
    accounts.sort(key=lambda a: _STATUS_ORDER.get(a.status, 0))  # retired ones apart, last
    header = [
        t("col.account"),
        t("col.department"),
        t("col.visibility"),
        t("col.status"),
        t("col.editors"),
        t("col.id"),
    ]
    rows = [
        [
            a.ref,
            a.department,
            t(f"value.{a.visibility}"),
            t(f"value.{a.status}"),
            str(len(a.editors)),
            a.id,
        ]
        for a in accounts
    ]
    ctx.print(render_table(header, rows))
    ctx.print(t("cli.accounts.count", count=len(accounts)))
    return 0
