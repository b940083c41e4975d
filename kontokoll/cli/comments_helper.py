"""A forked helper process that classifies every other block of ``comments classify``'s input.

The helper is a fork of the command, so it has the classifier already loaded. It gets a block of
raw input lines (bytes, exactly as read) through one pipe and returns the block's labels, one a
line, through another: no pickling and no executor threads, only two ``os.read``/``os.write``
streams of bytes. Each message is an 8-byte big-endian length and then that many bytes.

Should the helper fail in any way (killed, out of memory, a broken pipe), the command judges the
block itself and goes on alone: the labels are the same, only the time differs.
"""

from __future__ import annotations

import contextlib
import gc
import os
from typing import TYPE_CHECKING, BinaryIO

if TYPE_CHECKING:
    from governance.comment_classifier import Classifier

_HEADER_BYTES = 8


def labels_of(classifier: Classifier, block: bytes) -> bytes:
    """The labels of a block of input lines (``b"\\n"``-separated), one a line, as bytes."""
    lines = block.decode("utf-8", errors="replace").split("\n")
    return ("\n".join(classifier.classify_many(lines)) + "\n").encode("ascii")


class Helper:
    """A forked process judging one block at a time; :meth:`close` ends it and waits for it.

    Raises OSError when no process can be forked.
    """

    def __init__(self, classifier: Classifier) -> None:
        to_helper_r, to_helper_w = os.pipe()
        from_helper_r, from_helper_w = os.pipe()
        gc.freeze()  # the helper's collections must not touch (and so copy) every inherited page
        try:
            self.pid = os.fork()
        except OSError:  # no process to be had (a limit, memory): the caller goes on alone
            for fd in (to_helper_r, to_helper_w, from_helper_r, from_helper_w):
                os.close(fd)
            raise
        if self.pid == 0:  # the helper: never returns
            os.close(to_helper_w)
            os.close(from_helper_r)
            _serve(classifier, to_helper_r, from_helper_w)
        os.close(to_helper_r)
        os.close(from_helper_w)
        self._requests: BinaryIO | None = open(to_helper_w, "wb")  # noqa: SIM115 (closed in close)
        self._answers: BinaryIO | None = open(from_helper_r, "rb")  # noqa: SIM115

    def send(self, block: bytes) -> bool:
        """Hand a block to the helper; False if it can take none (it has gone)."""
        if self._requests is None:
            return False
        try:
            self._requests.write(len(block).to_bytes(_HEADER_BYTES, "big") + block)
            self._requests.flush()
        except OSError:
            self.close()
            return False
        return True

    def receive(self) -> bytes | None:
        """The labels of the block sent last, or None if the helper failed to give them."""
        if self._answers is None:
            return None
        answer = _read_message(self._answers)
        if answer is None:
            self.close()
        return answer

    def close(self) -> None:
        """End the helper (its input closes, so it exits) and reap it."""
        for stream in (self._requests, self._answers):
            if stream is not None:
                with contextlib.suppress(OSError):  # the helper went first: nothing to flush
                    stream.close()
        self._requests = self._answers = None
        if self.pid:
            os.waitpid(self.pid, 0)
            self.pid = 0


def _read_message(stream: BinaryIO) -> bytes | None:
    """One length-prefixed message, or None at the end of the stream or a cut-off message."""
    try:
        header = stream.read(_HEADER_BYTES)
        if len(header) != _HEADER_BYTES:
            return None
        size = int.from_bytes(header, "big")
        body = stream.read(size)
    except OSError:
        return None
    return body if len(body) == size else None


def _serve(classifier: Classifier, requests_fd: int, answers_fd: int) -> None:
    """The helper's life: judge each block it gets until its input ends, then exit."""
    status = 1
    try:
        with open(requests_fd, "rb") as requests, open(answers_fd, "wb") as answers:
            while (block := _read_message(requests)) is not None:
                labels = labels_of(classifier, block)
                answers.write(len(labels).to_bytes(_HEADER_BYTES, "big") + labels)
                answers.flush()
        status = 0
    finally:  # never back into the command's code (its output, its exit handlers)
        os._exit(status)
