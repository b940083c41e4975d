"""``kontokoll sync`` end to end against the emulation, and the token-leak test."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from governance.emulation import Fault, base_urls, build_emulation
from governance.register import Register
from governance.store import Store
from kontokoll.cli import sync as sync_cli
from kontokoll.cli.main import main
from tests.platforms.conftest import PROFILES

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
    for platform, url in base_urls().items():
        monkeypatch.setenv(f"KONTOKOLL_{platform.upper()}_BASE_URL", url)
    directory = tmp_path / "data"
    register = Register(Store(directory))
    for profile in PROFILES:
        register.create_account({"platform": profile.platform, "handle": profile.handle,
                                 "department": "Kulturförvaltningen",
                                 "platform_id": profile.platform_id})
    return directory


def mount(monkeypatch: pytest.MonkeyPatch, faults: list[Fault] | None = None) -> None:
    app = build_emulation(PROFILES, now=datetime.now(UTC), tokens=SECRET, faults=faults,
                          hang_s=2.0)
    monkeypatch.setattr(sync_cli, "transport_override", httpx.ASGITransport(app=app))


def test_sync_prints_a_table_and_exits_zero(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    mount(monkeypatch)
    assert main(["--data-dir", str(data_dir), "sync"]) == 0
    out, err = capsys.readouterr()
    assert "Plattform" in out and "anrop" in out
    assert "facebook" in out and "youtube" in out and "Totalt" in out
    assert "[5/5]" in err  # piped: one plain line per account, no bar


def test_one_failed_account_means_a_non_zero_exit(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    mount(monkeypatch, [Fault("html", "instagram")])
    assert main(["--data-dir", str(data_dir), "--lang", "en", "sync"]) == 1
    out, _ = capsys.readouterr()
    assert "instagram:helsingborg: malformed-response" in out


def test_platform_and_account_filters(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    mount(monkeypatch)
    assert main(["--data-dir", str(data_dir), "sync", "--platform", "x"]) == 0
    assert main(["--data-dir", str(data_dir), "sync", "--account", "linkedin:helsingborgs-stad",
                 "--since", "2026-01"]) == 0
    err = capsys.readouterr().err
    assert "[1/1] x:hbgstad: ok" in err and "[1/1] linkedin:helsingborgs-stad: ok" in err
    assert main(["--data-dir", str(data_dir), "sync", "--since", "2026-13"]) == 2


def test_no_token_ever_reaches_the_data_directory_logs_or_output(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    # Faults that make every kind of message: retries, a stopped platform, a malformed body.
    mount(monkeypatch, [Fault("server-error", "facebook", times=1),
                        Fault("token-expired", "linkedin"), Fault("truncated", "youtube"),
                        Fault("timeout", "x", times=1)])
    from dataclasses import replace

    import governance.sync
    from governance.platforms import load_settings

    # Millisecond timeouts and backoff: the CLI sleeps for real, so keep the waits tiny.
    monkeypatch.setattr(governance.sync, "load_settings", lambda: replace(
        load_settings(), request_timeout_s=0.05, backoff_base_s=0.001, backoff_max_s=0.002))
    main(["--data-dir", str(data_dir), "sync"])
    main(["--data-dir", str(data_dir), "sync", "--since", "2026-01"])
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
