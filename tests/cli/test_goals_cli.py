"""Issue 12 on the command line: ``departments goals`` and ``accounts add|edit`` with the new
fields, and what ``audit settings`` shows of the per-platform limits."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from governance.register import Register
from governance.store import Store
from tests.conftest import CliResult

Cli = Callable[..., CliResult]
KULTUR = "Kulturförvaltningen"


def _goals(cli: Cli) -> None:
    assert cli("departments", "add", KULTUR).code == 0
    assert cli("departments", "goals", "kulturförvaltningen", "--add", "Fler unga läser").code == 0
    assert cli("departments", "goals", KULTUR, "--add", "Fler besöker museerna").code == 0


def test_departments_goals_add_list_and_remove(cli: Cli) -> None:
    assert cli("departments", "add", KULTUR).code == 0
    empty = cli("departments", "goals", KULTUR)
    assert empty.code == 0 and "har inga egna mål ännu" in empty.out
    added = cli("departments", "goals", KULTUR, "--add", "Fler unga läser")
    assert added.out.strip() == "Målet g1 lades till för Kulturförvaltningen: ”Fler unga läser”."
    cli("departments", "goals", KULTUR, "--add", "Fler besöker museerna")
    assert cli("accounts", "add", "x:kultur", "--department", KULTUR, "--department-goals",
               "g2").code == 0  # fmt: skip
    listed = cli("departments", "goals", KULTUR).out.splitlines()
    assert listed[0].split() == ["Id", "Mål", "Konton"]
    assert listed[2].split() == ["g1", "Fler", "unga", "läser", "0"]
    assert listed[3].split() == ["g2", "Fler", "besöker", "museerna", "1"]
    removed = cli("departments", "goals", KULTUR, "--remove", "g2")
    assert "Målet g2 togs bort från Kulturförvaltningen." in removed.out
    assert "1 konto länkade målet och har inte längre kvar länken: x:kultur." in removed.out


def test_departments_goals_refuses_clearly(cli: Cli, data_dir: Path) -> None:
    _goals(cli)
    unknown = cli("departments", "goals", "Påhittad", "--add", "Mål")
    assert unknown.code != 0 and "Det finns ingen förvaltning ”Påhittad”" in unknown.err
    assert "Traceback" not in unknown.err
    missing = cli("departments", "goals", KULTUR, "--remove", "g9")
    assert missing.code != 0 and "har inget mål g9 (förvaltningens mål: g1, g2)" in missing.err
    with pytest.raises(SystemExit) as both:  # one change at a time (argparse refuses)
        cli("departments", "goals", KULTUR, "--add", "X", "--remove", "g1")
    assert both.value.code == 2


def test_accounts_add_and_edit_take_the_new_fields(cli: Cli, store: Store) -> None:
    _goals(cli)
    added = cli("accounts", "add", "instagram:hbgkultur", "--department", KULTUR,
                "--purpose", "Kulturtips.", "--categories", "Tips och inspiration från våra "
                "verksamheter|varumarke", "--goals", "engagera")  # fmt: skip
    assert added.code == 0, added.err
    assert "Kontot instagram:hbgkultur registrerades för Kulturförvaltningen." in added.out
    edited = cli("accounts", "edit", "instagram:hbgkultur", "--department-goals", "g2,g1",
                 "--audience", "Unga vuxna")  # fmt: skip
    assert edited.code == 0 and "instagram:hbgkultur: 2 fält ändrade." in edited.out
    account = Register(store, user="x").account("instagram:hbgkultur")
    assert account.categories == ("tips", "varumarke")
    assert account.department_goals == ("g1", "g2")
    assert (account.goals, account.audience) == (("engagera",), "Unga vuxna")
    again = cli("accounts", "edit", "instagram:hbgkultur", "--audience", "Unga vuxna")
    assert "ingenting ändrades" in again.out


def test_accounts_edit_refuses_a_goal_of_another_department(cli: Cli, store: Store) -> None:
    _goals(cli)
    cli("accounts", "add", "x:miljo", "--department", "Miljöförvaltningen")
    refused = cli("accounts", "edit", "x:miljo", "--department-goals", "g1")
    assert refused.code != 0
    assert "--department-goals: Miljöförvaltningen har inget mål g1" in refused.err
    assert Register(store, user="x").account("x:miljo").department_goals == ()


def test_moving_an_account_says_its_links_were_dropped(cli: Cli, store: Store) -> None:
    _goals(cli)
    cli("accounts", "add", "x:kultur", "--department", KULTUR, "--department-goals", "g1|g2")
    moved = cli("accounts", "edit", "x:kultur", "--department", "Miljöförvaltningen")
    assert moved.code == 0
    assert "länkarna till 2 förvaltningsmål togs bort" in moved.out
    assert Register(store, user="x").account("x:kultur").department_goals == ()
    log = cli("log", "x:kultur").out
    assert "department_goals" in log


def test_accounts_add_refuses_a_request_status(cli: Cli) -> None:
    cli("departments", "add", KULTUR)
    refused = cli("accounts", "add", "x:ny", "--department", KULTUR, "--status", "requested")
    assert refused.code != 0 and "status" in refused.err


def test_audit_settings_shows_the_platform_limits(cli: Cli, data_dir: Path) -> None:
    cli("departments", "add", KULTUR)
    (data_dir / "settings.toml").write_text(
        "[audit.inactive_days_per_platform]\nyoutube = 120\n", encoding="utf-8"
    )
    shown = cli("audit", "settings")
    assert shown.code == 0 and "inactive_days_per_platform" in shown.out and "120" in shown.out
    (data_dir / "settings.toml").write_text(
        "[audit.inactive_days_per_platform]\nmyspace = 120\n", encoding="utf-8"
    )
    bad = cli("audit", "settings")
    assert bad.code != 0
    assert "settings.toml: audit.inactive_days_per_platform.myspace: okänd plattform" in bad.err
