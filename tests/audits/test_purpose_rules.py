"""Issue 12: the purpose rules (purpose-unlinked, no-audience, no-goals), the inactivity limit per
platform in settings.toml and in stored runs, and which of each rule's figures are the guideline's
and which are AKN's application (audits.attribution)."""

from __future__ import annotations

import dataclasses
import json
import re
import string
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from types import MappingProxyType

import pytest

from audits.attribution import GUIDELINE_SETTINGS, RULE_FIGURES, attribution, rule_lines
from audits.quarters import Quarter
from audits.rules import RULES, Activity, Judgement, Subject, check_account, render_message
from audits.service import AuditService
from audits.settings import AuditSettings, load_settings, parse_settings
from governance.department_goals import DepartmentGoals
from governance.errors import InputError
from governance.i18n import catalogue, set_language
from governance.register import Register
from governance.store import Store
from tests.audits.conftest import month_stats, posted

Q4 = Quarter(2026, 4)
D = date(2026, 12, 31)
BUSY = Activity(has_rows=True, window="posted")
KULTUR = "Kulturförvaltningen"
Accounts = Callable[..., dict[str, str]]


def _subject(**values: object) -> Subject:
    base: dict[str, object] = {"id": "0123456789ab", "platform": "facebook", "handle": "a",
                               "department": KULTUR, "purpose": "Evenemang.", "editors": 2,
                               "editors_confirmed": date(2026, 11, 2), "audience": "Låntagare.",
                               "goals": ("informera",)}  # fmt: skip
    base.update(values)
    return Subject(**base)  # type: ignore[arg-type]


def _hits(subject: Subject, goals: dict[str, frozenset[str]] | None = None) -> list[str]:
    judged = Judgement(D, AuditSettings(), str(Q4), None, MappingProxyType({}), goals or {})
    return [hit.rule for hit in check_account(subject, BUSY, judged)]


# --- the rules ---


def test_the_purpose_rules_on_their_fields() -> None:
    goals = {KULTUR: frozenset({"g1", "g2"})}
    assert _hits(_subject(department_goals=("g2",)), goals) == []
    assert _hits(_subject(), goals) == ["purpose-unlinked"]
    assert _hits(_subject(), {}) == []  # a department without goals: nothing to link to yet
    assert _hits(_subject(audience="  ")) == ["no-audience"]
    assert _hits(_subject(goals=())) == ["no-goals"]
    retired = _subject(status="retired", audience="", goals=())
    assert _hits(retired, goals) == []


def test_the_purpose_rules_over_a_stored_register(
    store: Store, make_accounts: Accounts, service: AuditService
) -> None:
    make_accounts(
        ("linked", {}),
        ("unlinked", {}),
        ("bare", {"audience": "", "goals": ()}),
        ("miljo", {"department": "Miljöförvaltningen"}),
    )
    DepartmentGoals(store, user="tester").add(KULTUR, "Fler unga besöker biblioteken")
    Register(store, user="tester").update_from_text("facebook:linked", {"department_goals": "g1"})
    report = service.run(Q4)
    found = {(i.finding.rule, i.finding.handle) for i in report.items}
    purpose = {f for f in found if f[0] in ("purpose-unlinked", "no-audience", "no-goals")}
    assert purpose == {
        ("purpose-unlinked", "unlinked"),
        ("purpose-unlinked", "bare"),
        ("no-audience", "bare"),
        ("no-goals", "bare"),
    }
    item = next(i for i in report.items if i.finding.key.startswith("purpose-unlinked"))
    assert item.finding.severity == "warning"
    assert "Förvaltningen har egna mål (1)" in item.finding.message


def test_the_purpose_rules_severities_are_settings(data_dir: Path) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "settings.toml").write_text(
        '[audit.severity]\nno-goals = "critical"\npurpose-unlinked = "critical"\n', encoding="utf-8"
    )
    assert dict(load_settings(data_dir).severity) == {
        "no-goals": "critical",
        "purpose-unlinked": "critical",
    }


