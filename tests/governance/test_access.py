"""Roles, identity, refusals in the change log, forgetting a person, and shared data directories."""

from __future__ import annotations

import grp
import os
import stat
from pathlib import Path

import pytest

from governance.access import (
    ACKNOWLEDGE_FINDING,
    EDIT_DEPARTMENT_GOALS,
    MANAGE_USERS,
    authorize,
)
from governance.errors import AccessRefused, FieldError, InputError
from governance.identity import current_login
from governance.model import Person
from governance.people import People
from governance.register import AccountRow, Register
from governance.store import CHANGE_LOG, Store
from tests.conftest import child_env, run_process, store_snapshot

KULTUR, MILJO = "Kulturförvaltningen", "Miljöförvaltningen"
ME = current_login()


def _seed(store: Store) -> None:
    register = Register(store, user=ME)
    register.create_account({"platform": "facebook", "handle": "kultur", "department": KULTUR})
    register.create_account({"platform": "facebook", "handle": "miljo", "department": MILJO})
    people = People(store, user=ME)
    people.add_user(ME, "admin")
    people.add_user("lena", "lead", ["KULTURFÖRVALTNINGEN"])
    people.add_user("olle", "viewer")


def test_single_user_mode_makes_whoever_runs_it_admin(store: Store) -> None:
    assert People(store, user="vem-som-helst").whoami().role == "admin"
    Register(store, user="vem-som-helst").create_account(
        {"platform": "x", "handle": "a", "department": KULTUR}
    )


def test_the_first_user_must_be_yourself_as_admin(store: Store) -> None:
    people = People(store, user=ME)
    with pytest.raises(InputError, match="Lägg först till dig själv som admin"):
        people.add_user("olle", "viewer")
    assert people.users() == []


def test_departments_are_matched_regardless_of_case_and_must_exist(store: Store) -> None:
    _seed(store)
    people = People(store, user=ME)
    assert people.users()[0].departments == (KULTUR,)
    with pytest.raises(FieldError, match="okänd förvaltning"):
        people.add_user("kim", "lead", ["Påhittade förvaltningen"])
    with pytest.raises(FieldError, match="minst en förvaltning"):
        people.add_user("kim", "lead")


def test_admin_may_change_everything(store: Store) -> None:
    _seed(store)
    admin = Register(store, user=ME)
    admin.update_account("facebook:miljo", purpose="Miljötips")
    admin.add_editor("facebook:kultur", "A B <a@hbg.se>")
    admin.add_department("Nya förvaltningen")
    People(store, user=ME).add_user("kim", "viewer")


def test_a_lead_changes_only_their_own_departments(store: Store) -> None:
    _seed(store)
    lena = Register(store, user="lena")
    lena.update_account("facebook:kultur", purpose="Kulturtips")
    lena.add_editor("facebook:kultur", "A B <a@hbg.se>")
    lena.confirm_editors("facebook:kultur")
    lena.remove_editor("facebook:kultur", "a@hbg.se")
    # A lead requests new accounts (accounts request); creating one is AKN's.
    with pytest.raises(AccessRefused, match="kontokoll accounts request instagram:k2"):
        lena.create_account(
            {"platform": "instagram", "handle": "k2", "department": "kulturförvaltningen"}
        )
    for attempt in (
        lambda: lena.update_account("facebook:miljo", purpose="Nej"),
        lambda: lena.add_editor("facebook:miljo", "C D <c@hbg.se>"),
        lambda: lena.confirm_editors("facebook:miljo"),
        lambda: lena.update_account("facebook:kultur", department=MILJO),
        lambda: lena.create_account({"platform": "x", "handle": "m", "department": MILJO}),
        lambda: lena.add_department("Egen förvaltning"),
        lambda: People(store, user="lena").add_user("kim", "viewer"),
        lambda: People(store, user="lena").forget("a@hbg.se"),
    ):
        with pytest.raises(AccessRefused):
            attempt()
    assert Register(store).account("facebook:miljo").purpose == ""
    assert Register(store).account("facebook:kultur").department == KULTUR


