"""When a claim on a mail is live, stale, or taken over (governance.mail_claims)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from governance.mail_claims import (
    STALE_AFTER,
    SendClaim,
    claim_problems,
    is_stale,
    new_claim,
    verdict,
)

NOW = datetime(2026, 11, 29, 11, 0, tzinfo=UTC)


def _gone_pid() -> int:
    """The id of a process that has ended (and been reaped)."""
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)
    return int(child.stdout)


def test_a_claim_by_a_running_process_is_live_until_it_is_too_old() -> None:
    mine = new_claim("anna", NOW)
    assert mine.pid == os.getpid() and mine.host == socket.gethostname()
    assert verdict(None, NOW, resend=False) == "free"
    assert verdict(mine, NOW + STALE_AFTER, resend=False) == "busy"
    assert verdict(mine, NOW + STALE_AFTER, resend=True) == "busy"  # --resend never races it
    later = NOW + STALE_AFTER + timedelta(seconds=1)
    assert verdict(mine, later, resend=False) == "unfinished"
    assert verdict(mine, later, resend=True) == "take_over"
    assert is_stale(mine, NOW - STALE_AFTER - timedelta(seconds=1))  # a time ahead of the clock


def test_a_claim_whose_process_is_gone_is_stale_at_once_on_its_own_host() -> None:
    gone = replace(new_claim("anna", NOW), pid=_gone_pid())
    assert verdict(gone, NOW, resend=False) == "unfinished"
    assert verdict(gone, NOW, resend=True) == "take_over"
    elsewhere = replace(gone, host=socket.gethostname() + "-other")
    assert verdict(elsewhere, NOW, resend=True) == "busy"  # its process cannot be seen from here


def test_a_running_process_of_any_user_keeps_its_claim_live() -> None:
    init = replace(new_claim("anna", NOW), pid=1)  # pid 1 always runs (as root: EPERM for others)
    assert verdict(init, NOW, resend=True) == "busy"


def test_a_claim_round_trips_and_every_damaged_field_is_named() -> None:
    claim = new_claim("anna", NOW)
    assert SendClaim.from_doc(claim.to_doc()) == claim
    assert list(claim_problems(claim.to_doc())) == []
    bad = {"token": "XYZ", "user": "", "host": "h\u202e", "at": "2026-11-29", "pid": 0}
    assert [field for field, _ in claim_problems(bad)] == [
        "sending.token", "sending.user", "sending.host", "sending.at", "sending.pid"]
    assert [field for field, _ in claim_problems(["x"], "claim")] == ["claim"]
    with pytest.raises(ValueError, match=r"sending\.pid"):
        SendClaim.from_doc({**claim.to_doc(), "pid": "1"})