# --- the inactivity limit per platform ---


def test_a_platform_may_have_a_limit_of_its_own(data_dir: Path) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "settings.toml").write_text(
        "[audit]\ninactive_days = 45\n\n[audit.inactive_days_per_platform]\nyoutube = 120\n",
        encoding="utf-8",
    )
    settings = load_settings(data_dir)
    assert (settings.inactive_limit("youtube"), settings.inactive_limit("x")) == (120, 45)


@pytest.mark.parametrize(
    ("table", "reason"),
    [
        ({"myspace": 30}, "okänd plattform"),
        ({"youtube": 0}, "heltal från 1 till 3650"),
        ({"youtube": 99999}, "heltal från 1 till 3650"),
        ({"youtube": True}, "heltal"),
        ({"youtube": "120"}, "heltal"),
        ({"\x1b[31mx": 30}, "okänd plattform"),
    ],
)
def test_a_bad_platform_limit_is_refused_naming_the_file_and_key(
    table: dict[str, object], reason: str
) -> None:
    with pytest.raises(InputError) as caught:
        parse_settings({"inactive_days_per_platform": table}, "/data/settings.toml")
    text = str(caught.value)
    assert text.startswith(
        "Inställningsfilen /data/settings.toml: audit.inactive_days_per_platform"
    )
    assert reason in text and "\x1b" not in text


def test_not_a_table_is_refused() -> None:
    with pytest.raises(InputError, match="ska vara en tabell"):
        parse_settings({"inactive_days_per_platform": 120})


def test_a_run_stored_before_platform_limits_still_reads() -> None:
    old = AuditSettings().to_doc()
    del old["inactive_days_per_platform"]
    assert AuditSettings.from_doc(old) == AuditSettings()
    new = dataclasses.replace(AuditSettings(), inactive_days_per_platform={"youtube": 120})
    assert AuditSettings.from_doc(json.loads(json.dumps(new.to_doc()))) == new
    # An inactivity finding stored then has no ``setting``: its message names the default one.
    message = render_message("inactive", "message", {"latest": "2026-08-01", "days": 152,
                                                     "limit": 60})  # fmt: skip
    assert message.endswith("AKN:s tillämpning (inactive_days = 60).")


def test_the_finding_says_which_limit_applied(
    store: Store,
    make_accounts: Accounts,
    save_stats: Callable[..., None],
    service: AuditService,
    data_dir: Path,
) -> None:
    ids = make_accounts(
        ("tube", {"platform": "youtube"}),
        ("old", {"platform": "youtube"}),
        ("page", {"platform": "facebook"}),
    )
    last = {"tube": date(2026, 9, 20), "old": date(2026, 8, 10), "page": date(2026, 9, 20)}
    records = []
    for month in ("2026-07", "2026-08", "2026-09", "2026-10", "2026-11", "2026-12"):
        for handle, day in last.items():
            posted_then = month == f"{day.year}-{day.month:02d}"
            stamp = posted(day) if posted_then else None
            record = month_stats(ids[handle], month, posts=int(posted_then), last_post_at=stamp)
            records.append(record)
    save_stats(records)
    (data_dir / "settings.toml").write_text(
        "[audit.inactive_days_per_platform]\nyoutube = 120\n", encoding="utf-8"
    )
    service._clock = lambda: datetime(2027, 1, 2, 9, tzinfo=UTC)  # Q4 is over: judged 12-31
    report = service.run(Q4)
    inactive = {i.finding.handle: i.finding for i in report.items if i.finding.rule == "inactive"}
    assert set(inactive) == {"old", "page"}  # tube: 102 days, within YouTube's 120
    assert inactive["page"].params["setting"] == "inactive_days"
    assert inactive["old"].params["setting"] == "inactive_days_per_platform.youtube"
    assert inactive["old"].params["limit"] == 120
    assert "(inactive_days_per_platform.youtube = 120)" in inactive["old"].message
    stored = service.report(Q4)
    assert stored is not None
    assert stored.run.settings.inactive_days_per_platform == {"youtube": 120}


