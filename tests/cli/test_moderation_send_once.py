"""``moderation register`` mails the registry once, even when two processes send at once, and a
send killed mid-way neither blocks for ever nor is forgotten (governance.mail_claims).

The senders are real processes against a real SMTP server on 127.0.0.1 that holds each message
at DATA until the test lets it through (tests/smtp_gate.py)."""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Callable
from pathlib import Path

import pytest

from governance.moderation.records import ModerationRecord
from governance.monthly import STOCKHOLM
from governance.store import Store, read_change_log
from tests.conftest import CliResult
from tests.governance.moderation_support import deletion, png_file, seed, service, store_files
from tests.smtp_gate import GatedSmtp, finish, gated_smtp, start_kontokoll
from tests.smtp_server import SmtpServer, smtp_server

__all__ = ["gated_smtp", "smtp_server"]  # fixtures, used by name

Cli = Callable[..., CliResult]
BUSY = "skickas för diarieföring just nu av"
SENT = "skickad för diarieföring till"
UNFINISHED = "avslutades aldrig, så ett mejl kan ha gått till diariet"


@pytest.fixture
def record_id(store: Store, tmp_path: Path) -> str:
    """One deletion, not yet sent."""
    seed(store)
    return service(store).record(deletion(png_file(tmp_path))).id


def _mail(data_dir: Path, settings: str) -> None:
    (data_dir / "settings.toml").write_text(settings, "utf-8")


def _stored(store: Store, record_id: str) -> ModerationRecord:
    return service(store).get(record_id).record


def _registered(store: Store) -> int:
    with store.read() as txn:
        return sum(e.action == "moderation-registered" for e in read_change_log(txn))


def test_two_processes_at_once_mail_the_registry_once(
    gated_smtp: GatedSmtp, store: Store, data_dir: Path, record_id: str
) -> None:
    _mail(data_dir, gated_smtp.settings_toml())
    senders = [start_kontokoll(data_dir, "moderation", "register", record_id) for _ in range(2)]
    gated_smtp.wait_for_arrivals(2, *senders)  # until one sender gives up (or both mail)
    ended = [p for p in senders if p.poll() is not None]
    gated_smtp.open()
    said_by = {p.pid: finish(p) for p in senders}
    assert gated_smtp.handler.arrivals == 1 and len(gated_smtp.received) == 1
    [other] = ended
    [sender] = [p for p in senders if p is not other]
    code, said = said_by[other.pid]
    sent_code, sent_said = said_by[sender.pid]
    assert sent_code == 0 and SENT in sent_said, sent_said
    assert code == 2 and f"Moderering {record_id} {BUSY}" in said, said
    assert f"process {sender.pid}" in said and "Ingenting skickades" in said
    assert "Traceback" not in said + sent_said
    record = _stored(store, record_id)
    assert record.sent_at is not None and record.sending is None
    assert _registered(store) == 1


def test_a_resend_never_races_a_send_under_way(
    gated_smtp: GatedSmtp, store: Store, data_dir: Path, record_id: str
) -> None:
    _mail(data_dir, gated_smtp.settings_toml())
    first = start_kontokoll(data_dir, "moderation", "register", record_id)
    gated_smtp.wait_for_arrivals(1, first)
    code, said = finish(start_kontokoll(data_dir, "moderation", "register", record_id, "--resend"))
    assert code == 2 and BUSY in said, said
    gated_smtp.open()
    assert finish(first)[0] == 0
    assert len(gated_smtp.received) == 1


def test_a_sender_killed_mid_send_leaves_a_claim_that_says_a_mail_may_have_gone_out(
    gated_smtp: GatedSmtp, store: Store, data_dir: Path, record_id: str
) -> None:
    _mail(data_dir, gated_smtp.settings_toml())
    killed = start_kontokoll(data_dir, "moderation", "register", record_id)
    gated_smtp.wait_for_arrivals(1, killed)
    os.kill(killed.pid, signal.SIGKILL)  # after the claim, before the record
    killed.communicate(timeout=60)
    gated_smtp.open()  # whether that mail went out, the sender can no longer know
    claim = _stored(store, record_id).sending
    assert claim is not None and claim.pid == killed.pid
    before = store_files(data_dir)
    code, said = finish(start_kontokoll(data_dir, "moderation", "register", record_id))
    assert code == 2 and f"Moderering {record_id}: en sändning som" in said and UNFINISHED in said
    at = claim.at.astimezone(STOCKHOLM).isoformat(timespec="seconds")
    assert at in said and f"process {killed.pid}" in said and "--resend" in said
    assert store_files(data_dir) == before  # refused: nothing stored, no mail
    assert gated_smtp.handler.arrivals == 1
    code, said = finish(start_kontokoll(data_dir, "moderation", "register", record_id, "--resend"))
    assert code == 0, said
    assert f"Moderering {record_id}: tar över den avbrutna sändningen" in said
    assert f"process {killed.pid}" in said
    assert gated_smtp.handler.arrivals == 2 and gated_smtp.received  # the resend went out
    record = _stored(store, record_id)
    assert record.sent_at is not None and record.sending is None and _registered(store) == 1


