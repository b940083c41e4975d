"""``audit send`` mails each department once, even when two processes send at once (cron and a
person), and a send killed mid-way neither blocks for ever nor is forgotten
(audits.packet_ledger, governance.mail_claims). Real processes, a real SMTP server on 127.0.0.1
that holds each message at DATA until the test lets it through (tests/smtp_gate.py)."""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Callable
from pathlib import Path

import pytest

from audits.packet_ledger import load_ledger
from audits.quarters import Quarter
from audits.service import AuditService
from governance.identity import current_login
from governance.monthly import STOCKHOLM
from governance.store import Store, read_change_log
from tests.audits.test_packets import BYGG, KULTUR, two_quarters
from tests.conftest import CliResult
from tests.governance.moderation_support import store_files
from tests.smtp_gate import GatedSmtp, finish, gated_smtp, start_kontokoll

__all__ = ["gated_smtp", "two_quarters"]  # fixtures, used by name

Cli = Callable[..., CliResult]
Q4 = Quarter(2026, 4)
SEND = ("audit", "send", "--quarter", "2026Q4")
BUSY = f"Inte skickat till {KULTUR}: skickas just nu av {current_login()}"
UNFINISHED = "avslutades aldrig, så ett mejl kan ha gått ut"


@pytest.fixture
def ready(two_quarters: AuditService, gated_smtp: GatedSmtp, data_dir: Path) -> GatedSmtp:
    """test_packets' register (Kultur has a contact, Bygg none) and [mail] on the gated server."""
    (data_dir / "settings.toml").write_text(gated_smtp.settings_toml(), "utf-8")
    return gated_smtp


def _sent_log(store: Store) -> int:
    with store.read() as txn:
        return sum(e.action == "packet-sent" for e in read_change_log(txn))


def _ledger(store: Store) -> tuple[int, list[str]]:
    """How many sends of Q4, and the open claims' users."""
    with store.read() as txn:
        ledger = load_ledger(txn)
    return len(ledger.latest(Q4)), [c.user for c in ledger.claims.values()]


def test_two_processes_at_once_mail_each_department_once(
    ready: GatedSmtp, store: Store, data_dir: Path
) -> None:
    senders = [start_kontokoll(data_dir, *SEND) for _ in range(2)]
    ready.wait_for_arrivals(2, *senders)  # until one sender gives up (or both mail)
    ended = [p for p in senders if p.poll() is not None]
    ready.open()
    said_by = {p.pid: finish(p) for p in senders}
    assert ready.handler.arrivals == 1 and len(ready.received) == 1
    [other] = ended
    [sender] = [p for p in senders if p is not other]
    code, said = said_by[other.pid]
    assert code == 0 and BUSY in said and f"process {sender.pid}" in said, said
    assert "2026Q4: skickade 0, redan skickade 0, utan kontaktperson 1, misslyckade 0." in said
    assert "2026Q4: 1 skickas just nu av någon annan, 0 har en avbruten sändning." in said
    sent_code, sent_said = said_by[sender.pid]
    assert sent_code == 0 and f"Skickat till {KULTUR}: 1 mottagare." in sent_said, sent_said
    assert "Traceback" not in said + sent_said
    assert _ledger(store) == (1, []) and _sent_log(store) == 1


