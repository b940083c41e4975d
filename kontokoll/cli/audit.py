"""``kontokoll audit run|list|show|diff|export|ack|waive|waivers|settings`` (and ``packets`` and
``send``, in :mod:`kontokoll.cli.audit_send`).

Handlers import the audit engine when they run, so that other commands start without it.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from governance.account_fields import department_key
from governance.errors import FieldError
from governance.fields import parse_date
from governance.i18n import t, tn
from governance.text_safety import visible
from kontokoll.cli import audit_send
from kontokoll.cli.audit_summary import print_summary, warn_kc_missing
from kontokoll.cli.exchange import export, output_path
from kontokoll.cli.tables import render_table

if TYPE_CHECKING:
    from audits.diff import AuditDiff
    from audits.runs import RunInfo, Waiver
    from audits.service import AuditService
    from kontokoll.cli.context import CliContext


def register(commands: argparse._SubParsersAction[Any]) -> None:
    """Add the ``audit`` command group."""
    parser = commands.add_parser("audit", help=t("audit.cli.help"))
    sub = parser.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    _add_reading(sub)
    _add_reviewing(sub)
    audit_send.register(sub)
    settings = sub.add_parser("settings", help=t("audit.cli.settings_help"))
    settings.set_defaults(handler=show_settings)


def _add_reading(sub: argparse._SubParsersAction[Any]) -> None:
    """``run``, ``list``, ``show``, ``diff`` and ``export``: making runs and reading them."""
    run = sub.add_parser("run", help=t("audit.cli.run_help"))
    when = run.add_mutually_exclusive_group()
    when.add_argument("--quarter", metavar="YYYYQN", help=t("audit.cli.quarter_help"))
    when.add_argument("--as-of", metavar="YYYY-MM-DD", help=t("audit.cli.as_of_help"))
    run.set_defaults(handler=run_audit)

    lst = sub.add_parser("list", help=t("audit.cli.list_help"))
    lst.set_defaults(handler=list_runs)

    show = sub.add_parser("show", help=t("audit.cli.show_help"))
    show.add_argument("--quarter", metavar="YYYYQN", help=t("audit.cli.quarter_pick_help"))
    show.add_argument("--rule", help=t("audit.cli.rule_filter_help"))
    show.add_argument("--department", help=t("cli.accounts.department_filter_help"))
    show.add_argument(
        "--responsible", metavar="DEPARTMENT", help=t("responsibility.cli.responsible_filter_help")
    )
    show.set_defaults(handler=show_findings)

    diff = sub.add_parser("diff", help=t("audit.cli.diff_help"))
    diff.add_argument("old", metavar="YYYYQN")
    diff.add_argument("new", metavar="YYYYQN")
    diff.set_defaults(handler=show_diff)

    exp = sub.add_parser("export", help=t("audit.cli.export_help"))
    exp.add_argument("--quarter", metavar="YYYYQN", help=t("audit.cli.quarter_pick_help"))
    exp.add_argument("--output", "-o", type=output_path, required=True, metavar="FILE")
    exp.add_argument(
        "--format", choices=["csv", "md", "xlsx"], default="csv", help=t("audit.cli.format_help")
    )
    exp.add_argument("--delimiter", choices=[";", ","], default=";", help=t("cli.delimiter_help"))
    exp.set_defaults(handler=export_findings)


def _add_reviewing(sub: argparse._SubParsersAction[Any]) -> None:
    """``ack``, ``waive`` and ``waivers``: what people decide about findings."""
    ack = sub.add_parser("ack", help=t("audit.cli.ack_help"))
    _finding_arguments(ack)
    ack.add_argument("--note", required=True, help=t("audit.cli.note_help"))
    ack.set_defaults(handler=acknowledge)

    waive = sub.add_parser("waive", help=t("audit.cli.waive_help"))
    _finding_arguments(waive)
    waive.add_argument("--reason", required=True, help=t("audit.cli.reason_help"))
    waive.add_argument("--name", required=True, help=t("audit.cli.name_help"))
    waive.add_argument(
        "--until", required=True, metavar="YYYY-MM-DD", help=t("audit.cli.until_help")
    )
    waive.set_defaults(handler=waive_finding)

    waivers = sub.add_parser("waivers", help=t("audit.cli.waivers_help"))
    waivers.add_argument("--all", action="store_true", help=t("audit.cli.all_waivers_help"))
    waivers.set_defaults(handler=list_waivers)


def _finding_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("rule", metavar="RULE")
    parser.add_argument("account", nargs="?", metavar="ACCOUNT", help=t("cli.account_ref_help"))
    parser.add_argument("--quarter", metavar="YYYYQN", help=t("audit.cli.quarter_pick_help"))


def _service(ctx: CliContext) -> AuditService:
    from audits.service import AuditService

    return AuditService(ctx.store)


def _date(text: str, field: str) -> Any:
    day = parse_date(text, field)
    if day is None:
        raise FieldError(field, "field.required")
    return day


def write_output(path: Path, data: bytes, *, data_dir: Path) -> bool:
    """Write an export under governance.export_target's rules; True if it replaced a file.

    Never into the data directory, never onto a device, FIFO, socket or link; ``-`` is standard
    output, and the only target allowed in a service-account session.
    """
    from governance import service_account
    from governance.export_target import write_export

    service_account.require_stream(path)
    return write_export(path, data, data_dir=data_dir)


# --- handlers ------------------------------------------------------------------------------------


def run_audit(args: argparse.Namespace, ctx: CliContext) -> int:
    as_of = _date(args.as_of, "as_of") if args.as_of else None
    service = _service(ctx)
    report = service.run(args.quarter, as_of=as_of)
    print_summary(ctx, report)
    warn_kc_missing(ctx, report)
    _warn_preliminary(ctx, service, report.info)
    return 0


def _warn_preliminary(ctx: CliContext, service: AuditService, info: RunInfo) -> None:
    """Say so when a run judged before its quarter's last day (``--as-of`` on a past day) does
    not count, or counts only until the final run of a quarter that is already over."""
    from audits.runs import latest_runs
    from audits.schedule import finished

    if finished(info.quarter, info):
        return
    counting = latest_runs(service.runs()).get(info.quarter, info)
    said = {"run": info.id, "as_of": info.as_of, "last_day": info.quarter.last_day}
    if counting.id != info.id:
        ctx.warn(
            t(
                "preliminary_runs.not_counting",
                **said,
                counting=counting.id,
                counting_as_of=counting.as_of,
                quarter=info.quarter,
            )
        )
    elif info.quarter.last_day < service.today():
        ctx.warn(t("preliminary_runs.ended", **said, quarter=info.quarter))


def list_runs(args: argparse.Namespace, ctx: CliContext) -> int:
    from audits.runs import latest_runs
    from governance.monthly import STOCKHOLM

    service = _service(ctx)
    runs = service.runs()
    counting = {r.id for r in latest_runs(runs).values()}
    rows = [
        [
            r.id,
            str(r.quarter),
            r.as_of.isoformat(),
            r.at.astimezone(STOCKHOLM).isoformat(timespec="minutes"),
            r.user,
            str(r.accounts),
            str(r.counts.get("critical", 0)),
            str(r.counts.get("warning", 0)),
            "✓" if r.id in counting else "",
        ]
        for r in runs
    ]
    header = [
        t("audit.col.run"),
        t("audit.col.quarter"),
        t("audit.col.as_of"),
        t("col.when"),
        t("col.user"),
        t("audit.col.accounts"),
        t("audit.col.critical"),
        t("audit.col.warning"),
        t("audit.col.counts"),
    ]
    ctx.print(render_table(header, rows))
    ctx.print(t("audit.cli.run_count", count=len(runs)))
    entry = service.next_audit()
    key = "audit.calendar.overdue" if entry.overdue else "audit.calendar.next"
    days = tn("noun.day", abs(entry.days_left))
    ctx.print(t(key, quarter=entry.quarter, due=entry.due, days=days))
    return 0


def _known_department(ctx: CliContext, name: str, field: str, seen: list[str]) -> str:
    """The key of a department the register (or a finding) has: an unknown one is a mistake,
    not 0 findings."""
    from governance.register import Register

    known = {department_key(d.name): d.name for d in Register(ctx.store).departments()}
    known.update((department_key(n), n) for n in seen if n)
    wanted = department_key(name)
    if wanted not in known:
        raise FieldError(
            field,
            "field.unknown_department",
            value=visible(name.strip()),
            allowed=", ".join(visible(n) for n in sorted(known.values())) or "–",
        )
    return wanted


def show_findings(args: argparse.Namespace, ctx: CliContext) -> int:
    report = _service(ctx).report(args.quarter)
    items = list(report.items)
    if args.rule:
        items = [i for i in items if i.finding.rule == args.rule.strip()]
    seen = [n for i in items for n in (i.finding.department, i.finding.responsible)]
    if args.department is not None:
        wanted = _known_department(ctx, args.department, "department", seen)
        items = [i for i in items if department_key(i.finding.department) == wanted]
    if args.responsible is not None:
        wanted = _known_department(ctx, args.responsible, "responsible", seen)
        items = [i for i in items if department_key(i.finding.responsible) == wanted]
    rows = [
        [
            i.finding.ref or "–",
            i.finding.department or t("audit.register_scope"),
            i.finding.responsible or t("responsibility.akn"),
            i.finding.rule,
            t(f"audit.severity.{i.finding.severity}"),
            t(f"audit.status.{i.status}"),
            i.finding.message,
        ]
        for i in items
    ]
    header = [
        t("col.account"),
        t("col.department"),
        t("responsibility.col.responsible"),
        t("audit.col.rule"),
        t("audit.col.severity"),
        t("audit.col.status"),
        t("audit.col.message"),
    ]
    ctx.print(t("audit.cli.showing", quarter=report.info.quarter, run=report.info.id))
    ctx.print(render_table(header, rows))
    ctx.print(t("audit.cli.finding_count", count=len(items)))
    return 0


def show_diff(args: argparse.Namespace, ctx: CliContext) -> int:
    diff = _service(ctx).diff(args.old, args.new)
    _print_diff(ctx, diff)
    return 0


def _print_diff(ctx: CliContext, diff: AuditDiff) -> None:
    ctx.print(
        t(
            "audit.cli.diff_summary",
            old=diff.old.quarter,
            old_run=diff.old.id,
            new=diff.new_run.quarter,
            new_run=diff.new_run.id,
            added=len(diff.new),
            resolved=len(diff.resolved),
            persisting=len(diff.persisting),
        )
    )
    for part in diff.by_department():  # per department that answers (KC's on its own)
        ctx.print()
        ctx.print(f"{part.department or t('audit.register_scope')}")
        rows = [
            [t(f"audit.diff.{kind}"), f.ref or "–", f.department or "–", f.rule, f.message]
            for kind, findings in (
                ("new", part.new),
                ("resolved", part.resolved),
                ("persisting", part.persisting),
            )
            for f in findings
        ]
        header = [
            t("audit.col.change"),
            t("col.account"),
            t("col.department"),
            t("audit.col.rule"),
            t("audit.col.message"),
        ]
        ctx.print(render_table(header, rows))


def export_findings(args: argparse.Namespace, ctx: CliContext) -> int:
    from governance import service_account

    service_account.require_stream(args.output)  # before the work, not after it
    service = _service(ctx)
    data = service.export(args.quarter, fmt=args.format, delimiter=args.delimiter)
    export(ctx, args.output, data, t("audit.cli.exported", path=str(args.output)))
    return 0


def acknowledge(args: argparse.Namespace, ctx: CliContext) -> int:
    ack = _service(ctx).acknowledge(args.rule, args.account, note=args.note, quarter=args.quarter)
    ctx.print(
        t("audit.cli.acknowledged", rule=args.rule, account=args.account or "", quarter=ack.quarter)
    )
    return 0


def waive_finding(args: argparse.Namespace, ctx: CliContext) -> int:
    until = _date(args.until, "until")
    waiver = _service(ctx).waive(
        args.rule,
        args.account,
        reason=args.reason,
        name=args.name,
        until=until,
        quarter=args.quarter,
    )
    ctx.print(
        t(
            "audit.cli.waived",
            rule=waiver.rule,
            account=waiver.ref,
            since=waiver.since,
            until=waiver.until,
        )
    )
    return 0


def list_waivers(args: argparse.Namespace, ctx: CliContext) -> int:
    service = _service(ctx)
    waivers = service.waivers(None if args.all else service.today())
    limit = service.settings().waiver_max_days  # (a waiver stored longer: named as cut)
    rows = [
        [w.ref or "–", w.rule, str(w.since), _until(w, limit), w.name, w.reason] for w in waivers
    ]
    header = [
        t("col.account"),
        t("audit.col.rule"),
        t("audit.col.since"),
        t("audit.col.until"),
        t("col.name"),
        t("audit.col.reason"),
    ]
    ctx.print(render_table(header, rows))
    ctx.print(t("audit.cli.waiver_count", count=len(waivers)))
    return 0


def _until(waiver: Waiver, limit: int) -> str:
    """A waiver's end date, or where ``waiver_max_days`` cut one stored longer."""
    last = waiver.last_day(limit)
    if last == waiver.until:
        return last.isoformat()
    return t("waiver_limit.listed_cut", latest=last.isoformat(), until=waiver.until.isoformat())


def show_settings(args: argparse.Namespace, ctx: CliContext) -> int:
    service = _service(ctx)
    settings = service.settings()
    path = service.settings_path
    ctx.print(
        t("audit.cli.settings_from" if path.exists() else "audit.cli.settings_default", path=path)
    )
    for key in settings.to_doc():  # (the keys in the stored runs' order)
        ctx.print(f"  {key} = {_as_toml(getattr(settings, key))}")
    return 0


def _as_toml(value: Any) -> str:
    """A setting as ``settings.toml`` spells it: the reply rate 0.9 (not the Fraction 9/10), a
    day bare, text quoted, a table inline."""
    import json
    from datetime import date
    from fractions import Fraction

    if isinstance(value, Fraction):
        return repr(float(value))  # (read from a TOML float: the float gives it back exactly)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | date):
        return value.isoformat() if isinstance(value, date) else str(value)
    if isinstance(value, dict):
        pairs = (f"{json.dumps(k, ensure_ascii=False)} = {_as_toml(v)}" for k, v in value.items())
        return "{ " + ", ".join(pairs) + " }" if value else "{}"
    return visible(json.dumps(str(value), ensure_ascii=False))
