"""Forgetting a person: every trace of an e-mail address, and of each name recorded with it.

``kontokoll editors forget EMAIL`` (:meth:`governance.people.People.forget`) runs
:func:`forget_person` inside one write transaction, so the store changes all at once or not at all:

1. It refuses when the address is a user's login (that user must be removed first), and when a file
   in the store's folders that is not a store file (``settings.toml``, say) mentions the person:
   such a file cannot be rewritten in the transaction, and a half-forgotten person is worse than a
   refusal that changed nothing.
2. It collects every name recorded with the address: on the current editors and contacts, and in
   every change-log entry that ever added, removed or renamed them, so an editor removed long
   before the forget is covered too.
3. It removes the person as an editor and a contact, deletes their acknowledgements of the
   guideline's revisions (governance.acknowledgements), then rewrites every string of every store
   file (register, stats, audits) and every change-log entry: ``Name <address>``, the address and
   each of the names become one random pseudonym, the same everywhere.
4. It returns a :class:`ForgetReport`: what changed, by kind, and the exact strings erased.

Matching:

- An address is matched whole, in any letter case: the characters on either side must be ones that
  cannot be part of an address. Forgetting ``anna@hbg.se`` leaves ``joanna@hbg.se`` and
  ``anna@hbg.se.evil.com`` alone, and finds ``<ANNA@hbg.se>`` and ``... anna@hbg.se.`` at the end
  of a sentence.
- A name is matched as a whole name: ``Anna Berg`` not in ``Anna Bergström``, but in the genitive
  ``Anna Bergs`` (whose "s" stays). A name of several words matches in any letter case and across
  any whitespace; a single-word name only as written, so that forgetting "Bo" does not rewrite the
  Swedish verb "bo" in someone else's purpose.
- ``Name <another address>`` is a namesake, another person, and is left as it is.

Where:

- Free text (purposes, audiences, notes, a department's own goals, waiver reasons and names,
  findings' parameters, the log's old and new values, and any field this module does not know)
  gets every rule above.
- Identifiers (handles, department names, ids, logins, the log's account and field) are matched
  against the address only: rewriting a name inside ``facebook:kim`` or a department's name would
  rename things, not forget a person. An identifier that still holds a name is listed in the report
  (:attr:`ForgetReport.leftovers`) for the admin to rename if it is the person.
- Other people's editor and contact records, and the users table, are never rewritten by name, so
  a namesake keeps their name.
"""

from __future__ import annotations

import json
import re
import secrets
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from governance.access import load_users
from governance.errors import InputError
from governance.scrubbing import Scrubber as Scrubber  # also this module's to offer
from governance.storage.format import META_TABLE
from governance.storage.layout import (
    ACCOUNTS_TABLE,
    CHANGE_LOG,
    CORE,
    DEPARTMENTS_TABLE,
    REVISION_ACKS_TABLE,
    REVISIONS_TABLE,
    USERS_TABLE,
    is_account_shard,
    is_audit_file,
)
from governance.storage.whole_files import Files
from governance.store import WriteTransaction, repos

#: ``Name <address>`` as the register writes a person (one value, or one ``|``-separated item).
_PERSON = re.compile(r"^\s*(?P<name>[^<>|]*?)\s*<\s*(?P<email>[^<>]*?)\s*>\s*$")
#: The change log's ``field`` of entries whose old and new values are people: editors added,
#: removed or renamed (``editors``), and department contacts (``department``, ``contacts``).
_PERSON_FIELDS = frozenset({"editors", "department", "contacts"})

# How a string is treated, by the key it is stored under (see the module docstring).
TEXT, IDENT, LOGIN, PEOPLE = "text", "ident", "login", "people"
_PEOPLE_KEYS = frozenset({"editors", "contacts"})
_LOGIN_KEYS = frozenset({"user", "login", "editors_confirmed_by"})
_IDENTIFIER_KEYS = frozenset(
    {
        # ids, references and names of things
        "id", "account_id", "platform", "handle", "department", "departments", "key", "ref",
        "refs", "url", "platform_id", "account", "field", "action", "rule", "severity", "variant",
        "quarter", "status", "visibility", "goals", "role", "kind", "schema", "number",
        # dates and times
        "at", "created", "updated", "appointed", "date", "recorded_at", "as_of", "since", "until",
        "first_seen", "project_end", "editors_confirmed_at", "month", "last_post_at",
    }
)  # fmt: skip
#: Keys that name a thing only in one table: a department's ``name`` (a waiver's is a person's).
_TABLE_IDENTIFIERS = {"departments": frozenset({"name"})}
#: Keys that are free text in one table though ids elsewhere: a department's own ``goals`` are
#: ``[id, text]`` pairs whose texts people write (an account's ``goals`` are the guideline's ids).
_TABLE_TEXTS = {"departments": frozenset({"goals"})}

