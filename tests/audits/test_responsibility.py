"""Who answers for a finding: Kontaktcenter (KC) for the duties it holds, else the department.

The attribution matrix, the ``[kc]`` setting, and the responsible department where people see it:
the findings CSV, the packets (and mailing KC its own), the diff, and who may acknowledge.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest

from audits.diff import diff_findings
from audits.engine import Finding
from audits.packet_formats import render_packet
from audits.packet_service import PacketService
from audits.quarters import Quarter
from audits.responsibility import kc_answers, register_spelling, responsible
from audits.runs import _finding as decode_finding
from audits.service import AuditService
from audits.settings import load_settings
from governance.access import User, put_user
from governance.errors import AccessRefused, InputError
from governance.kc import KC_DEPARTMENT
from governance.model import Person
from governance.register import Register
from governance.store import Store
from tests.audits.conftest import month_stats, posted
from tests.conftest import FIXED_NOW, CliResult, store_snapshot
from tests.smtp_server import SmtpServer, smtp_server

__all__ = ["smtp_server"]  # a fixture, used by name

Cli = Callable[..., CliResult]
KC, KULTUR, SLF = "Kontaktcenter", "Kulturförvaltningen", "Stadsledningsförvaltningen"
Q4 = Quarter(2026, 4)
KC_CONTACT = Person("Kim Kc", "kim.kc@helsingborg.se")
DUTY_RULES = ("slow-replies", "slow-dm-replies", "removal-unregistered", "hidden-unlogged")


# --- the matrix: shared x kc_handles_comments x the rule's duty --------------------------------


@pytest.mark.parametrize("shared", [False, True])
@pytest.mark.parametrize("kc_comments", [False, True])
@pytest.mark.parametrize("rule", [*DUTY_RULES, "no-editors", "inactive", "single-editor"])
def test_attribution_matrix(shared: bool, kc_comments: bool, rule: str) -> None:
    expected_kc = {
        "slow-dm-replies": shared,  # direct messages: KC on every city-wide account
        "slow-replies": kc_comments,  # comments: KC where agreed with the department
        "removal-unregistered": kc_comments,  # whoever answers comments also moderates them
        "hidden-unlogged": kc_comments,
    }.get(rule, False)
    assert kc_answers(rule, shared, kc_comments) is expected_kc
    assert responsible(rule, KULTUR, shared, kc_comments, KC) == (KC if expected_kc else KULTUR)
    # Without a KC department in the register, the account's department keeps every finding.
    assert responsible(rule, KULTUR, shared, kc_comments, "") == KULTUR


def test_kc_is_matched_as_the_register_spells_it() -> None:
    assert register_spelling("  kontaktCENTER ", [KULTUR, KC]) == KC
    assert register_spelling(KC, [KULTUR]) == ""


# --- a run names who answers -------------------------------------------------------------------


@pytest.fixture
def accounts(
    make_accounts: Callable[..., dict[str, str]], save_stats: Callable[..., None]
) -> dict[str, str]:
    """Three accounts slow on both questions and direct messages in November 2026:
    ``stad`` (shared, KC answers comments), ``kurs`` (KC answers comments by agreement, not
    shared) and ``bibliotek`` (neither)."""
    ids = make_accounts(
        ("stad", {"department": SLF, "shared": True, "kc_handles_comments": True}),
        ("kurs", {"kc_handles_comments": True}),
        ("bibliotek", {}),
    )
    save_stats(
        month_stats(
            account_id,
            "2026-11",
            posts=6,
            last_post_at=posted(date(2026, 11, 20)),
            replies_due=20,
            replies_on_time=10,
            questions_due=20,
            questions_on_time=10,
            dms_due=20,
            dms_on_time=10,
        )
        for account_id in ids.values()
    )
    return ids


@pytest.fixture
def with_kc(accounts: dict[str, str], store: Store) -> dict[str, str]:
    Register(store, user="tester", clock=lambda: FIXED_NOW).add_department(KC, [KC_CONTACT])
    return accounts


def _answering(service: AuditService) -> dict[tuple[str, str], str]:
    """(rule, handle) -> responsible, for the duty findings of the latest run."""
    report = service.report()
    return {
        (i.finding.rule, i.finding.handle): i.finding.responsible
        for i in report.items
        if i.finding.rule in DUTY_RULES
    }


def test_a_run_gives_kc_the_duties_it_holds(with_kc: dict[str, str], service: AuditService) -> None:
    service.run(Q4)
    assert _answering(service) == {
        ("slow-replies", "stad"): KC,
        ("slow-dm-replies", "stad"): KC,
        ("slow-replies", "kurs"): KC,
        ("slow-dm-replies", "kurs"): KULTUR,  # not a city-wide account: its DMs stay
        ("slow-replies", "bibliotek"): KULTUR,
        ("slow-dm-replies", "bibliotek"): KULTUR,
    }
    report = service.report()
    others = [i.finding for i in report.items if i.finding.rule not in DUTY_RULES]
    assert all(f.responsible == f.department for f in others)  # register-level: "" and ""
    assert not any(i.finding.kc_absent for i in report.items)


def test_the_setting_names_kc_in_any_letter_case(
    with_kc: dict[str, str], service: AuditService, data_dir: Path, store: Store
) -> None:
    Register(store, user="tester", clock=lambda: FIXED_NOW).add_department("Medborgarservice")
    (data_dir / "settings.toml").write_text('[kc]\ndepartment = "medborgarSERVICE"\n', "utf-8")
    service.run(Q4)
    assert _answering(service)[("slow-dm-replies", "stad")] == "Medborgarservice"


def test_without_kc_in_the_register_the_department_answers_and_the_run_says_so(
    accounts: dict[str, str], cli: Cli, service: AuditService
) -> None:
    result = cli("audit", "run", "--quarter", "2026Q4")
    assert result.code == 0, result.err
    # stad's two duties and kurs's comments would be KC's: three findings stayed.
    assert "finns inte i registret, så 3 avvikelser som är kontaktcenters" in result.err
    assert f'departments add "{KC_DEPARTMENT}"' in result.err
    assert set(_answering(service).values()) == {SLF, KULTUR}
    fell_back = {(i.finding.rule, i.finding.handle) for i in service.report().items
                 if i.finding.kc_absent}  # recorded with the run, so every view can tell
    assert fell_back == {("slow-replies", "stad"), ("slow-dm-replies", "stad"),
                         ("slow-replies", "kurs")}


def test_audit_show_filters_by_who_answers(with_kc: dict[str, str], cli: Cli) -> None:
    assert cli("audit", "run", "--quarter", "2026Q4").code == 0
    shown = cli("audit", "show", "--responsible", "kontaktcenter")
    assert shown.code == 0, shown.err
    assert "3 avvikelser." in shown.out and "Ansvarig" in shown.out
    assert "facebook:bibliotek" not in shown.out
    for option in ("--responsible", "--department"):  # a typo is a mistake, not 0 findings
        unknown = cli("audit", "show", option, "Kontaktcentret")
        assert unknown.code == 2 and "Kontaktcentret" in unknown.err and not unknown.out


# --- the setting ---------------------------------------------------------------------------


def test_no_settings_file_means_kontaktcenter(data_dir: Path) -> None:
    data_dir.mkdir()
    assert load_settings(data_dir).kc_department == KC_DEPARTMENT == "Kontaktcenter"
    (data_dir / "settings.toml").write_text("[audit]\ninactive_days = 30\n", "utf-8")
    assert load_settings(data_dir).kc_department == "Kontaktcenter"
    (data_dir / "settings.toml").write_text('[kc]\ndepartment = "  KC   Nord "\n', "utf-8")
    assert load_settings(data_dir).kc_department == "KC Nord"


@pytest.mark.parametrize(
    ("text", "key", "reason"),
    [
        ("[kc]\ndepartment = 5\n", "kc.department", "förvaltningens namn som text"),
        ('[kc]\ndepartment = ""\n', "kc.department", "förvaltningens namn som text"),
        ("[kc]\ndepartment = [\"a\"]\n", "kc.department", "förvaltningens namn som text"),
        ('[kc]\ndepartment = "K\\u0007C"\n', "kc.department", "\\x07"),
        (f'[kc]\ndepartment = "{"K" * 201}"\n', "kc.department", "201"),
        ('[kc]\ndepartmnet = "KC"\n', "kc.departmnet", "okänd inställning"),
        ('kc = "Kontaktcenter"\n', "kc", "ska vara en tabell"),
        ('[audit]\nkc_department = "KC"\n', "audit.kc_department", "okänd inställning"),
    ],
)
def test_a_bad_kc_setting_names_the_file_and_key(
    text: str, key: str, reason: str, data_dir: Path, accounts: dict[str, str], cli: Cli
) -> None:
    (data_dir / "settings.toml").write_text(text, "utf-8")
    with pytest.raises(InputError) as raised:
        load_settings(data_dir)
    message = str(raised.value)
    assert "settings.toml" in message and f"{key}:" in message and reason in message
    before = store_snapshot(data_dir)
    result = cli("audit", "run", "--quarter", "2026Q4")  # no run stored, no traceback
    assert result.code != 0 and "settings.toml" in result.err and "Traceback" not in result.err
    assert store_snapshot(data_dir) == before


# --- where people see it: CSV, packets, mail, diff -----------------------------------------


def _csv(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))


def test_the_findings_csv_ends_with_responsible(
    with_kc: dict[str, str], service: AuditService
) -> None:
    service.run(Q4)
    rows = _csv(service.export())
    assert list(rows[0])[-3:] == ["first_seen", "rule_title", "responsible"]
    by = {(r["rule"], r["handle"]): r for r in rows}
    assert by[("slow-dm-replies", "stad")]["department"] == SLF
    assert by[("slow-dm-replies", "stad")]["responsible"] == KC
    assert by[("slow-dm-replies", "kurs")]["responsible"] == KULTUR
    assert by[("revision-overdue", "")]["responsible"] == ""  # the register's own: AKN
    markdown = service.export(fmt="md").decode("utf-8")
    assert "| Ansvarig |" in markdown and "| Kontaktcenter |" in markdown


def test_kc_has_its_own_packet_and_the_departments_lose_those_findings(
    with_kc: dict[str, str], service: AuditService, store: Store
) -> None:
    service.run(Q4)
    packets = {p.department: p for p in PacketService(store, user="tester").packets()}
    kc_keys = {(i.finding.rule, i.finding.handle) for i in packets[KC].items}
    assert kc_keys == {
        ("slow-replies", "stad"), ("slow-dm-replies", "stad"), ("slow-replies", "kurs")
    }
    kultur_rules = {(i.finding.rule, i.finding.handle) for i in packets[KULTUR].items}
    assert ("slow-replies", "kurs") not in kultur_rules
    assert ("slow-dm-replies", "kurs") in kultur_rules
    assert packets[KULTUR].answered_elsewhere == ((KC, 1),)
    assert packets[SLF].answered_elsewhere == ((KC, 2),)
    rows = _csv(render_packet(packets[KC], "csv"))
    assert list(rows[0])[-1] == "account_department"
    assert {(r["department"], r["account_department"]) for r in rows} == {(KC, SLF), (KC, KULTUR)}
    markdown = render_packet(packets[SLF], "md").decode("utf-8")
    assert "som Kontaktcenter ansvarar för: 2" in markdown


@pytest.fixture
def mail_ready(with_kc: dict[str, str], service: AuditService, smtp_server: SmtpServer,
               data_dir: Path) -> Iterator[SmtpServer]:
    service.run(Q4)
    (data_dir / "settings.toml").write_text(smtp_server.settings_toml(), "utf-8")
    yield smtp_server


def test_audit_send_mails_kc_its_packet(mail_ready: SmtpServer, cli: Cli) -> None:
    from tests.audits.xlsx_support import sheets

    result = cli("audit", "send", "--department", KC)
    assert result.code == 0, result.err
    assert f"Skickat till {KC}: 1 mottagare." in result.out
    [got] = mail_ready.received
    assert got.recipients == [KC_CONTACT.email]
    assert got.message["Subject"] == f"Granskning av sociala medier 2026Q4: {KC}"
    [attachment] = list(got.message.iter_attachments())
    assert attachment.get_filename() == f"{KC} 2026Q4.xlsx"
    book = sheets(attachment.get_content())
    findings = next(rows for name, rows in book.items() if name == "Avvikelser")
    assert findings[0][-1] == "Kontots förvaltning"
    assert sorted(row[0] for row in findings[1:]) == [
        "facebook:kurs", "facebook:stad", "facebook:stad"
    ]


def test_the_diff_puts_kc_findings_in_kcs_share(
    with_kc: dict[str, str], service: AuditService, cli: Cli
) -> None:
    service.run(Quarter(2026, 3))  # no stats in Q3: no duty findings yet
    service.run(Q4)
    parts = {p.department: p for p in service.diff("2026Q3", "2026Q4").by_department()}
    assert {(f.rule, f.handle) for f in parts[KC].new} == {
        ("slow-replies", "stad"), ("slow-dm-replies", "stad"), ("slow-replies", "kurs")
    }
    assert all(f.responsible == KULTUR for f in parts[KULTUR].new)
    shown = cli("audit", "diff", "2026Q3", "2026Q4")
    assert shown.code == 0, shown.err
    kc_part = shown.out.split(f"\n{KC}\n", 1)[1]
    assert "facebook:kurs" in kc_part.split("\n\n", 1)[0] and KULTUR in kc_part


def test_diff_of_findings_groups_by_who_answers() -> None:
    from audits.runs import RunInfo

    info = RunInfo("2026Q4-1", 1, Q4, Q4.last_day, FIXED_NOW, "t", 1, {})
    kc_owned = Finding("slow-replies", "warning", "a1", "facebook", "stad", SLF, responsible=KC)
    own = Finding("no-editors", "critical", "a1", "facebook", "stad", SLF, responsible=SLF)
    parts = diff_findings(info, [], info, [kc_owned, own]).by_department()
    assert [(p.department, len(p.new)) for p in parts] == [(KC, 1), (SLF, 1)]


# --- old runs ----------------------------------------------------------------------------------


def test_a_run_stored_before_responsible_reads_as_the_accounts_department() -> None:
    doc = {
        "rule": "slow-replies", "severity": "warning", "account_id": "a1", "platform": "facebook",
        "handle": "stad", "department": SLF, "variant": "message",
        "params": {"due": 10, "on_time": 5, "rate": "0.9"}, "first_seen": "2026-10-01",
    }
    assert Finding.from_doc(doc).responsible == SLF
    register_level = {"rule": "revision-overdue", "severity": "critical",
                      "params": Finding.from_doc(doc).params}
    assert Finding.from_doc(register_level).responsible == ""
    stored = Finding("no-editors", "critical", "a1", "facebook", "stad", SLF, responsible=KC)
    assert decode_finding(stored.to_doc()) == stored  # the fast decoding keeps it
    absent = Finding("no-editors", "critical", "a1", "facebook", "stad", SLF,
                     responsible=SLF, kc_absent=True)  # (the decoding does not judge)
    assert decode_finding(absent.to_doc()) == absent == Finding.from_doc(absent.to_doc())
    assert "kc_absent" not in stored.to_doc()  # only where it is true: runs stay small
    old = {k: v for k, v in stored.to_doc().items() if k != "responsible"}
    assert decode_finding(old).responsible == SLF
    odd = {**old, "first_seen": None, "variant": None}  # the slow, field-by-field path
    assert decode_finding(odd).responsible == SLF and not decode_finding(odd).kc_absent
    from audits import stored as stored_module

    with pytest.raises(stored_module.BadField):
        decode_finding({**old, "kc_absent": "yes"})


# --- rights follow responsibility ----------------------------------------------------------


@pytest.fixture
def people(with_kc: dict[str, str], service: AuditService, store: Store) -> dict[str, AuditService]:
    service.run(Q4)
    with store.write() as txn:
        put_user(txn, User("tester", "admin"))
        put_user(txn, User("kc-lead", "lead", (KC,)))
        put_user(txn, User("kultur-lead", "lead", (KULTUR,)))
    return {
        login: AuditService(store, user=login, clock=lambda: FIXED_NOW)
        for login in ("tester", "kc-lead", "kultur-lead")
    }


def test_a_kc_lead_acknowledges_kcs_findings_and_the_departments_lead_no_longer_can(
    people: dict[str, AuditService], with_kc: dict[str, str]
) -> None:
    kc_lead, kultur_lead, admin = people["kc-lead"], people["kultur-lead"], people["tester"]
    with pytest.raises(AccessRefused):  # KC answers kurs's comments: not the department's
        kultur_lead.acknowledge("slow-replies", "facebook:kurs", note="Vi tar det.")
    ack = kc_lead.acknowledge("slow-replies", "facebook:kurs", note="KC svarar nu.")
    assert ack.user == "kc-lead"
    with pytest.raises(AccessRefused):  # kurs's DMs are the department's, not KC's
        kc_lead.acknowledge("slow-dm-replies", "facebook:kurs", note="Inte vår.")
    assert kultur_lead.acknowledge("slow-dm-replies", "facebook:kurs", note="Bemanning.").user
    keys = [f"slow-dm-replies:{with_kc['stad']}", f"slow-replies:{with_kc['bibliotek']}"]
    with pytest.raises(AccessRefused):  # all or nothing: one of them is the department's
        kc_lead.acknowledge_many(keys, note="Båda")
    statuses = {(i.finding.rule, i.finding.handle): i.status for i in admin.report().items}
    assert statuses[("slow-dm-replies", "stad")] == "open"
    assert len(kc_lead.acknowledge_many(keys[:1], note="KC svarar.")) == 1


def test_waiving_kcs_findings_is_admins(people: dict[str, AuditService]) -> None:
    until = date(2027, 3, 31)
    for lead in ("kc-lead", "kultur-lead"):  # a lead waives nothing (governance.access)
        with pytest.raises(AccessRefused):
            people[lead].waive(
                "slow-replies", "facebook:kurs", reason="Ny rutin", name="Eva Ek", until=until
            )
    waiver = people["tester"].waive(
        "slow-replies", "facebook:kurs", reason="Ny rutin", name="Eva Ek", until=until
    )
    assert waiver.ref == "facebook:kurs"


# --- the demo ------------------------------------------------------------------------------


def test_the_demo_has_kontaktcenter_with_a_contact(data_dir: Path) -> None:
    from governance.demo import KONTAKTCENTER, build_demo
    from governance.people import People

    store = Store(build_demo(data_dir, now=FIXED_NOW))
    try:
        register = Register(store)
        [kc] = [d for d in register.departments() if d.name == KONTAKTCENTER == KC_DEPARTMENT]
        assert len(kc.contacts) == 1 and kc.contacts[0].email.endswith("@helsingborg.se")
        assert People(store).users() == []  # single-user mode: whoever opens the demo is admin
        accounts = register.accounts()
        assert any(a.shared for a in accounts)
        assert any(a.kc_handles_comments and not a.shared for a in accounts)  # by agreement
        assert not any(a.department == KONTAKTCENTER for a in accounts)  # KC owns no account
    finally:
        store.close()
