"""``kontokoll audit packets`` and ``kontokoll audit send``: each department gets its own findings.

``packets --output DIR`` writes one file per department into DIR (made if missing, never inside
the data directory); ``--output -`` writes one department's packet to standard output, the only
target a service-account session allows. ``send`` mails each department's contacts its packet
(xlsx) with a Swedish cover text over the SMTP server in settings.toml ``[mail]``; ``--dry-run``
writes the messages as ``.eml`` files instead and sends nothing.
"""

from __future__ import annotations

import argparse
import os
import stat
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from governance import service_account
from governance.errors import InputError
from governance.export_target import is_stream, write_export
from governance.i18n import t
from governance.os_errors import os_reason
from kontokoll.cli.exchange import add_delimiter_option

if TYPE_CHECKING:
    from audits.packet_service import Delivery, Outgoing, PacketService
    from governance.mail import MailSettings
    from kontokoll.cli.context import CliContext

#: A dry run's ``From`` when settings.toml has no ``[mail]`` table yet.
DRY_RUN_SENDER = "Kontokoll <kontokoll@localhost>"


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add ``packets`` and ``send`` to the ``audit`` command group."""
    packets = sub.add_parser("packets", help=t("packets.cli.packets_help"))
    _common(packets)
    packets.add_argument("--output", "-o", type=Path, required=True, metavar="DIR",
                         help=t("packets.cli.output_help"))
    packets.add_argument("--format", choices=["xlsx", "csv", "md"], default="xlsx",
                         help=t("packets.cli.format_help"))
    add_delimiter_option(packets)
    packets.set_defaults(handler=write_packets)

    send = sub.add_parser("send", help=t("packets.cli.send_help"))
    _common(send)
    send.add_argument("--dry-run", action="store_true", help=t("packets.cli.dry_run_help"))
    send.add_argument("--output", "-o", type=Path, default=None, metavar="DIR",
                      help=t("packets.cli.eml_output_help"))
    send.add_argument("--resend", action="store_true", help=t("packets.cli.resend_help"))
    send.set_defaults(handler=send_packets)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quarter", metavar="YYYYQN", help=t("audit.cli.quarter_pick_help"))
    parser.add_argument("--with-report", action="store_true",
                        help=t("report.cli.with_report_help"))
    parser.add_argument("--department", action="append", default=None, metavar="NAME",
                        help=t("packets.cli.department_help"))


def _service(ctx: CliContext) -> PacketService:
    from audits.packet_service import PacketService

    return PacketService(ctx.store)


# --- packets -------------------------------------------------------------------------------------


def write_packets(args: argparse.Namespace, ctx: CliContext) -> int:
    from audits.packet_formats import render_packet
    from audits.packets import packet_file_names

    service_account.require_stream(args.output)  # a folder is never a stream: refused there
    packets = _service(ctx).packets(args.quarter, args.department)
    if is_stream(args.output):
        if len(packets) != 1:
            raise InputError("packets.cli.stream_needs_one", count=len(packets))
        if args.with_report:  # two files cannot share standard output
            raise InputError("report.cli.with_report_needs_folder")
        write_export(args.output, render_packet(packets[0], args.format, args.delimiter),
                     data_dir=ctx.data_dir)
        return 0
    folder = output_folder(args.output, ctx.data_dir)
    files = [(folder / name, render_packet(packet, args.format, args.delimiter),
              t("packets.cli.written", path=str(folder / name), count=len(packet.items)))
             for packet, name in zip(packets, packet_file_names(packets, args.format), strict=True)]
    if args.with_report:
        files += _reports(ctx, packets, folder)
    write_all(ctx, files)  # every target checked before the first is written: never half a packet
    ctx.print(t("packets.cli.packets_done", count=len(packets), folder=str(folder)))
    return 0


def _reports(ctx: CliContext, packets: list[Any], folder: Path) -> list[tuple[Path, bytes, str]]:
    """Each department's quarterly report beside its packet: ``Kulturförvaltningen 2026Q4.html``."""
    from audits.packets import packet_file_names

    service = _service(ctx)
    return [(folder / name, service.report_html(packet),  # in the UI language, like the packets
             t("report.cli.packet_report_written", path=str(folder / name)))
            for packet, name in zip(packets, packet_file_names(packets, "html"), strict=True)]


