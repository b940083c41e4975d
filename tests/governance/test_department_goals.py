"""Issue 12: departments' own goals, accounts' links to them and their content categories, in the
store, the services, the roles, the change log and the accounts CSV and workbook."""

from __future__ import annotations

from pathlib import Path

import pytest

from governance.accounts_csv import read_account_rows, write_accounts_csv
from governance.department_goals import DepartmentGoals
from governance.errors import AccessRefused, FieldError, ImportRefused
from governance.fields import parse_categories, parse_goal_ids
from governance.identity import current_login
from governance.model import Account, Department, DepartmentGoal
from governance.people import People
from governance.register import AccountRow, Register
from governance.store import Store, repos

KULTUR, MILJO = "Kulturförvaltningen", "Miljöförvaltningen"
ME = current_login()


def _register(store: Store) -> Register:
    register = Register(store, user=ME)
    register.create_account({"platform": "facebook", "handle": "kultur", "department": KULTUR})
    register.create_account({"platform": "x", "handle": "kultur", "department": KULTUR})
    register.create_account({"platform": "facebook", "handle": "miljo", "department": MILJO})
    return register


def _log(register: Register) -> list[tuple[str, str, str | None, str | None]]:
    return [(e.action, e.field, e.old, e.new) for e in register.change_log()]


# --- the store ---


def test_goals_get_ids_in_order_are_stored_and_never_reused(store: Store) -> None:
    _register(store)
    goals = DepartmentGoals(store, user=ME)
    assert goals.add("kulturförvaltningen", "  Fler unga besöker biblioteken ") == DepartmentGoal(
        "g1", "Fler unga besöker biblioteken"
    )
    assert goals.add(KULTUR, "Öka kännedomen om kulturskolan").id == "g2"
    goals.remove(KULTUR, "G2")
    assert goals.add(KULTUR, "Fler besökare på museerna").id == "g3"  # g2 is never handed out again
    reopened = Store(store.data_dir)
    try:
        with reopened.read() as txn:
            stored = {d.name: d for d in repos(txn).departments.all()}
    finally:
        reopened.close()
    assert stored[KULTUR].goal_ids == ("g1", "g3")
    assert stored[KULTUR].last_goal == 3
    assert stored[MILJO].goals == () and stored[MILJO].last_goal == 0


def test_a_department_stored_before_goals_reads_as_having_none() -> None:
    old = {"name": KULTUR, "key": "kulturförvaltningen", "contacts": [["A", "a@hbg.se"]]}
    department = Department.from_doc(old)
    assert department.goals == () and department.last_goal == 0
    assert department.to_doc() == old  # and is written back the same
    with pytest.raises(ValueError):
        Department.from_doc({**old, "goals": [["x1", "Fel id"]]})
    with pytest.raises(TypeError):
        Department.from_doc({**old, "goals": [], "last_goal": "många"})


def test_an_account_stored_before_the_fields_reads_as_having_none(store: Store) -> None:
    register = _register(store)
    doc = register.account("facebook:kultur").to_doc()
    del doc["categories"], doc["department_goals"]
    account = Account.from_doc(doc)
    assert account.categories == () and account.department_goals == ()


def test_adding_contacts_keeps_the_goals(store: Store) -> None:
    register = _register(store)
    DepartmentGoals(store, user=ME).add(KULTUR, "Fler unga besöker biblioteken")
    register.add_department(KULTUR.upper(), [])
    from governance.model import Person

    register.add_department(KULTUR, [Person("Lena Ek", "lena.ek@helsingborg.se")])
    assert DepartmentGoals(store, user=ME).department(KULTUR).goal_ids == ("g1",)


# --- the services ---


