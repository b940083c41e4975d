"""``kontokoll sync`` end to end against the emulation, and the token-leak test."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from governance.emulation import Fault, base_urls, build_emulation
from governance.platforms import PlatformSource, Settings, load_settings
from governance.register import Register
from governance.store import Store
from kontokoll.cli.context import CliContext
from kontokoll.cli.main import main
from tests.platforms.conftest import HANGS, NEVER_S, PROFILES

SECRET = {p: f"LEAK-{p}-7f3a9c2e41" for p in ("facebook", "instagram", "linkedin", "x", "youtube")}
ENV = {"facebook": "KONTOKOLL_FACEBOOK_TOKEN", "instagram": "KONTOKOLL_INSTAGRAM_TOKEN",
       "linkedin": "KONTOKOLL_LINKEDIN_TOKEN", "x": "KONTOKOLL_X_TOKEN",
       "youtube": "KONTOKOLL_YOUTUBE_KEY"}


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    import keyring
    from keyring.errors import NoKeyringError

    def no_keyring(service: str, name: str) -> str | None:
        raise NoKeyringError("no backend in tests")

    monkeypatch.setattr(keyring, "get_password", no_keyring)
    for platform, name in ENV.items():
        monkeypatch.setenv(name, SECRET[platform])
    # https: a plain http:// base goes only to this machine (the emulation is in-process).
    for platform, url in base_urls("https://emulation").items():
        monkeypatch.setenv(f"KONTOKOLL_{platform.upper()}_BASE_URL", url)
    directory = tmp_path / "data"
    register = Register(Store(directory))
    for profile in PROFILES:
        register.create_account({"platform": profile.platform, "handle": profile.handle,
                                 "department": "Kulturförvaltningen",
                                 "platform_id": profile.platform_id})
    return directory


class Emulated:
    """``kontokoll`` whose sync reads the emulation (tokens and bases still from the
    environment, as in production), through the CLI's context."""

    def __init__(self, faults: list[Fault] | None = None, settings: Settings | None = None) -> None:
        self.app = build_emulation(PROFILES, now=datetime.now(UTC), tokens=SECRET,
                                   faults=faults, hang_s=NEVER_S)
        self.settings = settings

    def context(self, data_dir: Path) -> CliContext:
        return CliContext(data_dir, sync_source=lambda: PlatformSource(
            transport=httpx.ASGITransport(app=self.app), settings=self.settings))

    def main(self, argv: Sequence[str]) -> int:
        return main(argv, context=self.context)


