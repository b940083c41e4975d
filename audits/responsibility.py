"""Who answers for a finding: the account's department, or Kontaktcenter (KC).

The guideline's *Samarbete med kontaktcenter*: "I våra stadsgemensamma kanaler ansvarar
kontaktcenter (KC) för hantering av inkommande direktmeddelanden. Där det finns en gemensam
överenskommelse med förvaltningen, ansvarar KC även för hantering av kommentarsflödet."

So a finding about one of those two duties is KC's, not the department's:

- direct messages (``slow-dm-replies``) on a ``shared`` (stadsgemensamt) account;
- the comment flow (``slow-replies``, and the moderation of comments: ``removal-unregistered``
  and ``hidden-unlogged``) on an account with ``kc_handles_comments`` set. Whoever answers the
  comments is the one who hides and deletes them, so the registration and logging duties follow.
  The flag is the recorded agreement and counts on any account, shared or not.

Every other finding is the account's department's; a register-level finding (the guideline's
revision) is AKN's own, written as "" like its department.

KC is a department of the register, named by ``[kc] department`` in ``settings.toml``
(:mod:`audits.settings`). If the register has no department of that name, a finding that would be
KC's stays with the account's department, so that someone still gets it in a packet and may
acknowledge it; the finding records that (``Finding.kc_absent``) and ``audit run`` says so.

Pure functions, no store: the engine calls :func:`responsible` once per finding.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from governance.model import department_key

COMMENTS = "comments"
DIRECT_MESSAGES = "direct-messages"

#: The duty each rule's finding is about; a rule not named here concerns no duty KC may hold.
#: The ids are the rules' own (``slow-dm-replies``, ``removal-unregistered`` and
#: ``hidden-unlogged`` may not be in this build's rules yet: a name here costs nothing).
RULE_DUTIES: Mapping[str, str] = {
    "slow-replies": COMMENTS,
    "removal-unregistered": COMMENTS,
    "hidden-unlogged": COMMENTS,
    "slow-dm-replies": DIRECT_MESSAGES,
}


def duty_of(rule: str) -> str | None:
    """``comments``, ``direct-messages``, or None for a rule about neither."""
    return RULE_DUTIES.get(rule)


def kc_answers(rule: str, shared: bool, kc_handles_comments: bool) -> bool:
    """Whether KC answers for ``rule``'s duty on an account with these flags."""
    duty = RULE_DUTIES.get(rule)
    if duty == DIRECT_MESSAGES:
        return shared
    if duty == COMMENTS:
        return kc_handles_comments
    return False


def responsible(
    rule: str, department: str, shared: bool, kc_handles_comments: bool, kc: str
) -> str:
    """The department answering for a finding of ``rule`` on an account of ``department``.

    ``kc`` is KC's department as the register spells it, or "" when the register has none:
    then the account's department stays responsible.
    """
    if kc and kc_answers(rule, shared, kc_handles_comments):
        return kc
    return department


def register_spelling(wanted: str, departments: Iterable[str]) -> str:
    """``wanted`` as the register spells it (matched in any letter case), or "" if missing."""
    key = department_key(wanted)
    return next((name for name in departments if department_key(name) == key), "")
