"""The quota block of ``kontokoll sync`` in words (plural forms, numbers as each language writes
them), and the readings under it: waits and usage shares that cannot be true are unknown."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from governance.i18n import current_language, set_language
from governance.platforms import Usage
from governance.platforms.errors import MalformedResponse
from governance.platforms.meta import regain_seconds, usage_percent
from governance.platforms.replies import LONGEST_CREDIBLE_WAIT_S, Reply, credible_wait
from governance.platforms.x_policy import XPolicy
from governance.sync import PlatformSummary
from governance.sync_quota import quota_lines
from tests.platforms.conftest import fetch_with, plan_for

NBSP = "\u00a0"


@pytest.fixture
def language() -> Iterator[Any]:
    before = current_language()
    yield set_language
    set_language(before)


def summaries(**by_platform: dict[str, Any]) -> list[PlatformSummary]:
    return [PlatformSummary(platform, **figures) for platform, figures in by_platform.items()]


def test_one_of_each_is_said_in_the_singular_in_swedish(language: Any) -> None:
    language("sv")
    lines = quota_lines(summaries(youtube={"calls": 1, "requests": 1, "units": 1},
                                  x={"calls": 1, "requests": 1, "posts_read": 1}))
    assert lines == [
        "Kvoter (vad hämtningen kostade):",
        "  youtube: 1 anrop i 1 HTTP-förfrågan",
        f"  youtube: 1 enhet av 10{NBSP}000 per dygn (< 0,1 %)",
        "  x: 1 anrop i 1 HTTP-förfrågan",
        f"  x: 1 inlägg läst (taket är 3{NBSP}000{NBSP}000 per månad)",
    ]


def test_many_are_grouped_by_thousands_with_a_decimal_comma_in_swedish(language: Any) -> None:
    language("sv")
    lines = quota_lines(summaries(
        youtube={"calls": 1234, "requests": 20, "units": 1234},
        x={"calls": 3, "requests": 3, "posts_read": 12_500},
        facebook={"calls": 60, "requests": 7, "usage_percent": 0.2},
        instagram={"calls": 2, "requests": 2, "usage_percent": 1250.0}))
    assert f"  youtube: 1{NBSP}234 anrop i 20 HTTP-förfrågningar" in lines
    assert f"  youtube: 1{NBSP}234 enheter av 10{NBSP}000 per dygn (12,3 %)" in lines
    assert f"  x: 12{NBSP}500 inlägg lästa (taket är 3{NBSP}000{NBSP}000 per månad)" in lines
    assert "  facebook: högst 0,2 % av Metas anropsgränser använda" in lines
    assert f"  instagram: högst 1{NBSP}250 % av Metas anropsgränser använda" in lines


def test_english_has_its_own_plurals_and_commas(language: Any) -> None:
    language("en")
    lines = quota_lines(summaries(youtube={"calls": 1, "requests": 1, "units": 2500},
                                  x={"calls": 2, "requests": 2, "posts_read": 1},
                                  facebook={"calls": 1, "requests": 1, "usage_percent": 3.0}))
    assert "  youtube: 1 call in 1 HTTP request" in lines
    assert "  youtube: 2,500 units of 10,000 a day (25 %)" in lines
    assert "  x: 2 calls in 2 HTTP requests" in lines
    assert "  x: 1 post read (the cap is 3,000,000 a month)" in lines
    assert "  facebook: at most 3 % of Meta's call limits used" in lines


def test_unknown_figures_are_said_to_be_unknown(language: Any) -> None:
    language("sv")
    lines = quota_lines(summaries(youtube={}, x={}, facebook={}, linkedin={"calls": 0}))
    assert "  youtube: förbrukade enheter okända" in lines
    assert "  x: lästa inlägg okända" in lines
    assert "  facebook: Meta rapporterade ingen användning (okänd)" in lines
    assert "  linkedin: 0 anrop i 0 HTTP-förfrågningar" in lines
    assert quota_lines([]) == []


@pytest.mark.parametrize(("seconds", "credible"), [
    (None, None), (0.0, 0.0), (90.0, 90.0), (LONGEST_CREDIBLE_WAIT_S, LONGEST_CREDIBLE_WAIT_S),
    (LONGEST_CREDIBLE_WAIT_S + 1, None), (-1.0, None), (math.inf, None), (math.nan, None),
    (1e300, None),
])
def test_a_wait_past_a_day_negative_or_not_finite_is_unknown(
    seconds: float | None, credible: float | None,
) -> None:
    assert credible_wait(seconds) == credible


@pytest.mark.parametrize("header", [
    "not json", '{"call_count": NaN}', '{"call_count": -1}', '{"total_time": Infinity}',
    '{"call_count": 10001}', '{"call_count": "50"}', '{"call_count": 3, "total_time": 1e999}',
])
def test_a_usage_share_that_cannot_be_true_is_unknown(header: str) -> None:
    assert usage_percent({"x-app-usage": header}) is None


def test_usage_is_the_highest_credible_share_and_none_when_not_reported() -> None:
    assert usage_percent({}) is None
    assert usage_percent({"x-app-usage": '{"call_count": 3, "total_time": 12.5}'}) == 12.5
    business = '{"1": [{"call_count": 40, "estimated_time_to_regain_access": 1e999}]}'
    assert usage_percent({"x-business-use-case-usage": business}) == 40
    assert regain_seconds({"x-business-use-case-usage": business}) is None
    usage = Usage()
    usage.add_usage(None)
    usage.add_usage(math.nan)
    assert usage.usage_percent is None  # never 0 for "not reported"
    usage.add_usage(0.0)
    usage.add_usage(4.0)
    assert usage.usage_percent == 4.0


def test_an_x_reset_too_far_off_for_a_float_is_unknown_not_a_crash() -> None:
    reply = Reply(429, {"x-rate-limit-reset": "9" * 400}, {}, True)
    verdict = XPolicy().judge(reply, 1_795_000_000.0)
    assert verdict.kind == "wait" and verdict.wait_s is None


def test_a_paging_link_to_another_accounts_listing_fails_the_account() -> None:
    """An Instagram media page whose next link leads to another account's media: the answer was
    another account's (no ``owner`` to tell, only the link)."""
    asked: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        asked.append(path)
        if path.endswith("/1784"):
            return httpx.Response(200, json={"followers_count": 9, "id": "1784"})
        if path.endswith("/1784/media"):
            return httpx.Response(200, json={"data": [], "paging": {
                "next": "https://api.test/instagram/v26.0/1785/media?after=c1"}})
        return httpx.Response(200, json={"data": []})

    with pytest.raises(MalformedResponse) as failed:
        asyncio.run(fetch_with(handler, "instagram", plan_for("instagram", "1784")))
    assert "another account at media.paging.next (1785, asked for 1784)" in failed.value.reason
    assert not any("/1785/" in path for path in asked)  # never followed
