"""``kontokoll doctor [--repair] [--yes]``: check a data directory, and repair what is safe."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from governance.i18n import t

if TYPE_CHECKING:
    from kontokoll.cli.context import CliContext

#: Answers that mean yes, in either language.
YES = frozenset({"y", "yes", "j", "ja"})


def register(commands: Any) -> None:
    parser = commands.add_parser("doctor", help=t("doctor.cli.help"))
    parser.add_argument("--repair", action="store_true", help=t("doctor.cli.repair_help"))
    parser.add_argument("--yes", action="store_true", help=t("doctor.cli.yes_help"))
    parser.set_defaults(handler=run_doctor)


def run_doctor(args: argparse.Namespace, ctx: CliContext) -> int:
    """Exit 0 when the data directory is healthy (after repairing, with --repair), else 1."""
    # Imported here: the checks load the store's every reader, which --help does not need.
    from governance.doctor import check
    from governance.doctor_repair import repair
    from governance.identity import current_login
    from kontokoll.cli.doctor_runs import run_problems  # the audit's reader: only for doctor

    if not args.repair:
        problems = check(ctx.data_dir)  # never ctx.store: opening a store may create files
    else:
        report = repair(ctx.store, current_login(), _confirmer(args, ctx))
        for line in report.done:
            ctx.print(line)
        problems = report.left
    problems += run_problems(ctx.data_dir)  # what governance's checks cannot read: the runs
    for problem in problems:
        ctx.print(str(problem))
    if problems:
        repairable = any(p.repair for p in problems) and not args.repair
        ctx.print(t("doctor.summary.problems", count=len(problems), path=str(ctx.data_dir)))
        if repairable:
            ctx.print(t("doctor.summary.try_repair"))
        return 1
    ctx.print(t("doctor.summary.healthy", path=str(ctx.data_dir)))
    return 0


def _confirmer(args: argparse.Namespace, ctx: CliContext) -> Any:
    """Ask on a terminal; ``--yes`` answers for scripts; otherwise refuse and say how."""

    def confirm(question: str) -> bool:
        if args.yes:
            ctx.print(f"{question} {t('doctor.cli.yes_given')}")
            return True
        if not sys.stdin.isatty():
            ctx.warn(question)
            ctx.warn(t("doctor.cli.needs_yes"))
            return False
        ctx.err.write(f"{question} {t('doctor.cli.prompt')} ")
        ctx.err.flush()
        try:
            answer = sys.stdin.readline().strip().lower()
        except (EOFError, KeyboardInterrupt):
            return False
        return answer in YES

    return confirm
