"""The finding detail: the whole message, the guideline it cites, the account's editors and last
post, and the acknowledgement or waiver on it. Shown beside (wide) or under (narrow) the table."""

from __future__ import annotations

from datetime import date, datetime

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from audits.engine import Finding
from audits.responsibility import duty_of
from audits.worklist import RESOLVED, WorkItem
from governance.i18n import t
from governance.monthly import STOCKHOLM
from screens.plain import plain
from screens.view_models import AccountSummary, rule_title
from screens.widgets.finding_rows import UNKNOWN, register_label, status_label


def _when(moment: datetime | None) -> str:
    return moment.astimezone(STOCKHOLM).strftime("%Y-%m-%d") if moment is not None else UNKNOWN


def _day(day: date | None) -> str:
    return day.isoformat() if day is not None else UNKNOWN


def _review(item: WorkItem, previous: str) -> str:
    """What has been done about the finding."""
    if item.status == RESOLVED:
        return t("worklist.detail.resolved", previous=previous)
    if item.waiver is not None:
        waiver = item.waiver
        return t(
            "worklist.detail.waived",
            until=waiver.until.isoformat(),
            reason=waiver.reason,
            name=waiver.name,
            at=_when(waiver.at),
            user=waiver.user,
        )
    if item.acknowledgement is not None:
        ack = item.acknowledgement
        return t("worklist.detail.acknowledged", at=_when(ack.at), user=ack.user, note=ack.note)
    return t("worklist.detail.open")


def responsible_line(finding: Finding) -> str:
    """Who answers for the finding; for KC's, which of its duties it is about."""
    duty = duty_of(finding.rule)
    if finding.kc_absent and duty is not None:
        return t(
            "responsibility.detail.kc_absent",
            responsible=finding.responsible,
            duty=t(f"responsibility.duty.{duty}"),
        )
    if finding.responsible and finding.responsible != finding.department and duty is not None:
        return t(
            "responsibility.detail.kc_duty",
            responsible=finding.responsible,
            duty=t(f"responsibility.duty.{duty}"),
        )
    answering = finding.responsible or t("responsibility.akn")
    return t("responsibility.detail.responsible", responsible=answering)


def detail_text(
    item: WorkItem, account: AccountSummary | None, previous: str, selected: int
) -> str:
    """Every line the detail pane shows for one finding (plain text, never markup)."""
    finding = item.finding
    lines = [
        t(
            "worklist.detail.rule",
            rule=rule_title(finding.rule),
            severity=t(f"audit.severity.{finding.severity}"),
            status=status_label(item.status),
        ),
        t("worklist.detail.where", account=finding.ref, department=finding.department)
        if finding.account_id
        else register_label(),
        responsible_line(finding),
        "",
        finding.message,
        "",
        t("worklist.detail.guideline", text=finding.guideline),
    ]
    if account is not None:
        lines.append(
            t(
                "worklist.detail.account_facts",
                editors=account.editors,
                last_post=_day(account.last_post),
            )
        )
    if item.status == RESOLVED:
        lines.append(
            t(
                "worklist.detail.age_resolved",
                first_seen=_day(finding.first_seen),
                previous=previous,
            )
        )
    else:
        days = item.days_open if item.days_open is not None else UNKNOWN
        lines.append(t("worklist.detail.age", first_seen=_day(finding.first_seen), days=days))
    lines.append(_review(item, previous))
    if selected:
        lines += ["", t("worklist.detail.selection", count=selected)]
    return "\n".join(lines)


class FindingDetail(VerticalScroll, can_focus=False):
    """The highlighted finding in full; scrolls (with a hint) when it does not fit."""

    def compose(self) -> ComposeResult:
        yield Static(t("worklist.scroll_hint"), id="finding-detail-hint")
        yield Static(t("worklist.detail.empty"), id="finding-detail-text")

    def show_text(self, text: str) -> None:
        """Show ``text`` literally, from the top."""
        self.query_one("#finding-detail-text", Static).update(plain(text, keep_newlines=True))
        self.scroll_home(animate=False)
        self.call_after_refresh(self._hint)

    def on_resize(self) -> None:
        self._hint()

    def _hint(self) -> None:
        """A scroll hint in the border when part of the text is below the fold."""
        below = self.max_scroll_y > 0 and self.scroll_y < self.max_scroll_y
        self.query_one("#finding-detail-hint", Static).display = below

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        self._hint()
