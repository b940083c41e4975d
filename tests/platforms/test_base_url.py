"""What the environment may set as a platform's base URL and API version (X9's findings).

The base URL is where the platform's token goes: checked once, when the settings are read, before
any request; plain http:// only to this machine. The sync's refusal through the CLI (exit 2, the
store unchanged, no request) is in test_cli_sync.py.
"""

from __future__ import annotations

import pytest

from governance.errors import InputError
from governance.i18n import set_language
from governance.platforms import load_settings

VARIABLE = "KONTOKOLL_X_BASE_URL"


@pytest.mark.parametrize("value", [
    "https://api.x.com/2", "https://proxy.stad.example/x/2/", "https://[2001:db8::1]:8443/x",
    "http://127.0.0.1:8224/v26.0", "http://127.3.4.5/x", "http://localhost:9/x",
    "http://LOCALHOST./x", "http://[::1]:8000/x", "http://[::ffff:127.0.0.1]/x",
    "https://exämple.se/x",
])
def test_an_https_base_or_a_plain_http_one_to_this_machine_is_taken(value: str) -> None:
    settings = load_settings({VARIABLE: f" {value} "})
    assert settings.base_url("x") == value.rstrip("/")


@pytest.mark.parametrize(("value", "reason"), [
    ("http://[::1", "it is not a valid URL"),
    ("https://exa mple.se/x", "it is not a valid URL"),
    ("http://127.0.0.1:99999/", "the port must be a number from 1 to 65535"),
    ("https://api.x.com:0/2", "the port must be a number from 1 to 65535"),
    ("not a url", "it is not a valid URL"),
    ("api.x.com/2", "must start with https://"),
    ("ftp://api.x.com/2", "must start with https://"),
    ("https:///2", "must start with https://"),
    ("//api.x.com/2", "must start with https://"),
    # Plain http to another machine carries the token in clear text; 127.1 and 0x7f000001 may
    # be this machine to one resolver and not another, so they are not taken as loopback.
    ("http://api.x.com/2", "unencrypted"),
    ("http://10.0.0.1/2", "unencrypted"),
    ("http://127.1/2", "unencrypted"),
    ("http://0x7f000001/2", "unencrypted"),
    ("http://localhost.localdomain/2", "unencrypted"),
    ("https://user:pass@proxy.example/x", "user name or password"),
    ("https://token@proxy.example/x", "user name or password"),
    ("https://proxy.example/x?access_token=1", "query"),
    ("https://proxy.example/x?", "query"),
    ("https://proxy.example/x#part", "fragment"),
    # httpx drops "/../" silently and sends "%2e%2e" and an encoded "?", "#", "/" or "\\" as
    # written, which a server may read as a step out of the base path or as a query (X9b).
    ("https://graph.facebook.com/v26.0/../x", "dot segment"),
    ("https://graph.facebook.com/./v26.0", "dot segment"),
    ("https://graph.facebook.com/v26.0/..", "dot segment"),
    ("https://graph.facebook.com/v26.0/%2e%2E/x", "dot segment"),
    ("https://graph.facebook.com/v26.0/.%2e", "dot segment"),
    ("https://proxy.example/x%3Faccess_token=1", "(%2F, %3F, %23, %5C)"),
    ("https://proxy.example/x%23y", "(%2F, %3F, %23, %5C)"),
    ("https://proxy.example/x%2f..%2fy", "(%2F, %3F, %23, %5C)"),
    ("https://proxy.example/x%5c..%5cy", "(%2F, %3F, %23, %5C)"),
    ("https://proxy.example/x\\..\\y", "(%2F, %3F, %23, %5C)"),
])
def test_a_base_the_clients_may_not_use_is_refused_naming_the_variable(
    value: str, reason: str
) -> None:
    set_language("en")
    with pytest.raises(InputError) as refused:
        load_settings({VARIABLE: value})
    message = str(refused.value)
    assert message.startswith(f"{VARIABLE} = {value!r} cannot be used: ")
    assert reason in message and message.endswith("Nothing was fetched.")


def test_a_refused_value_is_quoted_bounded_and_escaped() -> None:
    set_language("en")
    with pytest.raises(InputError) as refused:
        load_settings({"KONTOKOLL_FACEBOOK_BASE_URL": "http://e\u202e\x1b" + "x" * 100_000})
    message = str(refused.value)
    assert "\\u202e\\x1b" in message and "\x1b" not in message and "\u202e" not in message
    assert len(message) < 500


@pytest.mark.parametrize("variable", ["KONTOKOLL_GRAPH_VERSION", "KONTOKOLL_LINKEDIN_VERSION"])
@pytest.mark.parametrize("value", ["v26.0/../me", "v26.0?x=1", "2026 09", "v\x1b26", "v" * 40,
                                   ".", "..", "...", "-", "_", "-._", "v26.0%2f"])
def test_an_api_version_is_letters_digits_and_dots(variable: str, value: str) -> None:
    set_language("en")
    with pytest.raises(InputError) as refused:
        load_settings({variable: value})
    assert str(refused.value).startswith(f"{variable} must be an API version")


@pytest.mark.parametrize("value", ["https://graph.facebook.com/v26.0.1/x..y/.well-known",
                                   "https://proxy.example/x%20y/%41", "https://proxy.example/..x"])
def test_dots_and_escapes_inside_a_path_segment_are_taken(value: str) -> None:
    assert load_settings({VARIABLE: value}).base_url("x") == value


@pytest.mark.parametrize("value", ["v26.0", "202609", "v2", "9", "a-b_c.d"])
def test_a_version_with_a_letter_or_digit_is_taken(value: str) -> None:
    assert load_settings({"KONTOKOLL_GRAPH_VERSION": value}).graph_version == value


def test_versions_are_taken_as_given_and_blank_is_the_default() -> None:
    settings = load_settings({"KONTOKOLL_GRAPH_VERSION": " v27.0 ",
                              "KONTOKOLL_LINKEDIN_VERSION": "202701"})
    assert settings.base_url("facebook") == "https://graph.facebook.com/v27.0"
    assert settings.linkedin_version == "202701"
    assert load_settings({"KONTOKOLL_GRAPH_VERSION": "  "}).graph_version == "v26.0"
