"""Two people editing one account: a field changed since it was read is refused, not overwritten."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from governance.register import EditConflict, Register
from governance.store import Store
from tests.conftest import FIXED_NOW


def _register(store: Store, user: str) -> Register:
    ticks = iter(FIXED_NOW + timedelta(minutes=n) for n in range(1000))
    return Register(store, user=user, clock=lambda: next(ticks))


@pytest.fixture
def two(data_dir: Path, store: Store) -> Iterator[tuple[Register, Register, str]]:
    """Anna's and Bo's registers over one data directory (two stores, as two processes have)."""
    anna = _register(store, "anna")
    account = anna.create_account(
        {
            "platform": "facebook",
            "handle": "hbg",
            "department": "Kulturförvaltningen",
            "purpose": "Nyheter",
            "project": "Gammalt",
        }
    )
    other = Store(data_dir)
    yield anna, _register(other, "bo"), account.id
    other.close()


def test_a_field_changed_since_it_was_read_is_refused_and_the_others_are_saved(
    two: tuple[Register, Register, str],
) -> None:
    anna, bo, account_id = two
    seen_by_bo = bo.account(account_id)  # Bo's form is filled
    anna.update_from_text(account_id, {"purpose": "A:s syfte"}, expected={"purpose": "Nyheter"})

    with pytest.raises(EditConflict) as caught:
        bo.update_from_text(
            account_id,
            {"purpose": "B:s syfte", "project": "Nytt"},
            expected={"purpose": seen_by_bo.purpose, "project": seen_by_bo.project},
        )

    conflict = caught.value
    assert [c.field for c in conflict.conflicts] == ["purpose"]
    assert conflict.conflicts[0].stored == "A:s syfte"
    assert conflict.conflicts[0].user == "anna"
    assert conflict.saved == ("project",)
    assert "A:s syfte" in str(conflict) and "anna" in str(conflict) and "purpose" in str(conflict)
    stored = anna.account(account_id)
    assert (stored.purpose, stored.project) == ("A:s syfte", "Nytt")
    purpose_log = [(e.user, e.old, e.new) for e in anna.change_log() if e.field == "purpose"]
    assert purpose_log == [("anna", "Nyheter", "A:s syfte")]  # no change from a value unseen


def test_different_fields_merge_and_the_same_new_value_is_no_conflict(
    two: tuple[Register, Register, str],
) -> None:
    anna, bo, account_id = two
    anna.update_from_text(account_id, {"purpose": "Samma"}, expected={"purpose": "Nyheter"})
    bo.update_from_text(account_id, {"project": "Nytt"}, expected={"project": "Gammalt"})
    bo.update_from_text(account_id, {"purpose": "Samma"}, expected={"purpose": "Nyheter"})
    stored = anna.account(account_id)
    assert (stored.purpose, stored.project) == ("Samma", "Nytt")


def test_only_conflicts_save_nothing_and_without_expected_the_last_save_wins(
    two: tuple[Register, Register, str],
) -> None:
    anna, bo, account_id = two
    anna.update_from_text(account_id, {"purpose": "A"}, expected={"purpose": "Nyheter"})
    before = anna.change_log()
    with pytest.raises(EditConflict) as caught:
        bo.update_from_text(account_id, {"purpose": "B"}, expected={"purpose": "Nyheter"})
    assert caught.value.saved == ()
    assert anna.change_log() == before and anna.account(account_id).purpose == "A"
    bo.update_from_text(account_id, {"purpose": "B"})  # the CLI states a value, sees none
    assert anna.account(account_id).purpose == "B"
