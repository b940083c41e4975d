"""What in each rule is the guideline's and what is AKN's application of it.

The guideline (*Riktlinjer för sociala medier*) names few figures: "inom 24 timmar under
arbetstid", a revision "en gång per halvår", "nästa revidering sker i mars 2024". Every other
figure of the audit (60 days, 90 %, 92 days, 30 days ...) and several of the duties it checks are
AKN's application of the guideline, not its words, and are said to be: a finding labels them
"AKN:s tillämpning (inactive_days = 60)", the guideline screen lists them per rule.

:data:`RULE_FIGURES` declares it for every rule (``tests/audits/test_attribution.py`` holds each
rule to it, and checks its messages say so):

- ``quotes``: the guideline's own words the rule enforces, verbatim in Swedish;
- ``settings``: the :class:`~audits.settings.AuditSettings` it reads (AKN's application, except
  those in :data:`GUIDELINE_SETTINGS`, whose defaults are the guideline's own figures);
- ``akn``: True when the rule, or a fixed figure in it, is AKN's application beyond its settings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from governance.i18n import t

if TYPE_CHECKING:
    from audits.settings import AuditSettings


@dataclass(frozen=True, slots=True)
class Figures:
    """Where one rule's figures come from (see the module)."""

    quotes: tuple[str, ...] = ()
    settings: tuple[str, ...] = ()
    akn: bool = False

    @property
    def applied(self) -> bool:
        """Whether anything in the rule is AKN's application (its messages must say so)."""
        return self.akn or any(s not in GUIDELINE_SETTINGS for s in self.settings)


#: Settings whose defaults are the guideline's own figures ("en gång per halvår", "mars 2024").
GUIDELINE_SETTINGS = frozenset({"revision_interval_months", "first_revision_deadline"})

_EDITORS = "bestämmer vilka på förvaltningen som ska vara redaktörer"
_ROUTINES = "de som utses till redaktörer för ett konto ansvarar för att dessa rutiner efterföljs"
_LONG = "Projekt eller verksamheter som är tidsbegränsade bör därför inte starta nya konton"
_REVISION = "revideras en gång per halvår, nästa revidering sker i mars 2024"
_POSTS = "Kontot publicerar regelbundet inlägg"
_ANSWERS = "svarar på de kommentarer, meddelanden och inlägg som kommer in till kontot"

RULE_FIGURES: Mapping[str, Figures] = {
    "no-editors": Figures((_EDITORS,)),
    "single-editor": Figures(("Vi svarar inom 24 timmar under arbetstid",), akn=True),
    "no-purpose": Figures(("Kontot fyller ett syfte",)),
    "purpose-unlinked": Figures(
        ("Kontot fyller ett syfte som går att koppla till de mål som satts upp för verksamheten",)
    ),
    "no-audience": Figures(
        ("Ju mer vi vet om vem det är vi försöker nå, desto större chans har vi att lyckas",),
        akn=True,
    ),
    "no-goals": Figures(
        ("ska ha en av följande målsättningar",),
        akn=True,
    ),
    "time-limited-project": Figures((_LONG,)),
    "project-ended": Figures((_LONG,), akn=True),
    "closed-without-reason": Figures(("kan det vara motiverat med en stängd kanal",), akn=True),
    "no-stats": Figures(("rekommenderar vi att man mäter uppnådd räckvidd",), akn=True),
    "inactive": Figures((_POSTS,), ("inactive_days", "inactive_days_per_platform")),
    "slow-replies": Figures(
        (
            "Vi svarar inom 24 timmar under arbetstid, vardagar 8-17",
            "I kommentarsflödet svarar vi alltid på direkta, konkreta och seriösa frågor",
        ),
        ("min_reply_rate",),
    ),
    "slow-dm-replies": Figures((_ANSWERS,), ("min_reply_rate",), akn=True),
    "editors-unconfirmed": Figures((_EDITORS,), ("editors_confirmed_days",)),
    "revision-unacknowledged": Figures((_ROUTINES,), ("revision_acknowledge_days",)),
    "request-pending": Figures(
        ("har det övergripande ansvaret för våra stadsgemensamma konton",),
        ("request_pending_days",),
    ),
    "retirement-open": Figures(akn=True),
    "handle-changed": Figures(akn=True),
    "identity-mismatch": Figures(akn=True),
    "removal-unregistered": Figures(
        ("Borttagna kommentarer ska skärmdumpas och diarieföras",), akn=True
    ),
    "hidden-unlogged": Figures(("enbart döljer den otrevliga kommentaren",), akn=True),
    "revision-overdue": Figures(
        (_REVISION,), ("revision_interval_months", "first_revision_deadline")
    ),
    "revision-due-soon": Figures((_REVISION,), ("revision_due_soon_days",)),
}


def setting_text(name: str, settings: AuditSettings) -> str:
    """``name = value`` as it reads in settings.toml (a table as ``key value`` pairs)."""
    value: Any = getattr(settings, name)
    if isinstance(value, Mapping):
        shown = ", ".join(f"{k} {v}" for k, v in sorted(value.items())) or "–"
    elif name == "min_reply_rate":
        shown = f"{float(value):g}"
    else:
        shown = str(value)
    return t("goals.attribution.setting", name=name, value=shown)


def attribution(rule: str, settings: AuditSettings) -> tuple[str, str]:
    """(the guideline's words it quotes, AKN's application with its settings' values) of
    ``rule`` under ``settings``, each "" when there is none."""
    figures = RULE_FIGURES[rule]
    quotes = " / ".join(f"”{q}”" for q in figures.quotes)
    quoted = f"{t('goals.attribution.guideline')}: {quotes}" if quotes else ""
    applied = [setting_text(s, settings) for s in figures.settings if s not in GUIDELINE_SETTINGS]
    if applied:
        return quoted, t("goals.attribution.akn_setting", settings="; ".join(applied))
    return quoted, t("goals.attribution.akn") if figures.akn else ""


def rule_lines(settings: AuditSettings) -> list[str]:
    """Every rule, its guideline section, what it quotes and what is AKN's application under
    ``settings``: the guideline screen's list (plain text, one paragraph per rule)."""
    from audits.rules import RULES  # here: audits.rules imports the settings, which import this

    paragraphs = []
    for rule in RULES:
        quoted, applied = attribution(rule.id, settings)
        lines = [f"{rule.title} ({rule.guideline})"]
        lines += [f"  {text}" for text in (quoted, applied) if text]
        paragraphs.append("\n".join(lines))
    return paragraphs
