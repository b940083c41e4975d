"""``editors forget``: the person leaves no trace in the data directory, and nobody else is touched.

Issue 16: the old forget left the address in free-text fields, left the names of editors removed
before the forget in the change log, and rewrote another person's ``jogunilla.glomsk@hbg.se``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path

import orjson
import pytest

from audits.runs import load_reviews
from audits.service import AuditService
from governance.demo_registered import backdate_registration
from governance.errors import InputError
from governance.forget import Scrubber, forget_in_document, forget_in_log
from governance.identity import current_login
from governance.model import ChangeEntry, Person
from governance.people import People
from governance.register import Register
from governance.store import CHANGE_LOG, Store
from tests.conftest import FIXED_NOW, CliResult

ME = current_login()
KULTUR, MILJO = "Kulturförvaltningen", "Miljöförvaltningen"
ADDRESS = "gunilla.glomsk@hbg.se"
NAME, EARLIER_NAME = "Gunilla Glomsk", "Gunilla Svensson"
# Values that must come through the forget byte for byte: other people's addresses and text.
NEAR_MISSES = (
    "jogunilla.glomsk@hbg.se",
    "gunilla.glomsk@hbg.se.evil.com",
    "gunilla.glomsk@hbg.sex",
    "x+gunilla.glomsk@hbg.se",
    "Gunilla Glomskdotter",
    "Annagunilla Glomsk",
)
NEAR_MISS_PURPOSE = (
    "Frågor till jogunilla.glomsk@hbg.se, aldrig gunilla.glomsk@hbg.se.evil.com eller "
    "gunilla.glomsk@hbg.sex; x+gunilla.glomsk@hbg.se; Gunilla Glomskdotter och Annagunilla Glomsk."
)
# Not this store's files: snapshots/ holds compressed copies that governance.backup rewrites after
# the forget (tested with it), and demo/ is a store of its own.
NOT_OURS = ("snapshots", "demo")
COPIED = ("register/core.json", "audit/acks.json", "audit/waivers.json", "audit/runs/2026Q3-1.json")


def _now() -> datetime:
    return FIXED_NOW


def _seed(store: Store) -> None:
    """Gunilla everywhere a person can be recorded, and her neighbours the forget must not touch."""
    register = Register(store, user=ME, clock=_now)
    for handle, department in (("kultur", KULTUR), ("miljo", MILJO), ("grannar", MILJO)):
        register.create_account(
            {"platform": "facebook", "handle": handle, "department": department}
        )
    backdate_registration(store, FIXED_NOW)  # (registered before 2026Q3, which is audited)
    # Recorded under her earlier name, then removed before the forget: only the log remembers.
    register.add_editor("facebook:miljo", f"{EARLIER_NAME} <{ADDRESS}>")
    register.remove_editor("facebook:miljo", ADDRESS)
    register.add_editor("facebook:kultur", f"{NAME} <Gunilla.Glomsk@HBG.se>")
    register.add_editor("facebook:kultur", "Jo Glomsk <jogunilla.glomsk@hbg.se>")
    register.confirm_editors("facebook:kultur")
    register.add_department(KULTUR, [Person(NAME, ADDRESS)])
    register.update_account(
        "facebook:miljo",
        purpose=f"Drivs av {EARLIER_NAME} tills vidare. Frågor till {ADDRESS}.",
        audience=f"Skriv till <{ADDRESS.upper()}>",
        closed_reason=f"{NAME.lower()}s beslut",
        project=f"Sommar med {NAME}",
        project_end=date(2026, 12, 31),
    )
    register.update_account("facebook:grannar", purpose=NEAR_MISS_PURPOSE)
    audits = AuditService(store, user=ME, clock=_now)
    audits.record_revision(date(2026, 10, 1), note=f"Genomgången med {NAME}")
    audits.run("2026Q3")
    audits.acknowledge("no-stats", "facebook:miljo", note=f"{NAME} är informerad")
    audits.waive(
        "no-stats",
        "facebook:kultur",
        reason=f"{EARLIER_NAME} slutar i december",
        name=NAME,
        until=date(2027, 3, 31),
    )


def _files(data_dir: Path) -> Iterator[tuple[str, bytes]]:
    for path in sorted(data_dir.rglob("*")):
        rel = path.relative_to(data_dir).as_posix()
        if path.is_file() and rel.split("/")[0] not in NOT_OURS:
            yield rel, path.read_bytes()


def _contents(data_dir: Path) -> dict[str, bytes]:
    return {rel: raw for rel, raw in _files(data_dir) if rel != ".lock"}


def _without_near_misses(text: str) -> str:
    """``text`` in lower case, with the neighbours' values (which contain hers) cut out."""
    text = text.casefold()
    for near_miss in sorted(NEAR_MISSES, key=len, reverse=True):
        text = text.replace(near_miss.casefold(), "")
    return text


