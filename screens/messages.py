"""Messages that workers post when store work finishes; widgets are only touched on the UI side."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.message import Message

from audits.quarters import Quarter
from screens.view_models import (
    AccountDetail,
    AccountsSnapshot,
    AccountSummary,
    GuidelineState,
    QuarterAudit,
    SyncResult,
)

if TYPE_CHECKING:  # the audit package imports this module
    from screens.audit.prepared import PreparedAudit


class SnapshotLoaded(Message):
    """The accounts, departments and overview figures were read from the store."""

    def __init__(self, snapshot: AccountsSnapshot) -> None:
        super().__init__()
        self.snapshot = snapshot


class AccountLoaded(Message):
    """One account and all the detail screen shows of it were read (or re-read after a change)."""

    def __init__(self, detail: AccountDetail, notice: str = "") -> None:
        super().__init__()
        self.detail = detail
        self.notice = notice


class ChangeRequested(Message):
    """A tab of the account detail asks its screen to apply one change, then re-read the account.

    The screen runs ``apply`` in its worker (one change at a time) and shows ``notice`` when the
    account has been read again; an error becomes a notification and marks the field.
    """

    def __init__(self, apply: Callable[[], object], notice: str) -> None:
        super().__init__()
        self.apply = apply
        self.notice = notice


class LanguageChanged(Message):
    """The user switched the language: a screen that shows text recomposes in the new one.

    Posted to each screen rather than recomposing it from the app, so that the screen composes
    in its own context (``data_bind`` in a compose binds to the node composing).
    """


class AccountChanged(Message):
    """An account was changed and saved; the accounts table should show its new row."""

    def __init__(self, summary: AccountSummary) -> None:
        super().__init__()
        self.summary = summary


class AuditLoaded(Message):
    """A quarter's latest audit run (if any), its diff, and the quarters to choose from."""

    def __init__(
        self,
        view: QuarterAudit,
        quarters: list[Quarter],
        prepared: PreparedAudit | None = None,
        drawn: threading.Event | None = None,
    ) -> None:
        super().__init__()
        self.view = view
        self.quarters = quarters
        #: The rows, summary and diff, prepared in the worker (None: prepared where shown).
        self.prepared = prepared
        #: Set once a frame has shown this view (the worker waits for it before reading more).
        self.drawn = drawn


class FirstReadDone(Message):
    """The audit tab shows its first read, or the read failed: the main screen started on it may
    draw its first frame (it holds its repaints until then, see ``MainScreen.hold_first_frame``),
    and sets ``drawn`` once a frame has shown the read (the worker waits for it to read on)."""

    def __init__(self, drawn: threading.Event | None) -> None:
        super().__init__()
        self.drawn = drawn


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