def write_all(ctx: CliContext, files: list[tuple[Path, bytes, str]]) -> None:
    """Write each (target, data, what to say) once every target has passed the export checks:
    one refused target (a link, a folder, a device planted under a department's name) stops the
    command before any file is written."""
    for target, _data, _done in files:
        check_target(target)
    for target, data, done in files:
        if write_export(target, data, data_dir=ctx.data_dir):
            ctx.print(t("server.export.replaced", path=str(target)))
        ctx.print(done)


def check_target(target: Path) -> None:
    """Refuse ``target`` (a file name in a folder :func:`output_folder` accepted) now for what
    :func:`write_export` would refuse it for: a link, folder or special file, with its message.
    ``write_export`` checks again when it writes, against a target swapped meanwhile."""
    try:
        mode = target.lstat().st_mode
    except FileNotFoundError:
        return
    except OSError as error:
        raise InputError("server.export.cannot_write", path=str(target),
                         detail=os_reason(error)) from None
    if stat.S_ISLNK(mode):
        raise InputError("server.export.symlink", path=str(target))
    if stat.S_ISDIR(mode):
        raise InputError("server.export.directory", path=str(target))
    if not stat.S_ISREG(mode):
        raise InputError("server.export.special", path=str(target))


def output_folder(folder: Path, data_dir: Path) -> Path:
    """``folder`` as a place to write files into: made (0700) if missing and its parent exists,
    refused if it lies in the data directory or is not a folder."""
    store = os.path.realpath(data_dir)
    if os.path.commonpath([store, os.path.realpath(folder)]) == store:
        raise InputError("server.export.inside_data_dir", path=str(folder), data_dir=str(data_dir))
    if not folder.exists():
        try:
            folder.mkdir(mode=0o700)
        except OSError as error:
            raise InputError("packets.cli.cannot_make", path=str(folder),
                             detail=os_reason(error)) from None
    if not folder.is_dir():
        raise InputError("packets.cli.not_folder", path=str(folder))
    return folder


# --- send ----------------------------------------------------------------------------------------


def send_packets(args: argparse.Namespace, ctx: CliContext) -> int:
    from audits.packets import in_language
    from governance.mail import smtp_password

    if args.output is not None and not args.dry_run:
        raise InputError("packets.cli.output_needs_dry_run")
    target = args.output if args.output is not None else Path(".")
    if args.dry_run:
        service_account.require_stream(target)  # the .eml files go into a folder
    settings = _mail_settings(ctx, dry_run=args.dry_run)  # a bad [mail] stops before any work
    password = smtp_password() if settings is not None and settings.username else None
    service = _service(ctx)
    plan = service.plan(args.quarter, args.department, resend=args.resend)
    with in_language("sv"):  # what the departments read is Swedish, whatever the UI speaks
        outgoing = service.messages(plan, settings.sender if settings else DRY_RUN_SENDER,
                                    with_report=args.with_report)
    for skipped in plan.skipped:
        _report(ctx, skipped, str(plan.run.quarter))
    if args.dry_run:
        return _write_eml(ctx, outgoing, target)
    if not outgoing:
        ctx.print(t("packets.send.nothing", quarter=plan.run.quarter))
        return 0
    assert settings is not None
    deliveries = _deliver(ctx, service, outgoing, settings, password, resend=args.resend)
    counts = Counter(d.outcome for d in (*deliveries, *plan.skipped))
    ctx.print(t("packets.send.summary", quarter=plan.run.quarter, sent=counts["sent"],
                already=counts["already_sent"], no_contacts=counts["no_contacts"],
                failed=counts["failed"]))
    if counts["busy"] or counts["unfinished"]:  # another sender's claim: see each line above
        ctx.print(t("mail_claims.packets.claims", quarter=plan.run.quarter, busy=counts["busy"],
                    unfinished=counts["unfinished"]))
    return 1 if counts["failed"] or counts["unfinished"] else 0  # unfinished: a person decides