def test_a_mail_the_server_did_not_take_releases_the_claim(
    smtp_server: SmtpServer, cli: Cli, store: Store, data_dir: Path, record_id: str
) -> None:
    _mail(data_dir, smtp_server.settings_toml() + "\n[moderation]\nregistry = \"diariet@hbg.se\"\n")
    smtp_server.refuse("diariet@hbg.se")
    assert cli("moderation", "register", record_id).code != 0
    assert _stored(store, record_id).sending is None
    smtp_server.stop()  # a dead server: no connection
    dead = cli("moderation", "register", record_id)
    assert dead.code != 0 and "Traceback" not in dead.err
    assert _stored(store, record_id).sending is None
    revived = SmtpServer()
    revived.start()
    try:
        _mail(data_dir, revived.settings_toml())
        assert cli("moderation", "register", record_id).code == 0  # the next try sends
        assert len(revived.received) == 1
    finally:
        revived.stop()


def test_a_bad_mail_setting_after_the_claim_releases_it(
    cli: Cli, store: Store, data_dir: Path, record_id: str
) -> None:
    _mail(data_dir, "[mail]\nport = 25\n")  # no host
    refused = cli("moderation", "register", record_id)
    assert refused.code != 0 and "host" in refused.err
    assert _stored(store, record_id).sending is None


def _records_file(data_dir: Path) -> Path:
    return data_dir / "moderation" / "records.json"


def _edit_record(data_dir: Path, change: Callable[[dict[str, object]], None]) -> None:
    path = _records_file(data_dir)
    document = json.loads(path.read_text("utf-8"))
    [doc] = document["records"].values()
    change(doc)
    path.write_text(json.dumps(document), "utf-8")


@pytest.mark.parametrize(("claim", "field"), [
    ("nej", "sending"),
    ({"token": "zz", "user": "anna", "at": "2026-11-03T14:00:00+00:00", "host": "h", "pid": 4},
     "sending.token"),
    ({"token": "0123456789abcdef", "user": "an\x1bna", "at": "2026-11-03T14:00:00+00:00",
      "host": "h", "pid": 4}, "sending.user"),
    ({"token": "0123456789abcdef", "user": "anna", "at": "0001-01-01T00:00:00+00:00",
      "host": "h", "pid": 4}, "sending.at"),
    ({"token": "0123456789abcdef", "user": "anna", "at": "2026-11-03T14:00:00+00:00",
      "host": "h", "pid": True}, "sending.pid"),
    ({"token": "0123456789abcdef", "user": "anna", "at": "2026-11-03T14:00:00+00:00",
      "host": "h", "pid": 2**40}, "sending.pid"),
])  # fmt: skip
def test_a_damaged_claim_is_refused_naming_the_file_and_field(
    cli: Cli, data_dir: Path, record_id: str, claim: object, field: str
) -> None:
    _edit_record(data_dir, lambda doc: doc.update(sending=claim))
    before = store_files(data_dir)
    result = cli("moderation", "register", record_id)
    assert result.code != 0 and "Traceback" not in result.err
    assert str(_records_file(data_dir)) in result.err and f"fältet {field}:" in result.err
    assert store_files(data_dir) == before


def test_a_record_stored_before_claims_still_reads_and_sends(
    smtp_server: SmtpServer, cli: Cli, store: Store, data_dir: Path, record_id: str
) -> None:
    _edit_record(data_dir, lambda doc: doc.pop("sending"))
    _mail(data_dir, smtp_server.settings_toml())
    assert cli("moderation", "list").code == 0
    assert cli("moderation", "register", record_id).code == 0 and len(smtp_server.received) == 1
