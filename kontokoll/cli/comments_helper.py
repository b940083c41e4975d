"""A forked helper process that classifies every other block of ``comments classify``'s input.

The helper is a fork of the command, so it has the classifier already loaded. It gets a block of
raw input lines (bytes, exactly as read) through one pipe and returns the block's labels, one a
line, through another: no pickling and no executor threads, only two ``os.read``/``os.write``
streams of bytes. Each message is an 8-byte big-endian length and then that many bytes.

Should the helper fail in any way (killed, out of memory, a broken pipe, or stopped: it has
:data:`ANSWER_TIMEOUT_S` to take a block and to answer), the command judges the block itself and
goes on alone: the labels are the same, only the time differs.
"""

from __future__ import annotations

import contextlib
import gc
import os
import select
import signal
import time
from typing import TYPE_CHECKING, BinaryIO

if TYPE_CHECKING:
    from governance.comment_classifier import Classifier

_HEADER_BYTES = 8
#: How long the command waits for the helper to take a block or to answer, from the moment it
#: asks: a block takes the helper well under a second, so a helper silent this long has been
#: stopped (``kill -STOP``, a debugger) or is starved, and the command judges the block itself.
ANSWER_TIMEOUT_S = 10.0
_CHUNK = 1 << 16


def labels_of(classifier: Classifier, block: bytes) -> bytes:
    """The labels of a block of input lines (``b"\\n"``-separated), one a line, as bytes."""
    lines = block.decode("utf-8", errors="replace").split("\n")
    return ("\n".join(classifier.classify_many(lines)) + "\n").encode("ascii")


class Helper:
    """A forked process judging one block at a time; :meth:`close` ends it and waits for it.

    Raises OSError when no process can be forked. Neither :meth:`send` nor :meth:`receive` waits
    longer than ``timeout_s`` (:data:`ANSWER_TIMEOUT_S`): a helper that does not keep up by then
    is killed, and the caller goes on alone.
    """

    def __init__(self, classifier: Classifier, timeout_s: float | None = None) -> None:
        self.timeout_s = ANSWER_TIMEOUT_S if timeout_s is None else timeout_s
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
        for fd in (to_helper_w, from_helper_r):  # waits are bounded by poll, never by a read
            os.set_blocking(fd, False)
        self._requests: int | None = to_helper_w
        self._answers: int | None = from_helper_r

    def send(self, block: bytes) -> bool:
        """Hand a block to the helper; False if it can take none (it has gone, or is stuck)."""
        if self._requests is None:
            return False
        message = memoryview(len(block).to_bytes(_HEADER_BYTES, "big") + block)
        deadline = time.monotonic() + self.timeout_s
        try:
            while message:
                if not _ready(self._requests, select.POLLOUT, deadline):
                    raise TimeoutError
                try:
                    message = message[os.write(self._requests, message[:_CHUNK]):]
                except BlockingIOError:
                    continue
        except OSError:  # (TimeoutError is one): gone or stuck
            self.close(kill=True)
            return False
        return True

    def receive(self) -> bytes | None:
        """The labels of the block sent last, or None if the helper failed to give them in time."""
        if self._answers is None:
            return None
        deadline = time.monotonic() + self.timeout_s
        header = _read_exactly(self._answers, _HEADER_BYTES, deadline)
        answer = None
        if header is not None:
            answer = _read_exactly(self._answers, int.from_bytes(header, "big"), deadline)
        if answer is None:
            self.close(kill=True)
        return answer

    def close(self, kill: bool = False) -> None:
        """End the helper (its input closes, so it exits; ``kill``: it is stuck) and reap it."""
        for fd in (self._requests, self._answers):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._requests = self._answers = None
        if self.pid:
            if kill or not _exits_within(self.pid, self.timeout_s):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self.pid, signal.SIGKILL)  # a stopped process dies of it too
            os.waitpid(self.pid, 0)
            self.pid = 0


def _ready(fd: int, event: int, deadline: float) -> bool:
    """Whether ``fd`` is ready for ``event`` (or closed at the other end) before ``deadline``."""
    poller = select.poll()
    poller.register(fd, event)
    while (left := deadline - time.monotonic()) > 0:
        try:
            return bool(poller.poll(max(1, int(left * 1000))))
        except InterruptedError:  # pragma: no cover (poll retries by itself since PEP 475)
            continue
    return False


def _read_exactly(fd: int, size: int, deadline: float) -> bytes | None:
    """``size`` bytes from ``fd``; None at the end of the stream, an error or the deadline."""
    parts: list[bytes] = []
    left = size
    while left:
        if not _ready(fd, select.POLLIN, deadline):
            return None
        try:
            part = os.read(fd, min(left, 1 << 20))
        except BlockingIOError:
            continue
        except OSError:
            return None
        if not part:
            return None
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


def _exits_within(pid: int, seconds: float) -> bool:
    """Whether the process ``pid`` (our child) ends within ``seconds`` (True where we cannot
    watch it without reaping it: then the caller waits for it as it always did)."""
    try:
        watch = os.pidfd_open(pid)
    except (AttributeError, OSError):  # pragma: no cover (not Linux 5.3+)
        return True
    try:
        return _ready(watch, select.POLLIN, time.monotonic() + seconds)
    finally:
        os.close(watch)


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
