"""The tester's findings at the command line: ``--screenshot -`` reads standard input (also in a
service-account session, where a path is refused), damaged records give a message and doctor
names them, the list's dash, the help's ja|nej, and role refusals in words."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from governance import service_account
from governance.moderation.demo import tiny_png
from governance.storage.layout import MODERATION_RECORDS, screenshot_file
from tests.conftest import CliResult
from tests.governance.moderation_support import png_file, store_files

Cli = Callable[..., CliResult]
HEADER = (
    "platform,handle,department,purpose,visibility,closed_reason,project,project_end,"
    "editors,url,platform_id,status"
)
RECORD = ("moderation", "record", "facebook:kultur", "--action", "delete", "--reason", "hot",
          "--at", "2026-11-03T14:00")


@pytest.fixture
def register(cli: Cli, tmp_path: Path) -> Cli:
    path = tmp_path / "konton.csv"
    path.write_text(HEADER + "\nfacebook,kultur,Kulturförvaltningen,Nyheter,open,,,,"
                    "Anna Berg <anna@hbg.se>,,,active\n", encoding="utf-8")
    assert cli("accounts", "import", str(path)).code == 0
    return cli


class _Stdin(io.TextIOWrapper):
    """Standard input holding ``data``; ``terminal`` makes it say it is a terminal."""

    def __init__(self, data: bytes, *, terminal: bool = False) -> None:
        super().__init__(io.BytesIO(data))
        self.terminal = terminal

    def isatty(self) -> bool:
        return self.terminal


def _piped(monkeypatch: pytest.MonkeyPatch, data: bytes, *, terminal: bool = False) -> None:
    monkeypatch.setattr(sys, "stdin", _Stdin(data, terminal=terminal))


def test_screenshot_dash_reads_standard_input(
    register: Cli, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import hashlib

    _piped(monkeypatch, tiny_png(4))
    done = register(*RECORD, "--screenshot", "-")
    assert done.code == 0, done.err
    digest = hashlib.sha256(tiny_png(4)).hexdigest()
    assert (data_dir / screenshot_file(digest, "png")).read_bytes() == tiny_png(4)
    assert done.out.strip() in register("moderation", "list").out


@pytest.mark.parametrize(
    ("data", "terminal", "message"),
    [(b"", False, "Standard in är tom"),
     (b"%PDF-1.7 without its end", False, "standard in (-): skärmdumpen måste vara"),
     (tiny_png(1), True, "ingenting skickas dit")],
)
def test_bad_standard_input_is_refused_and_nothing_stored(
    register: Cli, data_dir: Path, monkeypatch: pytest.MonkeyPatch, data: bytes,
    terminal: bool, message: str,
) -> None:
    before = store_files(data_dir)
    _piped(monkeypatch, data, terminal=terminal)
    refused = register(*RECORD, "--screenshot", "-")
    assert refused.code == 2 and message in refused.err and "Traceback" not in refused.err
    assert store_files(data_dir) == before


def test_a_service_account_session_records_from_stdin_and_refuses_a_path(
    register: Cli, data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from kontokoll.cli.main import main

    session = service_account.Session("kontokoll", "anna", 4321, data_dir)
    monkeypatch.setattr(service_account, "detect", lambda *a, **k: session)
    before = store_files(data_dir)
    assert main([*RECORD, "--screenshot", str(png_file(tmp_path))]) == 2
    refused = capsys.readouterr().err
    assert "tjänstekontot kontokoll" in refused and "--data-dir" not in refused
    assert store_files(data_dir) == before
    _piped(monkeypatch, tiny_png(6))
    assert main([*RECORD, "--screenshot", "-"]) == 0, capsys.readouterr().err
    records = json.loads((data_dir / MODERATION_RECORDS).read_text("utf-8"))["records"]
    [stored] = records.values()
    assert stored["recorded_by"] == "anna" and stored["screenshot"]["extension"] == "png"


def test_a_damaged_record_gives_a_message_and_doctor_names_it(
    register: Cli, data_dir: Path, tmp_path: Path
) -> None:
    record_id = register(*RECORD, "--screenshot", str(png_file(tmp_path))).out.strip()
    path = data_dir / MODERATION_RECORDS
    data = json.loads(path.read_text("utf-8"))
    [doc] = data["records"].values()
    doc.update(diarienummer="KS 2026/1", diarienummer_at="2026-11-04T10:00:00+01:00",
               sent_at="2026-11-04T09:00:00+01:00")
    doc["screenshot"]["sha256"] = "zz"
    path.write_text(json.dumps(data), "utf-8")
    for command in (("moderation", "list"), ("moderation", "retention")):
        refused = register(*command)
        assert refused.code == 2 and "Traceback" not in refused.err
        assert str(path) in refused.err and record_id in refused.err
        assert "screenshot.sha256" in refused.err
    checked = register("doctor")
    assert checked.code != 0 and "Inga problem" not in checked.out + checked.err
    assert record_id in checked.out + checked.err


def test_doctor_says_when_a_store_file_is_hard_linked_from_outside(
    register: Cli, data_dir: Path, tmp_path: Path
) -> None:
    (tmp_path / "x.html").hardlink_to(data_dir / "register" / "core.json")
    checked = register("doctor")
    shown = checked.out + checked.err
    assert checked.code != 0 and "hård länk" in shown and "core.json" in shown


def test_the_list_shows_unknown_as_an_en_dash(register: Cli, tmp_path: Path) -> None:
    register("moderation", "record", "facebook:kultur", "--action", "hide", "--reason", "spam",
             "--at", "2026-11-03T14:00", "--notified", "yes")
    row = register("moderation", "list").out.splitlines()[2]
    assert " – " in row and " - " not in row


def test_notified_takes_ja_nej_and_yes_no(register: Cli) -> None:
    for answer in ("ja", "nej", "yes", "no"):
        done = register("moderation", "record", "facebook:kultur", "--action", "hide",
                        "--reason", "spam", "--at", "2026-11-03T14:00", "--notified", answer)
        assert done.code == 0, done.err


def test_the_help_text_shows_ja_nej(capsys: pytest.CaptureFixture[str], data_dir: Path) -> None:
    from kontokoll.cli.main import main

    with pytest.raises(SystemExit):
        main(["--data-dir", str(data_dir), "moderation", "record", "--help"])
    shown = capsys.readouterr().out
    assert "--notified ja|nej" in shown and "yes|no" not in shown
