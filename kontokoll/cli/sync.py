"""``kontokoll sync [--platform P] [--account ACCOUNT] [--since YYYY-MM]``.

Shows a progress bar on a terminal and one line per account when piped, then a table per platform
(ok, failed, requests, time), what the sync cost against each platform's quota, and the reasons
of the failures. Exits 1 if any account failed.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TextIO

from governance.errors import FieldError
from governance.fields import API_PLATFORMS, parse_month
from governance.i18n import t

if TYPE_CHECKING:
    from governance.sync import SyncEvent, SyncReport
    from kontokoll.cli.context import CliContext

#: The platforms with an API client (TikTok and others have no API access: stats come by file).
PLATFORMS = API_PLATFORMS
BAR_WIDTH = 30


def register(commands: argparse._SubParsersAction[Any]) -> None:
    """Add the ``sync`` command."""
    parser = commands.add_parser("sync", help=t("sync.help"), description=t("sync.description"))
    parser.add_argument("--platform", choices=PLATFORMS, help=t("sync.platform_help"))
    parser.add_argument("--account", metavar="ACCOUNT", help=t("sync.account_help"))
    parser.add_argument("--since", metavar="YYYY-MM", help=t("sync.since_help"))
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, ctx: CliContext) -> int:
    """Sync the chosen accounts, show progress and the table; 1 if any account failed.

    The platforms are read through ``ctx.sync_source`` when set (tests: the emulation); a demo
    store always reads the demo's emulation (:func:`governance.sync_source.sync_source`).
    """
    from governance.monthly import month_of

    # Imported here: httpx and the clients cost a quarter second that other commands need not pay.
    from governance.register import Register
    from governance.sync_service import SyncService
    from governance.sync_source import is_demo_store

    now = datetime.now(UTC)
    since = None
    if args.since:
        try:
            since = parse_month(args.since, "--since")
        except FieldError as error:
            if error.key == "input.year_out_of_range":
                raise  # a month, but not one Kontokoll accepts: main() names the range
            ctx.warn(t("error.field", field="--since", reason=t("sync.bad_since", text=args.since)))
            return 2
        if since > month_of(now):
            ctx.warn(t("sync.future_since", month=since))
            return 2
    register_ = Register(ctx.store)
    accounts = [register_.account(args.account)] if args.account else register_.accounts()
    if args.platform:
        accounts = [a for a in accounts if a.platform == args.platform]
    if not accounts:
        ctx.print(t("sync.no_accounts"))
        return 0
    if is_demo_store(ctx.store.data_dir):  # the source is the emulation: never let it pass
        ctx.print(t("demo_marker.sync.demo"))  # for the platforms' figures
    source = ctx.sync_source() if ctx.sync_source is not None else None
    service = SyncService(ctx.store, source=source, clock=lambda: now)
    display = _Display(ctx.err, tty=_is_tty(ctx.err))
    report = service.sync(accounts, since=since, progress=display)
    display.close()
    _print_report(ctx, report, {a.id: a.ref for a in accounts})
    return 1 if report.failed else 0


def _is_tty(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class _Display:
    """Progress on stderr: a bar redrawn in place on a terminal, plain lines otherwise."""

    def __init__(self, stream: TextIO, *, tty: bool) -> None:
        self._stream = stream
        self._tty = tty
        self._drawn = False

    def __call__(self, event: SyncEvent) -> None:
        if event.kind == "started":
            self._line(t("sync.started", count=event.total))
        elif event.kind == "stopped":
            self._line(t("sync.stopped", platform=event.platform, reason=event.reason))
        elif self._tty:
            filled = round(BAR_WIDTH * event.done / max(1, event.total))
            bar = "█" * filled + "░" * (BAR_WIDTH - filled)
            self._stream.write(f"\r{bar} {t('sync.bar', done=event.done, count=event.total)}")
            self._stream.flush()
            self._drawn = True
        else:
            key = "sync.account_ok" if event.ok else "sync.account_failed"
            self._line(t(key, done=event.done, total=event.total, ref=event.ref,
                         reason=event.reason))

    def _line(self, text: str) -> None:
        if self._drawn:
            self._stream.write("\n")
            self._drawn = False
        self._stream.write(text + "\n")
        self._stream.flush()

    def close(self) -> None:
        if self._drawn:
            self._stream.write("\n")
            self._drawn = False


def _print_report(ctx: CliContext, report: SyncReport, refs: dict[str, str]) -> None:
    headers = [t("sync.table_platform"), t("sync.table_ok"), t("sync.table_failed"),
               t("sync.table_requests"), t("sync.table_time")]
    rows = [[s.platform, str(s.ok), str(s.failed), str(s.requests), f"{s.seconds:.1f} s"]
            for s in report.platforms.values()]
    rows.append([t("sync.total"), str(sum(s.ok for s in report.platforms.values())),
                 str(len(report.failed)), str(report.requests), f"{report.seconds:.1f} s"])
    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers))]
    for row in [headers, *rows]:
        cells = [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:], widths[1:],
                                                                         strict=True)]
        ctx.print("  ".join(cells).rstrip())
    _print_quota(ctx, report)
    if report.skipped:
        ctx.print(t("sync.skipped", count=len(report.skipped)))
    for summary in report.platforms.values():
        if summary.stopped:
            ctx.print(t("sync.stopped", platform=summary.platform, reason=summary.stopped))
    if report.failed:
        ctx.print(t("sync.failures"))
        for outcome in report.failed:
            ref = refs.get(outcome.account_id, outcome.account_id)
            ctx.print(t("sync.failure_line", ref=ref, reason=outcome.reason))


def _print_quota(ctx: CliContext, report: SyncReport) -> None:
    """What the sync cost against each platform's quota; unknown figures are said to be."""
    from governance.sync_quota import quota_lines

    for line in quota_lines(report.platforms.values()):
        ctx.print(line)
