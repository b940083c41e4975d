"""The Graph batch form is written exactly as ``urllib.parse.urlencode`` would write it."""

from __future__ import annotations

import random
from urllib.parse import parse_qsl, quote_plus, urlencode

import orjson

from governance.platforms.batching import form_value
from governance.platforms.facebook import POST_FIELDS


def test_form_values_are_quote_plus_character_for_character() -> None:
    rng = random.Random(15)
    alphabet = [chr(c) for c in range(128)] + ["å", "Ä", "ö", "€", "😀", "\u2028"]
    samples = ["", " ", "a b+c", "%2e%2e/..", POST_FIELDS, "".join(chr(c) for c in range(128))]
    samples += ["".join(rng.choices(alphabet, k=rng.randrange(1, 60))) for _ in range(2000)]
    for value in samples:
        assert form_value(value) == quote_plus(value)


def test_a_batch_form_reads_back_as_the_calls_it_carries() -> None:
    relative = "7001/published_posts?" + "&".join(
        f"{form_value(k)}={form_value(v)}" for k, v in
        {"fields": POST_FIELDS, "since": "1700000000", "limit": "100"}.items())
    assert relative == "7001/published_posts?" + urlencode(
        {"fields": POST_FIELDS, "since": "1700000000", "limit": "100"})
    batch = [{"method": "GET", "relative_url": relative}] * 3
    encoded = orjson.dumps(batch).decode()
    form = f"batch={form_value(encoded)}&include_headers=true"
    assert form == urlencode({"batch": encoded, "include_headers": "true"})
    assert dict(parse_qsl(form)) == {"batch": encoded, "include_headers": "true"}
