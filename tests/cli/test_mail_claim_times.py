"""A claim's message never names a time that has not happened as when a mail may have gone out,
and a live claim says when it will count as unfinished (governance.mail_claims)."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from governance.i18n import t
from governance.mail_claims import STALE_AFTER, claim_params, new_claim
from governance.monthly import STOCKHOLM
from tests.cli.test_moderation_send_once import _edit_record, record_id
from tests.conftest import CliResult
from tests.governance.moderation_support import store_files

__all__ = ["record_id"]  # a fixture, used by name

Cli = Callable[..., CliResult]


def _claim_at(data_dir: Path, at: datetime) -> None:
    """A claim on the record by this very process (so it runs), made at ``at``."""
    claim = new_claim("anna", at).to_doc()
    assert claim["pid"] == os.getpid()
    _edit_record(data_dir, lambda doc: doc.update(sending=claim))


def test_a_claim_from_the_future_does_not_name_its_time_as_when_a_mail_went(
    cli: Cli, data_dir: Path, record_id: str
) -> None:
    ahead = datetime.now(UTC) + timedelta(hours=3)  # the clock was set back since the claim
    _claim_at(data_dir, ahead)
    before = store_files(data_dir)

    result = cli("moderation", "register", record_id)

    assert result.code == 2 and "Traceback" not in result.err
    assert "avslutades aldrig, så ett mejl kan ha gått till diariet vid en okänd tid" in result.err
    shown = ahead.astimezone(STOCKHOLM).isoformat(timespec="seconds")
    assert f"anspråkets tid {shown} ligger efter den här datorns klocka" in result.err
    assert f"diariet {shown}." not in result.err
    assert store_files(data_dir) == before


def test_a_live_claim_says_when_it_will_count_as_unfinished(
    cli: Cli, data_dir: Path, record_id: str
) -> None:
    at = datetime.now(UTC) - timedelta(minutes=2)
    _claim_at(data_dir, at)
    before = store_files(data_dir)

    result = cli("moderation", "register", record_id)

    assert result.code == 2
    until = (at + STALE_AFTER).astimezone(STOCKHOLM)
    assert f"räknas som avbruten efter {until:%H:%M})" in result.err
    assert "Ingenting skickades" in result.err
    assert store_files(data_dir) == before


def test_a_past_claim_names_its_time_in_both_languages() -> None:
    now = datetime(2026, 11, 29, 14, 0, tzinfo=UTC)
    claim = new_claim("anna", now - timedelta(minutes=30))
    params = claim_params(claim, now)
    shown = params["at"]
    sv = t("mail_claims.packets.unfinished", department="Kultur", quarter="2026Q4", **params)
    assert f"så ett mejl kan ha gått ut {shown}. Fråga" in sv
    ahead = claim_params(new_claim("anna", now + timedelta(minutes=30)), now)
    assert "vid en okänd tid" in t("mail_claims.packets.taken_over", department="K", **ahead)
