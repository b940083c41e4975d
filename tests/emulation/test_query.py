"""The emulation reads queries and Graph batch forms as ``parse_qsl`` does (its own reader is
leaner): the same dict for random queries, escapes, ``+``, blanks, bad bytes and repeats."""

from __future__ import annotations

import random
from urllib.parse import parse_qsl, urlencode

from governance.emulation.query import query

#: What a hostile or careless client puts into a query: separators, escapes (some broken),
#: spaces, control characters, non-ASCII text and percent-encoded bytes that are not UTF-8.
PIECES = ["a", "fields", "=", "&", "&&", "+", "%", "%2", "%2C", "%252C", "%zz", "%FF", "%C3%A5",
          "%E2%80", ";", " ", "\t", "\x00", "å", "{", "}", "(", ")", ",", "id", ""]


def test_random_queries_read_as_parse_qsl_reads_them() -> None:
    rng = random.Random(20261129)
    for _ in range(5_000):
        text = "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 14)))
        assert query(text) == dict(parse_qsl(text, keep_blank_values=True)), text


def test_a_batch_form_is_read_back_whole() -> None:
    batch = '[{"method":"GET","relative_url":"7001/insights?metric=reach%2Cviews&fields=name"}]'
    form = urlencode({"batch": batch, "include_headers": "false", "blank": ""})
    assert query(form) == {"batch": batch, "include_headers": "false", "blank": ""}
    assert query("a=1&a=2&b") == {"a": "2", "b": ""}  # the last of a repeated name wins
