"""``kontokoll accounts add|edit``: register an account directly, or change fields of one.

Every field is an option named after it (``--department-goals g1|g3``, ``--categories tips``),
parsed exactly as the accounts CSV's cell would be (:data:`governance.fields.ACCOUNT_FIELD_PARSERS`)
by the same service (:class:`governance.register.Register`). Only the options given change. The
handle and platform change with ``accounts rename``; editors with ``editors add|remove``.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from governance.account_fields import EDITABLE_FIELDS, department_key
from governance.i18n import t
from kontokoll.cli.context import CliContext
from kontokoll.cli.option_names import option_of, options_named

if TYPE_CHECKING:
    from governance.model import Account

#: The fields ``accounts edit`` and ``accounts add`` take as options.
OPTION_FIELDS = tuple(name for name in EDITABLE_FIELDS if name not in ("platform", "handle"))
#: Each of those fields' option, for messages.
_OPTIONS = {name: option_of(name) for name in OPTION_FIELDS}


def register(sub: Any) -> None:
    """Add ``add`` and ``edit`` to the ``accounts`` command's subparsers ``sub``."""
    add = sub.add_parser("add", help=t("goals.cli.add_account_help"))
    add.add_argument("account", metavar="PLATFORM:HANDLE")
    _field_options(add)
    add.set_defaults(handler=add_account)
    edit = sub.add_parser("edit", help=t("goals.cli.edit_help"))
    edit.add_argument("account", metavar="ACCOUNT", help=t("cli.account_ref_help"))
    _field_options(edit)
    edit.set_defaults(handler=edit_account)


def _field_options(parser: argparse.ArgumentParser) -> None:
    for name, option in _OPTIONS.items():
        parser.add_argument(option, dest=name, metavar="TEXT", help=t("goals.cli.field_help",
                                                                      field=name))  # fmt: skip


def _given(args: argparse.Namespace) -> dict[str, str]:
    return {name: getattr(args, name) for name in OPTION_FIELDS if getattr(args, name) is not None}


def warn_guideline_gaps(ctx: CliContext, account: Account) -> None:
    """Say what the guideline asks of ``account`` that it lacks: saved all the same (an edit in
    two steps, an older register's import), the audit raises it later."""
    from governance.account_checks import guideline_gaps

    for field in guideline_gaps(account):
        reason = t(f"f9d_input.gap.{field}", option=_OPTIONS[field])
        ctx.warn(t("error.field", field=account.ref, reason=reason))


def add_account(args: argparse.Namespace, ctx: CliContext) -> int:
    from governance.fields import ACCOUNT_FIELD_PARSERS
    from governance.lifecycle import parse_ref
    from governance.register import Register

    platform, handle = parse_ref(args.account)
    texts = _given(args)
    with options_named(_OPTIONS):
        values = {name: ACCOUNT_FIELD_PARSERS[name](text) for name, text in texts.items()}
    values.update(platform=platform, handle=handle)
    values.setdefault("department", "")
    with options_named(_OPTIONS):
        account = Register(ctx.store).create_account(values)
    ctx.print(t("goals.cli.created", account=account.ref, department=account.department))
    warn_guideline_gaps(ctx, account)
    return 0


def edit_account(args: argparse.Namespace, ctx: CliContext) -> int:
    from governance.register import Register, changed_fields

    register_ = Register(ctx.store)
    texts = _given(args)
    before = register_.account(args.account)
    with options_named(_OPTIONS):
        after = register_.update_from_text(before.id, texts)
    changed = changed_fields(before, after)
    if not changed:
        ctx.print(t("goals.cli.unchanged", account=after.ref))
        return 0
    ctx.print(t("goals.cli.saved", account=after.ref, count=len(changed)))
    warn_guideline_gaps(ctx, after)
    dropped = "department_goals" in changed and "department_goals" not in texts
    if dropped and department_key(before.department) != department_key(after.department):
        old = len(before.department_goals)
        ctx.print(t("goals.cli.dropped", department=after.department, old=old))
    return 0
