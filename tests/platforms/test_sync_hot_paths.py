"""The sync's fast paths read exactly what the strict readers read, and refuse what they refuse.

The hot loops of the clients check plainly good values inline and call the strict readers (which
name where a body went wrong) only for the rest; a few pure answers are kept between accounts.
These tests hold each shortcut to the slow path it stands for.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from governance.platforms import facebook, linkedin
from governance.platforms.common import meta_time, quick_time, rfc3339
from governance.platforms.errors import MalformedResponse
from governance.posts import plausible_id

TIMES: list[Any] = [
    "2026-10-02T14:05:11+0000", "2026-10-02T14:05:11.000Z", "2026-10-02T14:05:11Z",
    "2026-03-29T01:30:00+02:00", "2026-10-02T14:05:11", "2026-10-02", "", " ", "yesterday",
    "0001-01-01T00:00:00+00:00", "9999-12-31T23:59:59+00:00", None, 17, 1.5, True, [], {},
    "2026-13-02T14:05:11Z", "2026-10-02T14:05:11+25:00", "2026-10-02T14:05:11Z\x00",
]


@pytest.mark.parametrize("value", TIMES)
def test_a_quick_time_is_the_strict_readers_time_or_leaves_it_to_them(value: Any) -> None:
    quick = quick_time(value)
    for strict in (meta_time, rfc3339):
        try:
            expected = strict(value, "here")
        except MalformedResponse:
            assert quick is None  # the strict reader is then asked, and raises naming where
            continue
        assert quick == expected and quick.utcoffset() == expected.utcoffset()


def test_plausible_ids_are_judged_as_by_a_scan_of_every_character() -> None:
    def scanned(post_id: str) -> bool:
        return 0 < len(post_id) <= 200 and post_id.isprintable() and not any(
            c.isspace() for c in post_id)

    for code in range(0x110000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        for post_id in (chr(code), f"12_{chr(code)}9"):
            assert plausible_id(post_id) == scanned(post_id), hex(code)


def test_the_months_kept_between_accounts_are_the_months_computed() -> None:
    facebook._MONTHS.clear()
    first = facebook._month("2026-03-01T08:00:00+0000", {}, "insights[0]")
    again = facebook._month("2026-03-01T08:00:00+0000", {}, "insights[1]")
    assert first == again == "2026-02"  # the value's day is the one before end_time
    with pytest.raises(MalformedResponse) as raised:
        facebook._month("not a time", {}, "insights[2]")
    assert raised.value.detail == "expected a Graph timestamp at insights[2].end_time"
    linkedin._MONTHS.clear()
    start = int(datetime(2026, 4, 30, 22, 30, tzinfo=UTC).timestamp() * 1000)
    assert linkedin._element_month({"timeRange": {"start": start}}, "e[0]") == "2026-05"
    assert linkedin._element_month({"timeRange": {"start": start}}, "e[1]") == "2026-05"
    for bad in (True, float(start), str(start), -1):
        with pytest.raises(MalformedResponse) as raised:
            linkedin._element_month({"timeRange": {"start": bad}}, "e[2]")
        assert raised.value.detail == "expected a whole number at e[2].timeRange.start"