def test_a_lead_refused_is_told_what_it_concerns_not_accounts_of_an_empty_department(
    store: Store,
) -> None:
    _seed(store)
    with store.read() as txn:
        with pytest.raises(AccessRefused) as no_department:
            authorize(txn, "lena", ACKNOWLEDGE_FINDING, None)  # a register-wide finding
        with pytest.raises(AccessRefused) as other:
            authorize(txn, "lena", EDIT_DEPARTMENT_GOALS, MILJO)
    said = str(no_department.value)
    assert "hör inte till någon av dem" in said and "administratörs sak" in said
    assert "konton i  " not in said and "kvittera" in said
    assert f"får inte göra detta för {MILJO}" in str(other.value)
    assert "ändra konton" not in str(other.value)


def test_only_akn_records_who_answers_an_account_s_messages(store: Store) -> None:
    """"Där det finns en gemensam överenskommelse": handing comments or direct messages to
    Kontaktcenter is an agreement AKN records, not something a lead does alone."""
    _seed(store)
    lena = Register(store, user="lena")
    before = store_snapshot(store.data_dir)
    for attempt in (
        lambda: lena.update_account("facebook:kultur", kc_handles_comments=True),
        lambda: lena.update_from_text("facebook:kultur", {"shared": "ja"}),
        lambda: lena.import_rows(
            [AccountRow(2, {"platform": "facebook", "handle": "kultur", "shared": "ja"})], "f.csv"
        ),
    ):
        with pytest.raises(AccessRefused):
            attempt()
    assert store_snapshot(store.data_dir) | {CHANGE_LOG: b""} == before | {CHANGE_LOG: b""}
    lena.update_account("facebook:kultur", purpose="Kulturtips")  # the rest stays hers
    Register(store, user=ME).update_account("facebook:kultur", kc_handles_comments=True)
    assert Register(store).account("facebook:kultur").kc_handles_comments


def test_a_lead_may_import_only_rows_of_their_departments(store: Store) -> None:
    _seed(store)
    lena = Register(store, user="lena")
    own = AccountRow(2, {"platform": "facebook", "handle": "kultur", "purpose": "Kulturtips"})
    other = AccountRow(3, {"platform": "facebook", "handle": "miljo", "purpose": "Nej"})
    with pytest.raises(AccessRefused):
        lena.import_rows([own, other], "f.csv")
    assert Register(store).account("facebook:kultur").purpose == ""
    lena.import_rows([own], "f.csv")
    assert Register(store).account("facebook:kultur").purpose == "Kulturtips"
    # A new row, even of her own department, is a request to file instead.
    new = AccountRow(2, {"platform": "x", "handle": "k", "department": KULTUR})
    with pytest.raises(AccessRefused, match="kontokoll accounts request x:k"):
        lena.import_rows([new], "f.csv")
    assert [a.ref for a in Register(store).accounts()] == ["facebook:kultur", "facebook:miljo"]


def test_a_viewer_reads_but_changes_nothing(store: Store) -> None:
    _seed(store)
    olle = Register(store, user="olle")
    assert len(olle.accounts()) == 2
    assert olle.change_log()
    assert not olle.may(MANAGE_USERS)
    with pytest.raises(AccessRefused, match="viewer"):
        olle.update_account("facebook:kultur", purpose="Nej")
    with pytest.raises(AccessRefused):
        olle.add_editor("facebook:kultur", "A B <a@hbg.se>")


def test_an_unknown_login_is_refused_everything_and_the_attempt_is_logged(store: Store) -> None:
    _seed(store)
    stranger = Register(store, user="mallory")
    with pytest.raises(AccessRefused, match="mallory finns inte"):
        stranger.accounts()
    with pytest.raises(AccessRefused):
        stranger.add_editor("facebook:kultur", "M <m@evil.se>")
    refusals = [e for e in Register(store, user=ME).change_log() if e.action == "refused"]
    assert [(e.user, e.field) for e in refusals] == [("mallory", "read"), ("mallory", "read")]
    lena = Register(store, user="lena")
    with pytest.raises(AccessRefused):
        lena.update_account("facebook:miljo", purpose="x")
    last = Register(store, user=ME).change_log()[-1]
    assert (last.user, last.action, last.field, last.account) == (
        "lena",
        "refused",
        "account.edit",
        "facebook:miljo",
    )