def test_bad_goals_are_refused_and_nothing_changes(store: Store) -> None:
    _register(store)
    goals = DepartmentGoals(store, user=ME)
    goals.add(KULTUR, "Fler unga besöker biblioteken")
    with pytest.raises(FieldError, match="har redan målet g1"):
        goals.add(KULTUR, "FLER UNGA BESÖKER BIBLIOTEKEN")
    with pytest.raises(FieldError, match=r"obligatoriskt|krävs|saknas|tomt"):
        goals.add(KULTUR, "   ")
    with pytest.raises(FieldError):
        goals.add(KULTUR, "Mål med \x1b[31mstyrtecken")
    with pytest.raises(FieldError, match="Det finns ingen förvaltning ”Påhittad”"):
        goals.add("Påhittad", "Ett mål")
    with pytest.raises(FieldError, match="har inget mål g7"):
        goals.remove(KULTUR, "g7")
    assert goals.department(KULTUR).goal_ids == ("g1",)


def test_removing_a_goal_unlinks_the_accounts_and_logs_each_change(store: Store) -> None:
    register = _register(store)
    goals = DepartmentGoals(store, user=ME)
    goals.add(KULTUR, "Fler unga besöker biblioteken")
    goals.add(KULTUR, "Öka kännedomen om kulturskolan")
    register.update_from_text("facebook:kultur", {"department_goals": "g2, g1"})
    register.update_from_text("x:kultur", {"department_goals": "g2"})
    assert register.account("facebook:kultur").department_goals == ("g1", "g2")
    assert goals.linked_accounts(KULTUR) == {"g1": ["facebook:kultur"],
                                             "g2": ["facebook:kultur", "x:kultur"]}  # fmt: skip
    removed, unlinked = goals.remove(KULTUR, "g2")
    assert removed.text == "Öka kännedomen om kulturskolan"
    assert sorted(a.ref for a in unlinked) == ["facebook:kultur", "x:kultur"]
    assert register.account("facebook:kultur").department_goals == ("g1",)
    assert register.account("x:kultur").department_goals == ()
    log = _log(register)
    assert (
        "department-goal-added",
        "department_goals",
        None,
        "g1: Fler unga besöker biblioteken",
    ) in log
    assert ("department-goal-removed", "department_goals",
            "g2: Öka kännedomen om kulturskolan", None) in log  # fmt: skip
    assert ("account-changed", "department_goals", "g1|g2", "g1") in log
    assert ("account-changed", "department_goals", "g2", "") in log


def test_an_account_may_link_only_its_own_department_s_goals(store: Store) -> None:
    register = _register(store)
    DepartmentGoals(store, user=ME).add(KULTUR, "Fler unga besöker biblioteken")
    with pytest.raises(FieldError) as caught:
        register.update_from_text("facebook:miljo", {"department_goals": "g1"})
    assert caught.value.field == "department_goals"
    assert "Miljöförvaltningen har inget mål g1 (förvaltningens mål: –)" in str(caught.value)
    with pytest.raises(FieldError, match="inget mål-id"):
        register.update_from_text("facebook:kultur", {"department_goals": "mål1"})
    with pytest.raises(FieldError, match="department_goals"):
        register.create_account({"platform": "instagram", "handle": "ny", "department": KULTUR,
                                 "department_goals": ("g2",)})  # fmt: skip
    assert register.account("facebook:miljo").department_goals == ()
    assert [a.ref for a in register.accounts()] == ["facebook:kultur", "facebook:miljo", "x:kultur"]


def test_moving_an_account_drops_its_links_unless_the_move_names_new_ones(store: Store) -> None:
    register = _register(store)
    goals = DepartmentGoals(store, user=ME)
    goals.add(KULTUR, "Fler unga besöker biblioteken")
    goals.add(MILJO, "Fler gör hållbara val")
    goals.add(MILJO, "Företagen följer miljöreglerna")
    register.update_from_text("facebook:kultur", {"department_goals": "g1"})
    moved = register.update_from_text("facebook:kultur", {"department": MILJO})
    assert (moved.department, moved.department_goals) == (MILJO, ())
    assert ("account-changed", "department_goals", "g1", "") in _log(register)
    register.update_from_text("x:kultur", {"department_goals": "g1"})
    moved = register.update_from_text("x:kultur", {"department": MILJO, "department_goals": "g2"})
    assert moved.department_goals == ("g2",)


