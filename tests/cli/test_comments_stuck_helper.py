"""``comments classify`` with a helper that stops answering, and with standard input closed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from governance.comment_classifier import Classifier, load_classifier
from kontokoll.cli import comments, comments_helper
from tests.conftest import child_env

QUESTIONS = ["Hur söker jag bygglov?", "Tack för en fin dag!", "När öppnar badet?", "Bra jobbat"]


def _blocks(count: int) -> tuple[list[str], list[bytes]]:
    """``count`` blocks of 200 comments each (every block over a pipe's 64 KB is not needed:
    a stopped helper must not stop the command however small the block)."""
    lines = [f"{QUESTIONS[i % 4]} ({i})" for i in range(200 * count)]
    blocks = ["\n".join(lines[i:i + 200]).encode() for i in range(0, len(lines), 200)]
    return lines, blocks


def _is_zombie_or_gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return True
    return state in ("Z", "X")


def test_a_stopped_helper_leaves_the_work_to_the_command(monkeypatch: pytest.MonkeyPatch) -> None:
    """The helper is stopped (``kill -STOP``) as soon as it is forked: the command waits at most
    the answer timeout, judges the block itself, goes on alone, and ends the helper."""
    forked: list[int] = []

    class Stopped(comments_helper.Helper):
        def __init__(self, classifier: Classifier, timeout_s: float | None = None) -> None:
            super().__init__(classifier, timeout_s=0.2)
            forked.append(self.pid)
            os.kill(self.pid, signal.SIGSTOP)

    monkeypatch.setattr(comments, "_cores", lambda: 2)
    monkeypatch.setattr(comments_helper, "Helper", Stopped)
    classifier = load_classifier()
    lines, blocks = _blocks(6)
    answers = b"".join(comments.labels_in_order(classifier, blocks)).decode().splitlines()
    assert answers == classifier.classify_many(lines)
    assert len(forked) == 1
    with pytest.raises(ChildProcessError):  # reaped: no zombie, no stopped process left behind
        os.waitpid(forked[0], os.WNOHANG)


def test_a_helper_stopped_mid_way_through_a_big_block_is_killed() -> None:
    """A block larger than the pipe holds: the send itself would block on a stopped helper."""
    classifier = load_classifier()
    helper = comments_helper.Helper(classifier, timeout_s=0.2)
    pid = helper.pid
    os.kill(pid, signal.SIGSTOP)
    assert not helper.send("Hur gör jag?\n".encode() * 100_000)  # 1.3 MB: far over a pipe's 64 KB
    assert helper.pid == 0 and helper.receive() is None
    assert _is_zombie_or_gone(pid)


def test_a_helper_that_answers_in_time_is_used() -> None:
    classifier = load_classifier()
    helper = comments_helper.Helper(classifier, timeout_s=30)
    try:
        assert helper.send("Hur gör jag?\nTack".encode())
        assert helper.receive() == b"question\nother\n"
    finally:
        helper.close()
    assert helper.pid == 0


def test_closed_standard_input_is_a_clear_refusal(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "kontokoll", "--data-dir", str(tmp_path / "data"),
         "comments", "classify"],
        capture_output=True, text=True, env=child_env(), timeout=60, check=False,
        preexec_fn=lambda: os.close(0),  # as ``comments classify <&-`` starts it
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip() == (
        "Standard in är stängd: comments classify läser en kommentar per rad från standard in "
        "(till exempel kontokoll comments classify < kommentarer.txt)."
    )
