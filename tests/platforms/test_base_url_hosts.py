"""Hostile host names in ``KONTOKOLL_<PLATFORM>_BASE_URL`` (X9b's findings 5 and 8).

httpx parses ``https://xn--/`` but raises idna's own error (not InvalidURL) when something reads
``url.host``, which the base URL check, the loopback check, the proxy lookup and every request
do. A base is checked once, before any request, so the check must refuse what a later reader
would choke on: here random hosts of A-labels, dots and Unicode go through the check, and every
base it takes goes through every reader of its host.
"""

from __future__ import annotations

import asyncio
import random
import string

import httpx
import pytest

from governance.errors import InputError
from governance.i18n import set_language
from governance.platforms import load_settings, open_http
from governance.platforms.scope import BaseScope, shown_url
from governance.platforms.session import _environment_proxy

VARIABLE = "KONTOKOLL_FACEBOOK_BASE_URL"
#: Labels a careless user or an attacker might write; a host starts with one of the first seven
#: (httpx decodes the whole host only when its first label is an A-label).
LABELS = ("xn--", "xn--a", "xn--zz-", "xn---", "xn--exmple-cua", "graph", "ä", "xn--xn--",
          "xn--80a", "XN--A", "xn--ls8h", "xn--a-", "xn--\u00e4", "xn--%41", "a", "-a-", "a_b",
          "ß", "\u200b", "ｌｏｃａｌｈｏｓｔ", "localhost", "127", "0", "", "a" * 64, "\u0661", "ⓐ",
          "\ufb01")
SEPARATORS = (".", ".", ".", "\u3002", "\uff0e", "..")


def _random_label(rng: random.Random) -> str:
    if rng.random() < 0.7:
        return rng.choice(LABELS)
    prefix = "xn--" if rng.random() < 0.6 else ""
    alphabet = string.ascii_lowercase + string.digits + "-" + "äöå\u0301\u202e\u00ad"
    return prefix + "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))


def _random_base(rng: random.Random) -> str:
    host = rng.choice(LABELS[:7])
    for _ in range(rng.randint(0, 3)):
        host += rng.choice(SEPARATORS) + _random_label(rng)
    if rng.random() < 0.3:
        host = _random_label(rng) + "." + host
    scheme = rng.choice(("https", "https", "http"))
    port = rng.choice(("", "", ":443", ":8080"))
    return f"{scheme}://{host}{port}/v26.0"


async def _request_to(base: str) -> str:
    """The path a request under ``base`` reaches (httpx reads the host to build it)."""
    seen: list[httpx.URL] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        return httpx.Response(200, json={})

    async with open_http(httpx.MockTransport(handler)) as session:
        await session.get(f"{base}/me", None, httpx.Headers(), 5.0)  # type: ignore[attr-defined]
    return seen[0].path


def _every_reader_takes(base: str) -> None:
    """Read the host of an accepted base the ways the clients do; none may raise."""
    url = httpx.URL(base)
    assert isinstance(url.host, str) and url.host
    scope = BaseScope.of(base)
    assert scope.holds(httpx.URL(f"{base}/me"))
    assert shown_url(url).startswith(url.scheme + "://")
    _environment_proxy(url)
    assert asyncio.run(_request_to(base)).endswith("/v26.0/me")


@pytest.mark.parametrize("seed", range(4))
def test_no_hostile_host_gets_past_the_check_to_raise_later(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_language("en")
    # A proxy in the environment makes the proxy lookup read the host too.
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:3128")
    monkeypatch.setenv("NO_PROXY", "intranet.example")
    rng = random.Random(seed)
    taken = refused = 0
    for _ in range(600):
        value = _random_base(rng)
        try:
            base = load_settings({VARIABLE: value}).base_url("facebook")
        except InputError as error:
            assert str(error).startswith(f"{VARIABLE} = "), value
            refused += 1
            continue
        _every_reader_takes(base)
        taken += 1
    # Both sides were reached: the fuzz is not all refusals, nor all valid hosts.
    assert taken > 20 and refused > 100


@pytest.mark.parametrize("value", [
    "https://xn--/", "https://xn--a/", "https://xn--zz-.se/", "https://xn--a-/x",
    "https://graph.xn--zz-.se/v26.0", "https://xn--exmple-cua.a_b.se/x", "http://xn--/x",
    "https://XN--/x", "https://xn--%41/x",
])
def test_a_malformed_a_label_is_refused_with_the_usual_message(value: str) -> None:
    set_language("en")
    with pytest.raises(InputError) as refused:
        load_settings({VARIABLE: value})
    message = str(refused.value)
    assert message.startswith(f"{VARIABLE} = {value!r} cannot be used: ")
    assert message.endswith("Nothing was fetched.")


@pytest.mark.parametrize("value", ["https://xn--exmple-cua.se/x", "https://exämple.se/x",
                                   "https://a.xn--exmple-cua.se/x", "https://a_b.se/x"])
def test_a_well_formed_international_host_is_taken_and_read_everywhere(value: str) -> None:
    base = load_settings({VARIABLE: value}).base_url("facebook")
    assert base == value
    url = httpx.URL(base)
    assert BaseScope.of(base).holds(httpx.URL(f"{base}/me")) and url.host
