"""Which TLS context a connection lane gets: CA certificates are loaded once, and only for https.

Loading them costs ~40 ms of CPU; a sync against plain-http origins (the emulation) never needs
them. The verification itself over real TLS is tested in test_http_network.py.
"""

from __future__ import annotations

import ssl
from typing import Any

import httpx
import pytest

from governance.platforms.session import HttpSession, open_http
from tests.platforms.test_http_network import HEADERS, echo, run, serving


def _counted(monkeypatch: pytest.MonkeyPatch) -> list[ssl.SSLContext]:
    made: list[ssl.SSLContext] = []
    create = httpx.create_ssl_context

    def counting(*args: Any, **kwargs: Any) -> ssl.SSLContext:
        made.append(create(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(httpx, "create_ssl_context", counting)
    return made


def test_plain_http_requests_load_no_certificates(monkeypatch: pytest.MonkeyPatch) -> None:
    made = _counted(monkeypatch)

    async def scenario() -> list[int]:
        async with serving(echo) as (_, base), open_http() as opened:
            assert isinstance(opened, HttpSession)
            return [(await opened.get(f"{base}/v1/me", {"n": i}, HEADERS, 5))[0]
                    for i in range(3)]

    assert run(scenario()) == [200, 200, 200]
    assert made == []


def test_an_https_origin_gets_the_trusted_certificates_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    made = _counted(monkeypatch)
    session = HttpSession(None, connections=2)
    first = session._tls(httpx.URL("https://graph.facebook.com/v21.0/me"))
    second = session._tls(httpx.URL("https://api.x.com/2/users/me"))
    assert first is second is made[0]
    assert len(made) == 1
    assert first.verify_mode == ssl.CERT_REQUIRED and first.check_hostname


def test_a_plain_http_lanes_context_would_refuse_any_certificate(
        monkeypatch: pytest.MonkeyPatch) -> None:
    made = _counted(monkeypatch)
    context = HttpSession(None, connections=1)._tls(httpx.URL("http://127.0.0.1:8000/"))
    # Never used for a plain-http origin; were it ever used, it would verify and trust no one.
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert context.cert_store_stats()["x509_ca"] == 0
    assert made == []
