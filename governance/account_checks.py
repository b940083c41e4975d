"""Checks of a whole account, across its fields, that no single field parser can make."""

from __future__ import annotations

from governance.errors import FieldError
from governance.fields import REQUEST_STATUSES
from governance.model import EDITABLE_FIELDS, Account


def changed_fields(before: Account, after: Account) -> list[str]:
    """The editable fields (and ``editors``) whose values differ."""
    names = [n for n in EDITABLE_FIELDS if getattr(before, n) != getattr(after, n)]
    if before.editors != after.editors:
        names.append("editors")
    return names


def check_account_fields(account: Account) -> None:
    """Rules across fields that no single field parser can check."""
    if account.project_end is not None and not account.project:
        raise FieldError("project_end", "field.end_without_project")
    if not account.department.strip():
        raise FieldError("department", "field.required")


def check_status_change(before: Account | None, after: Account) -> None:
    """Only ``accounts request|approve|reject`` set or leave ``requested``/``rejected``."""
    old = before.status if before is not None else None
    if after.status != old and (after.status in REQUEST_STATUSES or old in REQUEST_STATUSES):
        raise FieldError(
            "status", "lifecycle.error.status_by_request", old=old or "–", new=after.status
        )
