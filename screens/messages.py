"""Messages that workers post when store work finishes; widgets are only touched on the UI side."""

from __future__ import annotations

from textual.message import Message

from audits.quarters import Quarter
from governance.model import Account, ChangeEntry
from screens.services import (
    AccountFindings,
    AccountsSnapshot,
    AccountSummary,
    ChartPoint,
    GuidelineState,
    QuarterAudit,
    SyncResult,
)


class SnapshotLoaded(Message):
    """The accounts, departments and overview figures were read from the store."""

    def __init__(self, snapshot: AccountsSnapshot) -> None:
        super().__init__()
        self.snapshot = snapshot


class AccountLoaded(Message):
    """One account, its chart and its history were read (or re-read after a change)."""

    def __init__(
        self,
        account: Account,
        summary: AccountSummary,
        chart: list[ChartPoint],
        history: list[ChangeEntry],
        notice: str = "",
        findings: AccountFindings | None = None,
    ) -> None:
        super().__init__()
        self.account = account
        self.summary = summary
        self.chart = chart
        self.history = history
        self.notice = notice
        self.findings = findings


class AccountChanged(Message):
    """An account was changed and saved; the accounts table should show its new row."""

    def __init__(self, summary: AccountSummary) -> None:
        super().__init__()
        self.summary = summary


class AuditLoaded(Message):
    """A quarter's latest audit run (if any), its diff, and the quarters to choose from."""

    def __init__(self, view: QuarterAudit, quarters: list[Quarter]) -> None:
        super().__init__()
        self.view = view
        self.quarters = quarters


class AuditProgress(Message):
    """How far a running sync or audit has come; a newer one replaces an unhandled older one."""

    def __init__(self, phase: str, done: int, total: int) -> None:
        super().__init__()
        self.phase = phase
        self.done = done
        self.total = total

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, AuditProgress) and message.phase == self.phase


class AuditFinished(Message):
    """An audit run was stored; ``view`` shows it. ``synced`` says how the sync before it went."""

    def __init__(self, view: QuarterAudit, synced: SyncResult | None) -> None:
        super().__init__()
        self.view = view
        self.synced = synced


class ExportReady(Message):
    """The findings export was written to bytes and can be delivered."""

    def __init__(self, data: bytes, filename: str, count: int) -> None:
        super().__init__()
        self.data = data
        self.filename = filename
        self.count = count


class GuidelineLoaded(Message):
    """The guideline's revision status, revisions and audit calendar were read."""

    def __init__(self, view: GuidelineState, notice: str = "") -> None:
        super().__init__()
        self.view = view
        self.notice = notice


class FindingsLoaded(Message):
    """One account's findings in the latest audit were read (or re-read after a change)."""

    def __init__(self, findings: AccountFindings, notice: str = "") -> None:
        super().__init__()
        self.findings = findings
        self.notice = notice