def test_a_sender_killed_mid_send_leaves_a_claim_until_resend_takes_it_over(
    ready: GatedSmtp, store: Store, data_dir: Path
) -> None:
    killed = start_kontokoll(data_dir, *SEND)
    ready.wait_for_arrivals(1, killed)
    os.kill(killed.pid, signal.SIGKILL)  # after the claim, before the record
    killed.communicate(timeout=60)
    ready.open()
    assert _ledger(store) == (0, [current_login()])
    before = store_files(data_dir)
    code, said = finish(start_kontokoll(data_dir, *SEND))
    assert code == 1 and f"Inte skickat till {KULTUR}: en sändning som" in said, said
    assert UNFINISHED in said and f"process {killed.pid}" in said
    assert f'--department "{KULTUR}" --resend' in said
    assert "0 skickas just nu av någon annan, 1 har en avbruten sändning." in said
    with store.read() as txn:
        [claim] = load_ledger(txn).claims.values()
    assert claim.at.astimezone(STOCKHOLM).isoformat(timespec="seconds") in said
    assert store_files(data_dir) == before and ready.handler.arrivals == 1
    code, said = finish(start_kontokoll(data_dir, *SEND, "--department", KULTUR, "--resend"))
    assert code == 0, said
    assert f"{KULTUR}: tar över den avbrutna sändningen" in said and f"process {killed.pid}" in said
    assert f"Skickat till {KULTUR}: 1 mottagare." in said
    assert ready.handler.arrivals == 2 and _ledger(store) == (1, []) and _sent_log(store) == 1
    code, said = finish(start_kontokoll(data_dir, *SEND))  # and now it is simply sent
    assert code == 0 and f"Inte skickat till {KULTUR}: redan skickat" in said


def test_a_resend_never_races_a_send_under_way(ready: GatedSmtp, data_dir: Path) -> None:
    first = start_kontokoll(data_dir, *SEND)
    ready.wait_for_arrivals(1, first)
    code, said = finish(start_kontokoll(data_dir, *SEND, "--resend"))
    assert code == 0 and BUSY in said, said
    ready.open()
    assert finish(first)[0] == 0 and len(ready.received) == 1


def test_a_refused_mail_releases_the_claim_for_the_next_send(
    two_quarters: AuditService, cli: Cli, store: Store, data_dir: Path
) -> None:
    from tests.smtp_server import SmtpServer

    server = SmtpServer()
    server.start()
    try:
        (data_dir / "settings.toml").write_text(server.settings_toml(), "utf-8")
        server.refuse("kim.ek@helsingborg.se")
        assert cli(*SEND).code == 1
        assert _ledger(store) == (0, [])  # claimed, then released
        server.handler.refuse.clear()
        assert cli(*SEND).code == 0 and len(server.received) == 1
        assert _ledger(store) == (1, [])
    finally:
        server.stop()


def _sent_file(data_dir: Path) -> Path:
    return data_dir / "audit" / "sent.json"


@pytest.mark.parametrize(("doc", "field"), [
    ({"state": "skickas"}, "state"),
    ({"state": "sending", "claim": {"token": "0123456789abcdef", "user": "anna",
                                    "at": "2026-11-03T14:00:00+00:00", "host": "h", "pid": -1}},
     "claim.pid"),
    ({"state": "sending", "claim": "anna"}, "claim"),
    ({"state": "released", "claim": 7}, "claim"),
])  # fmt: skip
def test_a_damaged_claim_in_the_ledger_is_refused_naming_the_file_and_field(
    ready: GatedSmtp, cli: Cli, data_dir: Path, doc: dict[str, object], field: str
) -> None:
    ready.open()
    assert cli(*SEND).code == 0  # Kultur's packet sent: the file holds a claim and a send
    path = _sent_file(data_dir)
    document = json.loads(path.read_text("utf-8"))
    document["sent"]["99"] = {"quarter": "2026Q4", "department": BYGG, "key": "x", **doc}
    path.write_text(json.dumps(document), "utf-8")
    before = store_files(data_dir)
    result = cli(*SEND)
    assert result.code != 0 and "Traceback" not in result.err
    assert str(path) in result.err and f"fältet {field}" in result.err, result.err
    assert store_files(data_dir) == before and ready.handler.arrivals == 1


def test_a_ledger_written_before_claims_still_reads(
    ready: GatedSmtp, cli: Cli, data_dir: Path
) -> None:
    ready.open()
    assert cli(*SEND).code == 0
    path = _sent_file(data_dir)
    document = json.loads(path.read_text("utf-8"))
    document["sent"] = {key: {k: v for k, v in doc.items() if k != "claim"}
                        for key, doc in document["sent"].items() if "state" not in doc}
    path.write_text(json.dumps(document), "utf-8")  # as an earlier Kontokoll wrote it
    again = cli(*SEND)
    assert again.code == 0 and f"Inte skickat till {KULTUR}: redan skickat" in again.out
    assert len(ready.received) == 1