# --- attribution ---

#: What a rule may own: not the severities, KC's name, or how long a waiver may last (it bounds
#: what people decide about findings, not when a rule finds one).
_THRESHOLDS = {f.name for f in dataclasses.fields(AuditSettings)} - {
    "severity", "kc_department", "waiver_max_days"
}
_SEED = Path(__file__).resolve().parents[3] / "shared" / "seed" / "riktlinjer-sociala-medier.md"


def test_every_rule_declares_its_guideline_figures_and_its_settings() -> None:
    assert set(RULE_FIGURES) == {rule.id for rule in RULES}
    claimed = {s for figures in RULE_FIGURES.values() for s in figures.settings}
    assert claimed <= _THRESHOLDS
    assert claimed == _THRESHOLDS  # no threshold that no rule owns up to
    assert claimed >= GUIDELINE_SETTINGS
    for rule, figures in RULE_FIGURES.items():
        assert figures.quotes or figures.akn, f"{rule} quotes nothing and claims nothing"


@pytest.mark.skipif(not _SEED.is_file(), reason="the guideline's text is not beside the repository")
def test_every_quote_is_the_guideline_s_own_words() -> None:
    text = re.sub(r"[*\s]+", " ", _SEED.read_text(encoding="utf-8"))
    for rule, figures in RULE_FIGURES.items():
        for quote in figures.quotes:
            assert quote in text, f"{rule}: {quote!r} is not in the guideline"


def _variants(rule: str, language: str) -> dict[str, str]:
    prefix = f"audit.rule.{rule}."
    found = catalogue(language)
    return {k[len(prefix) :]: v for k, v in found.items() if k.startswith(prefix) and
            not k.endswith(".title")}  # fmt: skip


@pytest.mark.parametrize("language", ["sv", "en"])
def test_every_message_labels_what_is_akn_s_application(language: str) -> None:
    set_language(language)
    label = "AKN:s tillämpning" if language == "sv" else "AKN's application"
    for rule in RULES:
        figures = RULE_FIGURES[rule.id]
        for variant, text in _variants(rule.id, language).items():
            names = {f[1] for f in string.Formatter().parse(text) if f[1]}
            # (``setting`` left out: the inactivity rule's default then names it)
            params = {name: "1" for name in names - {"setting"}} | {"items": "announced"}
            message = render_message(rule.id, variant, params)
            assert (label in message) == figures.applied, (rule.id, variant, message)
            for setting in figures.settings:
                if setting not in GUIDELINE_SETTINGS and setting != "inactive_days_per_platform":
                    assert setting in message, (rule.id, variant, setting)


def test_the_english_texts_say_hours_of_working_time() -> None:
    for language in ("en",):
        for key, text in catalogue(language).items():
            assert "working hours" not in text, key


def test_the_attribution_names_each_setting_and_its_value() -> None:
    settings = dataclasses.replace(AuditSettings(), inactive_days_per_platform={"youtube": 120})
    quoted, applied = attribution("inactive", settings)
    assert quoted.startswith("Riktlinjen: ”Kontot publicerar regelbundet inlägg")
    assert applied == (
        "AKN:s tillämpning (inactive_days = 60; inactive_days_per_platform = youtube 120)"
    )
    assert attribution("slow-replies", AuditSettings())[1] == (
        "AKN:s tillämpning (min_reply_rate = 0.9)"
    )
    assert attribution("no-purpose", AuditSettings())[1] == ""  # the guideline's own demand
    assert attribution("revision-overdue", AuditSettings())[1] == ""  # its figures are its own
    lines = rule_lines(AuditSettings())
    assert len(lines) == len(RULES)
    assert any("editors_confirmed_days = 92" in line for line in lines)
