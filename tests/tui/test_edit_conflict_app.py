"""Two people save the same account in two apps: a field changed meanwhile is refused, not lost."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import Input

from governance.register import Register
from screens.services import Services

from .conftest import NOW, make_app
from .helpers import open_account, screen_text, settle

REF = "facebook:miljo.hbg"


@pytest.fixture
def second(demo_dir: Path) -> Iterator[Services]:
    """Bo's services over the same data directory as the ``services`` fixture's (Anna's)."""
    result = Services(demo_dir, clock=lambda: NOW, user="bo", lock_timeout_s=5)
    yield result
    result.close()


async def test_the_second_save_of_a_field_is_refused_and_other_fields_still_save(
    services: Services, second: Services
) -> None:
    anna, bo = make_app(services, start="accounts"), make_app(second, start="accounts")
    async with anna.run_test(size=(120, 40)) as pa, bo.run_test(size=(120, 40)) as pb:
        a_screen = await open_account(pa, REF)
        b_screen = await open_account(pb, REF)
        old = b_screen.query_one("#field-purpose", Input).value

        a_screen.query_one("#field-purpose", Input).value = "A:s syfte"
        await pa.press("ctrl+s")
        await settle(pa)
        assert ("information", "Sparat (1 fält).") in anna.shown

        b_screen.query_one("#field-purpose", Input).value = "B:s syfte"
        b_screen.query_one("#field-project", Input).value = "B-projekt"
        await pb.press("ctrl+s")
        await settle(pb)

        message = next(text for severity, text in bo.shown if severity == "warning")
        assert message.startswith("Syfte sparades inte")
        assert "”A:s syfte”" in message and "av akn-test 2026-11-28 11:00" in message
        assert ("information", "Sparat (1 fält).") in bo.shown  # the project, by Bo
        # The form shows what is stored now, so Bo can decide.
        assert b_screen.query_one("#field-purpose", Input).value == "A:s syfte"
        assert b_screen.query_one("#field-project", Input).value == "B-projekt"
        assert "Syfte                         A:s syfte" in screen_text(bo)

    account = Register(services.store).account(REF)
    assert (account.purpose, account.project) == ("A:s syfte", "B-projekt")
    purposes = [(e.user, e.old, e.new) for e in Register(services.store).change_log(REF)
                if e.field == "purpose"]  # fmt: skip
    assert purposes[-1] == ("akn-test", old, "A:s syfte")  # none from a value Bo never saw
