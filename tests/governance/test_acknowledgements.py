"""Editors acknowledge each revision of the guideline: the service, roles, the rule and forget."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from audits.service import AuditService
from governance.acknowledgements import Acknowledgements, load_acks
from governance.errors import AccessRefused, FieldError, InputError
from governance.identity import current_login
from governance.people import People
from governance.register import Register
from governance.store import Store, repos
from tests.conftest import FIXED_NOW, store_snapshot

KULTUR, MILJO = "Kulturförvaltningen", "Miljöförvaltningen"
ME = current_login()
REVISED = date(2026, 10, 1)
ANNA, BO, CIA = "anna.berg@hbg.se", "bo.ek@hbg.se", "cia.holm@hbg.se"


def _day_after(day: date) -> datetime:
    """A moment on which ``day`` has been: an audit is never judged as of a day to come."""
    return max(FIXED_NOW, datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1))


def _clock(start: datetime = FIXED_NOW) -> Callable[[], datetime]:
    ticks = iter(start + timedelta(seconds=n) for n in range(100_000))
    return lambda: next(ticks)


def _acks(store: Store, user: str = ME, start: datetime = FIXED_NOW) -> Acknowledgements:
    return Acknowledgements(store, user=user, clock=_clock(start))


def _seed(store: Store, *, users: bool = False) -> None:
    """Anna edits two Kultur accounts, Bo one of them; Cia edits Miljö's account."""
    admin = Register(store, user=ME, clock=_clock(datetime(2026, 9, 1, tzinfo=FIXED_NOW.tzinfo)))
    for handle, department in (("kultur", KULTUR), ("bibliotek", KULTUR), ("miljo", MILJO)):
        admin.create_account({"platform": "facebook", "handle": handle, "department": department})
    admin.add_editor("facebook:kultur", f"Anna Berg <{ANNA}>")
    admin.add_editor("facebook:kultur", f"Bo Ek <{BO}>")
    admin.add_editor("facebook:bibliotek", f"Anna Berg <{ANNA}>")
    admin.add_editor("facebook:miljo", f"Cia Holm <{CIA}>")
    if users:
        people = People(store, user=ME)
        people.add_user(ME, "admin")
        people.add_user("lena", "lead", [KULTUR])
        people.add_user("olle", "viewer")


def _revise(store: Store, day: date = REVISED) -> None:
    AuditService(store, user=ME, clock=_clock()).record_revision(day, "Halvårsrevidering")


def test_nothing_to_acknowledge_before_a_revision(store: Store, data_dir: Path) -> None:
    _seed(store)
    before = store_snapshot(data_dir)
    with pytest.raises(InputError, match="kontokoll revision record"):
        _acks(store).acknowledge(ANNA)
    assert store_snapshot(data_dir) == before


def test_a_person_acknowledges_once_for_all_their_accounts(store: Store) -> None:
    _seed(store)
    _revise(store)
    report = _acks(store).acknowledge("Anna.Berg@HBG.se")
    assert report.revision == REVISED
    assert report.recorded == (("Anna Berg", ANNA),)
    with store.read() as txn:
        acks = load_acks(txn)
    assert [(a.email, a.revision, a.user) for a in acks] == [(ANNA, REVISED, ME)]
    again = _acks(store).acknowledge(ANNA)
    assert (again.recorded, again.already) == ((), (("Anna Berg", ANNA),))
    with store.read() as txn:
        assert len(load_acks(txn)) == 1
    logged = [e for e in Register(store).change_log() if e.action == "revision-acknowledged"]
    assert [(e.account, e.field, e.new) for e in logged] == [
        ("2026-10-01", "editors", f"Anna Berg <{ANNA}>")
    ]
    assert _acks(store).outstanding() == (REVISED, [BO, CIA])


def test_a_lead_acknowledges_for_their_department_only(store: Store) -> None:
    _seed(store, users=True)
    _revise(store)
    lena = _acks(store, "lena")
    report = lena.acknowledge(department="kulturförvaltningen")
    assert [email for _, email in report.recorded] == [ANNA, BO]
    with pytest.raises(AccessRefused, match="andra förvaltningar"):
        lena.acknowledge(department=MILJO)
    with pytest.raises(AccessRefused):
        lena.acknowledge(CIA)  # Cia edits only Miljö's account
    with pytest.raises(AccessRefused, match="viewer"):
        _acks(store, "olle").acknowledge(CIA)
    with store.read() as txn:
        assert sorted(a.email for a in load_acks(txn)) == [ANNA, BO]
    assert _acks(store).outstanding(MILJO) == (REVISED, [CIA])