def _names_her(text: str) -> bool:
    text = _without_near_misses(text)
    return any(n.casefold() in text for n in (ADDRESS, NAME, EARLIER_NAME))


def _assert_gone(data_dir: Path, *needles: str) -> None:
    """Not one byte sequence of hers in any file of the store, temp files included."""
    for rel, raw in _files(data_dir):
        text = _without_near_misses(raw.decode("utf-8", "replace"))
        for needle in needles:
            assert needle.casefold() not in text, (rel, needle)


def _log(store: Store) -> list[ChangeEntry]:
    return Register(store, user=ME).change_log()


def test_forget_leaves_no_address_and_no_name_in_any_file(store: Store, data_dir: Path) -> None:
    _seed(store)
    report = People(store, user=ME).forget("Gunilla.Glomsk@HBG.se")
    assert report.address == ADDRESS
    assert set(report.names) == {NAME, EARLIER_NAME}
    assert set(report.erased) == {ADDRESS, NAME, EARLIER_NAME}
    _assert_gone(data_dir, ADDRESS, NAME, EARLIER_NAME, "gunilla svensson", "gunilla glomsk")
    register = Register(store, user=ME)
    miljo = register.account("facebook:miljo")
    p = report.pseudonym
    assert miljo.purpose == f"Drivs av {p} tills vidare. Frågor till {p}."
    assert miljo.audience == f"Skriv till <{p}>"
    assert miljo.closed_reason == f"{p}s beslut"
    assert miljo.project == f"Sommar med {p}"
    assert [e.email for e in register.account("facebook:kultur").editors] == [
        "jogunilla.glomsk@hbg.se"
    ]
    assert next(d for d in register.departments() if d.name == KULTUR).contacts == ()
    audits = AuditService(store, user=ME)
    assert audits.revisions()[0].note == f"Genomgången med {p}"
    waiver = audits.waivers()[0]
    assert (waiver.reason, waiver.name) == (f"{p} slutar i december", p)
    with store.read() as txn:
        assert [a.note for a in load_reviews(txn).acks.values()] == [f"{p} är informerad"]
    project = next(i for i in audits.report("2026Q3").items if "project" in i.finding.params)
    assert project.finding.params["project"] == f"Sommar med {p}"


def test_near_miss_addresses_and_names_survive_untouched(store: Store, data_dir: Path) -> None:
    _seed(store)
    People(store, user=ME).forget(ADDRESS)
    register = Register(store, user=ME)
    assert register.account("facebook:grannar").purpose == NEAR_MISS_PURPOSE
    assert (
        str(register.account("facebook:kultur").editors[0]) == "Jo Glomsk <jogunilla.glomsk@hbg.se>"
    )
    log_text = (data_dir / CHANGE_LOG).read_text("utf-8")
    assert "Jo Glomsk <jogunilla.glomsk@hbg.se>" in log_text
    assert json.dumps(NEAR_MISS_PURPOSE, ensure_ascii=False)[1:-1] in log_text


def test_every_log_entry_that_named_her_now_names_one_pseudonym(store: Store) -> None:
    _seed(store)
    before = _log(store)
    report = People(store, user=ME).forget(ADDRESS)
    after = _log(store)
    assert len(after) == len(before) + 1
    assert (after[-1].action, after[-1].new) == ("person-forgotten", report.pseudonym)
    named = 0
    for old, new in zip(before, after, strict=False):
        if _names_her(f"{old.old} {old.new}"):
            named += 1
            assert report.pseudonym in f"{new.old} {new.new}", old
        else:
            assert new == old  # an entry that never named her is exactly as it was
        assert (new.at, new.user, new.action) == (old.at, old.user, old.action)
    assert named == report.log_entries
    # The earlier name's own entries: added and removed before the forget.
    removed = [e for e in after if e.action == "editor-removed"]
    assert [e.old for e in removed] == [report.pseudonym]


def test_the_report_counts_every_kind(store: Store) -> None:
    _seed(store)
    report = People(store, user=ME).forget(ADDRESS)
    assert (report.editor_of, report.contact_of) == (1, 1)
    assert (report.accounts, report.departments) == (2, 1)  # kultur's editor, miljo's texts
    # miljo: purpose, audience, closed reason, project; the revision note; the waiver's reason
    # and name; the ack's note; the finding's project (in the run file) = 9 text values.
    assert report.text_fields == 9
    # the revision, the acknowledgement, the waiver, the run with the project finding
    assert report.audit_records == 4
    assert report.log_entries >= 10
    assert "log/changes.jsonl" in report.files
    assert "register/core.json" in report.files
    assert report.leftovers == ()


