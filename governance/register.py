"""The register's services: every read and change of departments, accounts and editors.

The CLI and the TUI call these and nothing below them. Each public method is one transaction,
validates like the CSV import does, and writes one change-log entry per changed field.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from governance import access
from governance.account_checks import changed_fields as changed_fields  # offered from here too
from governance.account_checks import check_account_fields as check_account_fields
from governance.account_checks import check_status_change
from governance.account_order import by_ref
from governance.account_refs import resolve as resolve  # also offered from here
from governance.csvio import RepeatedRows
from governance.edit_conflicts import EditConflict as EditConflict  # raised from here
from governance.edit_conflicts import stale_fields
from governance.errors import FieldError, ImportRefused, RowProblem
from governance.fields import ACCOUNT_FIELD_PARSERS, format_value, parse_person
from governance.goal_links import departments_by_key, linked
from governance.heap import settle_survivors
from governance.import_plan import AccountRow as AccountRow  # offered from here too
from governance.import_plan import ImportPlan as ImportPlan
from governance.model import (
    EDITABLE_FIELDS,
    Account,
    ChangeEntry,
    Department,
    Editor,
    Person,
    department_key,
    new_account_id,
    retire_stamped,
    utc_now,
)
from governance.monthly import STOCKHOLM
from governance.service import Service
from governance.storage.format import bulk_allocation
from governance.store import ReadTransaction, Store, WriteTransaction, repos
from governance.text_safety import MAX_NAME, check_text


class Register(Service):
    """The register of departments, accounts and editors, as one user sees and changes it."""

    def __init__(
        self,
        store: Store,
        *,
        user: str | None = None,
        clock: Callable[[], datetime] = utc_now,
        id_token: Callable[[int], str] = secrets.token_hex,
    ) -> None:
        super().__init__(store, user=user, clock=clock)
        self._id_token = id_token

    # --- reading -----------------------------------------------------------------------------

    def accounts(self) -> list[Account]:
        """Every account, ordered by platform and handle."""
        # The collector paused for the sort's 10,000 keys too, then kept off the accounts read
        # (governance.heap): its passes over them took longer than reading them.
        with bulk_allocation():
            with self._read() as txn:
                accounts = repos(txn).accounts.all()
            by_ref(accounts)
            settle_survivors()
        return accounts

    def departments(self) -> list[Department]:
        """Every department, in name order."""
        with self._read() as txn:
            return repos(txn).departments.all()

    def account(self, ref: str) -> Account:
        """The account named by ``PLATFORM:HANDLE``, by its id, or by a handle used only once."""
        with self._read() as txn:
            return resolve(txn, ref)

    def change_log(
        self,
        ref: str | None = None,
        *,
        user: str | None = None,
        since: date | None = None,
    ) -> list[ChangeEntry]:
        """Change-log entries, oldest first, for one account, one user and/or since a date."""
        with self._read() as txn:
            account_id = resolve(txn, ref).id if ref else None
            entries = repos(txn).log.read()
        return [
            e
            for e in entries
            if (account_id is None or e.account_id == account_id)
            and (user is None or e.user == user)
            and (since is None or e.at.astimezone(STOCKHOLM).date() >= since)
        ]

    # --- changing ----------------------------------------------------------------------------

    def create_account(
        self,
        values: Mapping[str, Any],
        editors: Iterable[tuple[str, str]] = (),
    ) -> Account:
        """Add a new account; ``values`` are typed field values (see governance.fields)."""
        with self._write() as txn:
            now = self._clock()
            self._authorize(
                txn,
                access.CREATE_ACCOUNT,
                str(values.get("department", "")),
                f"{values.get('platform')}:{values.get('handle')}",
            )
            department = self._department(txn, str(values.get("department", "")))
            account = Account(
                id=new_account_id(set(repos(txn).accounts.index().values()), self._id_token),
                platform=values["platform"],
                handle=values["handle"],
                department=department,
                created=now,
                updated=now,
            ).with_changes(**{k: v for k, v in values.items() if k not in ("department",)})
            account = account.with_changes(
                department=department,
                editors=tuple(Editor(n, e, self.today()) for n, e in editors),
            )
            if access.agreement_changed(None, account):  # who answers: AKN's to record
                self._authorize(txn, access.SET_KC_AGREEMENT, account.department, account.ref)
            check_account_fields(account)
            check_status_change(None, account)  # requests are filed with accounts request
            account = linked(None, account, departments_by_key(txn))
            self._ensure_unique(txn, account)
            repos(txn).accounts.put(account, None)
            self._log(txn, "account-created", account, new=account.ref)
        return account

    def update_account(
        self, ref: str, *, expected: Mapping[str, Any] | None = None, **changes: Any
    ) -> Account:
        """Change fields of an account; values are typed (use :meth:`update_from_text` for text).

        ``expected``: for fields the editor read before the user changed them, the typed value it
        saw. One stored otherwise now is not written (see :mod:`governance.edit_conflicts`): the
        other fields are saved, then :class:`EditConflict` names the refused ones.
        """
        unknown = set(changes) - set(EDITABLE_FIELDS)
        if unknown:
            raise FieldError(sorted(unknown)[0], "field.not_editable")
        with self._write() as txn:
            before = resolve(txn, ref)  # compared under the write lock: nobody changes it now
            stale = stale_fields(txn, before, changes, expected or {})
            kept = {name: value for name, value in changes.items() if name not in stale}
            after = self._change_account(txn, before, kept)
        if stale:
            raise EditConflict(after, list(stale.values()), changed_fields(before, after))
        return after

    def _change_account(
        self, txn: WriteTransaction, before: Account, changes: dict[str, Any]
    ) -> Account:
        self._authorize(txn, access.EDIT_ACCOUNT, before.department, before.ref)
        if "department" in changes:
            self._authorize(txn, access.EDIT_ACCOUNT, changes["department"], before.ref)
            changes["department"] = self._department(txn, changes["department"])
        after = before.with_changes(**changes)
        if after == before:
            return before
        after = retire_stamped(before, after.with_changes(updated=self._clock()), self._clock())
        if access.agreement_changed(before, after):  # who answers: AKN's to record
            self._authorize(txn, access.SET_KC_AGREEMENT, after.department, after.ref)
        after = linked(before, after, departments_by_key(txn))
        check_account_fields(after)
        check_status_change(before, after)
        self._ensure_unique(txn, after)
        repos(txn).accounts.put(after, before)
        self._log_diff(txn, before, after)
        return after

    def update_from_text(
        self, ref: str, texts: Mapping[str, str], expected: Mapping[str, Any] | None = None
    ) -> Account:
        """Parse typed-in texts field by field (as the CSV import does) and apply them.

        ``expected``: the typed value the editor saw of each field (see :meth:`update_account`).
        """
        changes = {
            name: ACCOUNT_FIELD_PARSERS[name](text)
            for name, text in texts.items()
            if name in ACCOUNT_FIELD_PARSERS
        }
        return self.update_account(ref, expected=expected, **changes)

    def add_editor(self, ref: str, person: str, appointed: date | None = None) -> Editor:
        """Appoint ``Name <email>`` as an editor of the account."""
        name, email = parse_person(person, "editor")
        with self._write() as txn:
            before = resolve(txn, ref)
            self._authorize(txn, access.EDIT_EDITORS, before.department, before.ref)
            if before.editor(email):
                raise FieldError("editor", "field.editor_exists", email=email, account=before.ref)
            editor = Editor(name, email, appointed or self.today())
            after = before.with_changes(editors=(*before.editors, editor), updated=self._clock())
            repos(txn).accounts.put(after, before)
            self._log(txn, "editor-added", after, field="editors", new=str(editor))
        return editor

    def remove_editor(self, ref: str, email: str) -> Editor:
        """Remove the editor with this e-mail from the account."""
        with self._write() as txn:
            before = resolve(txn, ref)
            self._authorize(txn, access.EDIT_EDITORS, before.department, before.ref)
            editor = before.editor(email)
            if editor is None:
                raise FieldError("email", "field.no_such_editor", email=email, account=before.ref)
            kept = tuple(e for e in before.editors if e is not editor)
            after = before.with_changes(editors=kept, updated=self._clock())
            repos(txn).accounts.put(after, before)
            self._log(txn, "editor-removed", after, field="editors", old=str(editor))
        return editor

    def confirm_editors(self, ref: str) -> Account:
        """Record that the account's editor list is current, by whom and when."""
        with self._write() as txn:
            before = resolve(txn, ref)
            self._authorize(txn, access.CONFIRM_EDITORS, before.department, before.ref)
            now = self._clock()
            after = before.with_changes(editors_confirmed_at=now, editors_confirmed_by=self.user)
            repos(txn).accounts.put(after, before)
            self._log(
                txn,
                "editors-confirmed",
                after,
                field="editors",
                new=", ".join(e.email for e in after.editors),
            )
        return after

    def add_department(self, name: str, contacts: Iterable[Person] = ()) -> Department:
        """Add a department, or add contacts to the one with this name (any letter case)."""
        # The same parsers as the CSV import, so the command line cannot store what a file cannot.
        name = ACCOUNT_FIELD_PARSERS["department"](name)
        contacts = [Person(*parse_person(str(p), "contact")) for p in contacts]
        with self._write() as txn:
            self._authorize(txn, access.EDIT_DEPARTMENTS, name, name)
            canonical = self._department(txn, name)
            existing = next(
                d for d in repos(txn).departments.all() if d.key == department_key(name)
            )
            known = {p.email for p in existing.contacts}
            new = tuple(p for p in contacts if p.email not in known)
            if new:
                updated = replace(existing, name=canonical, contacts=existing.contacts + new)
                repos(txn).departments.put(updated)
                for person in new:
                    repos(txn).log.append(
                        self._entry(
                            "contact-added", field="department", account=canonical, new=str(person)
                        ),
                    )
                return updated
            return existing

    # --- import ------------------------------------------------------------------------------

    def plan_import(self, rows: Sequence[AccountRow], path: str) -> ImportPlan:
        """What importing ``rows`` would change, without changing anything."""
        with self._read() as txn:
            return self._plan(txn, rows, path)

    def import_rows(self, rows: Sequence[AccountRow], path: str) -> ImportPlan:
        """Upsert ``rows`` (by platform and handle), all or nothing, and return what changed."""
        with self._write() as txn:
            plan = self._plan(txn, rows, path)
            if not plan.changed:
                return plan
            stored = repos(txn)
            for name in plan.new_departments:
                stored.departments.put(Department(name))
                stored.log.append(self._entry("department-created", account=name, new=name))
            for account in plan.created:
                self._log(txn, "account-created", account, new=account.ref)
            for before, after in plan.updated:
                self._log_diff(txn, before, after)
            created = [(account, None) for account in plan.created]
            stored.accounts.put_many(created + [(after, before) for before, after in plan.updated])
        return plan

    def _plan(self, txn: ReadTransaction, rows: Sequence[AccountRow], path: str) -> ImportPlan:
        plan = ImportPlan()
        problems: list[RowProblem] = []
        index = repos(txn).accounts.index()
        goals_of = departments_by_key(txn)
        departments = {key: d.name for key, d in goals_of.items()}
        taken_ids = set(index.values())
        repeated = RepeatedRows[str]("handle", "field.duplicate_in_file")
        now, today = self._clock(), self.today()
        for row in rows:
            values = dict(row.values)
            ref = f"{values['platform']}:{values['handle']}"
            repeat = repeated.check(ref, row.line, ref=ref)
            if repeat is not None:
                problems.append(repeat)
                continue
            if "department" in values:
                key = department_key(values["department"])
                if key not in departments:
                    departments[key] = " ".join(values["department"].split())
                    plan.new_departments.append(departments[key])
                values["department"] = departments[key]
            before = repos(txn).accounts.get(index[ref]) if ref in index else None
            after = self._row_account(row, values, before, taken_ids, (now, today))
            try:
                check_account_fields(after)
                check_status_change(before, after)
                after = linked(before, after, goals_of)
            except FieldError as error:
                problems.append(RowProblem(row.line, error.field, error.reason))
                continue
            if before is None:
                plan.created.append(after)
            elif after == before:
                plan.unchanged.append(before)
            else:
                plan.updated.append(
                    (before, retire_stamped(before, after, now).with_changes(updated=now))
                )
        if problems:
            raise ImportRefused(path, problems)
        self._authorize_plan(txn, plan)
        return plan

    def _row_account(
        self,
        row: AccountRow,
        values: Mapping[str, Any],
        before: Account | None,
        taken_ids: set[str],
        when: tuple[datetime, date],
    ) -> Account:
        """The account as a row would leave it: ``before`` changed, or new with a fresh id.

        Editors who stay keep their appointment date; new ones are appointed ``when``'s day.
        """
        now, today = when
        if before is None:
            account_id = new_account_id(taken_ids, self._id_token)
            taken_ids.add(account_id)
            base = Account(
                id=account_id,
                platform=values["platform"],
                handle=values["handle"],
                department="",
                created=now,
                updated=now,
            )
        else:
            base = before
        editors = base.editors
        if row.editors is not None:
            old = {e.email: e for e in base.editors}
            editors = tuple(
                Editor(name, email, old[email].appointed if email in old else today)
                for name, email in row.editors
            )
        return base.with_changes(**values, editors=editors)

    def _authorize_plan(self, txn: ReadTransaction, plan: ImportPlan) -> None:
        """Every account the plan creates or changes (in both its departments), and new
        departments, must be the user's to change: otherwise the whole import is refused."""
        for account in plan.created:
            self._authorize(txn, access.CREATE_ACCOUNT, account.department, account.ref)
            if access.agreement_changed(None, account):  # who answers: AKN's to record
                self._authorize(txn, access.SET_KC_AGREEMENT, account.department, account.ref)
        for before, after in plan.updated:
            for department in {before.department, after.department}:
                self._authorize(txn, access.EDIT_ACCOUNT, department, before.ref)
            if access.agreement_changed(before, after):  # who answers: AKN's to record
                self._authorize(txn, access.SET_KC_AGREEMENT, after.department, after.ref)
        if plan.new_departments:
            self._authorize(txn, access.EDIT_DEPARTMENTS, plan.new_departments[0])

    # --- helpers -----------------------------------------------------------------------------

    def _department(self, txn: WriteTransaction, name: str) -> str:
        """The canonical name of the department called ``name``, created if it is new."""
        cleaned = " ".join(name.split())
        if not cleaned:
            raise FieldError("department", "field.required")
        check_text(cleaned, "department", limit=MAX_NAME)
        for department in repos(txn).departments.all():
            if department.key == department_key(cleaned):
                return department.name
        self._authorize(txn, access.EDIT_DEPARTMENTS, cleaned, cleaned)
        repos(txn).departments.put(Department(cleaned))
        repos(txn).log.append(self._entry("department-created", account=cleaned, new=cleaned))
        return cleaned

    def _ensure_unique(self, txn: ReadTransaction, account: Account) -> None:
        owner = repos(txn).accounts.index().get(account.ref)
        if owner is not None and owner != account.id:
            raise FieldError("handle", "field.duplicate_account", ref=account.ref)

    def _log(self, txn: WriteTransaction, action: str, account: Account, **values: Any) -> None:
        repos(txn).log.append(
            self._entry(action, account_id=account.id, account=account.ref, **values)
        )

    def _log_diff(self, txn: WriteTransaction, before: Account, after: Account) -> None:
        for name in changed_fields(before, after):
            if name == "editors":
                self._log_editor_diff(txn, before, after)
                continue
            self._log(
                txn,
                "account-changed",
                after,
                field=name,
                old=format_value(getattr(before, name)),
                new=format_value(getattr(after, name)),
            )

    def _log_editor_diff(self, txn: WriteTransaction, before: Account, after: Account) -> None:
        old = {e.email: e for e in before.editors}
        new = {e.email: e for e in after.editors}
        for email, editor in old.items():
            if email not in new:
                self._log(txn, "editor-removed", after, field="editors", old=str(editor))
        for email, editor in new.items():
            if email not in old:
                self._log(txn, "editor-added", after, field="editors", new=str(editor))
            elif old[email].name != editor.name:
                self._log(
                    txn,
                    "account-changed",
                    after,
                    field="editors",
                    old=str(old[email]),
                    new=str(editor),
                )
