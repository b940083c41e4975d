"""Who may change what: users, roles, and the checks every service makes.

- ``admin`` (AKN) may change everything.
- ``lead`` (a department's communications lead) may change the accounts and editor lists of their
  own departments, confirm those lists and acknowledge findings on them; nothing else.
- ``viewer`` may read and export, and change nothing.
- A lead also records and registers moderation actions (removed comments) for their departments.

While no user is defined, Kontokoll runs in single-user mode and whoever runs it is admin. Once
any user is defined, a login that is not listed is refused everything. The login is always the OS
account of the process (:mod:`governance.identity`), never a name someone typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from governance.account_fields import department_key
from governance.errors import AccessRefused, FieldError
from governance.i18n import t

if TYPE_CHECKING:  # the store is imported where users are read or written: ``--help`` lists
    # the roles (ROLES) without loading it
    from governance.store import ReadTransaction, WriteTransaction

ROLES = ("admin", "lead", "viewer")

# Actions, as the change log names them when it records a refusal.
READ = "read"
EDIT_ACCOUNT = "account.edit"
CREATE_ACCOUNT = "account.create"
EDIT_EDITORS = "editors.edit"
CONFIRM_EDITORS = "editors.confirm"
ACKNOWLEDGE_FINDING = "finding.acknowledge"
WAIVE_FINDING = "finding.waive"
RUN_AUDIT = "audit.run"
SEND_PACKETS = "audit.send"  # mail each department its findings: admin only
AUDIT_SETTINGS = "audit.settings"
RECORD_REVISION = "revision.record"
MANAGE_USERS = "users.manage"
EDIT_DEPARTMENTS = "departments.edit"
EDIT_DEPARTMENT_GOALS = "departments.goals"  # a department's own goals: admin, and its lead
FORGET_PERSON = "editors.forget"
SYNC_STATS = "stats.sync"
IMPORT_STATS = "stats.import"
RESTORE_STORE = "store.restore"  # replace the store from a backup: admin only
REPAIR_STORE = "store.repair"  # doctor --repair rebuilding the handle index: admin only
ACCEPT_IDENTITY = "account.accept-identity"  # a new platform id is the city's: admin only
# Who answers an account's messages (``shared``, ``kc_handles_comments``): the guideline's "där
# det finns en gemensam överenskommelse" is an agreement between KC and the department that AKN
# records, so a lead cannot hand their duties to Kontaktcenter alone: admin only.
SET_KC_AGREEMENT = "account.kc-agreement"
# The account's life (governance.lifecycle, governance.acknowledgements).
REQUEST_ACCOUNT = "account.request"  # a lead for their departments; creating is AKN's (admin)
APPROVE_REQUEST = "account.approve"  # admin only
REJECT_REQUEST = "account.reject"  # admin only
RETIRE_ACCOUNT = "account.retire"
ACKNOWLEDGE_REVISION = "revision.acknowledge"  # an editor acknowledged the guideline's revision
# The moderation register (governance.moderation): a lead for their departments, admin for all.
RECORD_MODERATION = "moderation.record"
REGISTER_MODERATION = "moderation.register"  # mail it to the registry, record its diarienummer

#: What a lead may do, and only for accounts of their own departments.
#: A lead does not create accounts: they request them (``accounts request``), AKN approves.
LEAD_ACTIONS = frozenset(
    {
        EDIT_ACCOUNT,
        EDIT_EDITORS,
        CONFIRM_EDITORS,
        ACKNOWLEDGE_FINDING,
        REQUEST_ACCOUNT,
        RETIRE_ACCOUNT,
        ACKNOWLEDGE_REVISION,
        RECORD_MODERATION,
        REGISTER_MODERATION,
        EDIT_DEPARTMENT_GOALS,
    }
)

_KC_AGREEMENT_FIELDS = ("shared", "kc_handles_comments")  # see SET_KC_AGREEMENT


def agreement_changed(before: object | None, after: object) -> bool:
    """Whether ``after`` (an account) sets who answers its messages other than ``before`` did
    (a new account: whether it sets either at all)."""
    return any(
        getattr(after, name) != (getattr(before, name) if before is not None else False)
        for name in _KC_AGREEMENT_FIELDS
    )


@dataclass(frozen=True, slots=True)
class User:
    """A person allowed to use Kontokoll, by OS login."""

    login: str
    role: str
    departments: tuple[str, ...] = ()

    def may(self, action: str, department: str | None = None) -> bool:
        """Whether this user may do ``action`` (on an account of ``department``)."""
        if action == READ or self.role == "admin":
            return True
        if self.role == "lead" and action in LEAD_ACTIONS:
            keys = {department_key(d) for d in self.departments}
            return department is not None and department_key(department) in keys
        return False

    def to_doc(self) -> dict[str, Any]:
        return {"login": self.login, "role": self.role, "departments": list(self.departments)}

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> User:
        return cls(doc["login"], doc["role"], tuple(doc.get("departments", ())))


def load_users(txn: ReadTransaction) -> list[User]:
    """Every defined user, by login."""
    from governance.store import repos

    stored = repos(txn).users
    docs = stored.all()
    with stored.shaped():  # a user of the wrong shape must never grant a role
        users = [User.from_doc(d) for d in docs]
        for user in users:
            if not isinstance(user.login, str) or user.role not in ROLES:
                raise ValueError(f"user {user.login!r} has no known role")
    return sorted(users, key=lambda u: u.login)


def identify(txn: ReadTransaction, login: str) -> User:
    """The user running Kontokoll; refused if users are defined and this login is not one."""
    users = load_users(txn)
    if not users:
        _refuse_served_session(login)
        return User(login, "admin")  # single-user mode
    for user in users:
        if user.login == login:
            return user
    raise AccessRefused("error.unknown_login", action=READ, target="", login=login)


def _refuse_served_session(login: str) -> None:
    """Single-user mode is for whoever runs Kontokoll on their own account, never for a login
    an authenticating proxy vouched for: a restore that left a served store without users
    would otherwise make every open browser session admin (the server admits no new ones)."""
    from governance.identity import session_identity

    if session_identity() is not None:
        raise AccessRefused("f9a_serve.no_users", action=READ, target="", login=login)


def authorize(
    txn: ReadTransaction, login: str, action: str, department: str | None = None, target: str = ""
) -> User:
    """The user, if they may do ``action``; else :class:`AccessRefused` saying what and why."""
    user = identify(txn, login)
    if not user.may(action, department):
        key = "error.role_refused"
        if user.role == "lead" and action in LEAD_ACTIONS and not department:
            key = "error.lead_no_department"  # a register-wide finding, retention of every record
        elif user.role == "lead" and action in LEAD_ACTIONS:
            key = "error.lead_other_department"
        elif user.role == "lead" and action == CREATE_ACCOUNT:  # point them to the request
            key = "lifecycle.error.lead_creates_by_request"
        refused = AccessRefused(
            key,
            action=action,
            target=target or (department or ""),
            login=login,
            role=user.role,
            department=department or "",
        )
        refused.params["action"] = action_in_words(action)  # .action keeps the id for the log
        raise refused
    return user


def action_in_words(action: str) -> str:
    """What a refusal says was tried: the action in words (locale ``access_words``), not its id."""
    key = f"access_words.{action}"
    words = t(key)
    return action if words == key else words


def put_user(txn: WriteTransaction, user: User) -> None:
    """Add or replace a user."""
    if user.role not in ROLES:
        raise FieldError("role", "field.bad_choice", value=user.role, allowed=", ".join(ROLES))
    from governance.store import repos

    repos(txn).users.put(user.login, user.to_doc())


def delete_user(txn: WriteTransaction, login: str) -> None:
    """Remove a user."""
    from governance.store import repos

    repos(txn).users.remove(login)
