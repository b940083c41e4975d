"""What ``audit/sent.json`` records of the packets mailed: sends, and the claims on sends under way.

The table is append-only. A document without ``state`` (all that stores before claims hold) is a
:class:`SentRecord`: a department's packet of a quarter went out. Before it mails a department,
``audit send`` appends a *claim* (``state: "sending"``, :mod:`governance.mail_claims`) in the
same transaction that checks the department is unsent and unclaimed; the send's record names the
claim it ends (``claim``: its token), and a mail the server did not take appends a release
(``state: "released"``). Reading the table in order gives each department's latest send and the
claim still open, if any: one whose process died between claim and record stays open, and says
a mail may have gone out. A document of the wrong shape is a corrupt file naming the record and
the field (:mod:`audits.stored`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from audits import stored
from audits.quarters import Quarter
from governance.mail_claims import SendClaim, claim_problems
from governance.model import department_key
from governance.storage.database import ReadTransaction, WriteTransaction
from governance.store import repos

SENDING, RELEASED = "sending", "released"


@dataclass(frozen=True)
class SentRecord:
    """A department's packet of a quarter went out: when, by whom, to how many (no addresses)."""

    quarter: Quarter
    department: str
    run: str
    at: datetime
    user: str
    recipients: int
    refused: int = 0
    claim: str | None = None  # the token of the claim this send ended (None: sent before claims)

    def to_doc(self) -> dict[str, Any]:
        return {
            "quarter": str(self.quarter),
            "department": self.department,
            "key": department_key(self.department),
            "run": self.run,
            "at": self.at.isoformat(),
            "user": self.user,
            "recipients": self.recipients,
            "refused": self.refused,
            **({"claim": self.claim} if self.claim else {}),
        }

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any]) -> SentRecord:
        return cls(
            stored.quarter(doc, "quarter"),
            stored.text(doc, "department"),
            stored.text(doc, "run"),
            stored.moment(doc, "at"),
            stored.text(doc, "user"),
            stored.whole(doc, "recipients"),
            stored.whole(doc, "refused", 0),
            _token(doc),
        )


#: A department of a quarter, as the ledger keys it: (quarter, department key).
Slot = tuple[Quarter, str]


@dataclass
class Ledger:
    """The table read in order: every send, oldest first, and the claims still open."""

    sent: list[SentRecord] = field(default_factory=list)
    claims: dict[Slot, SendClaim] = field(default_factory=dict)

    def latest(self, quarter: Quarter) -> dict[str, SentRecord]:
        """The latest send of each department (by key) of ``quarter``."""
        return {department_key(r.department): r for r in self.sent if r.quarter == quarter}

    def take(self, doc: Mapping[str, Any]) -> None:
        state = stored.text(doc, "state", "sent")
        slot = (stored.quarter(doc, "quarter"), department_key(stored.text(doc, "department")))
        if state == SENDING:
            self.claims[slot] = _claim(doc)
            return
        if state == "sent":
            record = SentRecord.from_doc(doc)
            self.sent.append(record)
            token = record.claim
        elif state == RELEASED:
            token = stored.text(doc, "claim")
        else:
            raise stored.BadField("state")
        open_claim = self.claims.get(slot)
        if open_claim is not None and open_claim.token == token:  # not one that took it over
            del self.claims[slot]


def load_ledger(txn: ReadTransaction) -> Ledger:
    """The sends and open claims of ``audit/sent.json`` (one of the wrong shape: StoreCorrupt)."""
    kept = repos(txn).sent
    with stored.reading(kept.where, "sent"):
        docs = stored.records(kept.all(), "sent")
    ledger = Ledger()
    for doc_id, doc in docs.items():
        with stored.reading(kept.where, f"sent {doc_id}"):
            ledger.take(doc)
    return ledger


def save_sent(txn: WriteTransaction, record: SentRecord) -> None:
    repos(txn).sent.add(record.to_doc())


def save_claim(txn: WriteTransaction, quarter: Quarter, department: str, claim: SendClaim) -> None:
    """This sender is about to mail ``department`` its packet of ``quarter``."""
    repos(txn).sent.add(_slot_doc(SENDING, quarter, department) | {"claim": claim.to_doc()})


def save_release(
    txn: WriteTransaction, quarter: Quarter, department: str, claim: SendClaim
) -> None:
    """The server took no mail: the claim ends, and the next ``audit send`` may send."""
    repos(txn).sent.add(_slot_doc(RELEASED, quarter, department) | {"claim": claim.token})


def _slot_doc(state: str, quarter: Quarter, department: str) -> dict[str, Any]:
    return {"state": state, "quarter": str(quarter), "department": department,
            "key": department_key(department)}


def _claim(doc: Mapping[str, Any]) -> SendClaim:
    for name, _reason in claim_problems(doc.get("claim"), "claim"):
        raise stored.BadField(name)
    return SendClaim.from_doc(doc["claim"])


def _token(doc: Mapping[str, Any]) -> str | None:
    """The claim a send or a release ends: its token, or None (a send from before claims)."""
    value = doc.get("claim")
    if value is not None and not isinstance(value, str):
        raise stored.BadField("claim")
    return value
