"""``kontokoll comments classify`` and ``comments version`` as real processes."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from governance.comment_classifier import EXTENSION_FILE, Classifier
from kontokoll.cli import comments
from kontokoll.cli.comments import MAX_LINE_BYTES, batches_of
from tests.conftest import child_env


def _run(data_dir: Path, *args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "kontokoll", "--data-dir", str(data_dir), "comments", *args],
        input=stdin,
        capture_output=True,
        env=child_env(),
        timeout=60,
        check=False,
    )


def test_one_word_per_line_in_order(tmp_path: Path) -> None:
    lines = [
        "När öppnar biblioteket?",
        "",
        "Vad fint!",
        "@Anna kolla här",
        "Skicka gärna länken",
        "😍😍",
        "Can you tell me when the pool opens?",
        "Tack!?",
    ]
    done = _run(tmp_path / "data", "classify", stdin="\n".join(lines).encode() + b"\n")
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode().splitlines() == [
        "question", "other", "other", "other", "question", "other", "question", "other",
    ]  # fmt: skip
    assert done.stderr == b""
    assert not (tmp_path / "data").exists()  # inspecting the rules creates no store


def test_crlf_a_missing_last_newline_and_invalid_utf8(tmp_path: Path) -> None:
    stdin = b"Var kan man parkera?\r\n\xff\xfe\xfd\r\nTack s\xe5 mycket\nHur g\xc3\xb6r man"
    done = _run(tmp_path, "classify", stdin=stdin)
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode().splitlines() == ["question", "other", "other", "question"]


def test_empty_input_prints_nothing(tmp_path: Path) -> None:
    done = _run(tmp_path, "classify")
    assert (done.returncode, done.stdout, done.stderr) == (0, b"", b"")


def test_an_over_long_line_counts_as_one_comment(tmp_path: Path) -> None:
    long_line = b"Var kan man parkera?" + b" bla" * (MAX_LINE_BYTES // 2)
    done = _run(tmp_path, "classify", stdin=long_line + b"\nTack!\n\nVad kostar det?\n")
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode().splitlines() == ["question", "other", "other", "question"]


def test_the_extension_in_the_data_dir_is_used(tmp_path: Path) -> None:
    (tmp_path / EXTENSION_FILE).write_text('requests = ["ge mig"]\n', encoding="utf-8")
    done = _run(tmp_path, "classify", stdin="Ge mig öppettiderna\n".encode())
    assert done.stdout == b"question\n"
    version = _run(tmp_path, "version")
    assert version.stdout.decode().startswith("builtin-2+sha256:")
    assert _run(tmp_path / "other", "version").stdout == b"builtin-2\n"


def test_a_malformed_extension_stops_before_any_output(tmp_path: Path) -> None:
    (tmp_path / EXTENSION_FILE).write_text('requests = "ge mig"\n', encoding="utf-8")
    done = _run(tmp_path, "classify", stdin=b"Var kan man parkera?\n")
    assert done.returncode == 2
    assert done.stdout == b""
    error = done.stderr.decode()
    assert str(tmp_path / EXTENSION_FILE) in error
    assert "nyckel requests" in error
    assert "Traceback" not in error


def test_a_symlinked_extension_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.toml"
    target.write_text('requests = ["ge mig"]\n', encoding="utf-8")
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    os.symlink(target, data_dir / EXTENSION_FILE)
    done = _run(data_dir, "classify", stdin=b"Ge mig svar\n")
    assert done.returncode == 2
    assert done.stdout == b""
    assert "symbolisk länk" in done.stderr.decode()
    assert "Traceback" not in done.stderr.decode()


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_help_is_translated_but_the_labels_are_not(tmp_path: Path, lang: str) -> None:
    env = child_env(KONTOKOLL_LANG=lang)
    command = [sys.executable, "-m", "kontokoll", "--data-dir", str(tmp_path), "comments"]
    helped = subprocess.run(
        [*command, "classify", "--help"], capture_output=True, env=env, timeout=60, check=False
    )
    expected = "en kommentar per rad" if lang == "sv" else "one comment per line"
    assert expected in " ".join(helped.stdout.decode().split())  # argparse wraps lines
    done = subprocess.run(
        [*command, "classify"], input=b"Vad kostar det?\n", capture_output=True, env=env,
        timeout=60, check=False,
    )  # fmt: skip
    assert done.stdout == b"question\n"


def test_lines_split_across_reads_and_over_long_ones_are_cut(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(comments, "_BLOCK", 7)
    monkeypatch.setattr(comments, "MAX_LINE_BYTES", 10)

    def lines(data: bytes) -> list[str]:
        stream = io.BufferedReader(io.BytesIO(data), 7)
        return [line for batch in batches_of(stream) for line in batch]

    assert lines(b"abc\ndef\n\nxyz") == ["abc", "def", "", "xyz"]
    assert lines(b"a" * 25 + b"\nshort\n\xc3\xa5\xff\nend") == ["a" * 10, "short", "å\ufffd", "end"]
    assert lines(b"a" * 25) == ["a" * 10]  # no newline at the end
    assert lines(b"\n\n") == ["", ""]
    assert lines(b"") == []


def test_a_long_input_judged_by_two_processes_keeps_its_order(tmp_path: Path) -> None:
    """Over two reads, every other batch goes to a forked helper: the answers stay in order."""
    from governance.comment_classifier import load_classifier

    labelled = Path(__file__).parents[1] / "data" / "comments_labelled.tsv"
    texts = [line.split("\t")[-1] for line in labelled.read_text("utf-8").splitlines()[1:]]
    lines = [f"{texts[n % len(texts)]} {n}" for n in range(40_000)]  # ~1.5 MB: several reads
    done = _run(tmp_path / "data", "classify", stdin="\n".join(lines).encode() + b"\n")
    assert done.returncode == 0, done.stderr
    expected = load_classifier(tmp_path / "data").classify_many(lines)
    assert done.stdout.decode().splitlines() == list(expected)


def _labelled_blocks(count: int) -> tuple[list[str], list[bytes]]:
    """Labelled comments, numbered, cut into blocks of 50 lines as ``blocks_of`` gives them."""
    labelled = Path(__file__).parents[1] / "data" / "comments_labelled.tsv"
    texts = [line.split("\t")[-1] for line in labelled.read_text("utf-8").splitlines()[3:]]
    lines = [f"{texts[n % len(texts)]} {n}" for n in range(count)]
    blocks = ["\n".join(lines[at : at + 50]).encode() for at in range(0, count, 50)]
    return lines, blocks


@pytest.mark.parametrize("cores", [1, 2])
def test_one_process_or_two_give_the_same_labels(
    monkeypatch: pytest.MonkeyPatch, cores: int
) -> None:
    from governance.comment_classifier import load_classifier
    from kontokoll.cli import comments_helper

    judged_here: list[bytes] = []  # the forked helper counts in its own copy of this list
    labels_of = comments_helper.labels_of
    monkeypatch.setattr(comments, "_cores", lambda: cores)

    def counted(classifier: Classifier, block: bytes) -> bytes:
        judged_here.append(block)
        return labels_of(classifier, block)

    monkeypatch.setattr(comments_helper, "labels_of", counted)
    classifier = load_classifier()
    lines, blocks = _labelled_blocks(1_000)
    answers = b"".join(comments.labels_in_order(classifier, blocks)).decode().splitlines()
    assert answers == classifier.classify_many(lines)
    assert {"question", "other"} <= set(answers)
    assert len(judged_here) == (len(blocks) if cores == 1 else len(blocks) // 2)


def test_a_helper_that_dies_leaves_the_work_to_the_command(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The forked helper exits without answering: every block is judged here, none lost."""
    from governance.comment_classifier import load_classifier
    from kontokoll.cli import comments_helper

    def die(*_: object) -> None:
        os._exit(3)  # in the forked helper only

    monkeypatch.setattr(comments, "_cores", lambda: 2)
    monkeypatch.setattr(comments_helper, "_serve", die)
    classifier = load_classifier()
    lines, blocks = _labelled_blocks(600)
    answers = b"".join(comments.labels_in_order(classifier, blocks)).decode().splitlines()
    assert answers == classifier.classify_many(lines)
    helper = comments_helper.Helper(classifier)
    assert helper.pid
    assert helper.receive() is None  # it has gone: no answer, and it has been reaped
    assert helper.pid == 0 and not helper.send(b"x")


def test_without_a_process_to_fork_the_command_judges_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from governance.comment_classifier import load_classifier

    def no_fork() -> int:
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(comments, "_cores", lambda: 2)
    monkeypatch.setattr(os, "fork", no_fork)
    classifier = load_classifier()
    lines, blocks = _labelled_blocks(300)
    open_before = len(os.listdir("/proc/self/fd"))
    answers = b"".join(comments.labels_in_order(classifier, blocks)).decode().splitlines()
    assert answers == classifier.classify_many(lines)
    assert len(os.listdir("/proc/self/fd")) == open_before  # the pipes were closed again
