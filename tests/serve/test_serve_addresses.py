"""``serve`` accepts the unambiguous spellings of this machine, refuses the doubtful ones as
unrecognised (never as "reachable from other machines"), and refuses a malformed --public-url
with a message, never a traceback."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.conftest import CliResult
from tests.serve.support import free_port

Cli = Callable[..., CliResult]
EXPOSED = "gör appen nåbar från andra datorer"


@pytest.mark.parametrize(
    ("host", "bound"),
    [("[::1]", "::1"), ("::1", "::1"), ("::ffff:127.0.0.1", "::ffff:127.0.0.1"),
     ("127.0.0.1", "127.0.0.1"), ("127.45.6.7", "127.45.6.7"), ("LOCALHOST", "localhost"),
     ("localhost.", "localhost"), ("Localhost", "localhost")],
)
def test_loopback_spellings_are_accepted(cli: Cli, host: str, bound: str) -> None:
    port = free_port()
    done = cli("serve", "--host", host, "--port", str(port), "--check")
    assert done.code == 0, done
    assert EXPOSED not in done.err and "Traceback" not in done.err
    assert f"{bound}:{port}" in done.out  # bound without brackets, in one spelling


@pytest.mark.parametrize("host", ["127.1", "0x7f000001", "localhost.localdomain", "LOCALHOST.x"])
def test_doubtful_spellings_are_refused_as_unrecognised(cli: Cli, host: str) -> None:
    done = cli("serve", "--host", host, "--port", str(free_port()), "--check")
    assert done.code == 2, done
    assert f"--host {host} känns inte igen som den här datorn" in done.err
    assert "Använd 127.0.0.1 eller localhost" in done.err
    assert EXPOSED not in done.err and "Traceback" not in done.err


def test_a_doubtful_public_url_host_is_refused_as_unrecognised(cli: Cli) -> None:
    done = cli("serve", "--public-url", "http://127.1:8000", "--check")
    assert done.code == 2
    assert "--public-url 127.1 känns inte igen som den här datorn" in done.err


def test_a_public_url_with_surrounding_spaces_is_refused_not_trimmed(cli: Cli) -> None:
    done = cli("serve", "--public-url", " http://127.0.0.1:8000 ", "--check")
    assert done.code == 2
    assert "innehåller mellanslag eller styrtecken" in done.err
    assert "Traceback" not in done.err


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:99999", "http://127.0.0.1:abc", "http://::1:8000", "http://[::1",
     "http://[::1]]:80", "http://[v1.x]:80", "http://127.0.0.1:0", "http://127.0.0.1:８０",
     "http://exa\tmple.se", "http://x\x00y", "http://user@127.0.0.1"],
)
def test_malformed_public_urls_are_refused_with_a_message(cli: Cli, url: str) -> None:
    done = cli("serve", "--public-url", url, "--check")
    assert done.code == 2, done
    assert "--public-url" in done.err and "Traceback" not in done.err


@pytest.mark.parametrize("url", ["http://[::1]:8000", "http://localhost.:8000",
                                 "http://[::ffff:127.0.0.1]:9000"])
def test_loopback_public_urls_are_accepted(cli: Cli, url: str) -> None:
    done = cli("serve", "--public-url", url, "--check")
    assert done.code == 0, done


@pytest.mark.parametrize(
    ("url", "origin"),
    [("https://kontokoll.hälsingborg.se", "https://kontokoll.xn--hlsingborg-q5a.se"),
     ("https://Kontokoll.HÄLSINGBORG.se:8443/", "https://kontokoll.xn--hlsingborg-q5a.se:8443"),
     ("https://kontokoll.straße.de", "https://kontokoll.xn--strae-oqa.de")],  # (not "strasse")
)
def test_an_international_host_name_is_the_origin_browsers_send(url: str, origin: str) -> None:
    """Browsers send an IDN host in its ASCII form (punycode) in ``Origin``: so is it kept."""
    from kontokoll.serving.options import public_url

    assert public_url(url) == origin


def test_an_international_host_name_that_cannot_be_one_is_refused(cli: Cli) -> None:
    done = cli("serve", "--public-url", "https://a..hälsingborg.se", "--check")
    assert done.code == 2 and "--public-url ”https://a..hälsingborg.se”" in done.err
    assert "Traceback" not in done.err