# The kinds of record the report counts.
ACCOUNTS, DEPARTMENTS, AUDIT_RECORDS, OTHER_RECORDS = (
    "accounts",
    "departments",
    "audit_records",
    "other_records",
)


# --- the report ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Leftover:
    """An identifier that still holds one of the names after the forget (it was not renamed)."""

    file: str
    key: str
    value: str


@dataclass(frozen=True)
class ForgetReport:
    """What a forget erased and changed.

    ``address`` and ``names`` are the exact strings erased; ``pseudonym`` is what stands in their
    place. Counts are of records changed (an account, a department, an audit record, a log entry)
    and of single text values rewritten (``text_fields``, in every file but the change log).
    """

    address: str
    names: tuple[str, ...]
    pseudonym: str
    editor_of: int = 0
    contact_of: int = 0
    accounts: int = 0
    departments: int = 0
    audit_records: int = 0
    other_records: int = 0
    text_fields: int = 0
    log_entries: int = 0
    files: tuple[str, ...] = ()
    leftovers: tuple[Leftover, ...] = ()

    @property
    def erased(self) -> tuple[str, ...]:
        """Every string that no longer appears in the store: the address and each name."""
        return (self.address, *self.names)

    def scrubber(self) -> Scrubber:
        """The rules this forget applied, to apply them elsewhere (snapshots)."""
        return Scrubber(self.address, self.names, self.pseudonym)


@dataclass
class _Tally:
    records: Counter[str] = field(default_factory=Counter)
    editor_of: int = 0
    contact_of: int = 0
    text_fields: int = 0
    log_entries: int = 0
    files: list[str] = field(default_factory=list)
    leftovers: dict[Leftover, None] = field(default_factory=dict)  # an ordered set

    @property
    def anything(self) -> bool:
        return bool(self.records or self.log_entries or self.text_fields)


# --- rewriting documents ------------------------------------------------------------------------


def _class_of(key: str, table: str, parent: str) -> str:
    if parent in (PEOPLE, LOGIN):
        return parent  # everything inside another person's record or a login stays as it is
    if key in _PEOPLE_KEYS:
        return PEOPLE
    if key in _TABLE_TEXTS.get(table, ()):
        return TEXT
    if key in _LOGIN_KEYS:
        return LOGIN
    if key in _IDENTIFIER_KEYS or key in _TABLE_IDENTIFIERS.get(table, ()):
        return IDENT
    return TEXT


class _Walk:
    """Rewrites one JSON value of one table of one file, counting what it changes."""

    def __init__(self, scrubber: Scrubber, tally: _Tally, file: str, table: str) -> None:
        self.scrubber, self.tally, self.file, self.table = scrubber, tally, file, table

    def value(self, value: Any, cls: str = TEXT, key: str = "") -> Any:
        if isinstance(value, str):
            return self._string(value, cls, key)
        if isinstance(value, list):
            return [self.value(item, cls, key) for item in value]
        if isinstance(value, dict):
            return {
                self._string(k, IDENT if cls == TEXT else cls, key): self.value(
                    v, _class_of(k, self.table, cls), k
                )
                for k, v in value.items()
            }
        return value

    def _string(self, value: str, cls: str, key: str) -> str:
        new = self.scrubber.text(value) if cls == TEXT else self.scrubber.identifier(value)
        if new != value:
            self.tally.text_fields += 1
        if cls == IDENT and self.scrubber.names_in(new):
            self.tally.leftovers[Leftover(self.file, key, new)] = None
        return new