@pytest.mark.parametrize(
    ("email", "department", "field"),
    [
        (None, None, "email"),
        (ANNA, KULTUR, "email"),
        ("inte-en-adress", None, "email"),
        ("okand@hbg.se", None, "email"),
        (None, "Påhittade förvaltningen", "department"),
    ],
)
def test_bad_input_is_refused_naming_the_field(
    store: Store, data_dir: Path, email: str | None, department: str | None, field: str
) -> None:
    _seed(store)
    _revise(store)
    before = store_snapshot(data_dir)
    with pytest.raises(FieldError) as refused:
        _acks(store).acknowledge(email, department)
    assert refused.value.field == field
    assert store_snapshot(data_dir) == before


def _unacknowledged(store: Store, as_of: date) -> dict[str, str]:
    report = AuditService(store, user=ME, clock=_clock(_day_after(as_of))).run(as_of=as_of)
    return {f.ref: f.message for f in report.run.findings if f.rule == "revision-unacknowledged"}


def test_editors_who_have_not_acknowledged_after_30_days_are_a_finding(store: Store) -> None:
    _seed(store)
    _revise(store)
    assert _unacknowledged(store, REVISED + timedelta(days=30)) == {}
    found = _unacknowledged(store, REVISED + timedelta(days=31))
    assert set(found) == {"facebook:kultur", "facebook:bibliotek", "facebook:miljo"}
    assert found["facebook:kultur"].startswith("2 av kontots 2 redaktörer")
    assert "AKN:s tillämpning" in found["facebook:kultur"]
    assert not any(name in text for text in found.values() for name in ("Anna", "anna.berg"))
    # Anna acknowledges on 2026-11-28 (the clock): audits as of later days count her.
    _acks(store).acknowledge(ANNA)
    later = _unacknowledged(store, date(2026, 12, 1))
    assert set(later) == {"facebook:kultur", "facebook:miljo"}
    assert later["facebook:kultur"].startswith("1 av kontots 2 redaktörer")
    # An audit as of a day before her acknowledgement still says what it said.
    assert set(_unacknowledged(store, date(2026, 11, 27))) == set(found)


def test_an_editor_appointed_after_the_revision_has_30_days_from_the_appointment(
    store: Store,
) -> None:
    _seed(store)
    _revise(store)
    _acks(store).acknowledge(department=KULTUR)
    _acks(store).acknowledge(CIA)
    late = Register(store, user=ME, clock=_clock(datetime(2026, 11, 20, tzinfo=FIXED_NOW.tzinfo)))
    late.add_editor("facebook:miljo", "Dan Ek <dan.ek@hbg.se>")
    assert _unacknowledged(store, date(2026, 12, 20)) == {}
    assert list(_unacknowledged(store, date(2026, 12, 21))) == ["facebook:miljo"]


def test_a_revision_recorded_before_acknowledgements_existed_is_not_judged(store: Store) -> None:
    _seed(store)
    with store.write() as txn:  # as an earlier Kontokoll recorded it: no acknowledge flag
        repos(txn).revisions.add(
            {
                "date": "2026-10-01",
                "note": "",
                "user": ME,
                "recorded_at": "2026-10-01T08:00:00+00:00",
            }
        )
    assert _unacknowledged(store, date(2026, 12, 31)) == {}
    _revise(store, date(2026, 11, 2))  # the next revision is judged
    assert len(_unacknowledged(store, date(2026, 12, 31))) == 3


def test_forget_erases_a_persons_acknowledgements(store: Store, data_dir: Path) -> None:
    _seed(store)
    _revise(store)
    _acks(store).acknowledge(department=KULTUR)
    People(store, user=ME).forget(ANNA)
    with store.read() as txn:
        assert [a.email for a in load_acks(txn)] == [BO]
    for path in data_dir.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert ANNA.encode() not in data, path
            assert b"Anna Berg" not in data, path


def test_who_of_some_editors_acknowledged_reads_no_account(store: Store) -> None:
    """The detail screen's question, for one account's editors: never the whole register."""
    _seed(store)
    assert _acks(store).acknowledged([ANNA, BO]) == (None, frozenset())
    _revise(store)
    assert _acks(store).acknowledged([ANNA, BO]) == (REVISED, frozenset())
    _acks(store).acknowledge(ANNA)
    assert _acks(store).acknowledged([ANNA, BO]) == (REVISED, frozenset({ANNA}))
    assert _acks(store).acknowledged([BO, CIA]) == (REVISED, frozenset())
    # The same answer as the department's outstanding editors give.
    _, outstanding = _acks(store).outstanding(KULTUR)
    assert frozenset({ANNA, BO}) - set(outstanding) == frozenset({ANNA})
