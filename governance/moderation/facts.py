"""What the audit needs to know of the moderation register: per account, for one quarter.

Read once per audit run (:func:`audits.engine.evaluate`), so the rules in
:mod:`audits.moderation_rules` stay pure functions of their inputs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from governance.storage.database import ReadTransaction


@dataclass(frozen=True, slots=True)
class Deletion:
    """A deleted comment: when, and when its registration mail went out (None: not yet)."""

    id: str
    at: datetime
    sent_at: datetime | None


@dataclass(frozen=True, slots=True)
class ModerationFacts:
    """One account's moderation in the quarter: its deletions, and how many hides were logged."""

    deletions: tuple[Deletion, ...] = ()
    hides: int = 0


NO_FACTS = ModerationFacts()


def quarter_facts(txn: ReadTransaction, first: date, last: date) -> Mapping[str, ModerationFacts]:
    """Account id -> its facts for the days ``first``..``last`` (Stockholm dates)."""
    # Imported here: the moderation service (mail, screenshots) costs every audit command's
    # start ~40 ms, and only a run reads the register.
    from governance.moderation.service import load_records, local_day

    deletions: dict[str, list[Deletion]] = {}
    hides: dict[str, int] = {}
    for record in load_records(txn):
        if not first <= local_day(record.at) <= last:
            continue
        if record.action == "delete":
            deletion = Deletion(record.id, record.at, record.sent_at)
            deletions.setdefault(record.account_id, []).append(deletion)
        elif record.action == "hide":
            hides[record.account_id] = hides.get(record.account_id, 0) + 1
    return {
        account: ModerationFacts(tuple(deletions.get(account, ())), hides.get(account, 0))
        for account in deletions.keys() | hides.keys()
    }