def _record_kind(rel: str, table: str) -> str:
    if is_account_shard(rel) and table == ACCOUNTS_TABLE:
        return ACCOUNTS
    if rel == CORE and table == DEPARTMENTS_TABLE:
        return DEPARTMENTS
    if is_audit_file(rel) or (rel == CORE and table == REVISIONS_TABLE):
        return AUDIT_RECORDS
    return OTHER_RECORDS


def _person_of(item: Any) -> tuple[str, str]:
    """(name, lower-case e-mail) of an editor (``{name, email}``) or contact (``[name, email]``)."""
    if isinstance(item, dict):
        return str(item.get("name", "")), str(item.get("email", "")).lower()
    if isinstance(item, list) and len(item) == 2:
        return str(item[0]), str(item[1]).lower()
    return "", ""


def _without_person(kind: str, doc: dict[str, Any], address: str, tally: _Tally) -> dict[str, Any]:
    """The record without the person as an editor (accounts) or a contact (departments)."""
    key = {ACCOUNTS: "editors", DEPARTMENTS: "contacts"}.get(kind)
    people = doc.get(key) if key else None
    if key is None or not isinstance(people, list):
        return doc
    kept = [p for p in people if _person_of(p)[1] != address]
    if len(kept) == len(people):
        return doc
    if kind == ACCOUNTS:
        tally.editor_of += 1
    else:
        tally.contact_of += 1
    return {**doc, key: kept}


def _scrub_tables(rel: str, data: dict[str, Any], scrubber: Scrubber, tally: _Tally) -> bool:
    """Rewrite the documents of one store file in place; whether anything changed."""
    changed = False
    for table_name, table in data.items():
        if table_name == META_TABLE or (rel == CORE and table_name == USERS_TABLE):
            continue  # users were checked up front; their records belong to other people
        kind = _record_kind(rel, table_name)
        walk = _Walk(scrubber, tally, rel, table_name)
        if rel == CORE and table_name == REVISION_ACKS_TABLE:  # their acknowledgements go whole
            for doc_id in [i for i, d in table.items() if _person_of(d)[1] == scrubber.address]:
                del table[doc_id]
                tally.records[kind] += 1
                changed = True
        for doc_id, doc in table.items():
            new = walk.value(_without_person(kind, doc, scrubber.address, tally))
            if new != doc:
                table[doc_id] = new
                tally.records[kind] += 1
                changed = True
    return changed


def _scrub_store_file(files: Files, rel: str, scrubber: Scrubber, tally: _Tally) -> None:
    data = files.documents(rel)
    if _scrub_tables(rel, data, scrubber, tally):
        files.replace(rel, data)  # keeps the kind the file records (an audit run's, say)
        tally.files.append(rel)


def _scrub_log(entries: Sequence[dict[str, Any]], scrubber: Scrubber, tally: _Tally) -> list[Any]:
    rewritten = []
    text_fields = tally.text_fields  # the log counts by entry, not by field
    for entry in entries:
        new = _Walk(scrubber, tally, CHANGE_LOG, "log").value(entry)
        if new != entry:
            tally.log_entries += 1
        rewritten.append(new)
    tally.text_fields = text_fields
    return rewritten


def forget_in_document(rel: str, data: dict[str, Any], scrubber: Scrubber) -> bool:
    """Apply a forget's rules to a copy of the store file ``rel`` (a snapshot's member, say):
    ``data`` is rewritten in place exactly as the forget rewrote the store's own file. Returns
    whether anything changed."""
    return _scrub_tables(rel, data, scrubber, _Tally())


def forget_in_log(entries: Sequence[dict[str, Any]], scrubber: Scrubber) -> list[Any]:
    """The change-log entries ``entries`` rewritten by a forget's rules (for a copy of the log)."""
    return _scrub_log(entries, scrubber, _Tally())


# --- finding the person -------------------------------------------------------------------------


