"""``audit send`` end to end against a real SMTP server on 127.0.0.1 (aiosmtpd in a thread)."""

from __future__ import annotations

import os
from collections.abc import Callable
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from audits.service import AuditService
from governance import service_account
from governance.access import User, put_user
from governance.identity import current_login
from governance.model import Person
from governance.register import Register
from governance.store import Store, read_change_log
from tests.audits.test_packets import BYGG, KULTUR, two_quarters
from tests.audits.xlsx_support import sheets
from tests.conftest import FIXED_NOW, CliResult
from tests.smtp_server import SmtpServer, smtp_server

__all__ = ["smtp_server", "two_quarters"]  # fixtures, used by name

Cli = Callable[..., CliResult]
KIM, ASA = "kim.ek@helsingborg.se", "asa.oberg@helsingborg.se"
SUBJECT = f"Granskning av sociala medier 2026Q4: {KULTUR}"


@pytest.fixture
def ready(two_quarters: AuditService, smtp_server: SmtpServer, data_dir: Path) -> SmtpServer:
    """The register of test_packets (Kultur has Kim as contact, Bygg none) and [mail] set."""
    (data_dir / "settings.toml").write_text(smtp_server.settings_toml(), "utf-8")
    return smtp_server


def _add_contact(store: Store, person: Person) -> None:
    Register(store, user="tester", clock=lambda: FIXED_NOW).add_department(KULTUR, [person])


def _sent_log(store: Store) -> list[tuple[str, str, str]]:
    with store.read() as txn:
        return [(e.user, e.account, e.field) for e in read_change_log(txn)
                if e.action == "packet-sent"]


def _store_text(data_dir: Path) -> str:
    return "\n".join(
        p.read_bytes().decode("utf-8", "replace") for p in data_dir.rglob("*")
        if p.is_file() and p.suffix in (".json", ".jsonl")
    )


def test_each_department_with_contacts_gets_its_packet(
    ready: SmtpServer, cli: Cli, store: Store, tmp_path: Path
) -> None:
    result = cli("audit", "send")
    assert result.code == 0, result.err
    assert f"Skickat till {KULTUR}: 1 mottagare." in result.out
    assert f"Inte skickat till {BYGG}: förvaltningen har ingen kontaktperson" in result.out
    assert "skickade 1, redan skickade 0, utan kontaktperson 1, misslyckade 0" in result.out
    [got] = ready.received
    assert got.recipients == [KIM]
    message = got.message
    assert message["Subject"] == SUBJECT
    assert "Kim Ek" in str(message["To"]) and "kontokoll@helsingborg.se" in str(message["From"])
    cover = message.get_body(("plain",))
    assert cover is not None and "Hej!" in cover.get_content()
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == f"{KULTUR} 2026Q4.xlsx"
    # The attachment's bytes are the packet that `audit packets` writes, sheet for sheet.
    assert cli("audit", "packets", "--department", KULTUR, "-o", str(tmp_path / "p")).code == 0
    written = (tmp_path / "p" / f"{KULTUR} 2026Q4.xlsx").read_bytes()
    assert sheets(attachment.get_content()) == sheets(written)
    assert _sent_log(store) == [(current_login(), KULTUR, "2026Q4")]
    sent = (store.data_dir / "audit" / "sent.json").read_text("utf-8")
    assert KULTUR in sent and "@" not in sent and "Kim" not in sent  # no address, no name
    with store.read() as txn:
        assert all("@" not in str(e.new) for e in read_change_log(txn) if e.action == "packet-sent")


def test_a_second_send_skips_what_went_out_unless_resend(ready: SmtpServer, cli: Cli) -> None:
    assert cli("audit", "send").code == 0
    again = cli("audit", "send")
    assert again.code == 0
    assert f"Inte skickat till {KULTUR}: redan skickat" in again.out and "--resend" in again.out
    assert len(ready.received) == 1
    resent = cli("audit", "send", "--department", KULTUR, "--resend")
    assert resent.code == 0 and f"Skickat till {KULTUR}" in resent.out
    assert len(ready.received) == 2


def test_a_refused_recipient_is_named_and_the_others_count_as_sent(
    ready: SmtpServer, cli: Cli, store: Store
) -> None:
    _add_contact(store, Person("Åsa Öberg", ASA))
    ready.refuse(KIM)
    result = cli("audit", "send")
    assert result.code == 0
    assert KIM in result.err and "550" in result.err
    assert [r.recipients for r in ready.received] == [[ASA]]
    assert _sent_log(store) == [(current_login(), KULTUR, "2026Q4")]
    assert cli("audit", "send").code == 0 and len(ready.received) == 1  # not sent twice


def test_every_recipient_refused_is_a_failure_and_not_recorded(
    ready: SmtpServer, cli: Cli, store: Store
) -> None:
    ready.refuse(KIM)
    result = cli("audit", "send")
    assert result.code == 1
    assert f"Inte skickat till {KULTUR}: servern avvisade alla mottagare" in result.err
    assert _sent_log(store) == []
    ready.handler.refuse.clear()
    assert cli("audit", "send").code == 0 and [r.recipients for r in ready.received] == [[KIM]]


