"""A demo store syncs only from the in-repo emulation, whoever asks and whatever is configured.

The demo's accounts are fictional; a sync of them against the real platforms would send the
city's tokens and made-up ids there. Here every platform's token is set and every base URL points
at a logging server on 127.0.0.1 (standing in for the real APIs): a store with the demo's marker
sends it nothing, by the CLI or the app, and its figures come from the emulation; the same store
without the marker does reach it, with the token (so the logger would see a leak).
"""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from governance.platforms import PlatformSource
from governance.register import Register
from governance.store import Store
from governance.sync_source import DEMO_MARKER, is_demo_store
from kontokoll.cli.context import CliContext
from kontokoll.cli.main import main
from screens.services import Services
from tests.platforms.conftest import PROFILES

TOKEN = "SECRET-TOKEN-123"
TOKEN_VARIABLES = ("KONTOKOLL_FACEBOOK_TOKEN", "KONTOKOLL_INSTAGRAM_TOKEN",
                   "KONTOKOLL_LINKEDIN_TOKEN", "KONTOKOLL_X_TOKEN", "KONTOKOLL_YOUTUBE_KEY")


@dataclass
class Logger:
    """An HTTP server that records every request (method, path, Authorization) and fails it."""

    url: str
    seen: list[tuple[str, str, str]] = field(default_factory=list)


@pytest.fixture
def logger() -> Iterator[Logger]:
    seen: list[tuple[str, str, str]] = []

    class Record(http.server.BaseHTTPRequestHandler):
        def _any(self) -> None:
            seen.append((self.command, self.path, self.headers.get("Authorization", "")))
            self.send_response(403)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_POST = _any

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Record)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Logger(f"http://127.0.0.1:{server.server_address[1]}", seen)
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def demo_store(tmp_path: Path, logger: Logger, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Five accounts with platform ids, the demo's marker, and production settings that point
    every platform at the logger with a real-looking token."""
    import keyring
    from keyring.errors import NoKeyringError

    def no_keyring(service: str, name: str) -> str | None:
        raise NoKeyringError("no backend in tests")

    monkeypatch.setattr(keyring, "get_password", no_keyring)
    for name in TOKEN_VARIABLES:
        monkeypatch.setenv(name, TOKEN)
    for profile in PROFILES:
        monkeypatch.setenv(f"KONTOKOLL_{profile.platform.upper()}_BASE_URL", logger.url + "/v1")
    directory = tmp_path / "demo"
    store = Store(directory)
    try:
        register = Register(store)
        for profile in PROFILES:
            register.create_account({"platform": profile.platform, "handle": profile.handle,
                                     "department": "Kulturförvaltningen",
                                     "platform_id": profile.platform_id})
    finally:
        store.close()
    (directory / DEMO_MARKER).write_text("5\n", encoding="ascii")
    return directory


def _synced_months(directory: Path) -> dict[str, int]:
    """Per account (``PLATFORM:HANDLE``), how many months of figures the store holds."""
    store = Store(directory)
    try:
        accounts = Register(store).accounts()
        return {a.ref: len(store.stats.for_account(a.id)) for a in accounts}
    finally:
        store.close()


def test_the_cli_sync_of_a_demo_store_reads_the_emulation_and_nothing_else(
    demo_store: Path, logger: Logger, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--data-dir", str(demo_store), "sync"]) == 0
    assert logger.seen == []
    months = _synced_months(demo_store)
    assert len(months) == len(PROFILES) and all(months.values())
    assert "Totalt" in capsys.readouterr().out


def test_a_caller_cannot_point_a_demo_stores_sync_elsewhere(
    demo_store: Path, logger: Logger
) -> None:
    """A front end that asks for the platforms outright (with a token and the logger's address)
    still gets the emulation for a demo store."""
    asked = PlatformSource(tokens=dict.fromkeys(("facebook", "x"), TOKEN),
                           base_urls={p.platform: logger.url for p in PROFILES})

    def context(data_dir: Path) -> CliContext:
        return CliContext(data_dir, sync_source=lambda: asked)

    assert main(["--data-dir", str(demo_store), "sync", "--platform", "facebook"],
                context=context) == 0
    assert logger.seen == []
    assert _synced_months(demo_store)["facebook:helsingborgsstad"] > 0


def test_the_apps_sync_of_a_demo_store_opened_as_any_store_reads_the_emulation(
    demo_store: Path, logger: Logger
) -> None:
    """As a served session opens it: ``kontokoll --data-dir DEMO`` (no demo flag)."""
    services = Services(demo_store, demo=False)
    try:
        result = services.sync()
    finally:
        services.close()
    assert logger.seen == []
    assert result.failed == 0 and result.requests > 0
    assert all(_synced_months(demo_store).values())


def test_without_the_marker_the_same_sync_does_reach_the_platforms_with_the_token(
    demo_store: Path, logger: Logger
) -> None:
    """The control: the logger sees what a real platform would (so the tests above could fail)."""
    (demo_store / DEMO_MARKER).unlink()
    assert not is_demo_store(demo_store)
    assert main(["--data-dir", str(demo_store), "sync", "--platform", "x"]) == 1
    assert logger.seen and all(auth == f"Bearer {TOKEN}" for _, _, auth in logger.seen)
    assert _synced_months(demo_store)["x:hbgstad"] == 0


def test_any_entry_named_like_the_marker_makes_the_store_a_demo(tmp_path: Path) -> None:
    """Taking a demo for a real store is the costly mistake: a link or a folder counts too."""
    assert not is_demo_store(tmp_path)
    (tmp_path / DEMO_MARKER).symlink_to(tmp_path / "nowhere")
    assert is_demo_store(tmp_path)


def test_the_demo_build_marks_its_store_with_the_file_the_sync_reads() -> None:
    from kontokoll.demo_setup import VERSION_FILE

    assert VERSION_FILE == DEMO_MARKER
