"""The register's services: accounts, editors, departments, references and the change log."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from governance.errors import FieldError, UnknownAccount
from governance.identity import current_login
from governance.register import Register
from governance.store import Store
from tests.conftest import FIXED_NOW


def _register(store: Store, user: str = "anna") -> Register:
    ticks = iter(FIXED_NOW + timedelta(seconds=n) for n in range(10_000))
    return Register(store, user=user, clock=lambda: next(ticks))


def _make(register: Register, handle: str = "helsingborgsstad", platform: str = "facebook") -> str:
    return register.create_account(
        {
            "platform": platform,
            "handle": handle,
            "department": "Stadsledningsförvaltningen",
            "purpose": "Nyheter",
        }
    ).id


def test_create_and_find_an_account_by_ref_id_or_unique_handle(store: Store) -> None:
    register = _register(store)
    account_id = _make(register)
    assert register.account("facebook:helsingborgsstad").id == account_id
    assert register.account("FACEBOOK:@HelsingborgsStad").id == account_id
    assert register.account(account_id).ref == "facebook:helsingborgsstad"
    assert register.account("helsingborgsstad").id == account_id
    _make(register, platform="instagram")
    with pytest.raises(UnknownAccount, match="flera konton"):
        register.account("helsingborgsstad")
    with pytest.raises(UnknownAccount, match="facebook:saknas"):
        register.account("facebook:saknas")


def test_platform_and_handle_are_unique(store: Store) -> None:
    register = _register(store)
    _make(register)
    with pytest.raises(FieldError, match="finns redan"):
        _make(register)
    other = _make(register, handle="annat")
    with pytest.raises(FieldError, match="finns redan"):
        register.update_account(other, handle="helsingborgsstad")
    assert register.account(other).handle == "annat"


def test_renaming_a_handle_moves_the_reference(store: Store) -> None:
    register = _register(store)
    account_id = _make(register)
    register.update_account(account_id, handle="hbgstad")
    assert register.account("facebook:hbgstad").id == account_id
    with pytest.raises(UnknownAccount):
        register.account("facebook:helsingborgsstad")


def test_departments_match_regardless_of_letter_case(store: Store) -> None:
    register = _register(store)
    first = register.create_account(
        {"platform": "x", "handle": "a", "department": "Miljöförvaltningen"}
    )
    second = register.create_account(
        {"platform": "x", "handle": "b", "department": "  miljöFÖRVALTNINGEN "}
    )
    assert first.department == second.department == "Miljöförvaltningen"
    assert [d.name for d in register.departments()] == ["Miljöförvaltningen"]


def test_editors_add_remove_and_confirm_with_a_full_change_log(store: Store) -> None:
    register = _register(store, user="lena")
    account_id = _make(register)
    editor = register.add_editor("facebook:helsingborgsstad", "Anna Berg <Anna.Berg@hbg.se>")
    assert editor.appointed == date(2026, 11, 28)
    with pytest.raises(FieldError, match="redan redaktör"):
        register.add_editor(account_id, "Anna B <anna.berg@hbg.se>")
    register.confirm_editors(account_id)
    confirmed = register.account(account_id)
    assert confirmed.editors_confirmed_by == "lena"
    assert confirmed.editors_confirmed_at is not None
    removed = register.remove_editor(account_id, "ANNA.BERG@hbg.se")
    assert removed.name == "Anna Berg"
    assert register.account(account_id).editors == ()
    with pytest.raises(FieldError, match="inte redaktör"):
        register.remove_editor(account_id, "anna.berg@hbg.se")

    log = register.change_log(account_id)
    assert [e.action for e in log] == [
        "account-created",
        "editor-added",
        "editors-confirmed",
        "editor-removed",
    ]
    assert {e.user for e in log} == {"lena"}
    assert log[1].field == "editors"
    assert (log[1].old, log[1].new) == (None, "Anna Berg <anna.berg@hbg.se>")
    assert (log[3].old, log[3].new) == ("Anna Berg <anna.berg@hbg.se>", None)


def test_each_changed_field_is_logged_with_old_and_new_values(store: Store) -> None:
    register = _register(store)
    account_id = _make(register)
    register.update_from_text(
        account_id,
        {
            "purpose": "Dialog med invånarna",
            "visibility": "slutet",
            "closed_reason": "Intern grupp",
            "project_end": "",
        },
    )
    entries = [e for e in register.change_log(account_id) if e.action == "account-changed"]
    assert {(e.field, e.old, e.new) for e in entries} == {
        ("purpose", "Nyheter", "Dialog med invånarna"),
        ("visibility", "open", "closed"),
        ("closed_reason", "", "Intern grupp"),
    }
    # Saving the same values again changes nothing and logs nothing.
    register.update_from_text(account_id, {"purpose": "Dialog med invånarna"})
    assert len(register.change_log(account_id)) == 4


def test_bad_values_are_refused_and_nothing_changes(store: Store) -> None:
    register = _register(store)
    account_id = _make(register)
    with pytest.raises(FieldError) as caught:
        register.update_from_text(account_id, {"purpose": "Ny", "project_end": "snart"})
    assert caught.value.field == "project_end"
    with pytest.raises(FieldError, match="projektnamn"):
        register.update_from_text(account_id, {"project_end": "2027-01-01"})
    assert register.account(account_id).purpose == "Nyheter"


def test_the_change_log_records_the_os_login_not_the_user_variable(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("USER", "someone-else")
    monkeypatch.setenv("LOGNAME", "someone-else")
    store = Store(data_dir)
    register = Register(store)
    _make(register)
    assert register.change_log()[-1].user == current_login() != "someone-else"


def test_change_log_filters(store: Store) -> None:
    anna = _register(store, "anna")
    first = _make(anna, "a")
    bo = Register(store, user="bo", clock=lambda: datetime(2027, 2, 1, tzinfo=UTC))
    bo.add_editor(first, "Bo Ek <bo@hbg.se>")
    assert [e.user for e in anna.change_log(user="bo")] == ["bo"]
    assert [e.action for e in anna.change_log(since=date(2027, 1, 1))] == ["editor-added"]
