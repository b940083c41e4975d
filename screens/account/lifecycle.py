"""The account's life tab: its request and AKN's decision, its closing checklist, and its identity
on the platform, with the actions each allows (approve or reject, retire, accept a new handle or
a new identity). Every action is hidden from a user who may not do it; the services check again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from textual import on
from textual.app import App, ComposeResult, SystemCommand
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from governance import access
from governance.i18n import t
from governance.lifecycle import LANGSIKTIGT
from governance.model import RETIREMENT_ITEMS, Account, Retirement
from screens.account.dialogs import ChecklistDialog, ReasonDialog
from screens.account.part import AccountPart, allowed, kontokoll, stamp
from screens.dialogs import ConfirmDialog
from screens.messages import ChangeRequested
from screens.plain import plain, plain_markup
from screens.view_models import AccountDetail

#: The tab's actions, as its buttons are named.
ACTIONS = ("approve", "reject", "retire", "rename-handle", "accept-identity")


def handle_changed(account: Account) -> bool:
    """Whether the platform shows another username than the registered handle."""
    return bool(account.observed_handle) and account.observed_handle != account.handle


def langsiktigt(account: Account) -> str:
    """The *Långsiktigt* warning a time-limited project's request carries, or ""."""
    if LANGSIKTIGT not in account.request_warnings:
        return ""
    end = account.project_end.isoformat() if account.project_end else "–"
    return t("lifecycle.warning.langsiktigt", project=account.project, end=end)


def _request_lines(account: Account) -> list[str]:
    if account.requested_at is None:
        return []
    lines = [t("lifecycle_tui.requested", at=stamp(account.requested_at), by=account.requested_by)]
    if warning := langsiktigt(account):
        lines.append(warning)
    if account.decided_at is not None:
        decision = t(
            f"lifecycle_tui.decision.{'rejected' if account.status == 'rejected' else 'approved'}"
        )
        lines.append(
            t(
                "lifecycle_tui.decided",
                decision=decision,
                at=stamp(account.decided_at),
                by=account.decided_by,
                reason=account.decision_reason,
            )
        )
    return lines


def _checklist_lines(detail: AccountDetail) -> list[str]:
    account = detail.account
    if account.status != "retired":
        return []
    if account.retirement is None:
        return [t("lifecycle_tui.retired_without_checklist")]
    lines = [t("lifecycle_tui.retired", at=stamp(account.retired_at))]
    answers = _answers(account.retirement)
    for item in RETIREMENT_ITEMS:
        mark = "lifecycle_tui.item_open" if item in detail.open_items else "lifecycle_tui.item_done"
        text = t(mark, item=t(f"lifecycle.item.{item}"))
        lines.append(text + (f": {answers[item]}" if answers[item] else ""))
    count = len(detail.open_items)
    lines.append(
        t("lifecycle_tui.open_count", count=count) if count else t("lifecycle.cli.checklist_done")
    )
    return lines


def _answers(retirement: Retirement) -> dict[str, str]:
    """Each checklist item's stored answers, in words."""

    def yes_no(value: bool | None) -> str:
        return "" if value is None else t(f"lifecycle.value.{'yes' if value else 'no'}")

    disposal = t(f"lifecycle_tui.disposal.{retirement.disposal}") if retirement.disposal else ""
    on = retirement.disposal_on.isoformat() if retirement.disposal_on else ""
    return {
        "announced": " · ".join(
            x for x in (yes_no(retirement.announced), retirement.followers_to) if x
        ),
        "archived": " · ".join(x for x in (retirement.archived_at, retirement.diarienummer) if x),
        "admins_removed": yes_no(retirement.admins_removed),
        "disposal": " ".join(x for x in (disposal, on) if x),
    }


def _identity_lines(account: Account) -> list[str]:
    lines = []
    if handle_changed(account):
        lines.append(
            t("lifecycle_tui.handle_changed", handle=account.handle, seen=account.observed_handle)
        )
    if account.identity_mismatch:
        lines.append(
            t(
                "lifecycle_tui.identity_mismatch",
                registered=account.platform_id or "–",
                seen=account.identity_mismatch,
            )
        )
    return lines


def available_actions(app: App[object], detail: AccountDetail | None) -> dict[str, bool]:
    """Which of the tab's actions the user may use on the account as it is now."""
    if detail is None:
        return dict.fromkeys(ACTIONS, False)
    account = detail.account
    requested = account.status == "requested"
    return {
        "approve": requested and allowed(app, access.APPROVE_REQUEST, detail),
        "reject": requested and allowed(app, access.REJECT_REQUEST, detail),
        "retire": account.status in ("active", "retired")
        and allowed(app, access.RETIRE_ACCOUNT, detail),
        "rename-handle": handle_changed(account) and allowed(app, access.EDIT_ACCOUNT, detail),
        "accept-identity": bool(account.identity_mismatch)
        and allowed(app, access.ACCEPT_IDENTITY, detail),
    }


