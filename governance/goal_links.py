"""An account's links to its department's own goals (``Account.department_goals``).

*Effektivt*: "Kontot fyller ett syfte som går att koppla till de mål som satts upp för
verksamheten". A department keeps its goals (``Department.goals``, each with an id such as ``g2``);
an account names the ids its purpose serves. The ids are the department's own, so:

- an id the account's department does not have is refused, naming the field and the goals it has;
- an account moving to another department loses its links, unless the same change names the new
  department's goals (``g1`` of one department is not ``g1`` of another). The dropped links are
  an ordinary field change, logged and shown in an import's plan like any other.
"""

from __future__ import annotations

from collections.abc import Mapping

from governance.errors import FieldError
from governance.model import Account, Department, department_key
from governance.store import ReadTransaction, repos


def departments_by_key(txn: ReadTransaction) -> dict[str, Department]:
    """Every department, by its case-insensitive key."""
    return {d.key: d for d in repos(txn).departments.all()}


def moved(before: Account | None, after: Account) -> bool:
    """Whether the change moves an existing account to another department."""
    return before is not None and department_key(before.department) != department_key(
        after.department
    )


def linked(
    before: Account | None, after: Account, departments: Mapping[str, Department]
) -> Account:
    """``after`` with links the department has, or a FieldError on ``department_goals``.

    A move that leaves the links as they were drops them (see the module).
    """
    kept = before is not None and after.department_goals == before.department_goals
    if after.department_goals and kept and moved(before, after):
        after = after.with_changes(department_goals=())
    if not after.department_goals:
        return after
    department = departments.get(department_key(after.department))
    have = department.goal_ids if department is not None else ()
    unknown = [g for g in after.department_goals if g not in have]
    if unknown:
        raise FieldError(
            "department_goals",
            "goals.field.not_department_goal",
            value=", ".join(unknown),
            department=after.department,
            allowed=", ".join(have) or "–",
        )
    return after
