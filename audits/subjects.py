"""The register's shards as the audit reads them: each account's rule inputs, typed, nothing else.

The general read parses an account shard into dictionaries of every field (editors' names and
e-mails, the request's and the decision's details, timestamps ...), and the engine then picked
two dozen of them per account. Here msgspec decodes a shard's bytes straight into the fields the
rules read (:class:`AuditDoc`), checking each one's type as it goes, and skips the rest unbuilt:
half the CPU time of reading 10,000 accounts. A field of the wrong type (a number where text
belongs, a list for the status) makes the shard corrupt, named in the message, as the register's
own typed read (:mod:`governance.storage.typed`) does; a shard this transaction has changed is
read from its copy, through the same types (:func:`msgspec.convert`). The store layer reads the
files (:func:`governance.storage.audit_records.audit_shards`), each shard's stats with it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

import msgspec

from audits.rule_kinds import Subject
from governance.acknowledgements import RevisionAcks
from governance.model import Retirement
from governance.registration_day import registered_after as stamp_after
from governance.storage import typed
from governance.storage.audit_records import AuditShard, audit_shards
from governance.storage.database import ReadTransaction
from governance.storage.format import META_TABLE


class EditorDoc(msgspec.Struct, frozen=True, gc=False):
    """An editor's stored document as the audit reads it: an object, of which only the two
    fields a revision's acknowledgements read are built (twenty thousand editors' names and the
    rest are scanned, not made into dictionaries). A field the document lacks stays unset."""

    email: Any = msgspec.UNSET
    appointed: Any = msgspec.UNSET

    def doc(self) -> dict[str, Any]:
        """The fields as the stored document has them (a missing one missing here too)."""
        return {
            name: value
            for name, value in (("email", self.email), ("appointed", self.appointed))
            if value is not msgspec.UNSET
        }


class AuditDoc(msgspec.Struct, frozen=True, gc=False):
    """A stored account's fields that the rules read (the names of the stored document's)."""

    id: str
    platform: str
    handle: str
    department: str = ""
    purpose: str = ""
    #: Each editor's stored document: only counted, and read for their acknowledgements.
    editors: tuple[EditorDoc, ...] = ()
    visibility: str = "open"
    closed_reason: str = ""
    project: str = ""
    project_end: str | None = None
    status: str = "active"
    editors_confirmed_at: str | None = None
    requested_at: str | None = None
    retired_at: str | None = None
    retirement: dict[str, Any] | None = None
    platform_id: str = ""
    observed_handle: str = ""
    identity_mismatch: str = ""
    shared: bool = False
    kc_handles_comments: bool = False
    audience: str = ""
    goals: tuple[str, ...] = ()
    department_goals: tuple[str, ...] = ()
    #: When it was registered (a stamp of the wrong shape makes the shard corrupt, named).
    created: datetime | None = None


class _Meta(msgspec.Struct):
    schema: int


class _Shard(msgspec.Struct):
    accounts: dict[str, AuditDoc] = {}
    meta: dict[str, _Meta] = msgspec.field(default_factory=dict, name=META_TABLE)


_SHARD = msgspec.json.Decoder(_Shard)


def _decode_shard(path: Path, raw: bytes) -> dict[str, AuditDoc]:
    """Doc id -> the audit's fields of each account in one shard file (corrupt: refused)."""
    shard: _Shard = typed.decoded(path, raw, _SHARD)
    return shard.accounts


def shards(txn: ReadTransaction, since: str | None = None) -> Iterator[AuditShard]:
    """Every shard of the register, its accounts as :class:`AuditDoc`, with their stats: from
    the shard's recent file where it covers every month from ``since`` on (audit rows)."""
    return audit_shards(txn, _decode_shard, _converted, since)


def _converted(docs: Mapping[str, Any]) -> dict[str, AuditDoc]:
    """A shard's documents as a transaction that changed it has them, checked by the same types
    (a ValidationError: the caller names the file)."""
    return msgspec.convert(docs, dict[str, AuditDoc])


def subject_of(doc: AuditDoc, acks: RevisionAcks) -> Subject:
    """The account as the rules see it; an active one with its editors yet to acknowledge.

    The same values as :meth:`Subject.from_doc` gives for the stored document (a test compares
    them field by field), positional for speed: this runs once per account.
    """
    end, confirmed = doc.project_end, doc.editors_confirmed_at
    requested, retired = doc.requested_at, doc.retired_at
    status = doc.status
    return _new(  # (tuple.__new__ with one tuple: a fifth of the NamedTuple's own __new__)
        Subject,
        (
            doc.id,
            doc.platform,
            doc.handle,
            doc.department,
            doc.purpose,
            len(doc.editors),
            doc.visibility,
            doc.closed_reason,
            doc.project,
            date.fromisoformat(end) if end else None,
            status,
            date.fromisoformat(confirmed[:10]) if confirmed else None,  # (a UTC day, as from_doc)
            date.fromisoformat(requested[:10]) if requested else None,
            date.fromisoformat(retired[:10]) if retired else None,
            Retirement.from_doc(doc.retirement) if doc.retirement else None,
            _pending(doc.editors, acks) if status == "active" else (),
            doc.platform_id,
            doc.observed_handle,
            doc.identity_mismatch,
            doc.shared,
            doc.kc_handles_comments,
            doc.audience,
            doc.goals,
            doc.department_goals,
        ),
    )


_new = tuple.__new__


def registered_after(doc: AuditDoc, day_starts: datetime) -> bool:
    """Whether the account was registered on a Stockholm day after D (its stamp at or after
    ``day_starts``, :func:`governance.registration_day.next_day_starts` of D; a stamp without a
    UTC offset or outside the accepted years: a ValueError naming the field): it did not exist
    then, and an audit as of D does not judge it. A document from before the field existed has
    no stamp: judged as before."""
    return doc.created is not None and stamp_after(doc.created, day_starts)


def _pending(editors: tuple[EditorDoc, ...], acks: RevisionAcks) -> tuple[date, ...]:
    """:meth:`RevisionAcks.pending` of the editors' documents (none built without a revision
    to acknowledge: then nobody is due)."""
    if acks.revision is None:
        return ()
    return acks.pending([editor.doc() for editor in editors])
