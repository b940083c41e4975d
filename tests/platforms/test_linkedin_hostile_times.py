"""LinkedIn epoch milliseconds no datetime can hold: refused as malformed, naming the field.

A ``timeRange.start`` or ``publishedAt`` past year 9999 (or past what a float holds) once raised
``ValueError: year … is out of range`` from deep inside the reader, and the account ended as "sync
of … failed unexpectedly" with a traceback in the log. It is a hostile value like any other: the
account fails as ``malformed-response`` naming where, nothing of the answer is stored, and the
other accounts go on.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from governance.platforms.common import epoch_ms
from governance.platforms.errors import MalformedResponse
from tests.platforms.conftest import PROFILES, accounts_for
from tests.platforms.test_hostile_responses import Tampering, reasons, sync_through

LINKEDIN = next(p for p in PROFILES if p.platform == "linkedin")
#: The first millisecond a datetime cannot hold, and values far past it (2**63, 10**30: past a
#: C time_t; 10**400: past a float).
OUT_OF_RANGE = [253_402_300_800_000, 2**63, 10**30, 10**400]
#: Those a JSON body brings as integers (the body reader reads up to 64 bits; a longer number is
#: a float to it, "expected a whole number").
IN_A_BODY = [253_402_300_800_000, 2**63, 2**64 - 1]
#: The last hour of year 9999 UTC: a datetime, but with no Stockholm month.
LAST_HOUR = 253_402_300_799_000


@pytest.mark.parametrize("value", OUT_OF_RANGE)
def test_epoch_milliseconds_past_year_9999_are_malformed_naming_where(value: int) -> None:
    with pytest.raises(MalformedResponse) as raised:
        epoch_ms(value, "posts[3].publishedAt")
    assert raised.value.detail == "expected epoch milliseconds at posts[3].publishedAt"


def test_epoch_milliseconds_within_range_are_read() -> None:
    assert epoch_ms(0, "x") == datetime(1970, 1, 1, tzinfo=UTC)
    assert epoch_ms(LAST_HOUR, "x") == datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)
    assert epoch_ms(1_764_000_000_123, "x") == datetime.fromtimestamp(1_764_000_000.123, UTC)


def _tamper(listing: str, change: Any) -> Tampering:
    """The emulation, with ``change`` applied to the first element of LinkedIn's ``listing``."""

    def rewrite(request: httpx.Request, body: Any) -> httpx.Response | None:
        if not (request.url.path.startswith("/linkedin/") and request.url.path.endswith(listing)):
            return None
        elements = body.get("elements") if isinstance(body, dict) else None
        if not elements:
            return None
        change(elements[0])
        return httpx.Response(200, json=body)

    return Tampering(rewrite, PROFILES)


def _huge_start(value: int) -> Any:
    def change(element: dict[str, Any]) -> None:
        element["timeRange"]["start"] = value
    return change


def _huge_published(value: int) -> Any:
    def change(element: dict[str, Any]) -> None:
        element["publishedAt"] = value
    return change


@pytest.mark.parametrize(
    ("listing", "change", "where"),
    [
        *[pytest.param("organizationalEntityShareStatistics", _huge_start(v),
                       "shareStatistics[0].timeRange.start", id=f"share-{i}")
          for i, v in enumerate([*IN_A_BODY, LAST_HOUR])],
        *[pytest.param("organizationalEntityFollowerStatistics", _huge_start(v),
                       "followerStatistics[0].timeRange.start", id=f"follower-{i}")
          for i, v in enumerate([*IN_A_BODY, LAST_HOUR])],
        *[pytest.param("posts", _huge_published(v), "posts[0].publishedAt", id=f"posts-{i}")
          for i, v in enumerate(IN_A_BODY)],
    ],
)
def test_a_time_past_year_9999_fails_the_linkedin_account_only(
    listing: str, change: Any, where: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    report, sink = sync_through(_tamper(listing, change), PROFILES)
    linkedin = accounts_for(PROFILES)[PROFILES.index(LINKEDIN)].id
    assert reasons(report)[linkedin] == (
        f"malformed-response: expected epoch milliseconds at {where}")
    assert [o.account_id for o in report.failed] == [linkedin]
    assert sink.for_account(linkedin) == []  # nothing of the bad answer was stored
    others = [a.id for a in accounts_for(PROFILES) if a.id != linkedin]
    assert all(sink.for_account(account) for account in others)
    assert "unexpectedly" not in caplog.text and "Traceback" not in caplog.text
