"""A platform's answer that names an account with control or bidi characters (X9's finding).

An id or username the sync reads ends in the register, the audit's messages and its exports. No
platform allows ESC, a bidi override or a zero-width character in either, so an answer that
holds one fails that account's sync as malformed, naming the field, and nothing of it is kept.
Whatever an older Kontokoll may have stored already, no CSV export carries it raw.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from governance.emulation import AccountProfile, build_emulation
from governance.identity_check import Identities
from governance.monthly import SyncOutcome
from governance.register import Register
from governance.store import Store
from governance.sync_service import SyncService
from kontokoll.cli.main import main
from tests.platforms.conftest import NOW, PROFILES, World, emulated

MakeWorld = Callable[..., World]
HOSTILE = '=HYPERLINK("http://e")\u202eur\x1b[31m'
RAW = ("\x1b", "\u202e")
#: The field each platform's username comes in.
FIELDS = {"facebook": "page.username", "instagram": "user.username",
          "linkedin": "organization.vanityName", "x": "user.data.username",
          "youtube": "snippet.customUrl"}


def _profile(platform: str) -> AccountProfile:
    return next(p for p in PROFILES if p.platform == platform)


@pytest.mark.parametrize("platform", list(FIELDS))
def test_a_username_with_control_characters_fails_the_account_naming_the_field(
    world: MakeWorld, platform: str
) -> None:
    w = world([_profile(platform)])
    assert not w.sync().failed
    stored = dict(w.sink.months)
    w.app.rename(platform, _profile(platform).handle, HOSTILE)
    report = w.sync(now=NOW + timedelta(days=8))  # a lookup by handle is due too
    [outcome] = report.outcomes
    assert not outcome.ok and outcome.identity is None
    assert outcome.reason.startswith("malformed-response: control or invisible character \\u202e")
    assert FIELDS[platform] in outcome.reason
    assert not any(char in outcome.reason for char in RAW)
    assert w.sink.months == stored  # nothing of the answer was kept


def test_an_id_with_a_bidi_override_fails_the_account(world: MakeWorld) -> None:
    profile = AccountProfile("facebook", "9100\u202e1", "kultur")
    w = world([profile])
    w.accounts[0].platform_id = ""  # read by handle: the id comes from the answer
    [outcome] = w.sync().outcomes
    assert not outcome.ok and outcome.identity is None
    assert "\\u202e at id (position 5)" in outcome.reason
    assert w.sink.months == {}


def test_a_platforms_error_code_is_stored_and_shown_escaped(world: MakeWorld) -> None:
    from governance.platforms.tokens import Redactor

    token = "EAAB-s3cr3t-7f3a9c2e41d8"  # (of real length: removed even glued to "J")
    assert Redactor([token])(f"Graph error \x1b[2J{token}\u202e") == \
        "Graph error \\x1b[2J***\\u202e"


def test_the_register_keeps_nothing_of_a_hostile_username(tmp_path: Path) -> None:
    store = Store(tmp_path / "data")
    register = Register(store)
    profile = _profile("x")
    register.create_account({"platform": "x", "handle": profile.handle,
                             "department": "Kulturförvaltningen",
                             "platform_id": profile.platform_id})
    app = build_emulation([profile], now=NOW)
    app.rename("x", profile.handle, HOSTILE)
    later = NOW + timedelta(days=8)
    report = SyncService(store, source=emulated(app), clock=lambda: later).sync(
        register.accounts())
    assert report.failed
    account = Register(store).account(f"x:{profile.handle}")
    assert account.observed_handle == "" and account.identity_mismatch == ""


def test_a_findings_csv_never_carries_a_raw_control_or_bidi_character(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A username an older Kontokoll stored raw still reaches the audit's handle-changed
    message: the CSV writer shows it escaped (the markdown export and the CLI already did)."""
    data_dir = tmp_path / "data"
    store = Store(data_dir)
    register = Register(store)
    register.add_department("Kulturförvaltningen")
    account = register.create_account({"platform": "facebook", "handle": "kultur",
                                       "department": "Kulturförvaltningen",
                                       "purpose": "Information", "platform_id": "9100"})
    older = {"id": "9100", "username": HOSTILE.lower(), "handle_id": None}
    Identities(store, clock=lambda: NOW).record(
        [SyncOutcome(account.id, "facebook", True, "ok", NOW, 1, {}, older)])
    assert Register(store).account("facebook:kultur").observed_handle == HOSTILE.lower()
    assert main(["--data-dir", str(data_dir), "audit", "run"]) == 0
    target = tmp_path / "fynd.csv"
    assert main(["--data-dir", str(data_dir), "audit", "export", "--output", str(target)]) == 0
    capsys.readouterr()
    text = target.read_bytes().decode("utf-8-sig")
    [line] = [row for row in text.splitlines() if "handle-changed" in row]
    assert "\\u202eur\\x1b[31m" in line
    assert not any(char in text for char in RAW)


def test_every_csv_export_shows_control_and_bidi_characters_escaped() -> None:
    from governance.csvio import render_csv

    rows = [["facebook", HOSTILE, "två\nstycken\tmed tabb", "\u200bnoll\u2066bredd"]]
    text = render_csv(["plattform", "handtag", "syfte", "not"], rows).decode("utf-8-sig")
    assert "'=HYPERLINK(\"\"http://e\"\")\\u202eur\\x1b[31m" in text  # inert and visible
    assert '"två\nstycken\tmed tabb"' in text  # a multi-line field keeps its lines and tabs
    assert "\\u200bnoll\\u2066bredd" in text
    assert not any(char in text for char in (*RAW, "\u200b", "\u2066"))
