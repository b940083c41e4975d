"""``kontokoll moderation``: every command, the registration mailed to a real SMTP server on
127.0.0.1, the dry run's ``.eml``, the exports, and refusals that print a message and store
nothing."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from email import message_from_bytes, policy
from pathlib import Path

import openpyxl
import pytest

from governance.moderation.service import ModerationService
from governance.store import Store, read_change_log
from tests.conftest import CliResult
from tests.governance.moderation_support import png_file, sha, store_files
from tests.smtp_server import SmtpServer, smtp_server

__all__ = ["smtp_server"]  # a fixture, used by name

Cli = Callable[..., CliResult]
HEADER = (
    "platform,handle,department,purpose,visibility,closed_reason,project,project_end,"
    "editors,url,platform_id,status"
)


@pytest.fixture
def register(cli: Cli, tmp_path: Path) -> Cli:
    path = tmp_path / "konton.csv"
    path.write_text(HEADER + "\nfacebook,kultur,Kulturförvaltningen,Nyheter,open,,,,"
                    "Anna Berg <anna@hbg.se>,,,active\n", encoding="utf-8")
    assert cli("accounts", "import", str(path)).code == 0
    return cli


def _record(cli: Cli, shot: Path | None, *extra: str) -> CliResult:
    args = ["moderation", "record", "facebook:kultur", "--action", "delete", "--reason", "hot",
            "--at", "2026-11-03T14:00", "--notified", "nej", "--comment-id", "987_654"]
    if shot is not None:
        args += ["--screenshot", str(shot)]
    return cli(*args, *extra)


def test_record_prints_the_id_and_list_shows_it_first(register: Cli, tmp_path: Path) -> None:
    done = _record(register, png_file(tmp_path))
    assert done.code == 0
    record_id = done.out.strip()
    assert re.fullmatch(r"[0-9a-f]{8}", record_id)
    assert f"kontokoll moderation register {record_id}" in done.err
    listing = register("moderation", "list")
    assert listing.code == 0
    row = listing.out.splitlines()[2]
    assert row.split()[0] == record_id and "facebook:kultur" in row and "png" in row
    assert record_id in register("moderation", "list", "kultur", "--unregistered").out
    assert record_id in register("moderation", "list", "--quarter", "2026Q4").out
    assert "Inga modereringar" in register("moderation", "list", "--quarter", "2026Q3").out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--reason", "elakt"), "elakt"),
        (("--at", "2126-01-01T00:00"), "2100"),
        (("--note", "från kalle@example.com"), "e-postadress"),
        (("--notified", "kanske"), "kanske"),
    ],
)
def test_a_bad_option_is_refused_with_a_message_and_nothing_stored(
    register: Cli, data_dir: Path, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    shot = png_file(tmp_path)
    before = store_files(data_dir)
    refused = _record(register, shot, *args)
    assert refused.code == 2 and message in refused.err and "Traceback" not in refused.err
    assert refused.out == ""
    assert store_files(data_dir) == before


def test_a_delete_without_screenshot_and_a_fake_png_are_refused(
    register: Cli, data_dir: Path, tmp_path: Path
) -> None:
    before = store_files(data_dir)
    missing = _record(register, None)
    assert missing.code == 2 and "ska skärmdumpas" in missing.err
    fake = tmp_path / "shot.png"
    fake.write_text("inte en bild")
    wrong = _record(register, fake)
    assert wrong.code == 2 and f"{fake}: skärmdumpen måste vara en PNG" in wrong.err
    assert store_files(data_dir) == before


def _mail(cli: Cli, data_dir: Path, server: SmtpServer, registry: str = "") -> None:
    extra = f'\n[moderation]\nregistry = "{registry}"\n' if registry else ""
    (data_dir / "settings.toml").write_text(server.settings_toml() + extra, "utf-8")


def test_register_mails_the_registry_with_the_screenshot(
    register: Cli, data_dir: Path, tmp_path: Path, smtp_server: SmtpServer
) -> None:
    shot = png_file(tmp_path)
    record_id = _record(register, shot, "--note", "Hot mot handläggare").out.strip()
    _mail(register, data_dir, smtp_server)
    sent = register("moderation", "register", record_id)
    assert (sent.code, sent.err) == (0, "")
    assert "kommunstyrelsen@helsingborg.se" in sent.out
    [received] = smtp_server.received
    assert received.recipients == ["kommunstyrelsen@helsingborg.se"]
    message = received.message
    assert message["Subject"] == (
        f"Diarieföring: borttagen kommentar på facebook:kultur (Kontokoll {record_id})")
    body = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    for line in ("Konto: facebook:kultur", "Förvaltning: Kulturförvaltningen",
                 "Tidpunkt: 2026-11-03T14:00:00+01:00", "Åtgärd: borttagen", "Skäl: hot",
                 "Kommentarens id: 987_654", "Skribenten underrättad: nej",
                 "Anteckning: Hot mot handläggare", f"Kontokolls id: {record_id}",
                 f"Skärmdumpens SHA-256: {sha(shot)}"):
        assert line in body
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "image/png"
    assert attachment.get_content() == shot.read_bytes()
    again = register("moderation", "register", record_id)
    assert again.code == 2 and "--resend" in again.err and len(smtp_server.received) == 1
    assert register("moderation", "register", record_id, "--resend").code == 0
    assert len(smtp_server.received) == 2
    listing = register("moderation", "list", "--unregistered")
    assert record_id not in listing.out
    store = Store(data_dir)
    try:
        with store.read() as txn:
            logged = [e for e in read_change_log(txn) if e.action == "moderation-registered"]
    finally:
        store.close()
    assert [e.new for e in logged] == [record_id, record_id]
    assert all("@" not in f"{e.old}{e.new}{e.account}" for e in logged)


def test_a_refused_recipient_leaves_the_record_unsent(
    register: Cli, data_dir: Path, tmp_path: Path, smtp_server: SmtpServer
) -> None:
    record_id = _record(register, png_file(tmp_path)).out.strip()
    _mail(register, data_dir, smtp_server, registry="diariet@hbg.se")
    smtp_server.refuse("diariet@hbg.se")
    failed = register("moderation", "register", record_id)
    assert failed.code == 2 and "diariet@hbg.se" in failed.err
    assert record_id in register("moderation", "list", "--unregistered").out


def test_a_dry_run_writes_the_eml_and_sends_nothing(
    register: Cli, data_dir: Path, tmp_path: Path, smtp_server: SmtpServer
) -> None:
    shot = png_file(tmp_path)
    record_id = _record(register, shot).out.strip()
    out = tmp_path / "eml"
    dry = register("moderation", "register", record_id, "--dry-run", "--output", str(out))
    assert dry.code == 0
    path = Path(dry.out.strip())
    assert path.parent == out and path.suffix == ".eml"
    message = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert message["To"] == "kommunstyrelsen@helsingborg.se"
    [attachment] = list(message.iter_attachments())  # type: ignore[attr-defined]
    assert attachment.get_content() == shot.read_bytes()
    assert smtp_server.received == []
    assert record_id in register("moderation", "list", "--unregistered").out  # still unsent
    inside = register("moderation", "register", record_id, "--dry-run", "--output",
                      str(data_dir / "moderation"))
    assert inside.code == 2 and "datamappen" in inside.err
    assert register("moderation", "register", record_id, "--output", str(out)).code == 2


def test_diarienummer_and_the_exports(register: Cli, data_dir: Path, tmp_path: Path) -> None:
    shot = png_file(tmp_path)
    record_id = _record(register, shot, "--note", "=HYPERLINK(\"x\")").out.strip()
    early = register("moderation", "diarienummer", record_id, "KS 2026/01234")
    assert early.code == 2 and "skicka den först" in early.err
    ModerationService(Store(data_dir)).mark_sent(record_id)
    assert register("moderation", "diarienummer", record_id, "KS 2026/01234").code == 0
    bad = register("moderation", "diarienummer", record_id, "inget nummer")
    assert bad.code == 2 and "diarienummer" in bad.err
    other = register("moderation", "diarienummer", record_id, "KS 2026/09999")
    assert other.code == 2 and "har redan diarienummer KS 2026/01234" in other.err
    assert register("moderation", "diarienummer", record_id, "KS 2026/09999",
                    "--replace").code == 0
    assert register("moderation", "diarienummer", record_id, "KS 2026/01234",
                    "--replace").code == 0
    target = tmp_path / "moderering.csv"
    assert register("moderation", "export", "--output", str(target)).code == 0
    raw = target.read_bytes()
    assert raw.startswith("\ufeff".encode()) and b"\r\n" in raw
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "Id" and rows[1][0] == record_id
    assert "KS 2026/01234" in rows[1] and sha(shot) in rows[1]
    assert "'=HYPERLINK(\"x\")" in rows[1]  # formula-safe
    assert b"anna@hbg.se" not in raw and b"Anna Berg" not in raw  # no editor's personal data
    book = tmp_path / "moderering.xlsx"
    assert register("moderation", "export", "--output", str(book)).code == 0  # by its extension
    sheet = openpyxl.load_workbook(book).active
    assert sheet is not None and sheet.cell(2, 1).value == record_id
    refused = register("moderation", "export", "--output", str(data_dir / "x.csv"))
    assert refused.code == 2 and "datamappen" in refused.err


def test_retention_runs_on_its_own_command(register: Cli) -> None:
    done = register("moderation", "retention")
    assert (done.code, done.out.strip()) == (0, "0 skärmdumpar gallrade.")


def test_an_unknown_id_is_a_message(register: Cli) -> None:
    result = register("moderation", "register", "deadbeef", "--dry-run")
    assert result.code == 2 and "ingen moderering med id deadbeef" in result.err
