"""``kontokoll accounts request|approve|reject|retire``: an account's request, AKN's decision and
closing it down (:mod:`governance.lifecycle`). Registered into the ``accounts`` command."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from governance.errors import FieldError
from governance.i18n import t
from kontokoll.cli.context import CliContext
from kontokoll.cli.option_names import options_named

if TYPE_CHECKING:
    from governance.model import Account, Retirement

#: The checklist's answers as options: (field, option, metavar) in the order they are asked.
_ANSWER_OPTIONS = (
    ("announced", "--announced", "ja|nej"),
    ("followers_to", "--followers-to", "TEXT"),
    ("archived_at", "--archived-at", "TEXT"),
    ("diarienummer", "--diarienummer", "TEXT"),
    ("admins_removed", "--admins-removed", "ja|nej"),
)
#: The retire command's options by the field each answers, for messages.
_RETIRE_OPTIONS = {
    **{field: option for field, option, _ in _ANSWER_OPTIONS},
    "disposal": "--deleted|--dormant",
    "disposal_on": "--on",
}


def register(sub: Any) -> None:
    """Add the subcommands to the ``accounts`` command's subparsers ``sub``."""
    req = sub.add_parser("request", help=t("lifecycle.cli.request_help"))
    req.add_argument("account", metavar="PLATFORM:HANDLE")
    req.add_argument("--department", default="", help=t("lifecycle.cli.department_help"))
    req.add_argument("--purpose", default="", help=t("lifecycle.cli.purpose_help"))
    req.add_argument("--audience", default="", help=t("lifecycle.cli.audience_help"))
    req.add_argument("--goals", action="append", default=[], metavar="informera|aktivera|engagera")
    req.add_argument(
        "--editor", action="append", default=[], metavar='"Namn <e-post>"',
        help=t("lifecycle.cli.editor_help"),
    )  # fmt: skip
    req.add_argument("--project", default="", help=t("lifecycle.cli.project_help"))
    req.add_argument("--project-end", default="", metavar="YYYY-MM-DD")
    req.set_defaults(handler=request_account)

    for name, handler in (("approve", approve_request), ("reject", reject_request)):
        decide = sub.add_parser(name, help=t(f"lifecycle.cli.{name}_help"))
        decide.add_argument("account", metavar="ACCOUNT", help=t("cli.account_ref_help"))
        decide.add_argument("--reason", default="", help=t("lifecycle.cli.reason_help"))
        decide.set_defaults(handler=handler)

    retire = sub.add_parser("retire", help=t("lifecycle.cli.retire_help"))
    retire.add_argument("account", metavar="ACCOUNT", help=t("cli.account_ref_help"))
    for field, option, metavar in _ANSWER_OPTIONS:
        retire.add_argument(option, dest=field, metavar=metavar, help=t(f"lifecycle.ask.{field}"))
    disposal = retire.add_mutually_exclusive_group()
    for choice in ("deleted", "dormant"):
        disposal.add_argument(
            f"--{choice}", dest="disposal", action="store_const", const=choice,
            help=t(f"lifecycle.cli.{choice}_help"),
        )  # fmt: skip
    retire.add_argument(
        "--on", dest="disposal_on", metavar="YYYY-MM-DD", help=t("lifecycle.cli.on_help")
    )
    retire.set_defaults(handler=retire_account)


def request_account(args: argparse.Namespace, ctx: CliContext) -> int:
    from governance.lifecycle import Lifecycle

    account = Lifecycle(ctx.store).request(
        args.account,
        department=args.department,
        purpose=args.purpose,
        audience=args.audience,
        goals=args.goals,
        editors=args.editor,
        project=args.project,
        project_end=args.project_end,
    )
    ctx.print(t("lifecycle.cli.requested", account=account.ref, department=account.department))
    _warn(ctx, account)
    return 0


def approve_request(args: argparse.Namespace, ctx: CliContext) -> int:
    from governance.lifecycle import Lifecycle

    account = Lifecycle(ctx.store).approve(args.account, args.reason)
    _warn(ctx, account)  # the approver sees what the requester was told
    ctx.print(t("lifecycle.cli.approved", account=account.ref))
    return 0


def reject_request(args: argparse.Namespace, ctx: CliContext) -> int:
    from governance.lifecycle import Lifecycle

    account = Lifecycle(ctx.store).reject(args.account, args.reason)
    ctx.print(t("lifecycle.cli.rejected", account=account.ref))
    return 0


def retire_account(args: argparse.Namespace, ctx: CliContext) -> int:
    from governance.lifecycle import Lifecycle
    from governance.model import Retirement

    lifecycle = Lifecycle(ctx.store)
    fields = (*(field for field, _, _ in _ANSWER_OPTIONS), "disposal", "disposal_on")
    answers = {f: getattr(args, f) for f in fields if getattr(args, f) is not None}
    if sys.stdin.isatty():  # on a terminal, ask what the options left unanswered
        stored = lifecycle.account(args.account).retirement or Retirement()
        answers = _ask_checklist(ctx, answers, stored, input)
    with options_named(_RETIRE_OPTIONS):
        account = lifecycle.retire(args.account, answers)
    ctx.print(t("lifecycle.cli.retired", account=account.ref))
    items = (account.retirement or Retirement()).open_items(lifecycle.today())
    if items:
        shown = ", ".join(t(f"lifecycle.item.{item}") for item in items)
        ctx.warn(t("lifecycle.cli.open_items", items=shown, account=account.ref))
    else:
        ctx.print(t("lifecycle.cli.checklist_done"))
    return 0


def _ask_checklist(
    ctx: CliContext, given: dict[str, str], stored: Retirement, ask: Callable[[str], str]
) -> dict[str, str]:
    """Ask each question the options did not answer; Enter keeps the stored answer (or leaves
    the item open). A bad answer is explained and asked again."""
    from governance.lifecycle import RETIREMENT_PARSERS

    answers = dict(given)
    for field in RETIREMENT_PARSERS:
        if field in answers:
            continue
        current = getattr(stored, field)
        while True:
            text = ask(t(f"lifecycle.ask.{field}") + _current(current) + " ").strip()
            if not text:
                break
            try:
                RETIREMENT_PARSERS[field](text)
            except FieldError as error:
                ctx.warn(str(error))
                continue
            answers[field] = text
            break
    return answers


def _current(value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return f" [{t('lifecycle.value.yes' if value else 'lifecycle.value.no')}]"
    shown = str(value)
    return f" [{shown}]"


def _warn(ctx: CliContext, account: Account) -> None:
    from governance.lifecycle import LANGSIKTIGT

    if LANGSIKTIGT in account.request_warnings:
        end = account.project_end.isoformat() if account.project_end else "–"
        ctx.warn(t("lifecycle.warning.langsiktigt", project=account.project, end=end))
