"""``kontokoll accounts rename|accept-identity``, and the spreadsheet side of ``accounts export``.

- ``accounts rename ACCOUNT NEW_HANDLE``: take the handle the platform now shows (the audit's
  ``handle-changed``); a lead for their departments, or an admin.
- ``accounts accept-identity ACCOUNT``: take the id now behind the handle as the city's own (the
  audit's ``identity-mismatch``); admins only.
- ``accounts export [--format csv|xlsx] [--department D ...]``: the workbook keeps every cell
  text (:mod:`governance.accounts_xlsx`), and a lead may export just their departments.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from governance.account_fields import department_key
from governance.errors import FieldError
from governance.i18n import t
from governance.text_safety import visible
from kontokoll.cli.context import CliContext

FORMATS = ("csv", "xlsx")

if TYPE_CHECKING:
    from governance.model import Account
    from governance.register import Register


def register(sub: Any) -> None:
    """Add ``rename`` and ``accept-identity`` to the ``accounts`` subcommands."""
    rename = sub.add_parser("rename", help=t("identity.cli.rename_help"))
    rename.add_argument("account", metavar="ACCOUNT")
    rename.add_argument("new_handle", metavar="NEW_HANDLE",
                        help=t("identity.cli.new_handle_help"))
    rename.set_defaults(handler=rename_account)
    accept = sub.add_parser("accept-identity", help=t("identity.cli.accept_help"))
    accept.add_argument("account", metavar="ACCOUNT")
    accept.set_defaults(handler=accept_identity)


def add_export_options(parser: argparse.ArgumentParser) -> None:
    """``--format`` and ``--department`` of ``accounts export``."""
    parser.add_argument("--format", choices=FORMATS, help=t("identity.cli.format_help"))
    parser.add_argument("--department", action="append", default=[],
                        help=t("identity.cli.department_help"))


def rename_account(args: argparse.Namespace, ctx: CliContext) -> int:
    from governance.register import Register

    before = Register(ctx.store).account(args.account)
    from governance.identity_check import Identities  # loads the platform clients: only here

    after = Identities(ctx.store).rename(before.id, args.new_handle)
    ctx.print(t("identity.cli.renamed", old=visible(before.ref), new=visible(after.ref)))
    return 0


def accept_identity(args: argparse.Namespace, ctx: CliContext) -> int:
    from governance.identity_check import Identities

    after = Identities(ctx.store).accept_identity(args.account)
    ctx.print(t("identity.cli.accepted", ref=visible(after.ref), id=visible(after.platform_id)))
    return 0


def export_data(args: argparse.Namespace, ctx: CliContext) -> tuple[bytes, int]:
    """The export's bytes (CSV or workbook) and how many accounts it holds."""
    from governance.accounts_csv import ALL_COLUMNS, account_cells
    from governance.accounts_xlsx import render_accounts_xlsx
    from governance.csvio import render_csv
    from governance.register import Register

    register_ = Register(ctx.store)
    accounts = _of_departments(register_, register_.accounts(), args.department)
    wanted = args.format or ("xlsx" if args.file.suffix.lower() == ".xlsx" else "csv")
    rows = (account_cells(a) for a in accounts)
    if wanted == "xlsx":
        return render_accounts_xlsx(ALL_COLUMNS, rows), len(accounts)
    return render_csv(ALL_COLUMNS, rows, args.delimiter), len(accounts)


def _of_departments(
    register_: Register, accounts: list[Account], names: Sequence[str]
) -> list[Account]:
    if not names:
        return accounts
    known = {department_key(d.name): d.name for d in register_.departments()}
    for name in names:
        if department_key(name) not in known:  # a typo is a mistake, not an empty file
            raise FieldError(
                "department", "field.unknown_department", value=visible(name.strip()),
                allowed=", ".join(visible(n) for n in sorted(known.values())) or "–",
            )
    wanted = {department_key(name) for name in names}
    return [a for a in accounts if department_key(a.department) in wanted]


def stored_ids(ctx: CliContext) -> dict[str, str]:
    """``PLATFORM:HANDLE`` -> the register's platform id: an import checks only new ids."""
    from governance.register import Register

    return {a.ref: a.platform_id for a in Register(ctx.store).accounts()}


def editor_changes(before: Account, after: Account) -> list[str]:
    """One line per editor an import adds, removes or renames on the account."""
    old = {e.email: e for e in before.editors}
    new = {e.email: e for e in after.editors}
    ref = visible(after.ref)
    lines = [t("identity.cli.editor_removed", ref=ref, editor=visible(str(e)))
             for email, e in old.items() if email not in new]
    for email, editor in new.items():
        if email not in old:
            lines.append(t("identity.cli.editor_added", ref=ref, editor=visible(str(editor))))
        elif old[email].name != editor.name:
            lines.append(t("identity.cli.editor_renamed", ref=ref, old=visible(str(old[email])),
                           new=visible(str(editor))))
    return lines
