"""``kontokoll revision record DATE [--note TEXT]``, ``revision status`` and ``revision list``."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from governance.errors import FieldError
from governance.fields import parse_date
from governance.i18n import t, tn
from kontokoll.cli.tables import render_table

if TYPE_CHECKING:
    from kontokoll.cli.context import CliContext


def register(commands: argparse._SubParsersAction[Any]) -> None:
    """Add the ``revision`` command group."""
    parser = commands.add_parser("revision", help=t("audit.revision.help"))
    sub = parser.add_subparsers(dest="revision_command", metavar="ACTION", required=True)

    record = sub.add_parser("record", help=t("audit.revision.record_help"))
    record.add_argument("date", metavar="YYYY-MM-DD")
    record.add_argument("--note", default="", help=t("audit.revision.note_help"))
    record.set_defaults(handler=record_revision)

    status = sub.add_parser("status", help=t("audit.revision.status_help"))
    status.set_defaults(handler=show_status)

    history = sub.add_parser("list", help=t("audit.revision.list_help"))
    history.set_defaults(handler=list_revisions)


def record_revision(args: argparse.Namespace, ctx: CliContext) -> int:
    from audits.service import AuditService

    day = parse_date(args.date, "date")
    if day is None:
        raise FieldError("date", "field.required")
    service = AuditService(ctx.store)
    revision = service.record_revision(day, args.note)
    ctx.print(t("audit.revision.recorded", date=revision.day))
    _print_status(ctx, service)
    return 0


def show_status(args: argparse.Namespace, ctx: CliContext) -> int:
    from audits.service import AuditService

    _print_status(ctx, AuditService(ctx.store))
    return 0


def _print_status(ctx: CliContext, service: Any) -> None:
    status = service.revision_status()
    if status.last is None:
        ctx.print(t("audit.revision.none_recorded"))
    else:
        ctx.print(t("audit.revision.last", date=status.last.day, note=status.last.note or "–"))
    if status.days_left < 0:
        ctx.print(t("audit.revision.overdue", deadline=status.deadline,
                     days=tn("noun.day", -status.days_left)))
    else:
        key = "audit.revision.due_soon" if status.state == "due-soon" else "audit.revision.due"
        ctx.print(t(key, deadline=status.deadline, days=tn("noun.day", status.days_left)))
    entry = service.next_audit()
    key = "audit.calendar.overdue" if entry.overdue else "audit.calendar.next"
    days = tn("noun.day", abs(entry.days_left))
    ctx.print(t(key, quarter=entry.quarter, due=entry.due, days=days))


def list_revisions(args: argparse.Namespace, ctx: CliContext) -> int:
    from audits.service import AuditService

    revisions = AuditService(ctx.store).revisions()
    rows = [
        [r.day.isoformat(), r.note, r.user, r.recorded_at.date().isoformat()] for r in revisions
    ]
    header = [t("audit.col.date"), t("audit.col.note"), t("col.user"), t("audit.col.recorded")]
    ctx.print(render_table(header, rows))
    ctx.print(t("audit.revision.count", count=len(revisions)))
    return 0
