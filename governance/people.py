"""Users and personal data: who may use Kontokoll, and forgetting an editor entirely."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable

from governance import access
from governance.access import ROLES, User, delete_user, load_users, put_user
from governance.errors import FieldError, InputError
from governance.fields import parse_email
from governance.model import Department, department_key
from governance.service import Service
from governance.store import (
    CHANGE_LOG,
    load_accounts,
    load_departments,
    log_change,
    put_account,
    put_department,
    read_change_log,
)

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
            known = {d.key: d.name for d in load_departments(txn)}
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
            log_change(
                txn,
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
            log_change(
                txn,
                self._entry("user-removed", field="role", account=login, old=_describe(removed)),
            )
        return removed

    def forget(self, email: str) -> str:
        """Erase a person: from every account and department, and from the change log, whose
        entries stay with a pseudonym in place of the name and e-mail. Returns the pseudonym."""
        address = parse_email(email)
        pseudonym = f"person-{secrets.token_hex(4)}"
        with self._write() as txn:
            self._authorize(txn, access.FORGET_PERSON, target=pseudonym)
            names: set[str] = set()
            for account in load_accounts(txn):
                kept = tuple(e for e in account.editors if e.email != address)
                if kept != account.editors:
                    names |= {e.name for e in account.editors if e.email == address}
                    put_account(txn, account.with_changes(editors=kept), account)
            for department in load_departments(txn):
                contacts = tuple(p for p in department.contacts if p.email != address)
                if contacts != department.contacts:
                    names |= {p.name for p in department.contacts if p.email == address}
                    put_department(txn, Department(department.name, contacts))
            entries = [e.to_doc() for e in read_change_log(txn)]
            if not names and not any(_mentions(e, address) for e in entries):
                raise InputError("error.unknown_person", email=address)
            for entry in entries:
                for key in ("old", "new", "account", "field"):
                    if isinstance(entry.get(key), str):
                        entry[key] = _pseudonymise(entry[key], address, names, pseudonym)
            txn.rewrite_lines(CHANGE_LOG, entries)
            log_change(txn, self._entry("person-forgotten", new=pseudonym))
        return pseudonym


def _describe(user: User) -> str:
    return user.role + (f" ({', '.join(user.departments)})" if user.departments else "")


def _ensure_an_admin(users: Iterable[User]) -> None:
    if not any(u.role == "admin" for u in users):
        raise InputError("error.last_admin")


def _mentions(entry: dict[str, object], address: str) -> bool:
    return any(isinstance(v, str) and address in v.lower() for v in entry.values())


def _pseudonymise(text: str, address: str, names: set[str], pseudonym: str) -> str:
    if address not in text.lower():
        return text
    for name in names:
        text = re.sub(
            rf"{re.escape(name)}\s*<{re.escape(address)}>", pseudonym, text, flags=re.IGNORECASE
        )
    return re.sub(re.escape(address), pseudonym, text, flags=re.IGNORECASE)
