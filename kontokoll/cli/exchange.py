"""Files a command reads or writes on the user's say: imports and exports, ``-`` for stdin/stdout.

Every import source and export target goes through here, so the rules hold for all of them: an
export never lands in the data directory or on a device, FIFO, socket or link
(:mod:`governance.export_target`), and a service-account session opens no file at all
(:func:`governance.service_account.require_stream`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from governance import service_account
from governance.export_target import check_export, is_stream, write_export
from governance.i18n import t

if TYPE_CHECKING:
    from kontokoll.cli.context import CliContext

#: The column separators a CSV export may use: ``;`` (Swedish Excel's, the default) or ``,``.
DELIMITERS = (";", ",")


def add_delimiter_option(parser: argparse.ArgumentParser) -> None:
    """The ``--delimiter`` option of every CSV export, so that all of them offer the same."""
    parser.add_argument(
        "--delimiter", choices=DELIMITERS, default=DELIMITERS[0], help=t("cli.delimiter_help")
    )


def output_path(text: str) -> Path:
    """An export target as typed: ``Path`` drops a trailing ``/``, which says "a folder", so a
    target written that way is refused here rather than written as a file of that name."""
    if text.endswith("/") and text != "-":
        raise argparse.ArgumentTypeError(t("server.export.directory", path=text))
    return Path(text)


def read_input(source: Path) -> bytes | None:
    """Standard input's bytes for ``-``; None for a file path, which the reader opens itself."""
    service_account.require_stream(source)
    if not is_stream(source):
        return None
    from governance.input_limit import read_bounded

    return read_bounded(sys.stdin.buffer, str(source))


def check_target(ctx: CliContext, target: Path) -> None:
    """Refuse a target :func:`export` would refuse, before a long export is built for it
    (``export`` checks it all again when it writes)."""
    service_account.require_stream(target)
    check_export(target, data_dir=ctx.data_dir)


def export(ctx: CliContext, target: Path, data: bytes, done: str) -> None:
    """Write an export and say so; ``-`` writes standard output and prints nothing else there."""
    service_account.require_stream(target)
    replaced = write_export(target, data, data_dir=ctx.data_dir)
    if is_stream(target):
        return
    if replaced:  # scripts rely on overwriting, people should still hear about it
        ctx.print(t("server.export.replaced", path=str(target)))
    ctx.print(done)
