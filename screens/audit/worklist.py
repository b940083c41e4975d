"""The worklist pane: filters, the findings table, the detail of one finding and the diff.

Everything is acted on from here: space selects, ``a`` selects every visible finding, ``k``
acknowledges and ``u`` waives the selected findings (or the highlighted one) in one transaction,
Enter opens the finding's account at its findings tab. After a change the audit view reads the
quarter again (table, summary and diff from one read) and the app re-reads the overview.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING, cast

from textual import on
from textual.app import ComposeResult, SystemCommand
from textual.containers import Container, Horizontal, Vertical
from textual.message import Message
from textual.widgets import Input, Select

from audits.rules import RULES
from audits.worklist import RESOLVED, WORK_STATUSES, Worklist
from governance import access
from governance.errors import FieldError
from governance.i18n import t
from screens.audit.detail import FindingDetail, detail_text
from screens.audit.prepared import DEPARTMENT_FILTERS, PreparedAudit, prepare
from screens.audit.review_dialog import ReviewDialog
from screens.audit.summary import DiffPanel
from screens.commands import may
from screens.plain import plain
from screens.view_models import AccountsSnapshot, AccountSummary, QuarterAudit, rule_title
from screens.widgets.finding_rows import Filters, FindingRow, status_label
from screens.widgets.findings_table import FindingsTable
from screens.widgets.lazy_select import LazySelect

if TYPE_CHECKING:
    from screens.app import KontokollApp

#: The status quick filter's choices beyond one status: the current findings, or all.
CURRENT, ALL = "current", "all"
QUICK = ("department", "responsible", "rule", "severity")


class WorklistPane(Vertical):
    """Filters over the findings table, and the detail and diff under it."""

    class Changed(Message):
        """Findings were acknowledged or waived: read the quarter (and the overview) again."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.view: QuarterAudit | None = None
        self._facts: tuple[int, dict[str, AccountSummary]] = (0, {})

    @property
    def kontokoll(self) -> KontokollApp:
        """The app, with its services."""
        return cast("KontokollApp", self.app)

    @property
    def table(self) -> FindingsTable:
        return self.query_one(FindingsTable)

    # --- layout ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(id="worklist-filters"):
            yield Input(
                placeholder=t("worklist.filter_placeholder"), id="worklist-filter", compact=True
            )
            yield LazySelect[str](
                [], prompt=t("worklist.quick.department"), id="quick-department", compact=True
            )
            yield LazySelect[str](
                [],
                prompt=t("responsibility.quick.responsible"),
                id="quick-responsible",
                compact=True,
            )
            rules = [(r.title, r.id) for r in RULES]
            yield LazySelect[str](
                rules, prompt=t("worklist.quick.rule"), id="quick-rule", compact=True
            )
            severities = [(t(f"audit.severity.{s}"), s) for s in ("critical", "warning")]
            yield LazySelect[str](
                severities, prompt=t("worklist.quick.severity"), id="quick-severity", compact=True
            )
            statuses = [(t("worklist.status.current"), CURRENT)]
            statuses += [(status_label(s), s) for s in WORK_STATUSES]
            statuses += [(t("worklist.status.all"), ALL)]
            yield LazySelect[str](
                statuses, value=CURRENT, allow_blank=False, id="quick-status", compact=True
            )
        yield FindingsTable(id="audit-findings")
        with Container(id="audit-bottom"):
            yield FindingDetail(id="finding-detail")
            yield DiffPanel(id="audit-diff")

    # --- showing -----------------------------------------------------------------------------

    def show(self, view: QuarterAudit, prepared: PreparedAudit | None = None) -> None:
        """Show a quarter's worklist (keeping the filters, the sort and the selection),
        ``prepared`` by the worker that read it (else here)."""
        self.view = view
        ready = prepared if prepared is not None else prepare(view, self.table.rows)
        for name in DEPARTMENT_FILTERS:  # the owning department, and the one that answers
            departments = ready.departments[name]
            select = self.query_one(f"#quick-{name}", Select)
            chosen = select.value
            with self.prevent(Select.Changed):
                options = [(plain(d or t("audit.register_scope")), d) for d in departments]
                select.set_options(options)
                if isinstance(chosen, str) and chosen in departments:
                    select.value = chosen
        self.table.set_rows(ready.rows, self._filters())  # sorted and filtered once
        self.query_one(DiffPanel).show(view, ready.diff_parts)

    def _apply_filters(self) -> None:
        self.table.set_filter(*self._filters())

    def _filters(self) -> Filters:
        """What the filter box and the quick filters ask for, as the table takes it."""
        quick = {}
        for name in QUICK:
            value = self.query_one(f"#quick-{name}", Select).value
            if isinstance(value, str):
                quick[name] = value
        status = self.query_one("#quick-status", Select).value
        statuses: frozenset[str] | None = None
        if status == CURRENT:
            statuses = frozenset(s for s in WORK_STATUSES if s != RESOLVED)
        elif isinstance(status, str) and status != ALL:
            statuses = frozenset((status,))
        text = self.query_one("#worklist-filter", Input).value
        return text, quick, statuses

    @on(Input.Changed, "#worklist-filter")
    @on(Select.Changed)
    def _filters_changed(self, event: Message) -> None:
        event.stop()
        self._apply_filters()

    @on(Input.Submitted, "#worklist-filter")
    def _to_table(self) -> None:
        self.table.focus()

    @on(FindingsTable.Highlighted)
    def _highlighted(self, event: FindingsTable.Highlighted) -> None:
        detail = self.query_one(FindingDetail)
        row = event.row
        if row is None:
            empty = self.table.total == 0 or self.table.shown == 0
            detail.show_text(t("worklist.detail.empty" if empty else "worklist.detail.group"))
            return
        worklist = self.view.worklist if self.view is not None else None
        previous = worklist.previous if worklist is not None else None
        detail.show_text(
            detail_text(
                row.item,
                self._account(row.item.finding.account_id),
                str(previous.info.quarter) if previous is not None else "",
                len(self.table.selected),
            )
        )

    def _account(self, account_id: str) -> AccountSummary | None:
        """The account's row as the register was last read (editors, last post)."""
        snapshot: AccountsSnapshot | None = self.kontokoll.snapshot
        if snapshot is None or not account_id:
            return None
        if self._facts[0] != id(snapshot):
            self._facts = (id(snapshot), {s.id: s for s in snapshot.summaries})
        return self._facts[1].get(account_id)

    # --- acting ------------------------------------------------------------------------------

    @on(FindingsTable.Opened)
    async def _open(self, event: FindingsTable.Opened) -> None:
        finding = event.row.item.finding
        if not finding.account_id:
            self.notify(t("worklist.register_finding"))
            return
        from screens.account import AccountDetailScreen  # (see _until)

        screen = AccountDetailScreen(finding.account_id)
        await self.app.push_screen(screen)
        await screen.action_show_tab("findings")

    def _targets(self, action: str) -> list[FindingRow] | None:
        """The findings an action applies to: the selected ones, else the highlighted one."""
        table = self.table
        rows = table.selected_rows or ([table.current] if table.current is not None else [])
        rows = [r for r in rows if r.item.actionable]
        if not rows:
            key = (
                "worklist.nothing_to_do" if table.current is not None else "worklist.none_selected"
            )
            self.notify(t(key), severity="warning")
            return None
        rights = self.kontokoll.snapshot.rights if self.kontokoll.snapshot else None
        # Rights follow who answers: a KC lead for KC's findings, not the account's lead.
        refused = [r for r in rows if not may(rights, action, r.responsible or None)]
        if refused:
            verb = t(
                f"worklist.action.{'waive' if action == access.WAIVE_FINDING else 'acknowledge'}"
            )
            self.notify(
                t("worklist.not_allowed", action=verb, count=len(refused)), severity="error"
            )
            return None
        return rows

    def _title(self, kind: str, rows: list[FindingRow]) -> str:
        if len(rows) == 1:
            finding = rows[0].item.finding
            return t(
                f"worklist.dialog.{kind}_one",
                rule=rule_title(finding.rule),
                account=finding.ref or t("audit.register_scope"),
            )
        return t(f"worklist.dialog.{kind}_many", count=len(rows))

    def action_acknowledge(self) -> None:
        """Acknowledge the selected findings (or the highlighted one) with one note."""
        rows = self._targets(access.ACKNOWLEDGE_FINDING)
        if rows is None or self.view is None:
            return
        services, quarter, keys = self.kontokoll.services, self.view.quarter, [r.key for r in rows]

        def submit(texts: dict[str, str]) -> str:
            count = services.acknowledge_many(quarter, keys, texts["note"])
            return t("worklist.acknowledged", count=count)

        self.app.push_screen(
            ReviewDialog(
                self._title("acknowledge", rows),
                [("note", t("worklist.dialog.note"), "")],
                t("tui.button.acknowledge"),
                submit,
                dialog_id="acknowledge-dialog",
            ),
            self._done,
        )

    def action_waive(self) -> None:
        """Waive the selected findings (or the highlighted one) until a date, with a reason."""
        rows = self._targets(access.WAIVE_FINDING)
        if rows is None or self.view is None:
            return
        services, quarter, keys = self.kontokoll.services, self.view.quarter, [r.key for r in rows]
        until = _until(services.today())

        def submit(texts: dict[str, str]) -> str:
            day = _day(texts["until"])
            count = services.waive_many(
                quarter, keys, reason=texts["reason"], name=texts["name"], until=day
            )
            return t("worklist.waived", count=count, until=day.isoformat())

        self.app.push_screen(
            ReviewDialog(
                self._title("waive", rows),
                [
                    ("reason", t("worklist.dialog.reason"), ""),
                    ("name", t("worklist.dialog.decided_by"), ""),
                    ("until", t("worklist.dialog.until"), until),
                ],
                t("tui.button.waive"),
                submit,
                dialog_id="waive-dialog",
            ),
            self._done,
        )

    def _done(self, notice: str | None) -> None:
        if notice is None:
            return  # cancelled (the dialog said so)
        self.table.clear_selection()
        self.notify(notice)
        self.post_message(self.Changed())

    def action_focus_filter(self) -> None:
        """Put the cursor in the filter box."""
        self.query_one("#worklist-filter", Input).focus()

    def action_show_resolved(self) -> None:
        """Show only the findings resolved since the previous quarter."""
        self.query_one("#quick-status", Select).value = RESOLVED

    def commands(self) -> Iterator[SystemCommand]:
        """The worklist's palette commands (acting ones only for a user who may)."""
        rights = self.kontokoll.snapshot.rights if self.kontokoll.snapshot else None
        worklist: Worklist | None = self.view.worklist if self.view is not None else None
        if worklist is not None and (may(rights, access.ACKNOWLEDGE_FINDING) or _lead(rights)):
            yield SystemCommand(
                t("worklist.command.acknowledge"),
                t("worklist.tip.acknowledge"),
                self.action_acknowledge,
            )
        if worklist is not None and may(rights, access.WAIVE_FINDING):
            yield SystemCommand(
                t("worklist.command.waive"), t("worklist.tip.waive"), self.action_waive
            )
        yield SystemCommand(
            t("worklist.command.select_all"),
            t("worklist.tip.select_all"),
            self.table.action_select_all,
        )
        yield SystemCommand(
            t("worklist.command.clear"), t("worklist.tip.clear"), self.table.clear_selection
        )
        yield SystemCommand(
            t("worklist.command.filter"), t("worklist.tip.filter"), self.action_focus_filter
        )
        yield SystemCommand(
            t("worklist.command.resolved"), t("worklist.tip.resolved"), self.action_show_resolved
        )


def _lead(rights: object) -> bool:
    """A lead may acknowledge findings of their own departments."""
    return getattr(rights, "role", "") == "lead"


def _until(today: date) -> str:
    """The waiver dialog's default end date, as the account's findings tab proposes it. The
    detail screen's modules are imported when first needed: the audit tab's first paint needs
    none of them, and they took a third of it to import."""
    from screens.account.findings import waiver_default_end

    return waiver_default_end(today).isoformat()


def _day(text: str) -> date:
    """The end date typed in the waiver dialog; a bad one marks the field."""
    value = text.strip()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise FieldError("until", "worklist.bad_date", value=value) from None
