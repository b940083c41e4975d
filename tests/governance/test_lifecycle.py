"""An account's request, AKN's decision and its retirement: services, roles, imports and rules."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from audits.service import AuditService
from governance.errors import AccessRefused, FieldError
from governance.identity import current_login
from governance.lifecycle import LANGSIKTIGT, Lifecycle
from governance.model import Retirement
from governance.people import People
from governance.register import AccountRow, Register
from governance.store import Store
from tests.conftest import FIXED_NOW, store_snapshot

KULTUR, MILJO = "Kulturförvaltningen", "Miljöförvaltningen"
ME = current_login()
EDITORS = ("Anna Berg <anna.berg@hbg.se>", "Bo Ek <bo.ek@hbg.se>")


def _day_after(day: date) -> datetime:
    """A moment on which ``day`` has been: an audit is never judged as of a day to come."""
    return max(FIXED_NOW, datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1))


def _clock(start: datetime = FIXED_NOW) -> Callable[[], datetime]:
    ticks = iter(start + timedelta(seconds=n) for n in range(100_000))
    return lambda: next(ticks)


def _life(store: Store, user: str = ME, start: datetime = FIXED_NOW) -> Lifecycle:
    return Lifecycle(store, user=user, clock=_clock(start))


def _request(life: Lifecycle, ref: str = "instagram:kulturtips", **changes: object) -> object:
    values: dict[str, object] = {
        "department": KULTUR,
        "purpose": "Tips om kulturevenemang, kopplat till förvaltningens mål om fler besökare.",
        "audience": "Unga vuxna 18–30 år i Helsingborg",
        "goals": ["informera", "aktivera"],
        "editors": list(EDITORS),
    }
    values.update(changes)
    return life.request(ref, **values)  # type: ignore[arg-type]


def _seed_users(store: Store) -> None:
    admin = Register(store, user=ME)
    admin.add_department(KULTUR)
    admin.add_department(MILJO)
    people = People(store, user=ME)
    people.add_user(ME, "admin")
    people.add_user("lena", "lead", [KULTUR])
    people.add_user("olle", "viewer")


def _log(store: Store, action: str) -> list[tuple[str, str | None, str | None]]:
    return [(e.field, e.old, e.new) for e in Register(store).change_log() if e.action == action]


# --- request and decision ----------------------------------------------------------------------


def test_a_request_carries_its_categories_and_department_goals_whole_or_not_at_all(
    store: Store,
) -> None:
    from governance.department_goals import DepartmentGoals

    _seed_users(store)
    DepartmentGoals(store, user=ME).add(KULTUR, "Fler unga besöker biblioteken")
    before = store_snapshot(store.data_dir)
    with pytest.raises(FieldError) as caught:
        _request(_life(store, "lena"), categories=["tips"], department_goals=["g2"])
    assert caught.value.field == "department_goals"
    assert store_snapshot(store.data_dir) == before  # not filed without its links
    _request(_life(store, "lena"), categories=["tips"], department_goals=["g1"])
    stored = Register(store).account("instagram:kulturtips")
    assert (stored.status, stored.categories, stored.department_goals) == (
        "requested", ("tips",), ("g1",))
    assert len(_log(store, "account-requested")) == 1


def test_a_lead_requests_and_only_an_admin_approves(store: Store) -> None:
    _seed_users(store)
    lena = _life(store, "lena")
    account = lena.request(
        "instagram:kulturtips",
        department="kulturförvaltningen",
        purpose="Tips om kulturevenemang.",
        audience="Unga vuxna",
        goals=["engagera"],
        editors=list(EDITORS),
    )
    stored = Register(store).account("instagram:kulturtips")
    assert (stored.status, stored.department, stored.requested_by) == ("requested", KULTUR, "lena")
    assert [e.email for e in stored.editors] == ["anna.berg@hbg.se", "bo.ek@hbg.se"]
    assert stored.request_warnings == ()
    assert ("status", None, "requested") in _log(store, "account-requested")
    with pytest.raises(AccessRefused, match="lena"):
        lena.approve(account.id, "Jag godkänner själv")
    with pytest.raises(AccessRefused):
        lena.reject(account.id, "Nej")
    assert Register(store).account(account.id).status == "requested"
    refusals = [e.field for e in Register(store).change_log() if e.action == "refused"]
    assert refusals[-2:] == ["account.approve", "account.reject"]

    approved = _life(store).approve("instagram:kulturtips", "Syftet är kopplat till målen.")
    stored = Register(store).account(account.id)
    assert stored == approved
    assert (stored.status, stored.decided_by) == ("active", ME)
    assert stored.decision_reason == "Syftet är kopplat till målen."
    assert ("status", "requested", "active") in _log(store, "request-approved")


def test_a_viewer_cannot_request_and_a_lead_only_for_their_departments(
    store: Store, data_dir: Path
) -> None:
    _seed_users(store)
    before = store_snapshot(data_dir)
    with pytest.raises(AccessRefused, match="viewer"):
        _request(_life(store, "olle"))
    with pytest.raises(AccessRefused, match="andra förvaltningar"):
        _request(_life(store, "lena"), department=MILJO)
    assert Register(store).accounts() == []
    after = store_snapshot(data_dir)
    assert {k: v for k, v in after.items() if "log/" not in k} == {
        k: v for k, v in before.items() if "log/" not in k
    }  # only the refusals were logged


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"purpose": "  "}, "purpose", "Kontot fyller ett syfte som går att koppla till de mål"),
        ({"audience": ""}, "audience", "Ju mer vi vet om vem det är vi försöker nå"),
        ({"goals": []}, "goals", "ska ha en av följande målsättningar"),
        ({"editors": [EDITORS[0]]}, "editor", "AKN:s tillämpning"),
        ({"editors": []}, "editor", "minst 2"),
        ({"goals": ["underhålla"]}, "goals", "informera, aktivera, engagera"),
        ({"editors": ["Anna <inte-en-adress>", EDITORS[1]]}, "editor", "inte-en-adress"),
        ({"project_end": "2026-12-31"}, "project_end", ""),
        ({"project_end": "31/12/2026", "project": "P"}, "project_end", "31/12/2026"),
    ],
)
def test_a_request_missing_what_the_guideline_asks_is_refused_and_nothing_stored(
    store: Store, data_dir: Path, change: dict[str, object], field: str, words: str
) -> None:
    Register(store, user=ME).add_department(KULTUR)
    before = store_snapshot(data_dir)
    with pytest.raises(FieldError) as refused:
        _request(_life(store), **change)
    assert refused.value.field == field
    assert words in str(refused.value)
    assert str(refused.value).startswith(f"{field}: ")
    assert store_snapshot(data_dir) == before


def test_a_bad_reference_is_refused_naming_the_account(store: Store) -> None:
    with pytest.raises(FieldError) as refused:
        _request(_life(store), ref="kulturtips")
    assert refused.value.field == "account"
    with pytest.raises(FieldError, match="platform"):
        _request(_life(store), ref="myspace:kulturtips")
    assert Register(store).accounts() == []


def test_a_time_limited_project_is_accepted_with_the_langsiktigt_warning(store: Store) -> None:
    account = _request(_life(store), project="Sommarlov 2027", project_end="2027-08-31")
    stored = Register(store).account("instagram:kulturtips")
    assert stored == account
    assert stored.request_warnings == (LANGSIKTIGT,)
    assert (stored.project, stored.project_end) == ("Sommarlov 2027", date(2027, 8, 31))


def test_a_rejected_request_stays_and_a_new_request_reopens_it(store: Store) -> None:
    first = _request(_life(store))
    _life(store).reject("instagram:kulturtips", "Använd bibliotekets befintliga konto.")
    stored = Register(store).account("instagram:kulturtips")
    assert (stored.status, stored.decision_reason) == (
        "rejected",
        "Använd bibliotekets befintliga konto.",
    )
    with pytest.raises(FieldError, match="bara en ansökan"):
        _life(store).approve("instagram:kulturtips", "Ändå ja")
    with pytest.raises(FieldError, match="avvecklas"):
        _life(store).retire("instagram:kulturtips", {})
    again = _request(_life(store), purpose="Ett nytt, tydligare syfte.")
    assert again.id == first.id  # type: ignore[attr-defined]
    stored = Register(store).account("instagram:kulturtips")
    assert (stored.status, stored.decision_reason) == ("requested", "")
    assert ("status", "rejected", "requested") in _log(store, "account-requested")
    assert ("decision_reason", None, "Använd bibliotekets befintliga konto.") in _log(
        store, "request-rejected"
    )
    with pytest.raises(FieldError, match="finns redan"):
        _request(_life(store))  # a pending request is not filed twice


def test_approve_and_reject_need_a_reason_and_a_request(store: Store) -> None:
    _request(_life(store))
    with pytest.raises(FieldError) as refused:
        _life(store).approve("instagram:kulturtips", "   ")
    assert refused.value.field == "reason"
    assert Register(store).account("instagram:kulturtips").status == "requested"
    _life(store).approve("instagram:kulturtips", "Ja")
    with pytest.raises(FieldError, match="”active”"):
        _life(store).reject("instagram:kulturtips", "Nej")


# --- imports and edits never touch the request statuses -----------------------------------------


def test_imports_and_edits_neither_set_nor_leave_requested_or_rejected(store: Store) -> None:
    admin = Register(store, user=ME)
    admin.create_account({"platform": "facebook", "handle": "kultur", "department": KULTUR})
    _request(_life(store))
    for row in (
        AccountRow(
            2, {"platform": "x", "handle": "ny", "department": KULTUR, "status": "requested"}
        ),
        AccountRow(2, {"platform": "facebook", "handle": "kultur", "status": "rejected"}),
        AccountRow(2, {"platform": "instagram", "handle": "kulturtips", "status": "active"}),
    ):
        with pytest.raises(Exception, match="status: ") as refused:
            admin.import_rows([row], "konton.csv")
        assert "accounts request" in str(refused.value)
    with pytest.raises(FieldError, match="approve"):
        admin.update_account("instagram:kulturtips", status="active")
    assert Register(store).account("instagram:kulturtips").status == "requested"
    assert Register(store).account("facebook:kultur").status == "active"
    # A row that leaves the request's status as it is may change its other fields.
    row = AccountRow(2, {"platform": "instagram", "handle": "kulturtips", "status": "requested",
                         "purpose": "Nytt syfte"})  # fmt: skip
    admin.import_rows([row], "konton.csv")
    assert Register(store).account("instagram:kulturtips").purpose == "Nytt syfte"


# --- closing down --------------------------------------------------------------------------------


def test_retire_stores_the_checklist_and_later_answers_complete_it(store: Store) -> None:
    Register(store, user=ME).create_account(
        {"platform": "facebook", "handle": "kultur", "department": KULTUR}
    )
    life = _life(store)
    retired = life.retire(
        "facebook:kultur",
        {"announced": "ja", "followers_to": "facebook:hbgbibliotek", "disposal": "vilande"},
    )
    stored = Register(store).account("facebook:kultur")
    assert stored == retired
    assert stored.status == "retired"
    assert stored.retired_at is not None
    assert stored.retirement == Retirement(
        announced=True, followers_to="facebook:hbgbibliotek", disposal="dormant"
    )
    assert stored.retirement.open_items(date(2026, 12, 1)) == (
        "archived",
        "admins_removed",
        "disposal",
    )
    assert ("status", "active", "retired") in _log(store, "account-retired")
    answered = _log(store, "retirement-answered")
    assert ("retirement.announced", None, "true") in answered
    assert not any(field == "retirement.archived_at" for field, _, _ in answered)

    done = life.retire(
        "facebook:kultur",
        {"archived_at": "Kommunarkivet", "diarienummer": "KS 2026/123", "admins_removed": "ja",
         "disposal_on": "2026-11-30"},
    )  # fmt: skip
    assert done.retired_at == stored.retired_at
    assert done.retirement is not None
    assert done.retirement.open_items(date(2026, 12, 1)) == ()
    assert done.retirement.diarienummer == "KS 2026/123"


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({"announced": "kanske"}, "announced"),
        ({"disposal": "borta"}, "disposal"),
        ({"disposal_on": "1999-01-01"}, "disposal_on"),
        ({"archived_at": "arkiv\x1b[31m"}, "archived_at"),
        ({"reason": "x"}, "reason"),
    ],
)
def test_a_bad_answer_is_refused_naming_it_and_nothing_changes(
    store: Store, data_dir: Path, answers: dict[str, str], field: str
) -> None:
    Register(store, user=ME).create_account(
        {"platform": "facebook", "handle": "kultur", "department": KULTUR}
    )
    before = store_snapshot(data_dir)
    with pytest.raises(FieldError) as refused:
        _life(store).retire("facebook:kultur", answers)
    assert refused.value.field == field
    assert store_snapshot(data_dir) == before


def test_who_may_retire(store: Store) -> None:
    _seed_users(store)
    admin = Register(store, user=ME)
    admin.create_account({"platform": "facebook", "handle": "kultur", "department": KULTUR})
    admin.create_account({"platform": "facebook", "handle": "miljo", "department": MILJO})
    with pytest.raises(AccessRefused):
        _life(store, "olle").retire("facebook:kultur", {})
    with pytest.raises(AccessRefused):
        _life(store, "lena").retire("facebook:miljo", {})
    _life(store, "lena").retire("facebook:kultur", {"announced": "nej"})
    assert Register(store).account("facebook:kultur").status == "retired"
    assert Register(store).account("facebook:miljo").status == "active"


def test_retiring_by_import_starts_an_open_checklist_but_old_retirements_have_none(
    store: Store,
) -> None:
    admin = Register(store, user=ME, clock=_clock())
    admin.import_rows(
        [
            AccountRow(
                2, {"platform": "x", "handle": "gammal", "department": KULTUR, "status": "retired"}
            ),
            AccountRow(3, {"platform": "x", "handle": "aktiv", "department": KULTUR}),
        ],
        "konton.csv",
    )
    assert Register(store).account("x:gammal").retirement is None
    admin.import_rows(
        [AccountRow(2, {"platform": "x", "handle": "aktiv", "status": "retired"})], "k.csv"
    )
    stored = Register(store).account("x:aktiv")
    assert stored.retirement == Retirement()
    assert stored.retired_at is not None


# --- the rules ------------------------------------------------------------------------------------


def _findings(store: Store, as_of: date, rule: str) -> list[dict[str, object]]:
    report = AuditService(store, user=ME, clock=_clock(_day_after(as_of))).run(as_of=as_of)
    return [
        {"ref": f.ref, **f.params, "message": f.message}
        for f in report.run.findings
        if f.rule == rule
    ]


def test_a_request_waiting_over_ten_working_days_is_a_finding(store: Store) -> None:
    # Filed Monday 2026-11-30; ten working days later is Monday 2026-12-14.
    _request(_life(store, start=datetime(2026, 11, 30, 9, 0, tzinfo=FIXED_NOW.tzinfo)))
    assert _findings(store, date(2026, 12, 14), "request-pending") == []
    found = _findings(store, date(2026, 12, 15), "request-pending")
    assert [(f["ref"], f["days"], f["limit"]) for f in found] == [("instagram:kulturtips", 11, 10)]
    assert "AKN:s tillämpning" in str(found[0]["message"])
    # Over Christmas: julafton, juldagen, annandag jul and nyårsafton are not working days.
    assert _findings(store, date(2026, 12, 23), "request-pending")[0]["days"] == 17
    assert _findings(store, date(2026, 12, 28), "request-pending")[0]["days"] == 18
    _life(store).approve("instagram:kulturtips", "Ja")
    assert _findings(store, date(2026, 12, 28), "request-pending") == []


def test_a_retirement_with_open_items_is_a_finding_and_older_ones_are_not_judged(
    store: Store,
) -> None:
    admin = Register(store, user=ME, clock=_clock())
    admin.import_rows(
        [
            AccountRow(
                2, {"platform": "x", "handle": "gammal", "department": KULTUR, "status": "retired"}
            )
        ],
        "konton.csv",
    )
    admin.create_account({"platform": "facebook", "handle": "kultur", "department": KULTUR})
    life = _life(store)
    answers = {"announced": "ja", "followers_to": "facebook:hbg", "disposal": "deleted"}
    life.retire("facebook:kultur", {**answers, "disposal_on": "2027-01-15"})
    found = _findings(store, date(2026, 12, 31), "retirement-open")
    assert [(f["ref"], f["open"]) for f in found] == [("facebook:kultur", 3)]
    assert "innehållet arkiverat" in str(found[0]["message"])
    assert "kontot raderat eller vilande" in str(found[0]["message"])  # deleted only 2027-01-15
    life.retire("facebook:kultur", {"archived_at": "Kommunarkivet", "admins_removed": "ja"})
    assert _findings(store, date(2026, 12, 31), "retirement-open")[0]["open"] == 1
    assert _findings(store, date(2027, 1, 15), "retirement-open") == []
