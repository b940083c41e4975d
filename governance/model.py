"""The register's domain model: departments, accounts and their editors.

Values are immutable: frozen dataclasses, and the account a frozen msgspec Struct (a register of
10,000 is decoded straight into Structs about a quarter faster than into slots dataclasses, whose
fields msgspec sets and checks one by one through Python's attribute code); services make changed
copies with ``with_changes`` (or :func:`dataclasses.replace` for the others).
``to_doc``/``from_doc`` convert to and from the JSON kept in the store.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime
from typing import Any

import msgspec
from msgspec.structs import replace as struct_replace

# Re-exported: the model's names, kept in a module the command line's parsers import cheaply.
from governance.account_fields import EDITABLE_FIELDS as EDITABLE_FIELDS
from governance.account_fields import EXCHANGED_FIELDS as EXCHANGED_FIELDS
from governance.account_fields import OPTIONAL_EXCHANGED_FIELDS as OPTIONAL_EXCHANGED_FIELDS
from governance.account_fields import department_key as department_key
from governance.fields import format_person


def utc_now() -> datetime:
    """The current time, aware, in UTC (timestamps are stored in UTC, shown in Stockholm time)."""
    return datetime.now(UTC).replace(microsecond=0)


def new_account_id(
    taken: set[str] | None = None, token: Callable[[int], str] | None = None
) -> str:
    """A short, stable, random account id (12 hex digits) that is not in ``taken``.

    ``token`` defaults to ``secrets.token_hex``, imported here: every command imports this
    module, only adding accounts needs it (``secrets`` pulls in hmac, random and base64).
    """
    if token is None:
        import secrets

        token = secrets.token_hex
    while True:
        candidate = str(token(6))
        if not taken or candidate not in taken:
            return candidate


@dataclass(frozen=True, slots=True)
class Person:
    """A named person with an e-mail address (a department's communications contact)."""

    name: str
    email: str

    def __str__(self) -> str:
        return format_person(self.name, self.email)


@dataclass(frozen=True, slots=True)
class Editor:
    """A person appointed by the department to run an account."""

    name: str
    email: str
    appointed: date

    def __str__(self) -> str:
        return format_person(self.name, self.email)

    def to_doc(self) -> dict[str, Any]:
        return {"name": self.name, "email": self.email, "appointed": self.appointed.isoformat()}

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Editor:
        return cls(doc["name"], doc["email"], date.fromisoformat(doc["appointed"]))


@dataclass(frozen=True, slots=True)
class DepartmentGoal:
    """One of a department's own goals (*Effektivt*: "de mål som satts upp för verksamheten"),
    with the short id accounts link it by (``g1``, ``g2`` ...)."""

    id: str
    text: str


@dataclass(frozen=True, slots=True)
class Department:
    """A förvaltning, the communications contacts who appoint its editors, and its goals.

    ``last_goal`` is the number of the last goal id handed out: ids are never reused, so an old
    accounts file naming a removed goal is refused rather than linked to a newer one.
    """

    name: str
    contacts: tuple[Person, ...] = ()
    goals: tuple[DepartmentGoal, ...] = ()
    last_goal: int = 0

    @property
    def key(self) -> str:
        """Departments are matched by name regardless of letter case."""
        return department_key(self.name)

    @property
    def goal_ids(self) -> tuple[str, ...]:
        """The ids of the department's goals, in the order they were added."""
        return tuple(goal.id for goal in self.goals)

    def to_doc(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "name": self.name,
            "key": self.key,
            "contacts": [[p.name, p.email] for p in self.contacts],
        }
        if self.goals or self.last_goal:  # a department without goals is stored as before
            doc["goals"] = [[g.id, g.text] for g in self.goals]
            doc["last_goal"] = self.last_goal
        return doc

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Department:
        """The stored department; TypeError or ValueError for goals we did not write."""
        goals = tuple(DepartmentGoal(str(i), str(text)) for i, text in doc.get("goals", []))
        last = doc.get("last_goal", 0)
        if isinstance(last, bool) or not isinstance(last, int) or last < 0:
            raise TypeError("last_goal must be a whole number")
        if any(not g.id.startswith("g") or not g.id[1:].isdigit() for g in goals):
            raise ValueError("a department goal id is not g<number>")
        contacts = tuple(Person(n, e) for n, e in doc.get("contacts", []))
        return cls(doc["name"], contacts, goals, last)


class Account(msgspec.Struct, frozen=True):
    """One social media account the city runs."""

    id: str
    platform: str
    handle: str
    department: str
    purpose: str = ""
    goals: tuple[str, ...] = ()
    audience: str = ""
    #: The guideline's content categories the account publishes (governance.fields.CATEGORIES).
    categories: tuple[str, ...] = ()
    #: The ids of its department's goals that its purpose serves (Department.goals).
    department_goals: tuple[str, ...] = ()
    visibility: str = "open"
    closed_reason: str = ""
    project: str = ""
    project_end: date | None = None
    status: str = "active"
    shared: bool = False
    kc_handles_comments: bool = False
    platform_id: str = ""
    url: str = ""
    editors: tuple[Editor, ...] = ()
    editors_confirmed_at: datetime | None = None
    editors_confirmed_by: str = ""
    created: datetime = msgspec.field(default_factory=utc_now)
    updated: datetime = msgspec.field(default_factory=utc_now)
    #: The identity the last sync read from the platform (governance.identity_check): the
    #: username and id it saw, when they were first seen so, and the id now behind the registered
    #: handle when it is not the registered one (an identity mismatch waiting for an admin).
    observed_handle: str = ""
    observed_id: str = ""
    identity_seen_at: datetime | None = None
    identity_mismatch: str = ""
    # The request and its decision (governance.lifecycle); empty for accounts registered directly.
    requested_at: datetime | None = None
    requested_by: str = ""
    request_warnings: tuple[str, ...] = ()  # "langsiktigt": a time-limited project's request
    decided_at: datetime | None = None
    decided_by: str = ""
    decision_reason: str = ""
    # The closing checklist: set by ``accounts retire`` (or an import or edit that retires the
    # account), never on accounts retired before the checklist existed.
    retired_at: datetime | None = None
    retirement: Retirement | None = None

    @property
    def ref(self) -> str:
        """How people name the account on the command line: ``PLATFORM:HANDLE``."""
        return f"{self.platform}:{self.handle}"

    def editor(self, email: str) -> Editor | None:
        """The editor with this e-mail, if any."""
        wanted = email.strip().lower()
        return next((e for e in self.editors if e.email == wanted), None)

    def with_changes(self, **changes: Any) -> Account:
        """A copy with ``changes`` applied."""
        return struct_replace(self, **changes)

    def to_doc(self) -> dict[str, Any]:
        doc: dict[str, Any] = {}
        # (__struct_fields__, the names in order: msgspec's fields() would evaluate the string
        # annotations again at every call, compiling code for each.)
        for name in self.__struct_fields__:
            value = getattr(self, name)
            if name == "editors":
                value = [e.to_doc() for e in value]
            elif name in _LIST_FIELDS:
                value = list(value)
            elif name == "retirement":
                value = value.to_doc() if value is not None else None
            elif isinstance(value, datetime | date):
                value = value.isoformat()
            doc[name] = value
        return doc

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Account:
        # The register loads 10,000 of these at start-up, so this stays a straight line.
        values = {name: doc[name] for name in _ACCOUNT_FIELD_NAMES if name in doc}
        for name in _TEXT_FIELDS:  # (a damaged file's list here would break sorts and look-ups)
            if name in values and not isinstance(values[name], str):
                raise TypeError(f"{name} must be text")
        values["editors"] = tuple(
            Editor(e["name"], e["email"], date.fromisoformat(e["appointed"]))
            for e in doc.get("editors", ())
        )
        values["goals"] = tuple(doc.get("goals", ()))
        if "categories" in values:
            values["categories"] = tuple(str(c) for c in values["categories"])
        if "department_goals" in values:
            values["department_goals"] = tuple(str(g) for g in values["department_goals"])
        if values.get("project_end"):
            values["project_end"] = date.fromisoformat(values["project_end"])
        for stamp in ("created", "updated", "editors_confirmed_at", "identity_seen_at"):
            if values.get(stamp):
                values[stamp] = datetime.fromisoformat(values[stamp])
        _decode_lifecycle(values)
        return cls(**values)


_ACCOUNT_FIELD_NAMES = Account.__struct_fields__
#: The text fields a person edits (checked on reading: the choices are used as keys).
_TEXT_FIELDS = ("status", "visibility", "purpose", "audience", "closed_reason", "project", "url")
#: The tuple fields stored as JSON lists.
_LIST_FIELDS = frozenset({"goals", "request_warnings", "categories", "department_goals"})


def _decode_lifecycle(values: dict[str, Any]) -> None:
    """The request's and the retirement's stored values, typed (in place)."""
    for stamp in ("requested_at", "decided_at", "retired_at"):
        if values.get(stamp):
            values[stamp] = datetime.fromisoformat(values[stamp])
    if "request_warnings" in values:
        values["request_warnings"] = tuple(str(w) for w in values["request_warnings"])
    if values.get("retirement") is not None:
        values["retirement"] = Retirement.from_doc(values["retirement"])


#: The closing checklist's items, in the order ``accounts retire`` asks them.
RETIREMENT_ITEMS: tuple[str, ...] = ("announced", "archived", "admins_removed", "disposal")
#: What became of a retired account on the platform.
DISPOSALS: tuple[str, ...] = ("deleted", "dormant")


@dataclass(frozen=True, slots=True)
class Retirement:
    """The closing checklist's answers (AKN:s tillämpning); ``None`` or empty is unanswered.

    - announced: a last post announced the closure, and ``followers_to`` says where followers go;
    - archived: the content is archived at ``archived_at`` (``diarienummer`` if registered);
    - admins_removed: admin rights are removed from everyone;
    - disposal: the account is ``deleted`` or kept ``dormant``, as of ``disposal_on``.
    """

    announced: bool | None = None
    followers_to: str = ""
    archived_at: str = ""
    diarienummer: str = ""
    admins_removed: bool | None = None
    disposal: str = ""
    disposal_on: date | None = None

    def open_items(self, as_of: date) -> tuple[str, ...]:
        """The items not done on ``as_of`` (a deletion planned for a later day is still open)."""
        done = {
            "announced": self.announced is True and bool(self.followers_to.strip()),
            "archived": bool(self.archived_at.strip()),
            "admins_removed": self.admins_removed is True,
            "disposal": self.disposal in DISPOSALS
            and self.disposal_on is not None
            and (self.disposal != "deleted" or self.disposal_on <= as_of),
        }
        return tuple(item for item in RETIREMENT_ITEMS if not done[item])

    def to_doc(self) -> dict[str, Any]:
        doc = {f.name: getattr(self, f.name) for f in fields(self)}
        doc["disposal_on"] = self.disposal_on.isoformat() if self.disposal_on else None
        return doc

    @classmethod
    def from_doc(cls, doc: Any) -> Retirement:
        """The stored answers; TypeError or ValueError for a document we did not write."""
        if not isinstance(doc, dict):
            raise TypeError("retirement must be an object")
        values = {f.name: doc[f.name] for f in fields(cls) if f.name in doc}
        for name in ("announced", "admins_removed"):
            if values.get(name) is not None and not isinstance(values[name], bool):
                raise TypeError(f"retirement.{name} must be true, false or null")
        for name in ("followers_to", "archived_at", "diarienummer", "disposal"):
            if not isinstance(values.get(name, ""), str):
                raise TypeError(f"retirement.{name} must be text")
        if values.get("disposal_on"):
            values["disposal_on"] = date.fromisoformat(values["disposal_on"])
        return cls(**values)


def retire_stamped(before: Account | None, after: Account, now: datetime) -> Account:
    """``after``, stamped as retired ``now`` with an unanswered checklist when this change (an
    import or an edit) retires an existing account: that retirement is judged on the checklist
    like one made with ``accounts retire``. A new row registering an account that is already
    closed, and an account retired before, are left as they are."""
    if before is None or before.status == "retired" or after.status != "retired":
        return after
    if after.retired_at is not None:
        return after
    return after.with_changes(retired_at=now, retirement=after.retirement or Retirement())




@dataclass(frozen=True, slots=True)
class ChangeEntry:
    """One line of the change log: who changed which field of what, from what to what."""

    at: datetime
    user: str
    action: str
    account_id: str = ""
    account: str = ""
    field: str = ""
    old: str | None = None
    new: str | None = None

    def to_doc(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "user": self.user,
            "action": self.action,
            "account_id": self.account_id,
            "account": self.account,
            "field": self.field,
            "old": self.old,
            "new": self.new,
        }

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> ChangeEntry:
        return cls(
            at=datetime.fromisoformat(doc["at"]),
            user=doc.get("user", ""),
            action=doc.get("action", ""),
            account_id=doc.get("account_id", ""),
            account=doc.get("account", ""),
            field=doc.get("field", ""),
            old=doc.get("old"),
            new=doc.get("new"),
        )
