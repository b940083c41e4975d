"""An account's life around its running: the request and AKN's decision, and closing it down.

The guideline asks for decisions before an account opens: every account states its purpose
(*Effektivt*, *Syfte*), its audience (*Målgrupp*) and the goals of its content (*Målsättning*), and
"Projekt eller verksamheter som är tidsbegränsade bör därför inte starta nya konton i sociala
medier" (*Långsiktigt*). So a lead (for their departments) or an admin files a request
(``kontokoll accounts request``): the account is stored with the status ``requested``, and only
AKN's approval (``accounts approve``, admin) makes it ``active``; a rejection (``accounts reject``)
leaves it ``rejected``, in the register and the change log. A later request for the same handle
reopens that record. Imports and edits can neither set nor leave these two statuses
(:func:`governance.register.check_status_change`).

AKN:s tillämpning, not the guideline's words: a request names at least two editors (so that
someone can answer "inom 24 timmar under arbetstid" through holidays and sick days); a request for
a time-limited project is accepted but carries the *Långsiktigt* warning to the approver; a
request waiting more than 10 working days is a finding (``request-pending``); and closing an
account down answers a checklist (:class:`governance.model.Retirement`) whose open items are a
finding (``retirement-open``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from governance import access
from governance.account_refs import resolve
from governance.errors import FieldError
from governance.fields import (
    ACCOUNT_FIELD_PARSERS,
    REQUEST_STATUSES,
    format_value,
    parse_bool,
    parse_date,
    parse_goals,
    parse_handle,
    parse_people,
    parse_platform,
    parse_text,
)
from governance.goal_links import departments_by_key, linked
from governance.model import DISPOSALS, Account, Editor, Retirement, new_account_id
from governance.register import Register, check_account_fields
from governance.store import WriteTransaction, repos
from governance.text_safety import MAX_NAME, MAX_TEXT, MAX_URL

#: The warning a time-limited project's request carries (the guideline's *Långsiktigt*).
LANGSIKTIGT = "langsiktigt"
#: AKN:s tillämpning: the fewest editors a request may name.
MIN_EDITORS = 2

#: The closing checklist's answers as typed (CLI options, the app's form): field -> parser.
RETIREMENT_PARSERS: Mapping[str, Any] = {
    "announced": lambda text: parse_bool(text, "announced"),
    "followers_to": parse_text("followers_to", limit=MAX_URL),
    "archived_at": parse_text("archived_at", limit=MAX_URL),
    "diarienummer": parse_text("diarienummer", limit=MAX_NAME),
    "admins_removed": lambda text: parse_bool(text, "admins_removed"),
    "disposal": lambda text: parse_disposal(text),  # (defined below)
    "disposal_on": lambda text: parse_date(text, "disposal_on"),
}
_REASON = parse_text("reason", required=True, limit=MAX_TEXT, multiline=True)


def parse_disposal(text: str) -> str:
    """``deleted`` or ``dormant`` (also raderat/vilande); empty is not yet answered."""
    value = {"raderat": "deleted", "vilande": "dormant"}.get(text.strip().lower(), text.strip())
    if value and value.lower() not in DISPOSALS:
        raise FieldError(
            "disposal", "field.bad_choice", value=text.strip(), allowed=", ".join(DISPOSALS)
        )
    return value.lower()


def parse_ref(text: str) -> tuple[str, str]:
    """``PLATFORM:HANDLE`` of a requested account, as (platform, handle)."""
    platform, colon, handle = text.strip().partition(":")
    if not colon:
        raise FieldError("account", "lifecycle.request.bad_ref", value=text.strip())
    return parse_platform(platform), parse_handle(handle)


def parse_answers(texts: Mapping[str, str], base: Retirement | None = None) -> Retirement:
    """The checklist ``base`` with the typed answers in ``texts`` applied (unknown keys refused)."""
    unknown = sorted(set(texts) - set(RETIREMENT_PARSERS))
    if unknown:
        raise FieldError(unknown[0], "field.not_editable")
    values = {name: RETIREMENT_PARSERS[name](text) for name, text in texts.items()}
    return Retirement(**{**_answers(base or Retirement()), **values})


def _answers(retirement: Retirement) -> dict[str, Any]:
    return {name: getattr(retirement, name) for name in RETIREMENT_PARSERS}


class Lifecycle(Register):
    """Requests, AKN's decisions and retirements, as one user files and makes them."""

    def requests(self) -> list[Account]:
        """The accounts waiting for a decision, oldest request first."""
        pending = [a for a in self.accounts() if a.status == "requested"]
        return sorted(pending, key=lambda a: (a.requested_at or a.created, a.ref))

    def request(
        self,
        ref: str,
        *,
        department: str,
        purpose: str,
        audience: str,
        goals: Sequence[str],
        editors: Sequence[str],
        project: str = "",
        project_end: str = "",
        categories: Sequence[str] = (),
        department_goals: Sequence[str] = (),
    ) -> Account:
        """File a request for ``PLATFORM:HANDLE``, whole (categories and the department's goals
        in the same transaction) or not at all; every text is parsed as the CSV's would be."""
        platform, handle = parse_ref(ref)
        values = _request_values(
            department, purpose, audience, goals, editors, project, project_end
        ) | _purpose_links(categories, department_goals)
        people = values.pop("editors")
        with self._write() as txn:
            self._authorize(
                txn, access.REQUEST_ACCOUNT, values["department"], f"{platform}:{handle}"
            )
            values["department"] = self._department(txn, values["department"])
            before = self._reopened(txn, f"{platform}:{handle}")
            now = self._clock()
            base = before or self._new_account(txn, platform, handle, now)
            account = base.with_changes(
                **values,
                editors=tuple(Editor(name, email, self.today()) for name, email in people),
                status="requested",
                requested_at=now,
                requested_by=self.user,
                request_warnings=(LANGSIKTIGT,) if values["project"] else (),
                decided_at=None,
                decided_by="",
                decision_reason="",
                updated=now,
            )
            account = linked(before, account, departments_by_key(txn))
            check_account_fields(account)
            repos(txn).accounts.put(account, before)
            old = before.status if before else None
            self._log(txn, "account-requested", account, field="status", old=old, new="requested")
            self._log_diff(txn, base.with_changes(status="requested"), account)
        return account

    def _new_account(
        self, txn: WriteTransaction, platform: str, handle: str, now: datetime
    ) -> Account:
        """A new account of the register, with an id no other account has."""
        taken = set(repos(txn).accounts.index().values())
        return Account(id=new_account_id(taken, self._id_token), platform=platform,
                       handle=handle, department="", created=now)

    def approve(self, ref: str, reason: str) -> Account:
        """AKN approves a request: the account becomes active (admin only)."""
        return self._decide(ref, reason, access.APPROVE_REQUEST, "active", "request-approved")

    def reject(self, ref: str, reason: str) -> Account:
        """AKN rejects a request: it stays in the register as rejected (admin only)."""
        return self._decide(ref, reason, access.REJECT_REQUEST, "rejected", "request-rejected")

    def retire(self, ref: str, answers: Mapping[str, str]) -> Account:
        """Retire an account and store the closing checklist's answers given in ``answers``
        (typed text; answers not given keep their stored value). On a retired account, this
        records further answers."""
        with self._write() as txn:
            before = resolve(txn, ref)
            self._authorize(txn, access.RETIRE_ACCOUNT, before.department, before.ref)
            if before.status in REQUEST_STATUSES:
                raise FieldError(
                    "status", "lifecycle.retire.not_running", ref=before.ref, status=before.status
                )
            checklist = parse_answers(answers, before.retirement)
            now = self._clock()
            after = before.with_changes(
                status="retired", retired_at=before.retired_at or now, retirement=checklist
            )
            if after == before:
                return before
            after = after.with_changes(updated=now)
            repos(txn).accounts.put(after, before)
            self._log_retirement(txn, before, after)
        return after

    # --- helpers -----------------------------------------------------------------------------

    def _reopened(self, txn: WriteTransaction, ref: str) -> Account | None:
        """The rejected request a new one for ``ref`` reopens; any other account is a clash."""
        account_id = repos(txn).accounts.index().get(ref)
        before = repos(txn).accounts.get(account_id) if account_id else None
        if before is not None and before.status != "rejected":
            raise FieldError("account", "field.duplicate_account", ref=ref)
        return before

    def _decide(self, ref: str, reason: str, action: str, status: str, logged: str) -> Account:
        reason = _REASON(reason)
        with self._write() as txn:
            before = resolve(txn, ref)
            self._authorize(txn, action, before.department, before.ref)
            if before.status != "requested":
                raise FieldError(
                    "account",
                    "lifecycle.decide.not_requested",
                    ref=before.ref,
                    status=before.status,
                )
            now = self._clock()
            after = before.with_changes(
                status=status,
                decided_at=now,
                decided_by=self.user,
                decision_reason=reason,
                updated=now,
            )
            repos(txn).accounts.put(after, before)
            self._log(txn, logged, after, field="status", old=before.status, new=status)
            self._log(txn, logged, after, field="decision_reason", new=reason)
        return after

    def _log_retirement(self, txn: WriteTransaction, before: Account, after: Account) -> None:
        if before.status != after.status:
            self._log(
                txn, "account-retired", after, field="status", old=before.status, new=after.status
            )
        old = _answers(before.retirement or Retirement())
        for name, value in _answers(after.retirement or Retirement()).items():
            if value != old[name]:
                self._log(
                    txn,
                    "retirement-answered",
                    after,
                    field=f"retirement.{name}",
                    old=_shown(old[name]) if before.retirement else None,
                    new=_shown(value),
                )


