"""KontokollApp: the register, its accounts and editors, and (later) the audit, in Textual."""

from __future__ import annotations

import gc
import io
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import ClassVar

from textual import events, work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.command import CommandPalette
from textual.dom import DOMNode
from textual.notifications import SeverityLevel
from textual.reactive import var
from textual.screen import Screen
from textual.widget import Widget
from textual.worker import Worker, WorkerState

from governance.errors import KontokollError
from governance.heap import settle_survivors
from governance.i18n import LANGUAGES, current_language, set_language, t
from governance.text_safety import visible
from screens.account.spare import SpareDetail
from screens.commands import AccountsProvider, CommandSource
from screens.main import MainScreen
from screens.messages import AccountChanged, LanguageChanged, SnapshotLoaded
from screens.services import Services
from screens.view_models import AccountsSnapshot

log = logging.getLogger(__name__)

#: From this many accounts on, the first snapshot's objects are frozen (see ``_heap_settled``).
SETTLE_HEAP_AT = 2_000
#: The longest the cyclic collector stays paused at start (see ``on_load``), should the first
#: snapshot never be drawn (a read that failed).
START_PAUSE_LIMIT_S = 5.0


def _in_audit(widget: Widget) -> bool:
    """Whether ``widget`` is inside the audit tab."""
    return any(node.id == "audit-view" for node in widget.ancestors_with_self)


def _refocus(widget: Widget) -> None:
    if widget.is_attached:
        widget.focus()


