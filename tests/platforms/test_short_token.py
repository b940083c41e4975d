"""A very short token does not garble what the sync shows and stores (X9b's finding 11).

``KONTOKOLL_INSTAGRAM_TOKEN=t`` once turned every "t" of the sync's output and stored reasons
into ``***`` ("ins***agram"), for good, and showed by where the stars fell what the token was.
A secret shorter than any real platform token is now removed only where it stands alone; a
token of real length still wherever it appears, glued to other text or not.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from governance.emulation import Fault, base_urls, build_emulation
from governance.platforms import PlatformSource
from governance.platforms.tokens import ANYWHERE_FROM, TOKEN_ENV, Redactor
from governance.register import Register
from governance.store import Store
from kontokoll.cli.context import CliContext
from kontokoll.cli.main import main
from tests.platforms.conftest import NEVER_S, PROFILES

#: Real-looking tokens for the other platforms; Instagram's is one letter.
TOKENS = {p: f"{p}-token-7f3a9c2e41d8b6" for p in TOKEN_ENV} | {"instagram": "t"}


def test_a_short_secret_is_removed_only_where_it_stands_alone() -> None:
    redact = Redactor(["t"])
    assert redact("unavailable: ConnectError (/instagram/me)") == \
        "unavailable: ConnectError (/instagram/me)"
    assert redact("GET /me?access_token=t&fields=id") == "GET /me?access_token=***&fields=id"
    assert redact("Authorization: Bearer t") == "Authorization: Bearer ***"
    assert redact("t") == "***"


def test_a_secret_of_real_length_is_removed_even_glued_to_other_text() -> None:
    token = "EAAB" + "x7" * (ANYWHERE_FROM // 2)
    redact = Redactor(["t", token])
    assert redact(f"echo:{token}xyz and J{token}") == "echo:***xyz and J***"
    # Longest first: a short secret inside a long one does not leave the rest of it behind.
    assert Redactor(["EAAB", token])(f"({token})") == "(***)"


def _registered(directory: Path) -> Store:
    store = Store(directory)
    register = Register(store)
    for profile in PROFILES:
        register.create_account({"platform": profile.platform, "handle": profile.handle,
                                 "department": "Kulturförvaltningen",
                                 "platform_id": profile.platform_id})
    return store


def test_a_one_letter_token_leaves_the_output_and_stored_reason_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import keyring
    from keyring.errors import NoKeyringError

    def no_keyring(service: str, name: str) -> str | None:
        raise NoKeyringError("no backend in tests")

    monkeypatch.setattr(keyring, "get_password", no_keyring)
    for platform, variable in TOKEN_ENV.items():
        monkeypatch.setenv(variable, TOKENS[platform])
    for platform, url in base_urls("https://emulation").items():
        monkeypatch.setenv(f"KONTOKOLL_{platform.upper()}_BASE_URL", url)
    store = _registered(tmp_path / "data")
    app = build_emulation(PROFILES, now=datetime.now(UTC), tokens=TOKENS,
                          faults=[Fault("html", "instagram")], hang_s=NEVER_S)

    def context(data_dir: Path) -> CliContext:
        return CliContext(data_dir, sync_source=lambda: PlatformSource(
            transport=httpx.ASGITransport(app=app)))

    code = main(["--data-dir", str(tmp_path / "data"), "--lang", "en", "sync"], context=context)
    out = capsys.readouterr().out
    assert code == 1
    assert "instagram:helsingborg: malformed-response: body is not JSON (/instagram/" in out
    [reason] = [o.reason for o in store.stats.outcomes().values() if not o.ok]
    assert reason.startswith("malformed-response: body is not JSON (/instagram/")
    assert "***" not in out + reason
    # The token did reach the emulation (so it was used, and the other accounts synced).
    assert sum(o.ok for o in store.stats.outcomes().values()) == len(PROFILES) - 1
