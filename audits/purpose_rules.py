"""The rules on an account's purpose, audience and goals (the guideline's *Effektivt*,
*Målgrupp* and *Målsättning*).

- ``purpose-unlinked`` (warning): *Effektivt*: "Kontot fyller ett syfte som går att koppla till de
  mål som satts upp för verksamheten". When the account's department has recorded goals of its own
  (``kontokoll departments goals``) and the account links none of them (``department_goals``). A
  department without goals is not judged: there is nothing to link to yet.
- ``no-audience`` (warning): *Målgrupp*: the account states no audience.
- ``no-goals`` (warning): *Målsättning*: "Allt innehåll som publiceras ... ska ha en av följande
  målsättningar": the account names none of informera, aktivera, engagera.

None of them has a threshold; their severities are settings (``[audit.severity]``). The engine
hands the rules each department's goal ids, read once per run (:attr:`Judgement.department_goals`).
"""

from __future__ import annotations

from audits.rule_kinds import Activity, Hit, Judgement, Subject, account_rule

_CRITERIA = "Ansvarsfördelning och kriterier för konto"


@account_rule("purpose-unlinked", "warning", _CRITERIA)
def purpose_unlinked(subject: Subject, activity: Activity, judged: Judgement) -> Hit | None:
    """The department has goals and the account's purpose is tied to none of them."""
    goals = judged.department_goals.get(subject.department)
    if not goals or any(goal in goals for goal in subject.department_goals):
        return None
    return Hit("purpose-unlinked", params={"goals": len(goals)})


@account_rule("no-audience", "warning", "Målgrupp")
def no_audience(subject: Subject, activity: Activity, judged: Judgement) -> Hit | None:
    """The account states no audience."""
    return None if subject.audience.strip() else Hit("no-audience")


@account_rule("no-goals", "warning", "Målsättning – detta vill vi uppnå")
def no_goals(subject: Subject, activity: Activity, judged: Judgement) -> Hit | None:
    """The account names none of the guideline's three goals."""
    return None if subject.goals else Hit("no-goals")


PURPOSE_RULES = (purpose_unlinked, no_audience, no_goals)
