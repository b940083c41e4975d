"""The moderation register's rules (guideline section *Dölja eller ta bort kommentar*).

"Borttagna kommentarer ska skärmdumpas och diarieföras via mejl till
kommunstyrelsen@helsingborg.se."

- ``removal-unregistered`` (critical): a comment deleted in the quarter whose registration mail
  had not gone out within one working day (:func:`governance.worktime.reply_deadline`: the same
  wall-clock time on the next working day, counted from the start of working time) as of the
  day judged. A deletion is overdue on D when its deadline fell on a day before D, so a deadline
  later on D itself is not yet missed. One sent, but late, is reported as late in the quarter of
  the deletion (variant ``late``), so a quarter's record stays true after the mail went out.
- ``hidden-unlogged`` (warning): the sync saw more hidden comments in the quarter
  (:attr:`Activity.hidden`, Facebook ``is_hidden``, Instagram ``hidden``; counts only) than the
  account recorded hide actions for the quarter. An unknown count (None) is never judged.

The engine hands the rules the quarter's records per account (:attr:`Judgement.moderation`).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from audits.rule_kinds import Activity, Hit, Judgement, Subject, account_rule

if TYPE_CHECKING:  # the records are read (and their module loaded) only when the store has any
    from governance.moderation.facts import Deletion

_MODERATION = "Dölja eller ta bort kommentar"


@account_rule("removal-unregistered", "critical", _MODERATION)
def removal_unregistered(subject: Subject, activity: Activity, judged: Judgement) -> Hit | None:
    """Deletions not sent for registration within one working day (or sent late)."""
    facts = judged.moderation.get(subject.id)  # (None: no records for the account)
    if facts is None or not facts.deletions:
        return None
    # Only for an account with deletions: the holiday calendar, and Stockholm's time zone.
    from governance.monthly import STOCKHOLM
    from governance.worktime import reply_deadline

    overdue: list[Deletion] = []
    late = 0
    for deletion in facts.deletions:
        if deletion.at.astimezone(STOCKHOLM).date() > judged.as_of:
            continue
        deadline = reply_deadline(deletion.at)
        sent = _sent_by(deletion, judged)
        if sent is None:
            if deadline.date() < judged.as_of:
                overdue.append(deletion)
        elif sent > deadline:
            late += 1
    if overdue:
        first = min(overdue, key=lambda d: d.at)
        return Hit("removal-unregistered", params={
            "count": len(overdue), "first": first.at.astimezone(STOCKHOLM).date().isoformat(),
            "id": first.id, "late": late,
        })  # fmt: skip
    if late:
        return Hit("removal-unregistered", "late", {"count": late})
    return None


def _sent_by(deletion: Deletion, judged: Judgement) -> datetime | None:
    """When it was sent, if it was by the end of the day judged (later counts as not yet)."""
    from governance.monthly import STOCKHOLM  # (imported already by its only caller)

    sent = deletion.sent_at
    if sent is None or sent.astimezone(STOCKHOLM).date() > judged.as_of:
        return None
    return sent


@account_rule("hidden-unlogged", "warning", _MODERATION)
def hidden_unlogged(subject: Subject, activity: Activity, judged: Judgement) -> Hit | None:
    """More comments hidden on the platform than hide actions in the register."""
    hidden = activity.hidden
    if hidden is None or hidden <= 0:
        return None
    facts = judged.moderation.get(subject.id)
    logged = 0 if facts is None else facts.hides
    if logged >= hidden:
        return None
    return Hit("hidden-unlogged", params={"hidden": hidden, "logged": logged})


MODERATION_RULES = (removal_unregistered, hidden_unlogged)