def test_the_last_admin_stays(store: Store) -> None:
    _seed(store)
    people = People(store, user=ME)
    with pytest.raises(InputError, match="minst en admin"):
        people.remove_user(ME)
    with pytest.raises(InputError, match="minst en admin"):
        people.add_user(ME, "viewer")
    people.remove_user("olle")
    assert [u.login for u in people.users()] == ["lena", ME]


def test_the_change_log_is_append_only(store: Store, data_dir: Path) -> None:
    _seed(store)
    register = Register(store, user=ME)
    log = data_dir / CHANGE_LOG
    before = log.read_bytes()
    register.update_account("facebook:kultur", purpose="Ny")
    register.add_editor("facebook:kultur", "A B <a@hbg.se>")
    People(store, user=ME).remove_user("olle")
    with pytest.raises(AccessRefused):
        Register(store, user="olle").update_account("facebook:kultur", purpose="x")
    after = log.read_bytes()
    assert after.startswith(before) and len(after) > len(before)


def test_forget_leaves_no_trace_of_the_email_but_keeps_the_log(
    store: Store, data_dir: Path
) -> None:
    _seed(store)
    register = Register(store, user=ME)
    register.add_editor("facebook:kultur", "Anna Berg <Anna.Berg@hbg.se>")
    register.add_editor("facebook:miljo", "Anna Berg <anna.berg@hbg.se>")
    register.confirm_editors("facebook:miljo")
    register.add_department(KULTUR, [Person("Anna Berg", "anna.berg@hbg.se")])
    entries_before = len(register.change_log())
    pseudonym = People(store, user=ME).forget("ANNA.BERG@hbg.se").pseudonym
    for path in data_dir.rglob("*"):
        if path.is_file():
            assert b"anna.berg" not in path.read_bytes().lower(), path
            assert b"Anna Berg" not in path.read_bytes(), path
    log = register.change_log()
    assert len(log) == entries_before + 1
    assert log[-1].action == "person-forgotten"
    assert sum(pseudonym in (e.old or "") + (e.new or "") for e in log) >= 4
    assert register.account("facebook:kultur").editors == ()
    with pytest.raises(InputError):
        People(store, user=ME).forget("anna.berg@hbg.se")


def test_identity_ignores_the_user_variable_in_a_real_process(tmp_path: Path) -> None:
    data = tmp_path / "data"
    store = Store(data)
    _seed(store)
    store.close()
    env = child_env(USER="lena", LOGNAME="lena")
    result = run_process("--data-dir", str(data), "whoami", env=env)
    assert result.stdout.startswith(f"{ME}: admin")
    refused = run_process(
        "--data-dir", str(data), "--lang", "en", "users", "add", "x", "--role", "viewer", env=env
    )
    assert refused.returncode == 0  # still the admin, whatever USER says


def test_cli_refusal_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    data = tmp_path / "data"
    store = Store(data)
    Register(store, user=ME).create_account({"platform": "x", "handle": "a", "department": KULTUR})
    People(store, user=ME).add_user(ME, "admin")
    # Demote ourselves to viewer through a second admin, then try to change something.
    People(store, user=ME).add_user("boss", "admin")
    People(store, user="boss").add_user(ME, "viewer")
    store.close()
    result = run_process("--data-dir", str(data), "editors", "add", "x:a", "A B <a@b.se>")
    assert result.returncode == 2
    assert "viewer" in result.stderr and "Traceback" not in result.stderr
    listing = run_process("--data-dir", str(data), "accounts", "list")
    assert listing.returncode == 0 and "x:a" in listing.stdout