def test_a_dead_server_sends_nothing_and_a_retry_sends_each_once(
    ready: SmtpServer, cli: Cli, store: Store, data_dir: Path
) -> None:
    ready.stop()
    result = cli("audit", "send")
    assert result.code == 1
    assert f"Kan inte nå e-postservern 127.0.0.1:{ready.port}" in result.err
    assert f"Inte skickat till {KULTUR}: ingen förbindelse med e-postservern" in result.err
    assert "Traceback" not in result.err + result.out
    assert _sent_log(store) == []
    revived = SmtpServer()
    revived.start()
    try:
        (data_dir / "settings.toml").write_text(revived.settings_toml(), "utf-8")
        assert cli("audit", "send").code == 0
        assert cli("audit", "send").code == 0
        assert [r.recipients for r in revived.received] == [[KIM]]
    finally:
        revived.stop()


def test_a_dry_run_writes_eml_files_and_sends_nothing(
    ready: SmtpServer, cli: Cli, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = cli("audit", "send", "--dry-run", "--output", str(tmp_path / "eml"))
    assert result.code == 0, result.err
    path = tmp_path / "eml" / f"{KULTUR} 2026Q4.eml"
    assert str(path) in result.out.splitlines()
    parsed = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert parsed["Subject"] == SUBJECT and KIM in str(parsed["To"])
    [attachment] = list(parsed.iter_attachments())  # type: ignore[attr-defined]
    assert "Avvikelser" in sheets(attachment.get_content())
    assert ready.received == [] and _sent_log(store) == []
    monkeypatch.chdir(tmp_path)  # the default folder is the current one
    (store.data_dir / "settings.toml").unlink()  # and a dry run needs no [mail] yet
    assert cli("audit", "send", "--dry-run").code == 0
    assert (tmp_path / f"{KULTUR} 2026Q4.eml").is_file()


def test_bad_mail_settings_and_misused_options_are_clear_messages(
    ready: SmtpServer, cli: Cli, data_dir: Path
) -> None:
    (data_dir / "settings.toml").write_text(ready.settings_toml(port="70000"), "utf-8")
    result = cli("audit", "send")
    assert result.code == 2 and "mail.port" in result.err and "Traceback" not in result.err
    assert ready.received == []
    refused = cli("audit", "send", "--output", str(data_dir.parent / "x"))
    assert refused.code == 2 and "--dry-run" in refused.err


def test_a_service_account_session_refuses_eml_files_in_a_folder(
    ready: SmtpServer, data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from kontokoll.cli.main import main

    session = service_account.Session("kontokoll", "anna", 4321, data_dir)
    monkeypatch.setattr(service_account, "detect", lambda *a, **k: session)
    monkeypatch.chdir(tmp_path)
    assert main(["audit", "send", "--dry-run", "--output", str(tmp_path / "x")]) == 2
    assert main(["audit", "send", "--dry-run"]) == 2
    assert "standard" in capsys.readouterr().err
    assert not (tmp_path / "x").exists() and not list(tmp_path.glob("*.eml"))


def test_only_an_admin_sends_but_a_viewer_may_make_packets(
    ready: SmtpServer, cli: Cli, store: Store, tmp_path: Path
) -> None:
    with store.write() as txn:
        put_user(txn, User(current_login(), "viewer"))
    refused = cli("audit", "send")
    assert refused.code == 2 and "skicka granskningspaket" in refused.err
    assert ready.received == []
    assert cli("audit", "packets", "-o", str(tmp_path / "p")).code == 0


def test_forget_finds_nothing_of_a_contact_after_a_send(
    ready: SmtpServer, cli: Cli, store: Store, data_dir: Path
) -> None:
    assert cli("audit", "send").code == 0
    assert cli("editors", "forget", KIM).code == 0
    text = _store_text(data_dir)
    assert KIM not in text and "Kim Ek" not in text
    assert os.listdir(data_dir)  # the store is still there


def test_with_report_attaches_the_departments_quarterly_report(
    ready: SmtpServer, cli: Cli, tmp_path: Path
) -> None:
    """``--with-report``: the department's own report (as ``kontokoll report --department``)
    goes with the packet, in the mail and beside the packet file."""
    result = cli("audit", "send", "--with-report")
    assert result.code == 0, result.err
    [got] = ready.received
    packet, report = list(got.message.iter_attachments())
    assert packet.get_filename() == f"{KULTUR} 2026Q4.xlsx"
    assert report.get_filename() == f"{KULTUR} 2026Q4.html"
    assert report.get_content_type() == "text/html"
    html = report.get_content()
    assert KULTUR in html and BYGG not in html and "<script" not in html
    out = tmp_path / "paket"
    written = cli("audit", "packets", "--department", KULTUR, "--with-report", "-o", str(out))
    assert written.code == 0, written.err
    assert sorted(p.name for p in out.iterdir()) == [
        f"{KULTUR} 2026Q4.html", f"{KULTUR} 2026Q4.xlsx"]
    beside = (out / f"{KULTUR} 2026Q4.html").read_text("utf-8")
    assert KULTUR in beside and BYGG not in beside
    to_stdout = cli("audit", "packets", "--department", KULTUR, "--with-report", "-o", "-")
    assert to_stdout.code == 2 and "--with-report" in to_stdout.err
