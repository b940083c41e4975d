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
from collections.abc import Iterable, Iterator, Sequence
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

    classifier = load_classifier(ctx.data_dir)  # a bad extension stops before any output
    for labels in labels_in_order(classifier, batches_of(sys.stdin.buffer)):
        ctx.out.write("\n".join(labels) + "\n")
        ctx.out.flush()
    return 0


def labels_in_order(
    classifier: Classifier, batches: Iterable[list[str]]
) -> Iterator[Sequence[str]]:
    """Each batch's labels, in input order; with two cores, every other batch is judged by a
    second process while this one judges the next (a city's quarter of comments in half the time).

    The helper is forked only when a second batch arrives, so a short input costs no process. It
    inherits the classifier (nothing is loaded twice) and gets and returns plain lists.
    """
    batches = iter(batches)
    first = next(batches, None)
    if first is None:
        return
    second = next(batches, None)
    if second is None or (os.cpu_count() or 1) < 2:
        yield classifier.classify_many(first)
        if second is not None:
            yield classifier.classify_many(second)
        yield from (classifier.classify_many(lines) for lines in batches)
        return
    yield from _two_processes(classifier, itertools.chain([first, second], batches))


def _two_processes(
    classifier: Classifier, batches: Iterator[list[str]]
) -> Iterator[Sequence[str]]:
    import gc
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    global _FORKED_CLASSIFIER
    _FORKED_CLASSIFIER = classifier  # the forked helper finds it here
    gc.freeze()  # the helper's collections must not touch (and so copy) every inherited page
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as helper:
        for lines in batches:
            theirs = helper.submit(_classify_in_helper, lines)
            mine = next(batches, None)
            ours = classifier.classify_many(mine) if mine is not None else None
            yield theirs.result()
            if ours is not None:
                yield ours


_FORKED_CLASSIFIER: Classifier | None = None


def _classify_in_helper(lines: list[str]) -> Sequence[str]:
    assert _FORKED_CLASSIFIER is not None  # set before the fork
    return _FORKED_CLASSIFIER.classify_many(lines)


def run_version(args: argparse.Namespace, ctx: CliContext) -> int:
    """Print the version of the effective word lists."""
    from governance.comment_classifier import load_classifier

    ctx.print(load_classifier(ctx.data_dir).version)
    return 0


def batches_of(stream: BinaryIO) -> Iterator[list[str]]:
    """The lines of ``stream``, a batch per read, invalid UTF-8 replaced.

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
            yield b"\n".join(lines).decode("utf-8", errors="replace").split("\n")
    if pending:
        yield [pending.decode("utf-8", errors="replace")]