def test_a_lead_changes_only_their_own_department_s_goals(store: Store) -> None:
    _register(store)
    people = People(store, user=ME)
    people.add_user(ME, "admin")
    people.add_user("lena", "lead", [KULTUR])
    people.add_user("olle", "viewer")
    DepartmentGoals(store, user="lena").add(KULTUR, "Fler unga besöker biblioteken")
    with pytest.raises(AccessRefused):
        DepartmentGoals(store, user="lena").add(MILJO, "Fler gör hållbara val")
    with pytest.raises(AccessRefused):
        DepartmentGoals(store, user="olle").remove(KULTUR, "g1")
    assert DepartmentGoals(store, user="olle").department(KULTUR).goal_ids == ("g1",)
    refused = [e for e in Register(store, user=ME).change_log() if e.action == "refused"]
    assert [e.field for e in refused] == ["departments.goals", "departments.goals"]


# --- the fields ---


def test_categories_read_machine_values_and_the_guideline_s_names() -> None:
    assert parse_categories("Tips|samhällsinformation och krisinformation") == (
        "samhallsinformation",
        "tips",
    )
    assert parse_categories("") == ()
    assert parse_categories("Berättelser|varumärke|Samhällsinformation") == (
        "samhallsinformation", "berattelser", "varumarke")  # the ids as Swedish is spelled
    with pytest.raises(FieldError) as caught:
        parse_categories("tips|kattbilder")
    assert caught.value.field == "categories" and "kattbilder" in str(caught.value)


def test_goal_ids_are_read_in_number_order_once_each() -> None:
    assert parse_goal_ids("g10, g2|G2") == ("g2", "g10")
    for bad in ("g0", "g", "1", "g1x", "g1234567"):
        with pytest.raises(FieldError):
            parse_goal_ids(bad)


# --- the accounts CSV and workbook ---


def test_the_csv_round_trips_the_new_fields(store: Store, tmp_path: Path) -> None:
    register = _register(store)
    DepartmentGoals(store, user=ME).add(KULTUR, "Fler unga besöker biblioteken")
    register.update_from_text("facebook:kultur", {"department_goals": "g1",
                                                  "categories": "tips|utveckling"})  # fmt: skip
    path = tmp_path / "konton.csv"
    write_accounts_csv(path, register.accounts())
    header = path.read_text(encoding="utf-8-sig").splitlines()[0].split(";")
    assert header[-2:] == ["categories", "department_goals"]
    rows = read_account_rows(path)
    assert register.plan_import(rows, str(path)).changed is False
    first = next(
        r for r in rows if r.values["handle"] == "kultur" and r.values["platform"] == "facebook"
    )
    assert first.values["categories"] == ("tips", "utveckling")
    assert first.values["department_goals"] == ("g1",)


def test_an_old_file_without_the_columns_keeps_the_stored_values(
    store: Store, tmp_path: Path
) -> None:
    register = _register(store)
    DepartmentGoals(store, user=ME).add(KULTUR, "Fler unga besöker biblioteken")
    register.update_from_text("facebook:kultur", {"department_goals": "g1", "categories": "tips"})
    path = tmp_path / "gammal.csv"
    path.write_text(
        "platform;handle;department;purpose;visibility;closed_reason;project;project_end;editors;"
        "url;platform_id;status\n"
        "facebook;kultur;Kulturförvaltningen;Nytt syfte;open;;;;;;;active\n",
        encoding="utf-8",
    )
    plan = register.import_rows(read_account_rows(path), str(path))
    assert len(plan.updated) == 1
    account = register.account("facebook:kultur")
    assert (account.purpose, account.categories, account.department_goals) == (
        "Nytt syfte",
        ("tips",),
        ("g1",),
    )


