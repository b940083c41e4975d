"""A department's own goals: listing, adding and removing them (``departments goals``).

*Effektivt*: "Kontot fyller ett syfte som går att koppla till de mål som satts upp för
verksamheten." Each goal gets the next id of its department (``g1``, ``g2`` ...), never reused
(``Department.last_goal``). Removing a goal removes the links accounts had to it, in the same
transaction, each logged as an account change. AKN (admin) and the department's own lead may
change its goals (``access.EDIT_DEPARTMENT_GOALS``); everyone may read them.
"""

from __future__ import annotations

from dataclasses import replace

from governance import access
from governance.errors import FieldError
from governance.fields import format_value, parse_text
from governance.model import Account, Department, DepartmentGoal, department_key
from governance.service import Service
from governance.store import ReadTransaction, WriteTransaction, repos
from governance.text_safety import MAX_TEXT

#: The most goals one department keeps: a list people read in a form and a report, not a plan.
MAX_GOALS = 50
_goal_text = parse_text("goal", required=True, limit=MAX_TEXT)


class DepartmentGoals(Service):
    """The departments' own goals, as one user sees and changes them."""

    def department(self, name: str) -> Department:
        """The department called ``name`` (any letter case), with its goals."""
        with self._read() as txn:
            return _find(txn, name)

    def linked_accounts(self, name: str) -> dict[str, list[str]]:
        """Goal id -> the refs of the accounts that link it, for the department ``name``."""
        with self._read() as txn:
            department = _find(txn, name)
            accounts = _accounts_of(txn, department)
        return {
            goal: sorted(a.ref for a in accounts if goal in a.department_goals)
            for goal in department.goal_ids
        }

    def add(self, name: str, text: str) -> DepartmentGoal:
        """Add a goal with ``text`` to the department; the same text twice is refused."""
        text = _goal_text(text)
        with self._write() as txn:
            department = _find(txn, name)
            self._authorize(txn, access.EDIT_DEPARTMENT_GOALS, department.name, department.name)
            for goal in department.goals:
                if goal.text.casefold() == text.casefold():
                    raise FieldError(
                        "goal", "goals.error.duplicate_goal",
                        department=department.name, goal=goal.id, text=goal.text,
                    )  # fmt: skip
            if len(department.goals) >= MAX_GOALS:
                raise FieldError("goal", "goals.error.too_many", department=department.name,
                                 count=MAX_GOALS)  # fmt: skip
            number = department.last_goal + 1
            goal = DepartmentGoal(f"g{number}", text)
            repos(txn).departments.put(
                replace(department, goals=(*department.goals, goal), last_goal=number)
            )
            self._log_goal(txn, "department-goal-added", department, new=_shown(goal))
        return goal

    def remove(self, name: str, goal_id: str) -> tuple[DepartmentGoal, list[Account]]:
        """Remove the goal ``goal_id``; returns it and the accounts that lost their link to it."""
        wanted = goal_id.strip().lower()
        with self._write() as txn:
            department = _find(txn, name)
            self._authorize(txn, access.EDIT_DEPARTMENT_GOALS, department.name, department.name)
            goal = next((g for g in department.goals if g.id == wanted), None)
            if goal is None:
                allowed = ", ".join(department.goal_ids) or "–"
                raise FieldError("goal", "goals.error.no_goal", department=department.name,
                                 goal=goal_id.strip(), allowed=allowed)  # fmt: skip
            kept = tuple(g for g in department.goals if g is not goal)
            repos(txn).departments.put(replace(department, goals=kept))
            self._log_goal(txn, "department-goal-removed", department, old=_shown(goal))
            unlinked = self._unlink(txn, department, goal.id)
        return goal, unlinked

    def _unlink(self, txn: WriteTransaction, department: Department, goal_id: str) -> list[Account]:
        """Take ``goal_id`` out of the department's accounts' links, logging each change."""
        changes: list[tuple[Account, Account | None]] = []
        for before in _accounts_of(txn, department):
            if goal_id not in before.department_goals:
                continue
            links = tuple(g for g in before.department_goals if g != goal_id)
            after = before.with_changes(department_goals=links, updated=self._clock())
            changes.append((after, before))
            repos(txn).log.append(self._entry(
                "account-changed", account_id=after.id, account=after.ref,
                field="department_goals", old=format_value(before.department_goals),
                new=format_value(links),
            ))  # fmt: skip
        repos(txn).accounts.put_many(changes)
        return [after for after, _ in changes]

    def _log_goal(self, txn: WriteTransaction, action: str, department: Department,
                  **values: str) -> None:  # fmt: skip
        repos(txn).log.append(
            self._entry(action, field="department_goals", account=department.name, **values)
        )


def _shown(goal: DepartmentGoal) -> str:
    return f"{goal.id}: {goal.text}"


def _find(txn: ReadTransaction, name: str) -> Department:
    """The department of this name, or a FieldError listing the known ones."""
    departments = repos(txn).departments.all()
    key = department_key(name)
    for department in departments:
        if department.key == key:
            return department
    raise FieldError("department", "goals.error.no_department", value=" ".join(name.split()),
                     allowed=", ".join(d.name for d in departments) or "–")  # fmt: skip


def _accounts_of(txn: ReadTransaction, department: Department) -> list[Account]:
    return [a for a in repos(txn).accounts.all() if department_key(a.department) == department.key]