def test_init_group_shares_the_directory_and_later_files_keep_it(tmp_path: Path) -> None:
    data = tmp_path / "data"
    store = Store(data)
    Register(store, user=ME).create_account({"platform": "x", "handle": "a", "department": KULTUR})
    store.close()
    group = grp.getgrgid(os.getgid()).gr_name
    result = run_process("--data-dir", str(data), "init", "--group", group)
    assert result.returncode == 0, result.stderr
    store = Store(data)
    Register(store, user=ME).add_editor("x:a", "A B <a@b.se>")  # new writes after init
    Register(store, user=ME).create_account({"platform": "x", "handle": "b", "department": MILJO})
    store.close()
    assert stat.S_IMODE(data.stat().st_mode) == 0o2770
    for path in data.rglob("*"):
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o2770 if path.is_dir() else 0o660), (path, oct(mode))
        assert path.stat().st_gid == os.getgid()
    unknown = run_process("--data-dir", str(data), "init", "--group", "ingen-sadan-grupp-xyz")
    assert unknown.returncode == 2 and "ingen-sadan-grupp-xyz" in unknown.stderr


def _as_role(data: Path, role: str, departments: tuple[str, ...] = ()) -> None:
    """A register where the OS login running the tests has ``role`` (another admin exists)."""
    store = Store(data)
    register = Register(store, user=ME)
    register.create_account({"platform": "facebook", "handle": "kultur", "department": KULTUR})
    register.create_account({"platform": "facebook", "handle": "miljo", "department": MILJO})
    register.add_editor("facebook:kultur", "Anna Berg <anna@hbg.se>")
    people = People(store, user=ME)
    people.add_user(ME, "admin")
    people.add_user("boss", "admin")
    People(store, user="boss").add_user(ME, role, departments)
    store.close()


# (command, allowed for admin, for a lead of Kulturförvaltningen, for a viewer)
CLI_MATRIX = [
    (("accounts", "list"), True, True, True),
    (("log",), True, True, True),
    (("editors", "add", "facebook:kultur", "Bo Ek <bo@hbg.se>"), True, True, False),
    (("editors", "add", "facebook:miljo", "Bo Ek <bo@hbg.se>"), True, False, False),
    (("editors", "confirm", "facebook:kultur"), True, True, False),
    (("editors", "remove", "facebook:kultur", "anna@hbg.se"), True, True, False),
    (("users", "add", "kim", "--role", "viewer"), True, False, False),
    (("departments", "add", "Nya förvaltningen"), True, False, False),
    (("editors", "forget", "anna@hbg.se"), True, False, False),
    (("revision", "record", "2026-10-01"), True, False, False),
    (("audit", "run", "--quarter", "2026Q3"), True, False, False),
]


@pytest.mark.parametrize(("role", "column"), [("admin", 1), ("lead", 2), ("viewer", 3)])
def test_every_role_through_the_cli(tmp_path: Path, role: str, column: int) -> None:
    data = tmp_path / "data"
    _as_role(data, role, (KULTUR,) if role == "lead" else ())
    for row in CLI_MATRIX:
        command, allowed = row[0], row[column]
        result = run_process("--data-dir", str(data), *command)
        assert (result.returncode == 0) == allowed, (role, command, result.stderr)
        assert "Traceback" not in result.stderr
        if not allowed:
            assert ME in result.stderr  # the refusal names who was refused
    store = Store(data)
    refused = [e for e in Register(store, user="boss").change_log() if e.action == "refused"]
    store.close()
    assert len(refused) == sum(1 for row in CLI_MATRIX if not row[column])


def test_a_viewer_may_not_sync_and_nothing_is_fetched(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _as_role(data, "viewer")
    # The refusal comes before any client is built, so no host could be reached.
    env = child_env(KONTOKOLL_FACEBOOK_BASE_URL="http://127.0.0.1:9")
    result = run_process("--data-dir", str(data), "sync", env=env)
    assert result.returncode == 2
    assert "viewer" in result.stderr and "hämta statistik" in result.stderr  # the action in words
