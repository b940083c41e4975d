"""Editors acknowledge each revision of the guideline.

The guideline makes the editors answer for following its routines ("de som utses till redaktörer
för ett konto ansvarar för att dessa rutiner efterföljs") and is revised every half year. So when
a revision is recorded, each editor (a person, by address, once for all their accounts) must
acknowledge it, and the department's communications lead records that for them:
``kontokoll editors acknowledge EMAIL`` or ``--department D`` (every editor of its active
accounts). An account whose editors have not acknowledged the current revision 30 days after it
(``revision_acknowledge_days``: AKN:s tillämpning) is the finding ``revision-unacknowledged``
(:mod:`audits.rules`), which says how many and names nobody.

Only revisions recorded once this exists are judged: :mod:`audits.revisions` marks each revision
it records with :data:`ACKNOWLEDGE_KEY`; older ones never asked anyone to acknowledge them.

Records live in the core file's ``revision_acks`` table as ``{email, revision, at, user}``;
``editors forget`` deletes a forgotten person's records (:mod:`governance.forget`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from governance import access
from governance.errors import FieldError, InputError, StoreCorrupt
from governance.fields import check_day, parse_email
from governance.i18n import t
from governance.model import Account, department_key
from governance.monthly import STOCKHOLM
from governance.service import Service
from governance.store import ReadTransaction, repos

#: The key that marks a revision editors must acknowledge (audits.revisions writes it).
ACKNOWLEDGE_KEY = "acknowledge"


@dataclass(frozen=True, slots=True)
class RevisionAck:
    """One editor's acknowledgement of one revision (named by its day)."""

    email: str
    revision: date
    at: datetime
    user: str

    def to_doc(self) -> dict[str, str]:
        return {
            "email": self.email,
            "revision": self.revision.isoformat(),
            "at": self.at.isoformat(),
            "user": self.user,
        }


@dataclass(frozen=True, slots=True)
class RevisionAcks:
    """What one audit judges against: the revision as of its day D and who acknowledged it by D.

    ``revision`` is None when there is no revision on or before D, or when the latest one was
    recorded before acknowledgements existed: then nobody is judged.
    """

    revision: date | None = None
    acknowledged: frozenset[str] = frozenset()

    def pending(self, editors: Iterable[Mapping[str, Any]]) -> tuple[date, ...]:
        """For each editor (stored documents) who has not acknowledged the revision, the day
        from which they were due to: the revision's day, or their appointment if later."""
        if self.revision is None:
            return ()
        due = []
        for editor in editors:
            if str(editor["email"]).lower() not in self.acknowledged:
                appointed = date.fromisoformat(editor["appointed"])
                due.append(max(appointed, self.revision))
        return tuple(due)


@dataclass(frozen=True)
class AckReport:
    """What ``acknowledge`` recorded: the revision, the people newly recorded, those already."""

    revision: date
    recorded: tuple[tuple[str, str], ...] = ()
    already: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class _Revision:
    day: date
    judged: bool


def _revisions(txn: ReadTransaction) -> list[_Revision]:
    """Every recorded revision's day and whether editors must acknowledge it, by day."""
    kept = repos(txn).revisions
    found = []
    for doc_id, doc in kept.all().items():
        try:
            day = check_day(date.fromisoformat(doc["date"]), "date")
            judged = doc.get(ACKNOWLEDGE_KEY, False)
            if not isinstance(judged, bool):
                raise TypeError(ACKNOWLEDGE_KEY)
        except (KeyError, TypeError, ValueError, AttributeError, FieldError):
            detail = t("input.stored_bad_record", record=f"revisions {doc_id}")
            raise StoreCorrupt(path=str(kept.where), detail=detail) from None
        found.append(_Revision(day, judged))
    return sorted(found, key=lambda r: r.day)


def current_revision(txn: ReadTransaction, as_of: date) -> _Revision | None:
    """The latest revision on or before ``as_of``, if any."""
    known = [r for r in _revisions(txn) if r.day <= as_of]
    return known[-1] if known else None


def load_acks(txn: ReadTransaction) -> list[RevisionAck]:
    """Every recorded acknowledgement; a record of the wrong shape names the file."""
    kept = repos(txn).revision_acks
    acks = []
    for doc_id, doc in kept.all().items():
        try:
            acks.append(
                RevisionAck(
                    str(doc["email"]).lower(),
                    check_day(date.fromisoformat(doc["revision"]), "revision"),
                    datetime.fromisoformat(doc["at"]),
                    str(doc["user"]),
                )
            )
        except (KeyError, TypeError, ValueError, AttributeError, FieldError):
            detail = t("input.stored_bad_record", record=f"revision_acks {doc_id}")
            raise StoreCorrupt(path=str(kept.where), detail=detail) from None
    return acks


