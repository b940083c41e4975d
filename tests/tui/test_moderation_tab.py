"""Pilot tests of the account's "Moderering" tab: the demo's records, a refused record that
stores nothing (the error under the form), a record with its screenshot, the diarienummer."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Button, DataTable, Input, Select, Static

from governance.moderation.service import ModerationService
from screens.services import Services
from tests.governance.moderation_support import png_file, sha

from .conftest import NOW, USER, make_app
from .helpers import open_account, settle

REF = "facebook:helsingborgsstad"


def _records(services: Services) -> list[str]:
    service = ModerationService(services.store, user=USER, clock=lambda: NOW)
    return [listed.record.id for listed in service.records(REF)]


async def test_the_tab_records_and_refuses_with_the_error_in_the_form(
    services: Services, tmp_path: Path
) -> None:
    before = _records(services)
    assert len(before) == 4  # the demo's hide and three deletions
    app = make_app(services, start="accounts")
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await open_account(pilot, REF)
        await screen.action_show_tab("moderation")
        await settle(pilot)
        table = screen.query_one("#mod-table", DataTable)
        assert table.row_count == 4
        screen.query_one("#mod-action", Select).value = "delete"
        screen.query_one("#mod-reason", Select).value = "hot"
        screen.query_one("#mod-at", Input).value = "2026-11-27 09:30"
        screen.query_one("#mod-record", Button).press()
        await settle(pilot)
        error = str(screen.query_one("#mod-error", Static).render())
        assert "ska skärmdumpas" in error
        assert screen.query_one("#mod-screenshot", Input).has_class("-invalid")
        assert _records(services) == before  # nothing stored

        shot = png_file(tmp_path)
        screen.query_one("#mod-screenshot", Input).value = str(shot)
        screen.query_one("#mod-record", Button).press()
        await settle(pilot)
        after = _records(services)
        assert len(after) == 5 and table.row_count == 5
        [new] = set(after) - set(before)
        stored = ModerationService(services.store, user=USER, clock=lambda: NOW).get(new).record
        assert stored.screenshot is not None and stored.screenshot.sha256 == sha(shot)
        assert ("information", "Modereringen är registrerad.") in app.shown

        table.move_cursor(row=table.get_row_index(new))
        screen.query_one("#mod-diarienummer", Input).value = "KS 2026/04711"
        screen.query_one("#mod-save-number", Button).press()
        await settle(pilot)
        assert "skicka den först" in str(screen.query_one("#mod-error", Static).render())
        ModerationService(services.store, user=USER, clock=lambda: NOW).mark_sent(new)
        screen.query_one("#mod-save-number", Button).press()
        await settle(pilot)
        saved = ModerationService(services.store, user=USER, clock=lambda: NOW).get(new).record
        assert saved.diarienummer == "KS 2026/04711"
