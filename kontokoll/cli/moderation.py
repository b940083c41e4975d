"""``kontokoll moderation record|list|export|register|diarienummer|retention``: the register of
hidden and deleted comments, and their registration (diarieföring) by mail.

The service and the mail layer are imported inside the handlers: ``kontokoll --help`` and every
other command must not pay for them.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from governance.i18n import t
from kontokoll.cli.context import CliContext
from kontokoll.cli.exchange import add_delimiter_option, export, output_path
from kontokoll.cli.tables import render_table

if TYPE_CHECKING:
    from governance.moderation.service import Listed, ModerationService

#: Kept here as well as in governance.moderation.records, whose import this module avoids at
#: start-up; tests/cli/test_moderation_cli.py checks that the two agree.
ACTIONS = ("hide", "delete", "block")
DRY_RUN_SENDER = "Kontokoll <kontokoll@localhost>"
#: What a table shows for an unknown or absent value, as every other table does (an en dash).
UNKNOWN = "–"


def register(commands: argparse._SubParsersAction[Any]) -> None:
    """Add the ``moderation`` command group."""
    parser = commands.add_parser("moderation", help=t("moderation.cli.help"),
                                 description=t("moderation.cli.description"))
    sub = parser.add_subparsers(dest="moderation_command", metavar="ACTION", required=True)
    _record_parser(sub)
    lst = sub.add_parser("list", help=t("moderation.cli.list_help"))
    lst.add_argument("account", nargs="?", metavar="ACCOUNT")
    lst.add_argument("--unregistered", action="store_true", help=t("moderation.cli.unreg_help"))
    lst.add_argument("--quarter", metavar="YYYYQN", help=t("moderation.cli.quarter_help"))
    lst.set_defaults(handler=list_records)
    exp = sub.add_parser("export", help=t("moderation.cli.export_help"))
    exp.add_argument("--format", choices=("csv", "xlsx"), default=None,
                     help=t("moderation.cli.format_help"))
    exp.add_argument("--output", type=output_path, default=Path("-"), metavar="FILE",
                     help=t("moderation.cli.output_help"))
    add_delimiter_option(exp)
    exp.set_defaults(handler=export_records)
    reg = sub.add_parser("register", help=t("moderation.cli.register_help"))
    reg.add_argument("id", metavar="ID")
    reg.add_argument("--dry-run", action="store_true", help=t("moderation.cli.dry_run_help"))
    reg.add_argument("--output", type=Path, default=None, metavar="DIR",
                     help=t("moderation.cli.eml_dir_help"))
    reg.add_argument("--resend", action="store_true", help=t("moderation.cli.resend_help"))
    reg.set_defaults(handler=register_record)
    dnr = sub.add_parser("diarienummer", help=t("moderation.cli.diarienummer_help"))
    dnr.add_argument("id", metavar="ID")
    dnr.add_argument("number", metavar='"KS 2026/01234"')
    dnr.add_argument("--replace", action="store_true", help=t("moderation.cli.replace_help"))
    dnr.set_defaults(handler=set_diarienummer)
    ret = sub.add_parser("retention", help=t("moderation.cli.retention_help"))
    ret.set_defaults(handler=run_retention)


def _record_parser(sub: argparse._SubParsersAction[Any]) -> None:
    rec = sub.add_parser("record", help=t("moderation.cli.record_help"),
                         description=t("moderation.cli.record_description"))
    rec.add_argument("account", metavar="ACCOUNT")
    rec.add_argument("--action", required=True, metavar="|".join(ACTIONS))
    rec.add_argument("--reason", required=True, metavar="CATEGORY",
                     help=t("moderation.cli.reason_help"))
    rec.add_argument("--at", required=True, metavar="TIMESTAMP", help=t("moderation.cli.at_help"))
    rec.add_argument("--screenshot", default="", metavar="FILE|-",
                     help=t("moderation_input.screenshot_help"))
    rec.add_argument("--comment-id", default="", metavar="ID")
    rec.add_argument("--notified", default="", metavar=t("moderation_input.notified_metavar"),
                     help=t("moderation_input.notified_help"))
    rec.add_argument("--note", default="", metavar="TEXT")
    rec.set_defaults(handler=record)


def _service(ctx: CliContext) -> ModerationService:
    from governance.moderation.service import ModerationService

    return ModerationService(ctx.store)


def record(args: argparse.Namespace, ctx: CliContext) -> int:
    """Store one record and print its id (alone on stdout, for scripts)."""
    from governance import service_account
    from governance.moderation.requests import RecordRequest

    if args.screenshot.strip():  # the service account never opens a file on a caller's say
        service_account.require_stream(args.screenshot.strip())
    request = RecordRequest(args.account, args.action, args.reason, args.at, args.screenshot,
                            args.comment_id, args.notified, args.note,
                            _standard_input(args.screenshot.strip()))
    saved = _service(ctx).record(request)
    ctx.print(saved.id)
    if saved.needs_registration:
        ctx.warn(t("moderation.cli.register_next", id=saved.id))
    return 0


def _standard_input(screenshot: str) -> bytes | None:
    """The screenshot's bytes from standard input for ``--screenshot -`` (bounded, checked by
    the core like a file); None for a path or no screenshot."""
    import sys

    from governance.errors import InputError
    from governance.moderation.screenshots import read_screenshot_stream

    if screenshot != "-":
        return None
    if sys.stdin is None or sys.stdin.isatty():  # nothing piped: waiting would look like a hang
        raise InputError("moderation_input.stdin_terminal")
    return read_screenshot_stream(sys.stdin.buffer).data


def list_records(args: argparse.Namespace, ctx: CliContext) -> int:
    """The records as a table, the id first."""
    between = None
    if args.quarter:
        from audits.quarters import Quarter

        quarter = Quarter.parse(args.quarter)
        between = (quarter.first_day, quarter.last_day)
    items = _service(ctx).records(args.account, unregistered=args.unregistered, between=between)
    if not items:
        ctx.print(t("moderation.cli.none"))
        return 0
    header = [t(f"moderation.column.{name}") for name in
              ("id", "at", "account", "action", "reason", "sent_at", "diarienummer", "screenshot")]
    ctx.print(render_table(header, [_row(item) for item in items]))
    return 0


def _row(item: Listed) -> list[str]:
    from governance.monthly import STOCKHOLM

    r = item.record
    sent = f"{r.sent_at.astimezone(STOCKHOLM):%Y-%m-%d %H:%M}" if r.sent_at else UNKNOWN
    shot = r.screenshot
    kept = UNKNOWN if shot is None else (t("moderation.value.deleted") if shot.deleted_at
                                         else shot.extension)
    action = t(f"moderation.action.{r.action}")
    return [r.id, f"{r.at.astimezone(STOCKHOLM):%Y-%m-%d %H:%M}", item.ref, action, r.reason,
            sent, r.diarienummer or UNKNOWN, kept]


def export_records(args: argparse.Namespace, ctx: CliContext) -> int:
    from governance.moderation.export import render_export

    items = _service(ctx).records()
    chosen = args.format or ("xlsx" if args.output.suffix.lower() == ".xlsx" else "csv")
    data = render_export(items, chosen, args.delimiter)
    export(ctx, args.output, data, t("moderation.cli.exported", count=len(items),
                                     path=str(args.output)))
    return 0


def set_diarienummer(args: argparse.Namespace, ctx: CliContext) -> int:
    saved = _service(ctx).set_diarienummer(args.id, args.number, replace_existing=args.replace)
    ctx.print(t("moderation.cli.diarienummer_saved", id=saved.id, number=saved.diarienummer))
    return 0


def run_retention(args: argparse.Namespace, ctx: CliContext) -> int:
    count = _service(ctx).retain(required=True)
    ctx.print(t("moderation.cli.retention_done", count=count))
    return 0


def register_record(args: argparse.Namespace, ctx: CliContext) -> int:
    """Mail the registration (or, with ``--dry-run``, write it as an ``.eml`` file)."""
    from governance.errors import InputError
    from governance.mail_claims import claim_params
    from governance.moderation.registration import registration_message, send_registration

    if args.output is not None and not args.dry_run:
        raise InputError("moderation.error.output_needs_dry_run")
    service = _service(ctx)
    if not args.dry_run:
        done = send_registration(service, args.id, resend=args.resend)
        record = done.listed.record
        if done.taken_over is not None:  # the user must know a mail may have gone out twice
            ctx.warn(t("mail_claims.moderation.taken_over", id=record.id,
                       **claim_params(done.taken_over)))
        ctx.print(t("moderation.cli.sent", id=record.id, registry=service.settings.registry))
        return 0
    settings = _dry_run_settings(ctx)
    registration = service.registration(args.id, resend=args.resend)
    sender = settings.sender if settings is not None else DRY_RUN_SENDER
    message = registration_message(registration, sender, service.settings.registry)
    return _write_eml(ctx, message, registration.listed.record.id, args.output)


def _dry_run_settings(ctx: CliContext) -> Any:
    """The ``[mail]`` settings for the sender; a dry run may go without the table, not with a
    bad one."""
    from governance.mail import MailError, load_mail_settings

    try:
        return load_mail_settings(ctx.data_dir)
    except MailError as error:
        if error.key == "mail.settings.missing":
            return None
        raise


def _write_eml(ctx: CliContext, message: Any, record_id: str, folder: Path | None) -> int:
    from governance import service_account
    from governance.errors import InputError
    from governance.export_target import write_export
    from governance.mail import eml_bytes
    from kontokoll.cli.audit_send import output_folder

    if folder is not None and str(folder) == "-":  # a message with an attachment is a file
        raise InputError("moderation.error.eml_needs_folder")
    target = folder if folder is not None else Path(".")
    service_account.require_stream(target)
    path = output_folder(target, ctx.data_dir) / f"diarieforing-{record_id}.eml"
    write_export(path, eml_bytes(message), data_dir=ctx.data_dir)
    ctx.print(str(path))
    return 0