def acks_as_of(txn: ReadTransaction, as_of: date) -> RevisionAcks:
    """The revision an audit as of ``as_of`` judges, and who had acknowledged it by then."""
    revision = current_revision(txn, as_of)
    if revision is None or not revision.judged:
        return RevisionAcks()
    who = frozenset(
        a.email
        for a in load_acks(txn)
        if a.revision == revision.day and a.at.astimezone(STOCKHOLM).date() <= as_of
    )
    return RevisionAcks(revision.day, who)


def _editors(accounts: Sequence[Account]) -> dict[str, tuple[str, str]]:
    """Address -> (name, address) of every editor of the accounts (the first name seen)."""
    people: dict[str, tuple[str, str]] = {}
    for account in accounts:
        for editor in account.editors:
            people.setdefault(editor.email, (editor.name, editor.email))
    return people


class Acknowledgements(Service):
    """Editors' acknowledgements of the guideline's revisions, as one user records them."""

    def acknowledge(self, email: str | None = None, department: str | None = None) -> AckReport:
        """Record that a person (``email``), or every editor of a department's active accounts,
        acknowledged the current revision. People already recorded are reported, not repeated."""
        if (email is None) == (department is None):
            raise FieldError("email", "lifecycle.ack.which")
        address = parse_email(email) if email is not None else None
        with self._write() as txn:
            revision = current_revision(txn, self.today())
            if revision is None:
                raise InputError("lifecycle.ack.no_revision")
            people = self._people(txn, address, department)
            done = {a.email for a in load_acks(txn) if a.revision == revision.day}
            now = self._clock()
            recorded = []
            for person in people:
                if person[1] in done:
                    continue
                repos(txn).revision_acks.add(
                    RevisionAck(person[1], revision.day, now, self.user).to_doc()
                )
                entry = self._entry(
                    "revision-acknowledged",
                    account=revision.day.isoformat(),
                    field="editors",
                    new=f"{person[0]} <{person[1]}>",
                )
                repos(txn).log.append(entry)
                recorded.append(person)
        already = tuple(p for p in people if p not in recorded)
        return AckReport(revision.day, tuple(recorded), already)

    def outstanding(self, department: str | None = None) -> tuple[date | None, list[str]]:
        """The current revision and the addresses of editors (of active accounts, in
        ``department`` if given) who have not acknowledged it."""
        with self._read() as txn:
            revision = current_revision(txn, self.today())
            if revision is None:
                return None, []
            accounts = [a for a in repos(txn).accounts.all() if a.status == "active"]
            if department is not None:
                wanted = department_key(department)
                accounts = [a for a in accounts if department_key(a.department) == wanted]
            done = {a.email for a in load_acks(txn) if a.revision == revision.day}
            return revision.day, sorted(set(_editors(accounts)) - done)

    def acknowledged(self, emails: Iterable[str]) -> tuple[date | None, frozenset[str]]:
        """The current revision and which of ``emails`` (editors' addresses) acknowledged it.

        For one account's editors, as the detail screen shows them: reads the revisions and the
        acknowledgements only, never the accounts (``outstanding`` reads them all)."""
        with self._read() as txn:
            revision = current_revision(txn, self.today())
            if revision is None:
                return None, frozenset()
            done = {a.email for a in load_acks(txn) if a.revision == revision.day}
        return revision.day, frozenset(e for e in emails if e.lower() in done)

    def _people(
        self, txn: ReadTransaction, address: str | None, department: str | None
    ) -> list[tuple[str, str]]:
        """Whom this acknowledgement covers, once the user is allowed to record it for them."""
        active = [a for a in repos(txn).accounts.all() if a.status == "active"]
        if department is not None:
            key = department_key(department)
            known = {d.key: d.name for d in repos(txn).departments.all()}
            if key not in known:
                allowed = ", ".join(sorted(known.values())) or "–"
                raise FieldError(
                    "department", "field.unknown_department", value=department, allowed=allowed
                )
            self._authorize(txn, access.ACKNOWLEDGE_REVISION, known[key], known[key])
            mine = [a for a in active if department_key(a.department) == key]
            return sorted(_editors(mine).values())
        theirs = [a for a in active if a.editor(address or "")]
        if not theirs:
            raise FieldError("email", "lifecycle.ack.not_an_editor", email=address)
        user = self._authorize(txn, access.READ)
        if not any(user.may(access.ACKNOWLEDGE_REVISION, a.department) for a in theirs):
            department = theirs[0].department  # the log names the department, not the address
            self._authorize(txn, access.ACKNOWLEDGE_REVISION, department, department)
        return [_editors(theirs)[address or ""]]


__all__ = [
    "ACKNOWLEDGE_KEY",
    "AckReport",
    "Acknowledgements",
    "RevisionAck",
    "RevisionAcks",
    "acks_as_of",
    "current_revision",
    "load_acks",
]