def _shown(value: Any) -> str:
    return "" if value is None else format_value(value)


def _purpose_links(categories: Sequence[str], department_goals: Sequence[str]) -> dict[str, Any]:
    """The content categories and the department's goals a request names, parsed."""
    parse = ACCOUNT_FIELD_PARSERS
    return {
        "categories": parse["categories"]("|".join(categories)),
        "department_goals": parse["department_goals"]("|".join(department_goals)),
    }


def _request_values(
    department: str,
    purpose: str,
    audience: str,
    goals: Sequence[str],
    editors: Sequence[str],
    project: str,
    project_end: str,
) -> dict[str, Any]:
    """A request's typed values, or the first missing or bad one refused, with its field named
    and (for what the guideline asks) in the guideline's words."""
    values: dict[str, Any] = {
        "department": ACCOUNT_FIELD_PARSERS["department"](department),
        "purpose": ACCOUNT_FIELD_PARSERS["purpose"](purpose),
        "audience": ACCOUNT_FIELD_PARSERS["audience"](audience),
        "goals": parse_goals("|".join(goals)),
        "project": ACCOUNT_FIELD_PARSERS["project"](project),
        "project_end": ACCOUNT_FIELD_PARSERS["project_end"](project_end),
        "editors": parse_people("|".join(editors), "editor"),
    }
    for name in ("purpose", "audience", "goals"):
        if not values[name]:
            raise FieldError(name, f"lifecycle.request.no_{name}")
    if len(values["editors"]) < MIN_EDITORS:
        raise FieldError(
            "editor",
            "lifecycle.request.too_few_editors",
            given=len(values["editors"]),
            least=MIN_EDITORS,
        )
    return values