def test_an_import_naming_a_goal_the_department_lacks_is_refused_by_line(
    store: Store, tmp_path: Path
) -> None:
    register = _register(store)
    DepartmentGoals(store, user=ME).add(KULTUR, "Fler unga besöker biblioteken")
    path = tmp_path / "konton.csv"
    write_accounts_csv(path, register.accounts())
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    lines[1] = lines[1][: lines[1].rindex(";")] + ";g1"  # facebook:kultur: its department's g1
    lines[2] = lines[2][: lines[2].rindex(";")] + ";g1"  # facebook:miljo: Miljö has no goals
    lines[3] = lines[3][: lines[3].rindex(";")] + ";mål"  # x:kultur: not an id at all
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = [a.to_doc() for a in register.accounts()]
    with pytest.raises(ImportRefused) as caught:
        register.import_rows(read_account_rows(path), str(path))
    problems = [(p.line, p.field) for p in caught.value.problems]
    assert problems == [(4, "department_goals")]  # the bad id is caught by the file's parser
    lines[3] = lines[3][: lines[3].rindex(";")] + ";"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ImportRefused) as caught:
        register.import_rows(read_account_rows(path), str(path))
    assert [(p.line, p.field) for p in caught.value.problems] == [(3, "department_goals")]
    assert "Miljöförvaltningen har inget mål g1" in caught.value.problems[0].reason
    assert [a.to_doc() for a in register.accounts()] == before


def test_an_import_moving_an_account_drops_the_old_department_s_links(
    store: Store, tmp_path: Path
) -> None:
    register = _register(store)
    DepartmentGoals(store, user=ME).add(KULTUR, "Fler unga besöker biblioteken")
    register.update_from_text("facebook:kultur", {"department_goals": "g1"})
    row = {**{k: v for k, v in register.account("facebook:kultur").to_doc().items()
              if k in ("platform", "handle", "purpose", "department_goals")},
           "department": MILJO, "department_goals": ("g1",)}  # fmt: skip
    plan = register.import_rows([AccountRow(2, row)], "<rader>")
    assert plan.updated[0][1].department_goals == ()
    assert register.account("facebook:kultur").department == MILJO


def test_the_workbook_round_trips_the_new_fields(store: Store, tmp_path: Path) -> None:
    from governance.accounts_csv import ALL_COLUMNS, account_cells
    from governance.accounts_xlsx import render_accounts_xlsx

    register = _register(store)
    DepartmentGoals(store, user=ME).add(KULTUR, "Fler unga besöker biblioteken")
    register.update_from_text("x:kultur", {"department_goals": "g1",
                                           "categories": "varumarke|berattelser"})  # fmt: skip
    path = tmp_path / "konton.xlsx"
    path.write_bytes(
        render_accounts_xlsx(ALL_COLUMNS, (account_cells(a) for a in register.accounts()))
    )
    rows = read_account_rows(path)
    x = next(r for r in rows if r.values["platform"] == "x")
    assert x.values["categories"] == ("berattelser", "varumarke")
    assert x.values["department_goals"] == ("g1",)
    assert register.plan_import(rows, str(path)).changed is False


def test_forget_scrubs_a_name_from_the_goal_texts_and_counts_it(store: Store) -> None:
    """A goal's text is free text: forgetting an editor rewrites their name there too, as in a
    purpose, and the report counts the department; the goal's id stays."""
    register = _register(store)
    register.add_editor("facebook:kultur", "Greta Garbo <greta.garbo@hbg.se>")
    DepartmentGoals(store, user=ME).add(KULTUR, "Mål som Greta Garbo satte")
    report = People(store, user=ME).forget("greta.garbo@hbg.se")
    core = (store.data_dir / "register" / "core.json").read_text("utf-8")
    assert "Garbo" not in core and "Greta" not in core
    [goal] = DepartmentGoals(store, user=ME).department(KULTUR).goals
    assert goal == DepartmentGoal("g1", f"Mål som {report.pseudonym} satte")
    assert report.departments == 1 and report.text_fields >= 1