class LifecyclePane(AccountPart, Vertical):
    """The account's request, decision, closing checklist and identity, with their actions."""

    def __init__(self) -> None:
        super().__init__(id="life-pane")

    def compose(self) -> ComposeResult:
        yield Static("", id="life-text")
        with Horizontal(id="life-buttons"):
            yield Button(t("lifecycle_tui.button.approve"), id="approve", variant="success")
            yield Button(t("lifecycle_tui.button.reject"), id="reject", variant="error")
            yield Button(t("lifecycle_tui.button.retire"), id="retire", variant="warning")
            yield Button(t("lifecycle_tui.button.rename"), id="rename-handle", variant="primary")
            yield Button(t("lifecycle_tui.button.accept_identity"), id="accept-identity")

    def show_detail(self, detail: AccountDetail) -> None:
        account = detail.account
        lines = [t("lifecycle_tui.status", status=t(f"value.{account.status}"))]
        lines += _request_lines(account) + _checklist_lines(detail) + _identity_lines(account)
        self.query_one("#life-text", Static).update(plain("\n".join(lines), keep_newlines=True))
        retire = self.query_one("#retire", Button)
        retire.label = t(
            "lifecycle_tui.button.checklist"
            if account.status == "retired"
            else "lifecycle_tui.button.retire"
        )
        for button, shown in self.available().items():
            self.query_one(f"#{button}").display = shown

    def available(self) -> dict[str, bool]:
        """Which action buttons the user may use on the account as it is now."""
        return available_actions(self.app, self.detail)

    def commands(self) -> Iterator[SystemCommand]:
        """Each action the user may use on the account now."""
        actions = {
            "approve": self.action_approve,
            "reject": self.action_reject,
            "retire": self.action_retire,
            "rename-handle": self.action_rename,
            "accept-identity": self.action_accept_identity,
        }
        for name, shown in self.available().items():
            if shown:
                key = name.replace("-", "_")
                yield SystemCommand(
                    t(f"lifecycle_tui.command.{key}"), t(f"lifecycle_tui.tip.{key}"), actions[name]
                )

    # --- actions -----------------------------------------------------------------------------

    def _decide(self, approve: bool) -> None:
        if self.detail is None:
            return
        account = self.detail.account
        services = kontokoll(self.app).services
        verb = "approve" if approve else "reject"
        decide = services.approve if approve else services.reject

        def done(result: object | None) -> None:
            if result is not None:  # stored: the screen reads the account again
                self._reread(t(f"lifecycle_tui.{verb}d", account=account.ref))

        self.app.push_screen(
            ReasonDialog(
                t(
                    f"lifecycle_tui.{verb}_title",
                    account=account.ref,
                    department=account.department,
                ),
                langsiktigt(account),
                t(f"lifecycle_tui.button.{verb}"),
                lambda reason: decide(account.id, reason),
            ),
            done,
        )

    @on(Button.Pressed, "#approve")
    def action_approve(self) -> None:
        """Approve the request, with a reason (admins)."""
        self._decide(approve=True)

    @on(Button.Pressed, "#reject")
    def action_reject(self) -> None:
        """Reject the request, with a reason (admins)."""
        self._decide(approve=False)

    @on(Button.Pressed, "#retire")
    def action_retire(self) -> None:
        """Retire the account through the closing checklist (or answer more of it)."""
        if self.detail is None:
            return
        account = self.detail.account
        services = kontokoll(self.app).services

        def done(result: Retirement | None) -> None:
            if result is not None:
                self._reread(t("lifecycle_tui.checklist_saved", account=account.ref))

        self.app.push_screen(
            ChecklistDialog(
                t("lifecycle_tui.checklist_title", account=account.ref),
                account.retirement or Retirement(),
                lambda answers: services.retire(account.id, answers),
            ),
            done,
        )

    @on(Button.Pressed, "#rename-handle")
    def action_rename(self) -> None:
        """Take the handle the platform shows now, after a confirmation."""
        if self.detail is None or not handle_changed(self.detail.account):
            self.notify(t("lifecycle_tui.no_handle_change"), severity="warning")
            return
        account, services = self.detail.account, kontokoll(self.app).services
        seen = account.observed_handle
        self._confirmed(
            t("lifecycle_tui.rename_question", handle=account.handle, seen=seen),
            t("lifecycle_tui.button.rename"),
            lambda: services.rename(account.id, seen),
            t("lifecycle_tui.renamed", account=f"{account.platform}:{seen}"),
        )

    @on(Button.Pressed, "#accept-identity")
    def action_accept_identity(self) -> None:
        """Take the id now behind the handle as the city's own (admins), after a confirmation."""
        if self.detail is None or not self.detail.account.identity_mismatch:
            self.notify(t("lifecycle_tui.no_mismatch"), severity="warning")
            return
        account, services = self.detail.account, kontokoll(self.app).services
        self._confirmed(
            t("lifecycle_tui.accept_question", account=account.ref, seen=account.identity_mismatch),
            t("lifecycle_tui.button.accept_identity"),
            lambda: services.accept_identity(account.id),
            t("lifecycle_tui.accepted", account=account.ref),
        )

    def _reread(self, notice: str) -> None:
        """After a dialog stored a change: the screen reads the account again and says so."""
        self.post_message(ChangeRequested(lambda: None, notice))

    def _confirmed(
        self, question: str, label: str, apply: Callable[[], object], notice: str
    ) -> None:
        def decided(yes: bool | None) -> None:
            if yes:
                self.post_message(ChangeRequested(apply, notice))
            else:
                self.notify(t("lifecycle_tui.cancelled"))

        dialog = ConfirmDialog(plain_markup(question), label, variant="primary")
        self.app.push_screen(dialog, decided)
