"""``kontokoll serve`` refuses to start when the identity would not be safe, and ``--check`` says
what a person would get, before anything listens."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from governance import session_proof
from tests.serve.support import HEADER, seed, write_secret

Cli = Callable[..., Any]


@pytest.fixture(autouse=True)
def own_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


def _proxy(secret: Path, *extra: str) -> list[str]:
    return ["serve", "--auth-header", HEADER, "--trusted-proxy", "127.0.0.1",
            "--proxy-secret-file", str(secret), "--public-url", "https://kontokoll.example.se",
            *extra]


def test_check_tells_what_a_person_would_get_and_creates_nothing(
    cli: Cli, data_dir: Path, tmp_path: Path
) -> None:
    seed(data_dir)
    secret, _ = write_secret(tmp_path, 0o640)
    done = cli(*_proxy(secret, "--check", "--host", "0.0.0.0"))
    assert done.code == 0, done.err
    for text in ("Lyssnar på: 0.0.0.0:8000",
                 "rubriken X-Forwarded-User från proxyn på 127.0.0.1/32",
                 f"Datakatalog: {data_dir} (0700", "VARNING: lyssnar på 0.0.0.0",
                 "VARNING: proxyhemligheten", "Servern skulle starta så här.",
                 "Sessionernas appar: förgrenas från en startprocess"):
        assert text in done.out
    assert not session_proof.key_path().exists()
    plain = cli("serve", "--check")
    assert plain.code == 0 and "ingen inloggning" in plain.out and "alla sessioner är kontot" in (
        plain.out)


def test_check_and_serve_refuse_a_proxy_without_users(cli: Cli, data_dir: Path, tmp_path: Path
                                                     ) -> None:
    secret, _ = write_secret(tmp_path)
    check = cli(*_proxy(secret, "--check"))
    assert check.code == 1 and "STARTAR INTE" in check.out and "inga användare" in check.out
    served = cli(*_proxy(secret))
    assert served.code == 2 and "inga användare" in served.err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["serve", "--auth-header", HEADER, "--public-url", "https://k.se"], "--trusted-proxy"),
        (["serve", "--trusted-proxy", "127.0.0.1"], "bara tillsammans med --auth-header"),
        (["serve", "--auth-header", HEADER, "--socket", "/tmp/x.sock"], "--public-url"),
        (["serve", "--auth-header", "X Bad", "--socket", "/tmp/x.sock", "--public-url",
          "https://k.se"], "inget rubriknamn"),
        (["serve", "--auth-header", HEADER, "--socket", "/tmp/x.sock", "--public-url",
          "https://k.se/app"], "utan sökväg"),
        (["serve", "--idle-minutes", "0"], "--idle-minutes"),
    ],
)
def test_incomplete_or_bad_options_are_refused_with_a_message(
    cli: Cli, args: list[str], message: str
) -> None:
    done = cli(*args)
    assert done.code == 2 and message in done.err and "Traceback" not in done.err


def test_a_secret_file_others_can_read_or_a_link_or_a_short_one_is_refused(
    cli: Cli, data_dir: Path, tmp_path: Path
) -> None:
    seed(data_dir)
    secret, _ = write_secret(tmp_path, 0o644)
    done = cli(*_proxy(secret))
    assert done.code == 2 and "läsbar för andra (läge 644)" in done.err
    secret.chmod(0o600)
    link = tmp_path / "link"
    link.symlink_to(secret)
    assert "länk" in cli(*_proxy(link)).err
    secret.write_text("kort\n")
    assert "minst 16 tecken" in cli(*_proxy(secret)).err
    assert not session_proof.key_path().exists()  # nothing started, no key made


def test_an_email_login_is_a_user_and_is_not_forgotten_while_it_is_one(
    cli: Cli, data_dir: Path
) -> None:
    seed(data_dir)  # adds the lead anna.berg@helsingborg.se
    assert "anna.berg@helsingborg.se" in cli("users", "list").out
    assert cli("editors", "add", "facebook:miljo", "Anna Berg <anna.berg@helsingborg.se>").code == 0
    refused = cli("editors", "forget", "Anna.Berg@helsingborg.se")
    assert refused.code == 2 and "Ta först bort användaren" in refused.err
    assert "anna.berg@helsingborg.se" in cli("editors", "list", "facebook:miljo").out
    assert cli("users", "remove", "anna.berg@helsingborg.se").code == 0
    assert cli("editors", "forget", "anna.berg@helsingborg.se").code == 0
    assert "anna.berg" not in cli("editors", "list", "facebook:miljo").out


@pytest.mark.parametrize("option", ["--access-log", "--socket"])
def test_the_servers_own_files_are_never_in_the_data_directory(
    cli: Cli, data_dir: Path, option: str
) -> None:
    """Anyone who reaches the port writes a refusal line into the access log: pointed at the
    change log it would corrupt it (and its rotation would move it away)."""
    data_dir.mkdir(exist_ok=True)
    target = data_dir / "log" / "changes.jsonl"
    # (a socket serves a proxy: without its login header the server is refused anyway)
    url = ["--public-url", "https://kontokoll.example.se", "--auth-header", "X-Forwarded-User"
           ] if option == "--socket" else []
    for extra in (["--check"], []):
        done = cli("serve", option, str(target), *url, *extra)
        assert done.code == 2 and "datamappen" in done.err and "Traceback" not in done.err
    assert not target.exists()


@pytest.mark.parametrize("port", ["70000", "-1", "0"])
def test_a_port_out_of_range_is_a_usage_error_not_a_traceback_from_bind(
    cli: Cli, port: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        cli("serve", "--port", port, "--check")
    assert stopped.value.code == 2 and "--port" in capsys.readouterr().err
