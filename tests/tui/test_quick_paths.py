"""The accounts table's quick paths give exactly what the plain ones gave (issue 15).

Row texts made on drawing, the searched texts built after the first paint, a keystroke that
searches only the rows left by the one before, the register sorted in two passes, the rows read
straight from the shards' bytes, and the modules the first screen does not show left unimported.
"""

from __future__ import annotations

import gc
import random
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from textual.widgets import Input

from governance.account_order import by_ref
from governance.heap import settle_survivors
from governance.store import repos
from screens.register_rows import read_rows
from screens.services import Services
from screens.view_models import AccountSummary
from screens.widgets.account_cells import RowTexts, cells_of
from screens.widgets.filter_input import FilterInput

from .conftest import make_app
from .helpers import imported_by, screen_text, settle, table

ROOT = Path(__file__).resolve().parents[2]


def summary(handle: str, department: str, **changes: object) -> AccountSummary:
    row = AccountSummary(
        "0123456789ab",
        f"facebook:{handle}",
        "facebook",
        handle,
        department,
        "closed",
        "retired",
        2,
        date(2026, 1, 31),
        12345,
        ("editors-missing",),
    )
    return replace(row, **changes)  # type: ignore[arg-type]


def test_the_searched_text_is_every_cell_of_the_row_case_folded() -> None:
    texts = RowTexts()
    rows = [
        summary("Kultur\x1b[31m", "Kultur\u200bförvaltningen"),
        summary("STRASSE", "Straße", last_post=None, followers=None, rules=None),
        summary("tab\there", "\u202eÖ", rules=()),
    ]
    for row in rows:
        assert texts.haystack(row) == "\t".join((row.ref, *cells_of(row))).casefold()


def test_two_stable_sorts_give_the_order_and_ties_of_one_sort_on_the_pair() -> None:
    rng = random.Random(15)
    platforms = ["x", "xing", "facebook", "Facebook", "ö", ""]
    handles = ["a", "ab", "b", "å", "Ä", "", "a\x00"]
    items = [
        summary(rng.choice(handles), str(n), platform=rng.choice(platforms)) for n in range(500)
    ]
    expected = sorted(items, key=lambda s: (s.platform, s.handle))
    by_ref(items)
    assert items == expected  # the departments (the input order) show the ties kept


def test_settled_objects_are_still_collected_when_they_form_a_cycle() -> None:
    class Node:
        other: object = None

    if gc.get_freeze_count():  # this process froze its heap (an app test): nothing to settle
        return
    first, second = Node(), Node()
    first.other, second.other = second, first
    del first, second
    settle_survivors()
    assert gc.get_freeze_count() == 0  # nothing kept from the collector
    assert gc.collect() >= 2  # the cycle was found by a full pass


def test_a_frozen_heap_stays_frozen() -> None:
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        settle_survivors()
        assert gc.get_freeze_count() >= frozen
    finally:
        gc.unfreeze()


class _Abandon(Exception):
    """Leaves a write transaction without committing it."""


def test_rows_in_a_write_transaction_are_read_from_its_own_documents(services: Services) -> None:
    before = services.snapshot().summaries
    account = services.account("instagram:sommarlov.hbg")
    with pytest.raises(_Abandon), services.store.write() as txn:
        repos(txn).accounts.put(account.with_changes(department="Ny förvaltning"), account)
        rows = read_rows(txn, None).summaries
        changed = next(r for r in rows if r.id == account.id)
        assert changed.department == "Ny förvaltning"
        assert [r.id for r in rows] == [r.id for r in before]
        raise _Abandon
    # Not committed: the store holds the account as it was.
    assert services.snapshot().summaries == before


async def test_typing_narrows_and_erasing_widens_exactly_as_a_fresh_filter(
    services: Services,
) -> None:
    app = make_app(services, start="accounts")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        rows = table(app).visible_summaries
        box = app.screen.query_one("#filter", Input)
        assert isinstance(box, FilterInput)
        typed = ""
        for key in ("k", "u", "l", "backspace", "backspace", "h", "b", "g"):
            box.focus()
            await pilot.press(key)
            typed = typed[:-1] if key == "backspace" else typed + key
            expected = [s.ref for s in rows if typed in "\t".join((s.ref, *cells_of(s))).casefold()]
            assert [s.ref for s in table(app).visible_summaries] == expected, typed
            assert f"{len(expected)} av 63 konton" in screen_text(app)


async def test_a_long_filter_text_scrolls_within_its_box(services: Services) -> None:
    app = make_app(services, start="accounts")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        box = app.screen.query_one("#filter", Input)
        box.insert_text_at_cursor("x" * 60 + "slut")
        await pilot.press("a")
        assert box.scroll_x > 0  # the box follows the cursor, though typing lays nothing out
        assert "sluta" in screen_text(app) and "x" * 30 not in screen_text(app)
        assert table(app).shown == 0


def test_starting_the_app_imports_only_what_the_first_screen_shows() -> None:
    heavy = ("httpx", "governance.platforms", "markdown_it", "textual_plotext", "screens.audit",
             "screens.account.screen", "screens.new_account", "screens.guideline",
             "screens.overview", "screens.dialogs")
    assert imported_by("screens.app", heavy) == []