def _mail_settings(ctx: CliContext, *, dry_run: bool) -> MailSettings | None:
    """The ``[mail]`` settings; a dry run may go without the table, not with a bad one."""
    from governance.mail import MailError, load_mail_settings

    try:
        return load_mail_settings(ctx.data_dir)
    except MailError as error:
        if dry_run and error.key == "mail.settings.missing":
            return None
        raise


def _deliver(
    ctx: CliContext,
    service: PacketService,
    outgoing: list[Outgoing],
    settings: MailSettings,
    password: str | None,
    *,
    resend: bool,
) -> list[Delivery]:
    """Send each message over one connection, reporting each department as it goes."""
    from audits.packet_service import Delivery
    from governance.mail import MailError, smtp_session

    deliveries: list[Delivery] = []
    quarter = str(outgoing[0].packet.quarter)  # the plan's: one quarter
    try:
        with smtp_session(settings, password) as session:
            for delivery in service.deliver(outgoing, session, resend=resend):
                _report(ctx, delivery, quarter)
                deliveries.append(delivery)
    except MailError as error:  # no connection, or the login was refused: nothing was sent
        ctx.warn(str(error))
        reason = t("packets.send.no_server")
        for item in outgoing[len(deliveries) :]:
            delivery = Delivery(item.packet.department, "failed", reason=reason)
            _report(ctx, delivery, quarter)
            deliveries.append(delivery)
    return deliveries


def _report(ctx: CliContext, delivery: Delivery, quarter: str) -> None:
    """One line per department: sent, skipped (and why), or failed (and why)."""
    name = delivery.department
    if delivery.outcome == "sent":
        if delivery.claim is not None:  # a stale claim --resend took over: a mail may be twice
            _report_claim(ctx, delivery, "taken_over", quarter)
        ctx.print(t("packets.send.sent", department=name, count=delivery.recipients))
    elif delivery.outcome == "already_sent" and delivery.previous is not None:
        previous = delivery.previous
        ctx.print(t("packets.send.already", department=name, at=previous.at.date(),
                    user=previous.user, run=previous.run))
    elif delivery.outcome == "no_contacts":
        ctx.print(t("packets.send.not_sent", department=name, reason=delivery.reason))
    elif delivery.outcome in ("busy", "unfinished") and delivery.claim is not None:
        _report_claim(ctx, delivery, delivery.outcome, quarter)
    else:
        ctx.warn(t("packets.send.failed", department=name, reason=delivery.reason))
    for address, answer in delivery.refused.items():
        ctx.warn(t("packets.send.refused", department=name, address=address, answer=answer))


def _report_claim(ctx: CliContext, delivery: Delivery, what: str, quarter: str) -> None:
    """Another sender's claim on the department's mail: live, stale, or taken over."""
    from governance.mail_claims import claim_params

    assert delivery.claim is not None
    message = t(f"mail_claims.packets.{what}", department=delivery.department, quarter=quarter,
                **claim_params(delivery.claim))
    (ctx.print if what == "busy" else ctx.warn)(message)


def _write_eml(ctx: CliContext, outgoing: list[Outgoing], target: Path) -> int:
    """A dry run: each message as an ``.eml`` file in ``target`` (``-``: one, to stdout)."""
    from audits.packets import packet_file_names
    from governance.mail import eml_bytes

    if is_stream(target):
        if len(outgoing) != 1:
            raise InputError("packets.cli.stream_needs_one", count=len(outgoing))
        write_export(target, eml_bytes(outgoing[0].message), data_dir=ctx.data_dir)
        return 0
    folder = output_folder(target, ctx.data_dir)
    names = packet_file_names([o.packet for o in outgoing], "eml")
    write_all(ctx, [(folder / name, eml_bytes(item.message), str(folder / name))
                    for item, name in zip(outgoing, names, strict=True)])
    ctx.print(t("packets.send.dry_run_done", count=len(outgoing), folder=str(folder)))
    return 0
