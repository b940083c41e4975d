"""The command palette: what each screen contributes, and the provider that finds accounts.

Each screen that has commands of its own implements :class:`CommandSource`; the app's
``get_system_commands`` asks the screen on show for them and adds only the global ones (language,
theme, help, quit). So a screen's actions and their palette entries live side by side.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import TYPE_CHECKING, Protocol, cast, runtime_checkable

from textual.app import SystemCommand
from textual.command import Hit, Hits, Provider

from governance.i18n import t
from screens.plain import plain_markup
from screens.view_models import Rights

if TYPE_CHECKING:
    from screens.app import KontokollApp

#: The palette lists at most this many accounts, so 10,000 accounts stay quick to search.
MAX_HITS = 50


@runtime_checkable
class CommandSource(Protocol):
    """A screen (or a part of one) that offers its own commands in the palette."""

    def commands(self) -> Iterable[SystemCommand]:
        """The commands on offer now, in the user's language (only those the user may run)."""
        ...


def may(rights: Rights | None, action: str, department: str | None = None) -> bool:
    """Whether the user may do ``action``; unknown rights (register not read yet) allow nothing."""
    return rights is not None and rights.may(action, department)


class AccountsProvider(Provider):
    """Fuzzy-finds accounts by reference and department."""

    @property
    def _kontokoll(self) -> KontokollApp:
        return cast("KontokollApp", self.app)

    async def discover(self) -> Hits:
        """Nothing up front: listing 10,000 accounts would drown the other commands."""
        return
        yield  # pragma: no cover - makes this an async generator

    async def search(self, query: str) -> Hits:
        snapshot = self._kontokoll.snapshot
        if snapshot is None or len(query.strip()) < 2:
            return
        matcher = self.matcher(query)
        found = 0
        for summary in snapshot.summaries:
            score = matcher.match(summary.ref)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(summary.ref),
                    partial(self._kontokoll.open_account, summary.id),
                    help=plain_markup(t("tui.command.open_account", department=summary.department)),
                )
                found += 1
                if found >= MAX_HITS:
                    return