def _recorded_names(
    files: Files, documents: Iterable[str], entries: Iterable[dict[str, Any]], address: str
) -> set[str]:
    """Every name ever recorded with ``address``: editors, contacts, and the whole change log."""
    departments = files.documents(CORE).get(DEPARTMENTS_TABLE, {})
    records = [(doc, "contacts") for doc in departments.values()]
    for rel in documents:
        if is_account_shard(rel):
            accounts = files.documents(rel).get(ACCOUNTS_TABLE, {})
            records += [(doc, "editors") for doc in accounts.values()]
    names: set[str] = set()
    for doc, key in records:
        people = doc.get(key)
        for name, email in map(_person_of, people if isinstance(people, list) else ()):
            if email == address:
                names.add(name)
    for entry in entries:
        # Only entries about editors and contacts record a person; a purpose that reads
        # "Skriv till <address>" does not make "Skriv till" her name.
        if entry.get("field") not in _PERSON_FIELDS:
            continue
        for value in (entry.get("old"), entry.get("new")):
            for item in value.split("|") if isinstance(value, str) else ():
                match = _PERSON.match(item)  # a list of people is written A <a>|B <b>
                if match and match["email"].lower() == address:
                    names.add(match["name"])
    return {n.strip() for n in names if n.strip()}


def _may_mention(raw: bytes, needles: Iterable[str]) -> bool:
    """A quick test before parsing a file: False only if it certainly holds no needle.

    Stats files are large and never hold a person; skipping their parse keeps a forget on a
    10,000-account register quick. Escaped text (``\\u00e5``) is not compared, so it always parses.
    """
    if b"\\u" in raw:
        return True
    text = raw.decode("utf-8", "replace").casefold()
    for needle in needles:
        if needle in text or json.dumps(needle, ensure_ascii=False)[1:-1] in text:
            return True
    return False


def _new_pseudonym(taken: str, token: Callable[[int], str] = secrets.token_hex) -> str:
    while True:
        pseudonym = f"person-{token(4)}"
        if pseudonym not in taken:
            return pseudonym


# --- the forget ---------------------------------------------------------------------------------


def forget_person(txn: WriteTransaction, address: str) -> ForgetReport:
    """Erase ``address`` (lower case) and every name recorded with it, in ``txn``.

    Raises :class:`InputError` (and changes nothing) if the address is a user's login, if a file
    that cannot be rewritten mentions the person, or if the person appears nowhere.
    """
    for user in load_users(txn):
        if user.login.lower() == address:
            raise InputError("forget.user_exists", email=address, login=user.login)
    stored = repos(txn)
    files = stored.files
    files.remove_temp_files()  # a temp file left by a writer that died may hold the person
    listing = files.listing()
    entries = stored.log.documents()
    names = _recorded_names(files, listing.documents, entries, address)
    pseudonym = _new_pseudonym(json.dumps(entries, ensure_ascii=False))
    scrubber = Scrubber(address, names, pseudonym)
    elsewhere = [rel for rel in listing.other if _mentioned_in(files.raw(rel), scrubber)]
    if elsewhere:
        raise InputError("forget.mentioned_elsewhere", files=", ".join(elsewhere))
    tally = _Tally()
    needles = {address.casefold()} | {w.casefold() for n in names for w in n.split()}
    for rel in listing.documents:
        if _may_mention(files.raw(rel), needles):
            _scrub_store_file(files, rel, scrubber, tally)
    rewritten = _scrub_log(entries, scrubber, tally)
    if not tally.anything:
        raise InputError("forget.unknown_person", email=address)
    if tally.log_entries:
        stored.log.rewrite(rewritten)
        tally.files.append(CHANGE_LOG)
    return _report(scrubber, tally)


def _mentioned_in(raw: bytes, scrubber: Scrubber) -> bool:
    return scrubber.mentions(raw.decode("utf-8", "replace"))


def _report(scrubber: Scrubber, tally: _Tally) -> ForgetReport:
    return ForgetReport(
        address=scrubber.address,
        names=scrubber.names,
        pseudonym=scrubber.pseudonym,
        editor_of=tally.editor_of,
        contact_of=tally.contact_of,
        accounts=tally.records[ACCOUNTS],
        departments=tally.records[DEPARTMENTS],
        audit_records=tally.records[AUDIT_RECORDS],
        other_records=tally.records[OTHER_RECORDS],
        text_fields=tally.text_fields,
        log_entries=tally.log_entries,
        files=tuple(tally.files),
        leftovers=tuple(tally.leftovers),
    )
