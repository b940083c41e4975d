"""The guideline's own revision: recorded revisions and the deadline for the next one.

The guideline is revised every half year; its text names March 2024 as the next revision, so
with no revision recorded the deadline is 2024-03-31 (both figures are settings). After a
revision on day R the deadline is R + 6 months (2026-10-01 → 2027-04-01). A deadline is always
judged *as of* a day, from the revisions recorded on or before it, so a later revision never
changes what an earlier audit said.

Revisions are kept by the store's ``revisions`` repository (beside the departments and users).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

import msgspec

from audits import stored
from audits.quarters import add_months_to_date
from audits.settings import AuditSettings
from governance.acknowledgements import ACKNOWLEDGE_KEY
from governance.fields import check_day
from governance.store import ReadTransaction, WriteTransaction, repos

TABLE = "revisions"  # how messages name the records


class Revision(msgspec.Struct, frozen=True):
    """One recorded revision of the guideline."""

    day: date
    note: str
    user: str
    recorded_at: datetime
    #: Whether editors must acknowledge it (governance.acknowledgements): every revision
    #: recorded now; False for those recorded before acknowledgements existed.
    acknowledge: bool = True

    def to_doc(self) -> dict[str, str | bool]:
        return {
            "date": self.day.isoformat(),
            "note": self.note,
            "user": self.user,
            "recorded_at": self.recorded_at.isoformat(),
            ACKNOWLEDGE_KEY: self.acknowledge,
        }

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any]) -> Revision:
        """A stored revision; :class:`stored.BadField` if a field has the wrong shape."""
        return cls(
            stored.day(doc, "date"),
            stored.text(doc, "note", ""),
            stored.text(doc, "user", ""),
            stored.moment(doc, "recorded_at"),
            doc.get(ACKNOWLEDGE_KEY, False) is True,
        )


class RevisionStatus(msgspec.Struct, frozen=True):
    """Where the revision stands on ``today``. ``days_left`` is negative when overdue."""

    today: date
    last: Revision | None
    deadline: date
    days_left: int
    state: str  # ok | due-soon | overdue

    @property
    def overdue_days(self) -> int:
        return max(0, -self.days_left)


def load_revisions(txn: ReadTransaction) -> list[Revision]:
    """Every recorded revision, oldest first (by date, then by when it was recorded)."""
    kept = repos(txn).revisions
    with stored.reading(kept.where, TABLE):
        docs = stored.records(kept.all(), TABLE)
    revisions = []
    for doc_id, doc in docs.items():
        with stored.reading(kept.where, f"{TABLE} {doc_id}"):
            revisions.append(Revision.from_doc(doc))
    return sorted(revisions, key=lambda r: (r.day, r.recorded_at))


def add_revision(txn: WriteTransaction, revision: Revision) -> None:
    """Store a revision; its day must lie in the accepted years (the app passes a date)."""
    check_day(revision.day, "date")
    repos(txn).revisions.add(revision.to_doc())


def last_revision(revisions: Sequence[Revision], as_of: date) -> Revision | None:
    """The latest revision on or before ``as_of``."""
    known = [r for r in revisions if r.day <= as_of]
    return known[-1] if known else None


def deadline_as_of(revisions: Sequence[Revision], as_of: date, settings: AuditSettings) -> date:
    """The revision deadline as it stood on ``as_of``."""
    last = last_revision(revisions, as_of)
    if last is None:
        return settings.first_revision_deadline
    return add_months_to_date(last.day, settings.revision_interval_months)


def revision_status(
    revisions: Sequence[Revision], today: date, settings: AuditSettings
) -> RevisionStatus:
    """The last revision, the deadline, and the days left (negative: overdue) on ``today``."""
    deadline = deadline_as_of(revisions, today, settings)
    days_left = (deadline - today).days
    if days_left < 0:
        state = "overdue"
    elif days_left <= settings.revision_due_soon_days:
        state = "due-soon"
    else:
        state = "ok"
    return RevisionStatus(today, last_revision(revisions, today), deadline, days_left, state)