def test_sync_prints_a_table_and_exits_zero(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kontokoll = Emulated()
    assert kontokoll.main(["--data-dir", str(data_dir), "sync"]) == 0
    out, err = capsys.readouterr()
    assert "Plattform" in out and "anrop" in out
    assert "facebook" in out and "youtube" in out and "Totalt" in out
    assert "[5/5]" in err  # piped: one plain line per account, no bar


def test_sync_shows_what_it_cost_against_each_quota(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kontokoll = Emulated()
    assert kontokoll.main(["--data-dir", str(data_dir), "--lang", "en", "sync"]) == 0
    out = capsys.readouterr().out
    youtube_requests = kontokoll.app.served["youtube"]
    quota = out[out.index("Quotas (what the sync cost):"):]
    # YouTube: 1 unit per call made, of the default 10,000 a day.
    assert f"youtube: {youtube_requests} units of 10,000 a day" in quota
    # X: the posts its timeline, mentions and the newest-post expansion returned.
    read = re.search(r"x: (\d+) posts read \(the cap is 3,000,000 a month\)", quota)
    assert read is not None and int(read[1]) > 0
    # Meta: the emulation reports 3 % in X-App-Usage; the Graph calls rode in batch requests.
    assert "facebook: at most 3 % of Meta's call limits used" in quota
    assert "instagram: at most 3 % of Meta's call limits used" in quota
    calls = re.search(r"facebook: (\d+) calls in (\d+) HTTP requests", quota)
    assert calls is not None and int(calls[2]) == kontokoll.app.served["facebook"]
    assert int(calls[1]) > int(calls[2])
    assert "linkedin: LinkedIn does not report what is left" in quota
    # Re-run at once: LinkedIn is not asked again within the hour; still no figure is 0-faked.
    assert kontokoll.main(["--data-dir", str(data_dir), "--lang", "en", "sync"]) == 0
    again = capsys.readouterr().out
    assert "linkedin: 0 calls in 0 HTTP requests" in again


def test_one_failed_account_means_a_non_zero_exit(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kontokoll = Emulated([Fault("html", "instagram")])
    assert kontokoll.main(["--data-dir", str(data_dir), "--lang", "en", "sync"]) == 1
    out, _ = capsys.readouterr()
    assert "instagram:helsingborg: malformed-response" in out


def test_platform_and_account_filters(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kontokoll = Emulated()
    assert kontokoll.main(["--data-dir", str(data_dir), "sync", "--platform", "x"]) == 0
    assert kontokoll.main(["--data-dir", str(data_dir), "sync", "--account",
                           "linkedin:helsingborgs-stad", "--since", "2026-01"]) == 0
    err = capsys.readouterr().err
    assert "[1/1] x:hbgstad: ok" in err and "[1/1] linkedin:helsingborgs-stad: ok" in err
    assert kontokoll.main(["--data-dir", str(data_dir), "sync", "--since", "2026-13"]) == 2


def test_no_token_ever_reaches_the_data_directory_logs_or_output(
    data_dir: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    # Millisecond backoff: the CLI sleeps for real, so keep the waits tiny. The timed-out request
    # never gets an answer (hang_s); the others come in milliseconds, far within the timeout.
    quick = replace(load_settings(), request_timeout_s=HANGS.request_timeout_s,
                    backoff_base_s=0.001, backoff_max_s=0.002)
    # Faults that make every kind of message: retries, a stopped platform, a malformed body.
    kontokoll = Emulated([Fault("server-error", "facebook", times=1),
                          Fault("token-expired", "linkedin"), Fault("truncated", "youtube"),
                          Fault("timeout", "x", times=1)], quick)
    kontokoll.main(["--data-dir", str(data_dir), "sync"])
    kontokoll.main(["--data-dir", str(data_dir), "sync", "--since", "2026-01"])
    out, err = capsys.readouterr()
    texts = {"stdout": out, "stderr": err, "logs": caplog.text}
    for path in data_dir.rglob("*"):
        if path.is_file():
            texts[str(path)] = path.read_bytes().decode("utf-8", "replace")
    assert any(str(p).endswith(".json") for p in data_dir.rglob("*"))
    assert "keyring set kontokoll linkedin" in out + err  # the renewal instructions showed
    for token in SECRET.values():
        for where, text in texts.items():
            assert token not in text, f"token leaked into {where}"


@pytest.mark.parametrize(("value", "words"), [
    ("http://[::1", "ingen giltig URL"),
    ("http://127.0.0.1:99999/", "porten ska vara ett tal från 1 till 65535"),
    ("not a url", "ingen giltig URL"),
    ("graph.example.org/v26.0", "ska börja med https://"),
    ("http://graph.example.org/v26.0", "okrypterad"),
    ("https://user:secret@graph.example.org/v26.0", "användarnamn eller lösenord"),
    ("https://graph.example.org/v26.0?debug=all", "frågedel"),
    ("https://graph.example.org/v26.0#top", "fragment"),
    ("https://graph.exa\x1bmple.org/v26.0", "ingen giltig URL"),
])
def test_a_base_url_the_clients_may_not_use_is_refused_before_any_request(
    data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    value: str, words: str,
) -> None:
    monkeypatch.setenv("KONTOKOLL_FACEBOOK_BASE_URL", value)
    before = {p: p.read_bytes() for p in data_dir.rglob("*") if p.is_file()}
    kontokoll = Emulated()
    assert kontokoll.main(["--data-dir", str(data_dir), "sync"]) == 2
    out, err = capsys.readouterr()
    assert "KONTOKOLL_FACEBOOK_BASE_URL" in err and words in err and "Inget har hämtats" in err
    assert "Traceback" not in out + err and "\x1b" not in err  # (the value is shown escaped)
    assert "Hämtar statistik" not in err  # refused before the sync started
    assert sum(kontokoll.app.served.values()) == 0  # no platform was asked anything
    assert {p: p.read_bytes() for p in data_dir.rglob("*") if p.is_file()} == before


def test_the_progress_counts_accounts_in_the_right_form(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kontokoll = Emulated()
    assert kontokoll.main(["--data-dir", str(data_dir), "sync", "--platform", "x"]) == 0
    assert "Hämtar statistik för 1 konto …" in capsys.readouterr().err
    assert kontokoll.main(["--data-dir", str(data_dir), "--lang", "en", "sync"]) == 0
    assert "Fetching stats for 5 accounts …" in capsys.readouterr().err
    assert kontokoll.main(["--data-dir", str(data_dir), "--lang", "en", "sync", "--account",
                           "x:hbgstad"]) == 0
    assert "Fetching stats for 1 account …" in capsys.readouterr().err