def test_a_namesake_with_another_address_keeps_her_name(store: Store, data_dir: Path) -> None:
    register = Register(store, user=ME)
    register.create_account({"platform": "x", "handle": "k", "department": KULTUR})
    register.add_editor("x:k", f"{NAME} <{ADDRESS}>")
    register.add_editor("x:k", f"{NAME} <gunilla.glomsk@malmo.se>")
    report = People(store, user=ME).forget(ADDRESS)
    assert [str(e) for e in register.account("x:k").editors] == [
        f"{NAME} <gunilla.glomsk@malmo.se>"
    ]
    log = _log(store)
    assert [e.new for e in log if e.action == "editor-added"] == [
        report.pseudonym,
        f"{NAME} <gunilla.glomsk@malmo.se>",
    ]
    _assert_gone(data_dir, ADDRESS)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("gunilla.glomsk@hbg.se", "P"),
        ("Gunilla.Glomsk@HBG.se", "P"),
        ("<gunilla.glomsk@hbg.se>", "<P>"),
        ("Skriv till gunilla.glomsk@hbg.se.", "Skriv till P."),
        ("mailto:gunilla.glomsk@hbg.se?subject=x", "mailto:P?subject=x"),
        ("(gunilla.glomsk@hbg.se), a@b.se", "(P), a@b.se"),
        ("a@b.se|gunilla.glomsk@hbg.se", "a@b.se|P"),
        ("jogunilla.glomsk@hbg.se", "jogunilla.glomsk@hbg.se"),
        ("jo.gunilla.glomsk@hbg.se", "jo.gunilla.glomsk@hbg.se"),
        ("x+gunilla.glomsk@hbg.se", "x+gunilla.glomsk@hbg.se"),
        ("gunilla.glomsk@hbg.se.evil.com", "gunilla.glomsk@hbg.se.evil.com"),
        ("gunilla.glomsk@hbg.se-x.com", "gunilla.glomsk@hbg.se-x.com"),
        ("gunilla.glomsk@hbg.sex", "gunilla.glomsk@hbg.sex"),
        ("ågunilla.glomsk@hbg.se", "ågunilla.glomsk@hbg.se"),
    ],
)
def test_an_address_is_matched_whole_in_any_case(text: str, expected: str) -> None:
    assert Scrubber(ADDRESS, (), "P").text(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Gunilla Glomsk <gunilla.glomsk@hbg.se>", "P"),
        ("Gunilla Glomsk<GUNILLA.GLOMSK@hbg.se>", "P"),
        ("ring gunilla  GLOMSK\ni dag", "ring P\ni dag"),
        ("Gunilla Glomsks beslut", "Ps beslut"),
        ("Gunilla Glomskdotter", "Gunilla Glomskdotter"),
        ("Annagunilla Glomsk", "Annagunilla Glomsk"),
        ("Gunilla Glomsk <gunilla.glomsk@malmo.se>", "Gunilla Glomsk <gunilla.glomsk@malmo.se>"),
        ("Bo ringde: vi bo i stan", "P ringde: vi bo i stan"),
        ("Bodil och Bo.", "Bodil och P."),
    ],
)
def test_a_name_is_matched_as_a_whole_name(text: str, expected: str) -> None:
    assert Scrubber(ADDRESS, (NAME, "Bo"), "P").text(text) == expected


def test_forget_refuses_a_user_login_and_changes_nothing(store: Store, data_dir: Path) -> None:
    _seed(store)
    people = People(store, user=ME)
    people.add_user(ME, "admin")
    people.add_user(ADDRESS, "viewer")
    before = _contents(data_dir)
    with pytest.raises(InputError, match=re.escape(f"users remove {ADDRESS}")):
        people.forget(ADDRESS)
    assert _contents(data_dir) == before
    people.remove_user(ADDRESS)
    people.forget(ADDRESS)
    _assert_gone(data_dir, ADDRESS, NAME, EARLIER_NAME)


def test_forget_refuses_when_a_file_it_cannot_rewrite_names_her(
    store: Store, data_dir: Path
) -> None:
    _seed(store)
    (data_dir / "settings.toml").write_text(f"# frågor: {NAME}\n[audit]\ninactive_days = 60\n")
    before = _contents(data_dir)
    with pytest.raises(InputError, match=re.escape("settings.toml")):
        People(store, user=ME).forget(ADDRESS)
    assert _contents(data_dir) == before


