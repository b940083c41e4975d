"""Users and personal data: who may use Kontokoll, and forgetting an editor entirely."""

from __future__ import annotations

import re
from collections.abc import Iterable

from governance import access
from governance.access import ROLES, User, delete_user, load_users, put_user
from governance.backup import forget_in_copies
from governance.errors import FieldError, InputError
from governance.fields import parse_email
from governance.forget import ForgetReport, forget_person
from governance.model import department_key
from governance.service import Service
from governance.store import repos

_LOGIN = re.compile(r"^[a-z_][a-z0-9_.@-]{0,63}\$?$", re.IGNORECASE)


class People(Service):
    """Users of Kontokoll and the editors' personal data."""

    def users(self) -> list[User]:
        """Every defined user (empty in single-user mode)."""
        with self._read() as txn:
            return load_users(txn)

    def add_user(self, login: str, role: str, departments: Iterable[str] = ()) -> User:
        """Define (or redefine) a user. Departments are matched by name, any letter case."""
        login = login.strip()
        if not _LOGIN.match(login):
            raise FieldError("login", "field.bad_login", value=login)
        if role not in ROLES:
            raise FieldError("role", "field.bad_choice", value=role, allowed=", ".join(ROLES))
        with self._write() as txn:
            self._authorize(txn, access.MANAGE_USERS, target=login)
            known = {d.key: d.name for d in repos(txn).departments.all()}
            names = []
            for name in departments:
                if department_key(name) not in known:
                    raise FieldError(
                        "department",
                        "field.unknown_department",
                        value=name,
                        allowed=", ".join(sorted(known.values())),
                    )
                names.append(known[department_key(name)])
            if role == "lead" and not names:
                raise FieldError("department", "field.lead_needs_department")
            users = {u.login: u for u in load_users(txn)}
            if not users and (login != self.user or role != "admin"):
                # The first user ends single-user mode; anyone else first would lock us out.
                raise InputError("error.first_user_admin", login=self.user)
            previous = users.get(login)
            user = User(login, role, tuple(names))
            users[login] = user
            _ensure_an_admin(users.values())
            put_user(txn, user)
            repos(txn).log.append(
                self._entry(
                    "user-changed" if previous else "user-added",
                    field="role",
                    account=login,
                    old=_describe(previous) if previous else None,
                    new=_describe(user),
                ),
            )
        return user

    def remove_user(self, login: str) -> User:
        """Remove a user; the last admin cannot be removed."""
        with self._write() as txn:
            self._authorize(txn, access.MANAGE_USERS, target=login)
            users = {u.login: u for u in load_users(txn)}
            if login not in users:
                raise InputError("error.unknown_user", login=login)
            removed = users.pop(login)
            if users:
                _ensure_an_admin(users.values())
            delete_user(txn, login)
            repos(txn).log.append(
                self._entry("user-removed", field="role", account=login, old=_describe(removed)),
            )
        return removed

    def forget(self, email: str) -> ForgetReport:
        """Erase a person from the whole store in one transaction (see :mod:`governance.forget`).

        They leave every account and department; their address, and every name ever recorded
        with it, become one pseudonym in every text, audit record and change-log entry, whose
        entries stay. Returns what was erased and changed.
        """
        address = parse_email(email)
        with self._write() as txn:
            # No target: the refusal is logged, and the log must not learn the address from it.
            self._authorize(txn, access.FORGET_PERSON)
            report = forget_person(txn, address)
            repos(txn).log.append(self._entry("person-forgotten", new=report.pseudonym))
        # The register's snapshots (and copies a restore set aside) must forget them too.
        forget_in_copies(
            self.store.data_dir, report.address, report.names, report.pseudonym, db=self.store.db
        )
        return report


def _describe(user: User) -> str:
    return user.role + (f" ({', '.join(user.departments)})" if user.departments else "")


def _ensure_an_admin(users: Iterable[User]) -> None:
    if not any(u.role == "admin" for u in users):
        raise InputError("error.last_admin")
