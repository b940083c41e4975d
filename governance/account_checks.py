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


#: The status of the accounts the audit's rule ``closed-without-reason`` judges (audits/rules.py
#: files the rule under it): a retired account is no channel anyone meets, and a requested one is
#: judged once approved. The input warns only about what the audit would raise.
CLOSED_REASON_JUDGED = "active"


def lacks_closed_reason(visibility: str, closed_reason: str) -> bool:
    """Whether an account is closed without saying why (the guideline: a closed channel can be
    "motiverat"; that the reason is written in the register is AKN's application). The audit's
    rule ``closed-without-reason`` and the warnings at input both ask this."""
    return visibility == "closed" and not closed_reason.strip()


def guideline_gaps(account: Account) -> list[str]:
    """The fields of ``account`` the guideline asks for that are missing: accepted at input,
    with a warning (an older register's import must still go through), and flagged by the audit
    later; only for an account of the status the audit judges it by."""
    gaps = []
    judged = account.status == CLOSED_REASON_JUDGED
    if judged and lacks_closed_reason(account.visibility, account.closed_reason):
        gaps.append("closed_reason")
    return gaps


def check_status_change(before: Account | None, after: Account) -> None:
    """Only ``accounts request|approve|reject`` set or leave ``requested``/``rejected``."""
    old = before.status if before is not None else None
    if after.status != old and (after.status in REQUEST_STATUSES or old in REQUEST_STATUSES):
        raise FieldError(
            "status", "lifecycle.error.status_by_request", old=old or "–", new=after.status
        )