def test_forget_is_all_or_nothing(
    store: Store, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _seed(store)
    before = _contents(data_dir)

    def fail(*_args: object) -> None:
        raise InputError("forget.unknown_person", email="x")

    # The last step of the transaction fails: everything staged before it must be dropped.
    monkeypatch.setattr("governance.storage.repositories.ChangeLog.append", fail)
    with pytest.raises(InputError):
        People(store, user=ME).forget(ADDRESS)
    assert _contents(data_dir) == before


def test_forget_removes_stale_temp_files_that_hold_her(store: Store, data_dir: Path) -> None:
    _seed(store)
    stale = data_dir / "register" / f"core.json.tmp-999999-{'ab' * 4}"
    stale.write_text(f'{{"contacts": [["{NAME}", "{ADDRESS}"]]}}')
    People(store, user=ME).forget(ADDRESS)
    assert not stale.exists()
    _assert_gone(data_dir, ADDRESS, NAME)


def test_an_unknown_person_is_refused_and_nothing_changes(store: Store, data_dir: Path) -> None:
    _seed(store)
    People(store, user=ME).forget(ADDRESS)
    before = _contents(data_dir)
    with pytest.raises(InputError, match="finns varken"):
        People(store, user=ME).forget(ADDRESS)
    with pytest.raises(InputError):
        People(store, user=ME).forget("jo.gunilla.glomsk@hbg.se")
    assert _contents(data_dir) == before


def test_a_name_in_an_identifier_is_reported_not_renamed(store: Store) -> None:
    register = Register(store, user=ME)
    register.create_account({"platform": "x", "handle": "fond", "department": f"{NAME} fond"})
    register.add_editor("x:fond", f"{NAME} <{ADDRESS}>")
    report = People(store, user=ME).forget(ADDRESS)
    assert register.account("x:fond").department == f"{NAME} fond"
    assert ("register/core.json", "name", f"{NAME} fond") in {
        (left.file, left.key, left.value) for left in report.leftovers
    }


def test_the_command_prints_what_it_changed_in_both_languages(
    cli: Callable[..., CliResult], store: Store, data_dir: Path
) -> None:
    _seed(store)
    store.close()
    result = cli("editors", "forget", "Gunilla.Glomsk@HBG.se")
    assert result.code == 0, result.err
    reopened = Store(data_dir)
    pseudonym = _log(reopened)[-1].new
    reopened.close()
    assert f"{ADDRESS} är glömd" in result.out and f"som {pseudonym}" in result.out
    assert "konton där hen var redaktör" in result.out
    rows = [line.rsplit(None, 1) for line in result.out.splitlines()[4:]]
    lines = {kind: count for kind, count in rows}
    assert lines["granskningsposter (kvitteringar, undantag, revisioner, körningar)"] == "4"
    assert lines["textfält"] == "9"
    again = cli("--lang", "en", "editors", "forget", ADDRESS)
    assert again.code != 0 and "neither in the register" in again.err
    assert "Traceback" not in again.err


def test_the_command_in_english_names_the_counts(
    cli: Callable[..., CliResult], store: Store
) -> None:
    Register(store, user=ME).create_account({"platform": "x", "handle": "k", "department": KULTUR})
    Register(store, user=ME).add_editor("x:k", f"{NAME} <{ADDRESS}>")
    store.close()
    result = cli("--lang", "en", "editors", "forget", ADDRESS)
    assert result.code == 0, result.err
    assert f"{ADDRESS} is forgotten" in result.out and f"“{NAME}”" in result.out
    assert re.search(r"^accounts they were an editor of +1$", result.out, re.MULTILINE)
    assert "change-log entries" in result.out


def test_a_copy_of_a_store_file_is_rewritten_exactly_as_the_store(
    store: Store, data_dir: Path
) -> None:
    _seed(store)
    copies = {rel: orjson.loads(raw) for rel, raw in _contents(data_dir).items() if rel in COPIED}
    log_copy = [
        json.loads(line) for line in (data_dir / CHANGE_LOG).read_text("utf-8").split("\n")[:-1]
    ]
    report = People(store, user=ME).forget(ADDRESS)
    for rel, data in copies.items():
        assert forget_in_document(rel, data, report.scrubber())
        stored = orjson.loads((data_dir / rel).read_bytes())
        data.pop("_kontokoll"), stored.pop("_kontokoll")
        assert data == stored, rel
    stored_log = [
        json.loads(line) for line in (data_dir / CHANGE_LOG).read_text("utf-8").split("\n")[:-1]
    ]
    assert forget_in_log(log_copy, report.scrubber()) == stored_log[:-1]


def test_the_command_warns_of_a_name_left_in_an_identifier(
    cli: Callable[..., CliResult], store: Store
) -> None:
    register = Register(store, user=ME)
    register.create_account({"platform": "x", "handle": "fond", "department": f"{NAME} fond"})
    register.add_editor("x:fond", f"{NAME} <{ADDRESS}>")
    store.close()
    result = cli("editors", "forget", ADDRESS)
    assert result.code == 0, result.err
    assert f"register/core.json: name = “{NAME} fond”" in result.err
    assert "Traceback" not in result.err


def test_a_name_without_letters_is_not_matched() -> None:
    scrubber = Scrubber(ADDRESS, (".", "-", NAME), "P")
    assert scrubber.names == (NAME,)
    assert scrubber.text("Slut. - Gunilla Glomsk.") == "Slut. - P."
