"""``kontokoll comments``: inspect the comment classifier the sync counts questions with.

``comments classify`` reads one comment per line from standard input and prints ``question`` or
``other`` for each, in order: machine words, never translated, so scripts and AKN's own test
lists can rely on them. ``comments version`` prints the version of the word lists in force.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, BinaryIO

from governance.i18n import t

if TYPE_CHECKING:
    from governance.comment_classifier import Classifier
    from kontokoll.cli.context import CliContext

#: A line longer than this is judged on its beginning (a comment is at most a few thousand
#: characters; a 1 GB line without a newline must not be held in memory).
MAX_LINE_BYTES = 64 * 1024
#: Bytes read at a time: the lines in them are classified and written together (the classifier
#: works on many comments as one text, several times faster than one call per comment). A read
#: returns what is there, so a slow writer on the other end still gets its answers as it goes.
_BLOCK = 256 * 1024


def register(commands: argparse._SubParsersAction[Any]) -> None:
    """Add the ``comments`` command group."""
    parser = commands.add_parser(
        "comments", help=t("comments.help"), description=t("comments.description")
    )
    sub = parser.add_subparsers(dest="comments_command", metavar="ACTION", required=True)
    classify = sub.add_parser(
        "classify",
        help=t("comments.classify_help"),
        description=t("comments.classify_description", limit=MAX_LINE_BYTES),
    )
    classify.set_defaults(handler=run_classify)
    version = sub.add_parser(
        "version", help=t("comments.version_help"), description=t("comments.version_help")
    )
    version.set_defaults(handler=run_version)


def run_classify(args: argparse.Namespace, ctx: CliContext) -> int:
    """Print ``question`` or ``other`` for each line of standard input, in order."""
    from governance.comment_classifier import load_classifier

    if sys.stdin is None:  # started with standard input closed (``<&-``): nothing to read
        ctx.warn(t("storecheck.no_input"))
        return 2
    classifier = load_classifier(ctx.data_dir)  # a bad extension stops before any output
    for labels in labels_in_order(classifier, blocks_of(sys.stdin.buffer)):
        ctx.out.write(labels.decode("ascii"))
        ctx.out.flush()
    return 0


def labels_in_order(classifier: Classifier, blocks: Iterable[bytes]) -> Iterator[bytes]:
    """Each block's labels (one a line, as bytes), in input order; with two cores, every other
    block is judged by a forked helper while this process judges the next.

    The helper is forked only when a second block arrives, so a short input costs no process;
    it inherits the classifier (nothing is loaded twice) and trades bytes through pipes
    (:mod:`kontokoll.cli.comments_helper`).
    """
    from kontokoll.cli.comments_helper import labels_of

    blocks = iter(blocks)
    first = next(blocks, None)
    if first is None:
        return
    second = next(blocks, None)
    if second is None or _cores() < 2:
        yield labels_of(classifier, first)
        if second is not None:
            yield labels_of(classifier, second)
        yield from (labels_of(classifier, block) for block in blocks)
        return
    yield from _with_helper(classifier, itertools.chain([first, second], blocks))


def _cores() -> int:
    """The cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1  # pragma: no cover (not Linux)


def _with_helper(classifier: Classifier, blocks: Iterator[bytes]) -> Iterator[bytes]:
    from kontokoll.cli.comments_helper import Helper, labels_of

    try:
        helper = Helper(classifier)
    except OSError:  # no second process to be had: all of it here, the same labels
        yield from (labels_of(classifier, block) for block in blocks)
        return
    try:
        for theirs in blocks:
            sent = helper.send(theirs)
            mine = next(blocks, None)
            ours = labels_of(classifier, mine) if mine is not None else None
            answer = helper.receive() if sent else None
            yield labels_of(classifier, theirs) if answer is None else answer  # it failed: alone
            if ours is not None:
                yield ours
    finally:
        helper.close()


def run_version(args: argparse.Namespace, ctx: CliContext) -> int:
    """Print the version of the effective word lists."""
    from governance.comment_classifier import load_classifier

    ctx.print(load_classifier(ctx.data_dir).version)
    return 0


def batches_of(stream: BinaryIO) -> Iterator[list[str]]:
    """The lines of ``stream``, a batch per read, invalid UTF-8 replaced (see :func:`blocks_of`)."""
    for block in blocks_of(stream):
        yield block.decode("utf-8", errors="replace").split("\n")


def blocks_of(stream: BinaryIO) -> Iterator[bytes]:
    """The lines of ``stream``, a block of them per read: the lines joined by newlines.

    No line is held beyond MAX_LINE_BYTES and one read: the rest of a longer one is skipped as
    it arrives (the classifier judges a comment on its beginning anyway). Only a newline byte ends
    a line, so a comment's own line separators (U+2028, a lone CR) stay inside it; the CR of
    CRLF input is a sentence end to the classifier, which changes nothing.
    """
    read = getattr(stream, "read1", stream.read)  # read1: what is there, without waiting
    pending, skipping = b"", False
    while block := read(_BLOCK):
        lines = (pending + block).split(b"\n")
        pending = lines.pop()
        if skipping:  # the first piece is the rest of an over-long line
            if lines:
                lines, skipping = lines[1:], False
            else:
                pending = b""
        if not skipping and len(pending) > MAX_LINE_BYTES:
            lines.append(pending[:MAX_LINE_BYTES])
            pending, skipping = b"", True
        if lines:
            yield b"\n".join(lines)
    if pending:
        yield pending
