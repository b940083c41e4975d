"""Identity on the platform: ids and usernames read by the sync, renames, re-created accounts.

Everything runs against the in-repo emulation (no network). Between two syncs the emulation
renames an account (``Emulation.rename``) or deletes and re-creates it under the same handle
(``Emulation.recreate``); the sync, the register and the audit must each say so.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest

from audits.rules import Activity, Judgement, Subject, check_account
from audits.settings import AuditSettings
from governance.emulation import AccountProfile, build_emulation
from governance.errors import AccessRefused, FieldError, UnknownAccount
from governance.identity import current_login
from governance.identity_check import Identities
from governance.model import Account
from governance.people import People
from governance.register import Register
from governance.store import Store
from governance.sync_service import SyncService
from tests.platforms.conftest import NOW, PROFILES, World, emulated

MakeWorld = Callable[..., World]
#: Platforms whose lookup by handle works without the old id (Instagram's business discovery
#: asks from the account's own id, so a deleted account cannot look its handle up).
RECREATABLE = ("facebook", "linkedin", "x", "youtube")
NEXT_WEEK = NOW + timedelta(days=8)


def _profile(platform: str) -> AccountProfile:
    return next(p for p in PROFILES if p.platform == platform)


@pytest.mark.parametrize("platform", ["facebook", "instagram"])
def test_replies_are_counted_with_a_handle_only(world: MakeWorld, platform: str) -> None:
    """The Page's own replies are told by the id the profile call gives, not by the handle."""
    w = world([_profile(platform)])
    w.sync()
    with_id = dict(w.sink.months)
    handle_only = world([_profile(platform)])
    handle_only.accounts[0].platform_id = ""
    report = handle_only.sync()
    assert not report.failed
    assert handle_only.sink.months == with_id
    due = sum(r.replies_due or 0 for r in with_id.values())
    on_time = sum(r.replies_on_time or 0 for r in with_id.values())
    assert due > 0 and on_time > 0  # the replies were recognised
    assert report.outcomes[0].identity == {"id": _profile(platform).platform_id,
                                           "username": _profile(platform).handle,
                                           "handle_id": _profile(platform).platform_id}


@pytest.mark.parametrize("platform", ["facebook", "instagram", "linkedin", "x", "youtube"])
def test_a_username_changed_between_two_syncs_is_read(world: MakeWorld, platform: str) -> None:
    w = world([_profile(platform)])
    first = w.sync()
    assert first.outcomes[0].identity["username"] == _profile(platform).handle  # type: ignore[index]
    w.app.rename(platform, _profile(platform).handle, "nytt.namn")
    again = w.sync(now=NEXT_WEEK)
    outcome = again.outcomes[0]
    assert outcome.ok, outcome.reason
    assert outcome.identity == {"id": _profile(platform).platform_id, "username": "nytt.namn",
                                "handle_id": ""}  # the old handle leads nowhere now


@pytest.mark.parametrize("platform", RECREATABLE)
def test_an_id_swapped_between_two_syncs_stores_no_figures(
    world: MakeWorld, platform: str
) -> None:
    w = world([_profile(platform)])
    assert not w.sync().failed
    stored = dict(w.sink.months)
    other = "UCzzzzzzzzzzzzzzzzzzzzzz" if platform == "youtube" else "987654321"
    w.app.recreate(platform, _profile(platform).handle, other)
    again = w.sync(now=NOW + timedelta(days=1))
    outcome = again.outcomes[0]
    assert not outcome.ok and outcome.reason == f"identity-mismatch: {other}"
    assert outcome.identity is not None and outcome.identity["handle_id"] == other
    assert w.sink.months == stored  # nothing of the other account was stored


def test_the_handle_is_looked_up_once_a_week_and_a_resync_costs_nothing_more(
    world: MakeWorld,
) -> None:
    w = world()
    w.sync()
    served = sum(w.app.served.values())
    same_day = w.sync(now=NOW + timedelta(minutes=30))
    assert max(o.requests for o in same_day.outcomes) <= 2
    assert all(o.identity and o.identity["handle_id"] is None for o in same_day.outcomes)
    assert sum(w.app.served.values()) - served == same_day.requests
    week = w.sync(now=NEXT_WEEK)
    assert all(o.identity and o.identity["handle_id"] == o.identity["id"]
               for o in week.outcomes)


# --- through the services, with the real store ---------------------------------------------------


def _store(tmp_path: Path, *, with_ids: bool = True) -> tuple[Store, list[Account]]:
    store = Store(tmp_path / "data")
    register = Register(store)
    for profile in PROFILES:
        register.create_account({
            "platform": profile.platform, "handle": profile.handle,
            "department": "Kulturförvaltningen",
            "platform_id": profile.platform_id if with_ids else "",
        })
    return store, register.accounts()


def _findings(account: Account) -> dict[str, dict[str, object]]:
    judged = Judgement(date(2026, 12, 31), AuditSettings(), "2026Q4")
    hits = check_account(Subject.from_account(account), Activity(True), judged)
    return {hit.rule: dict(hit.params) for hit in hits}


