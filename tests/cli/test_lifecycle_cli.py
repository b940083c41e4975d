"""``kontokoll accounts request|approve|reject|retire`` and ``editors acknowledge`` end to end."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest

from governance.register import Register
from governance.store import Store
from tests.conftest import CliResult, store_snapshot

Cli = Callable[..., CliResult]
REQUEST = (
    "accounts", "request", "instagram:kulturtips", "--department", "Kulturförvaltningen",
    "--purpose", "Tips om kulturevenemang.", "--audience", "Unga vuxna", "--goals", "informera",
    "--goals", "engagera", "--editor", "Anna Berg <anna.berg@hbg.se>",
    "--editor", "Bo Ek <bo.ek@hbg.se>",
)  # fmt: skip


@pytest.fixture(autouse=True)
def _existing_store(data_dir: Path) -> None:
    """The register exists before the first command (a new one is said to be new, on stderr)."""
    Store(data_dir).close()


def _account(data_dir: Path, ref: str = "instagram:kulturtips") -> object:
    store = Store(data_dir)
    try:
        return Register(store).account(ref)
    finally:
        store.close()


def test_request_approve_and_list(cli: Cli, data_dir: Path) -> None:
    filed = cli(*REQUEST)
    assert filed.code == 0, filed.err
    assert "status begärt" in filed.out
    assert filed.err == ""  # no project: no Långsiktigt warning
    listed = cli("accounts", "list", "--status", "requested")
    assert "instagram:kulturtips" in listed.out and "begärt" in listed.out
    exported = cli("accounts", "export", "-")
    assert ";requested" in exported.out or ";requested;" in exported.out
    refused = cli("accounts", "approve", "instagram:kulturtips")
    assert (refused.code, refused.err.strip()) == (2, "reason: får inte vara tomt")
    approved = cli("accounts", "approve", "instagram:kulturtips", "--reason", "Kopplat till målen.")
    assert approved.code == 0
    assert "godkänt och aktivt" in approved.out
    assert _account(data_dir).status == "active"  # type: ignore[attr-defined]
    assert "instagram:kulturtips" not in cli("accounts", "list", "--status", "begärt").out


def test_a_project_request_warns_the_requester_and_the_approver(cli: Cli, data_dir: Path) -> None:
    filed = cli(*REQUEST, "--project", "Sommarlov 2027", "--project-end", "2027-08-31")
    assert filed.code == 0
    assert "Långsiktigt" in filed.err and "bör därför inte starta nya konton" in filed.err
    approved = cli("accounts", "approve", "instagram:kulturtips", "--reason", "Ja, med villkor.")
    assert "Långsiktigt" in approved.err
    assert _account(data_dir).request_warnings == ("langsiktigt",)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("drop", "field", "words"),
    [
        ("--purpose", "purpose", "Kontot fyller ett syfte"),
        ("--audience", "audience", "Ju mer vi vet om vem det är"),
        ("--goals", "goals", "ska ha en av följande målsättningar"),
        ("--editor", "editor", "minst 2 krävs"),
    ],
)
def test_a_request_without_what_the_guideline_asks_exits_2_and_stores_nothing(
    cli: Cli, data_dir: Path, drop: str, field: str, words: str
) -> None:
    args = list(REQUEST)
    while drop in args:  # drop every occurrence of the option and its value
        index = args.index(drop)
        del args[index : index + 2]
    result = cli(*args)
    assert result.code == 2
    assert result.err.startswith(f"{field}: ")
    assert words in result.err
    assert "instagram:kulturtips" not in cli("accounts", "list").out


def test_reject_keeps_the_request_in_the_register_and_the_log(cli: Cli) -> None:
    cli(*REQUEST)
    rejected = cli("accounts", "reject", "instagram:kulturtips", "--reason", "Använd befintligt.")
    assert rejected.code == 0
    assert "avslaget" in cli("accounts", "list", "--status", "rejected").out
    log = cli("log", "instagram:kulturtips").out
    assert "ansökan avslagen" in log and "Använd befintligt." in log
    again = cli("accounts", "approve", "instagram:kulturtips", "--reason", "Ändå")
    assert again.code == 2 and "bara en ansökan" in again.err


def test_retire_by_options_reports_the_open_items(cli: Cli, data_dir: Path) -> None:
    cli(*REQUEST)
    cli("accounts", "approve", "instagram:kulturtips", "--reason", "Ja")
    result = cli(
        "accounts", "retire", "instagram:kulturtips", "--announced", "ja",
        "--followers-to", "instagram:hbgbibliotek", "--archived-at", "Kommunarkivet",
        "--diarienummer", "KS 2026/1", "--dormant", "--on", "2026-11-30",
    )  # fmt: skip
    assert result.code == 0
    assert "avvecklat" in result.out
    assert "administratörsbehörighet borttagen för alla" in result.err
    retirement = _account(data_dir).retirement  # type: ignore[attr-defined]
    assert (retirement.diarienummer, retirement.disposal) == ("KS 2026/1", "dormant")
    listed = cli("accounts", "list").out.splitlines()
    assert "avvecklat" in listed[-2]  # retired accounts listed apart, last
    done = cli("accounts", "retire", "instagram:kulturtips", "--admins-removed", "ja")
    assert "komplett" in done.out and done.err == ""
    bad = cli("accounts", "retire", "instagram:kulturtips", "--announced", "kanske")
    assert bad.code == 2 and bad.err.startswith("--announced: ")
    with pytest.raises(SystemExit):  # argparse refuses both at once
        cli("accounts", "retire", "instagram:kulturtips", "--deleted", "--dormant")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_retire_on_a_terminal_asks_the_checklist(
    cli: Cli, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli(*REQUEST)
    cli("accounts", "approve", "instagram:kulturtips", "--reason", "Ja")
    # announced (a bad answer first), followers_to, archived_at, diarienummer (skipped),
    # admins_removed, disposal (given as an option, not asked), disposal_on.
    answers = "kanske\nja\ninstagram:hbgbibliotek\nKommunarkivet\n\nja\n2026-11-01\n"
    monkeypatch.setattr("sys.stdin", _Terminal(answers))
    result = cli("accounts", "retire", "instagram:kulturtips", "--deleted")
    assert result.code == 0, result.err
    assert "announced: " in result.err  # the bad answer explained, then asked again
    assert "Har ett sista inlägg berättat att kontot stängs?" in result.out
    retirement = _account(data_dir).retirement  # type: ignore[attr-defined]
    assert retirement.announced is True
    assert retirement.followers_to == "instagram:hbgbibliotek"
    assert (retirement.diarienummer, retirement.disposal) == ("", "deleted")
    assert "komplett" in result.out


def test_editors_acknowledge(cli: Cli, data_dir: Path) -> None:
    cli(*REQUEST)
    cli("accounts", "approve", "instagram:kulturtips", "--reason", "Ja")
    nothing = cli("editors", "acknowledge", "anna.berg@hbg.se")
    assert nothing.code == 2 and "revision record" in nothing.err
    cli("revision", "record", "2026-10-01")
    before = store_snapshot(data_dir)
    neither = cli("editors", "acknowledge")
    assert neither.code == 2 and neither.err.startswith("email: ")
    assert store_snapshot(data_dir) == before
    one = cli("editors", "acknowledge", "anna.berg@hbg.se")
    assert one.code == 0
    assert "Anna Berg <anna.berg@hbg.se> har bekräftat revideringen från 2026-10-01" in one.out
    everyone = cli("editors", "acknowledge", "--department", "kulturförvaltningen")
    assert "hade redan bekräftat" in everyone.out
    assert "1 ny bekräftelse av revideringen från 2026-10-01." in everyone.out
    assert "revidering bekräftad" in cli("log").out


def test_a_viewer_cannot_request(cli: Cli, data_dir: Path) -> None:
    from governance.identity import current_login
    from governance.people import People

    store = Store(data_dir)
    try:
        people = People(store, user=current_login())
        people.add_user(current_login(), "admin")
        people.add_user("root-ersattare", "admin")
        people.add_user(current_login(), "viewer")
    finally:
        store.close()
    result = cli(*REQUEST)
    assert result.code == 2
    assert "viewer" in result.err
    assert "instagram:kulturtips" not in cli("accounts", "list").out