class KontokollApp(App[int]):
    """The Kontokoll terminal app. Runs the same services as the CLI, over one data directory."""

    CSS_PATH = Path(__file__).with_name("app.tcss")  # absolute: subclasses live elsewhere
    TITLE = "Kontokoll"
    # Mouse text selection is off: in Textual 8.2.8 a mouse press that lands on a widget removed
    # in the same frame (the overview is rebuilt when its figures arrive) crashes the app with
    # "'NoneType' object has no attribute 'region'" (seen in the browser through textual-serve).
    ALLOW_SELECT = False
    COMMANDS: ClassVar = App.COMMANDS | {AccountsProvider}
    # Classes on every screen for small terminals (80×24): app.tcss stacks and hides by them.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]  # noqa: RUF012 (Textual's own)
    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]  # noqa: RUF012
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "help", "tui.key.help", id="app.help", tooltip="tui.tip.help"),
        Binding(
            "ctrl+q", "quit", "tui.key.quit", id="app.quit", tooltip="tui.tip.quit", priority=True
        ),
    ]

    snapshot: var[AccountsSnapshot | None] = var(None)
    """The accounts, departments and overview figures as last read from the store."""

    def __init__(
        self,
        services: Services,
        *,
        language: str | None = None,
        start: str = "overview",
        demo: bool = False,
    ) -> None:
        if language is not None:
            set_language(language)
        super().__init__()
        self.services = services
        self.start = start
        self.demo = demo
        #: Where exports are saved in a terminal (None: the user's downloads folder).
        self.export_dir: Path | None = None
        #: A detail screen built ahead, so that opening an account only reads and shows it.
        self.spare_detail = SpareDetail(self)
        #: Whether the objects alive once the first snapshot was drawn are frozen (gc.freeze):
        #: the snapshot of 10,000 accounts keeps a few hundred thousand objects (rows and their
        #: cells), and each full pass of the cyclic collector walked them all, 0.1–0.6 s that
        #: landed, unpredictably, in opening an account (building its widgets allocates enough
        #: to set one off). Frozen, a pass walks only what was made since. Once per app: frozen
        #: objects are still freed by reference counting, but a frozen cycle never is.
        self._heap_settled = False
        #: Whether this app paused the cyclic collector for its start (see ``on_load``).
        self._collector_paused = False
        #: Starting on the audit tab, the register is read once the worklist is shown (the audit
        #: screen asks for it): read at the same time, the two contend for the interpreter lock
        #: and the worklist's first paint waits for both; read after, the snapshot finds the
        #: latest report already judged by the worklist (screens.latest_report).
        self.snapshot_after_audit = start == "audit"
        # The register's name, never the data directory (a server path, in the browser).
        self.title = t("tui.title_demo") if demo else t("tui.title")
        self.sub_title = t("tui.subtitle_demo") if demo else ""

    def update_styles(self, node: DOMNode, animate: bool = True) -> None:
        """Restyle ``node`` and its descendants (Textual calls this on every class change),
        except for a widget not mounted yet: it is styled whole when it is mounted. Textual
        (8.2.8) restyles even those: ``compact=True`` in a constructor adds a class, so each
        compact input, select and button was styled twice, a good part of composing a screen."""
        if isinstance(node, Widget) and not node.is_attached:
            return
        super().update_styles(node, animate)

    # --- start and data ----------------------------------------------------------------------

    def on_load(self) -> None:
        """Pause the cyclic collector until the first snapshot is drawn (``_resume_collector``).
        The start builds the screen's widgets and reads the register (and, on the audit tab,
        20,000 findings) without a cycle among them: the collector's passes meanwhile found
        nothing, and one full pass walked the whole heap (with the read findings) before the
        audit tab's first frame, together a tenth of its CPU time. What the start made is then
        moved out of the young generations, or frozen with the snapshot, instead of walked."""
        if gc.isenabled():
            gc.disable()
            self._collector_paused = True

    def _resume_collector(self) -> None:
        """Let the collector run again (once; see ``on_load``)."""
        if self._collector_paused:
            self._collector_paused = False
            settle_survivors()
            gc.enable()

    def on_unmount(self) -> None:
        self._resume_collector()  # (an app closed before its first snapshot was drawn)

    def on_mount(self) -> None:
        self.set_timer(START_PAUSE_LIMIT_S, self._resume_collector)
        self.push_screen(MainScreen(self.start))
        self.spare_detail.start()
        if not self.snapshot_after_audit:
            self.load_snapshot()

    @work(
        thread=True,
        exclusive=True,
        group="snapshot",
        exit_on_error=False,
        description="read register",
    )
    def load_snapshot(self) -> None:
        """Read every account with its latest stats (in a thread: 10,000 accounts take a moment)."""
        self.post_message(SnapshotLoaded(self.services.snapshot()))

    async def on_snapshot_loaded(self, message: SnapshotLoaded) -> None:
        # The first snapshot focuses the tab's table; one that follows the worklist (see
        # snapshot_after_audit) leaves the focus where the user has put it in the audit since.
        first_after_audit = self.snapshot is None and self.snapshot_after_audit
        kept = self.focused if first_after_audit else None
        self.snapshot = message.snapshot
        for screen in self.screen_stack:
            if isinstance(screen, MainScreen):
                await screen.show_snapshot(message.snapshot)
        if kept is not None and _in_audit(kept):
            # After the table's focus, which the main screen asks for as a later call.
            self.call_after_refresh(_refocus, kept)
        if not self._heap_settled and len(message.snapshot.summaries) >= SETTLE_HEAP_AT:
            self._heap_settled = True
            self.call_after_refresh(gc.freeze)  # see _heap_settled
        self.call_after_refresh(self._resume_collector)

    def on_account_changed(self, message: AccountChanged) -> None:
        for screen in self.screen_stack:
            if isinstance(screen, MainScreen):
                screen.update_summary(message.summary)

    def open_account(self, account_id: str) -> None:
        """Show one account's detail screen (built ahead while the user was not typing)."""
        self.spare_detail.open(account_id, focus_form=True)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """A notification, always as plain text: messages carry stored and typed-in values
        (a department called ``[@click=app.quit]``), which must never be read as markup."""
        super().notify(
            visible(message, keep_newlines=True),
            title=visible(title),
            severity=severity,
            timeout=timeout,
            markup=False,
        )

    # --- errors ------------------------------------------------------------------------------

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            self.report_error(event.worker.error)
            if event.worker.group == "snapshot":  # (a main screen may hold its frame for it)
                for screen in self.screen_stack:
                    if isinstance(screen, MainScreen):
                        screen.draw_first_frame()

    def report_error(self, error: BaseException) -> None:
        """Tell the user what went wrong, in their language; never a traceback."""
        if isinstance(error, KontokollError):
            self.notify(str(error), title=t("tui.error.title"), severity="error", timeout=10)
            return
        log.exception("unexpected error in the app", exc_info=error)
        self.notify(
            t("tui.error.unexpected", kind=type(error).__name__),
            title=t("tui.error.title"),
            severity="error",
            timeout=15,
        )

    # --- exports -----------------------------------------------------------------------------

    def deliver_export(self, data: bytes, filename: str, mime_type: str) -> None:
        """Save an export: a file in a terminal, a download in the browser (textual-serve).

        The exports are UTF-8 text (CSV with a BOM for Excel, Markdown), so they go through
        ``deliver_text``: in Textual 8.2.8 the terminal driver's ``deliver_binary`` opens its
        target in text mode (``isinstance(x, typing.BinaryIO)`` is never true) and fails.
        """
        try:
            text = data.decode("utf-8")
            self.deliver_text(
                io.StringIO(text, newline=""),
                save_directory=self.export_dir,
                save_filename=filename,
                encoding="utf-8",
                mime_type=mime_type,
                name=filename,
            )
        except (OSError, UnicodeDecodeError) as error:  # e.g. no downloads folder to write to
            self.report_export_failure(filename, error)

    def on_delivery_complete(self, event: events.DeliveryComplete) -> None:
        where = str(event.path) if event.path is not None else (event.name or "")
        self.notify(t("tui.export.saved", path=where), title=t("tui.export.title"))

    def on_delivery_failed(self, event: events.DeliveryFailed) -> None:
        self.report_export_failure(event.name or "", event.exception)

    def report_export_failure(self, filename: str, error: BaseException) -> None:
        """An export that could not be saved: say so, never a traceback."""
        detail = getattr(error, "strerror", None) or type(error).__name__
        self.notify(
            t("tui.export.failed", file=filename, detail=detail),
            title=t("tui.error.title"),
            severity="error",
            timeout=15,
        )

    # --- commands ----------------------------------------------------------------------------

    def action_help(self) -> None:
        """Show the help."""
        from screens.dialogs import HelpScreen  # (Markdown: imported when the help is asked for)

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_command_palette(self) -> None:
        """The command palette, with its prompt in the user's language, and every tab's
        commands: on the main screen, once the tabs not shown yet are built."""
        self.call_later(self._open_palette)

    async def _open_palette(self) -> None:
        if self.use_command_palette and not CommandPalette.is_open(self):  # type: ignore[arg-type]
            if isinstance(self.screen, MainScreen):
                await self.screen.build_all_tabs()
            self.push_screen(
                CommandPalette(id="--command-palette", placeholder=t("tui.palette.placeholder"))
            )

    async def action_switch_language(self, language: str | None = None) -> None:
        """Switch the UI between Swedish and English, keeping the screens where they are.

        Each screen recomposes in the new language when it handles ``LanguageChanged`` (the
        detail screen keeps its account); the footers follow through ``refresh_bindings``, since
        bindings are translated where they are displayed.
        """
        if language is None:
            language = next(lang for lang in LANGUAGES if lang != current_language())
        set_language(language)
        for screen in self.screen_stack:
            screen.post_message(LanguageChanged())
        self.title = t("tui.title_demo") if self.demo else t("tui.title")
        if self.demo:
            self.sub_title = t("tui.subtitle_demo")
        self.refresh_bindings()
        self.notify(t("tui.language_switched"))

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """The commands of the screen on show (each screen offers its own), then the app's."""
        if isinstance(screen, CommandSource):
            yield from screen.commands()
        yield SystemCommand(
            t("tui.command.language"), t("tui.tip.language"), self.action_switch_language
        )
        yield SystemCommand(t("tui.command.theme"), t("tui.tip.theme"), self.action_change_theme)
        yield SystemCommand(t("tui.command.help"), t("tui.tip.help"), self.action_help)
        yield SystemCommand(t("tui.command.quit"), t("tui.tip.quit"), self.action_quit)