def test_the_sync_fills_missing_ids_and_logs_them(tmp_path: Path) -> None:
    store, accounts = _store(tmp_path, with_ids=False)
    app = build_emulation(PROFILES, now=NOW)
    report = SyncService(store, source=emulated(app), clock=lambda: NOW).sync(accounts)
    assert not report.failed
    register = Register(store)
    assert {a.platform: a.platform_id for a in register.accounts()} == {
        p.platform: p.platform_id for p in PROFILES}
    filled = [e for e in register.change_log() if e.field == "platform_id"]
    assert len(filled) == len(PROFILES) and all(e.old == "" for e in filled)
    # A steady re-sync changes nothing in the register (no file rewritten, nothing logged).
    entries = len(register.change_log())
    SyncService(store, source=emulated(app), clock=lambda: NOW).sync(register.accounts())
    assert len(register.change_log()) == entries


def test_a_renamed_account_is_found_and_renamed(tmp_path: Path) -> None:
    store, accounts = _store(tmp_path)
    app = build_emulation(PROFILES, now=NOW)
    app.rename("x", "hbgstad", "hbg_stad")
    SyncService(store, source=emulated(app), clock=lambda: NOW).sync(accounts)
    account = Register(store).account("x:hbgstad")
    assert account.observed_handle == "hbg_stad"
    assert _findings(account)["handle-changed"] == {"handle": "hbgstad", "observed": "hbg_stad"}
    renamed = Identities(store).rename("x:hbgstad", "@HBG_stad")
    assert renamed.ref == "x:hbg_stad"
    assert Register(store).account("x:hbg_stad").id == account.id  # the index follows
    with pytest.raises(UnknownAccount):
        Register(store).account("x:hbgstad")
    assert "handle-changed" not in _findings(renamed)
    log = [e for e in Register(store).change_log() if e.field == "handle"]
    assert (log[-1].old, log[-1].new) == ("hbgstad", "hbg_stad")


def test_an_identity_mismatch_holds_the_figures_until_an_admin_accepts_it(
    tmp_path: Path,
) -> None:
    store, accounts = _store(tmp_path)
    app = build_emulation(PROFILES, now=NOW)
    SyncService(store, source=emulated(app), clock=lambda: NOW).sync(accounts)
    app.recreate("facebook", "helsingborgsstad", "555000111")
    later = NOW + timedelta(days=1)
    SyncService(store, source=emulated(app), clock=lambda: later).sync(Register(store).accounts())
    account = Register(store).account("facebook:helsingborgsstad")
    assert account.identity_mismatch == "555000111"
    assert _findings(account)["identity-mismatch"] == {
        "handle": "helsingborgsstad", "registered": "104857600", "observed": "555000111"}
    held = store.stats.for_account(account.id)
    # A later sync (no new lookup due) still stores nothing while the mismatch waits.
    report = SyncService(store, source=emulated(app), clock=lambda: later).sync(
        Register(store).accounts())
    assert store.stats.for_account(account.id) == held
    assert next(o for o in report.outcomes if o.account_id == account.id).ok is False

    people = People(store, user=current_login())
    people.add_user(current_login(), "admin")
    people.add_user("lena", "lead", ["Kulturförvaltningen"])
    with pytest.raises(AccessRefused):
        Identities(store, user="lena").accept_identity(account.id)
    accepted = Identities(store).accept_identity(account.id)
    assert (accepted.platform_id, accepted.identity_mismatch) == ("555000111", "")
    assert "identity-mismatch" not in _findings(accepted)
    with pytest.raises(FieldError):
        Identities(store).accept_identity(account.id)  # nothing left to accept
    report = SyncService(store, source=emulated(app), clock=lambda: later).sync(
        Register(store).accounts())
    assert next(o for o in report.outcomes if o.account_id == account.id).ok


def test_rename_follows_the_roles(tmp_path: Path) -> None:
    store, _ = _store(tmp_path)
    Register(store).create_account({"platform": "x", "handle": "annan",
                                    "department": "Miljöförvaltningen"})
    people = People(store, user=current_login())
    people.add_user(current_login(), "admin")
    people.add_user("lena", "lead", ["Kulturförvaltningen"])
    people.add_user("olle", "viewer")
    assert Identities(store, user="lena").rename("x:hbgstad", "hbg2").handle == "hbg2"
    with pytest.raises(AccessRefused):
        Identities(store, user="lena").rename("x:annan", "annan2")
    with pytest.raises(AccessRefused):
        Identities(store, user="olle").rename("x:hbg2", "hbg3")
    with pytest.raises(FieldError):
        Identities(store).rename("x:hbg2", "annan")  # taken by another account
    with pytest.raises(FieldError):
        Identities(store).rename("x:hbg2", "har mellanslag")
    assert {a.ref for a in Register(store).accounts()} >= {"x:hbg2", "x:annan"}
