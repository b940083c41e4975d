"""Command palette provider: open any account by typing part of its PLATFORM:HANDLE."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import Hit, Hits, Provider

from governance.i18n import t
from screens.plain import plain_markup

if TYPE_CHECKING:
    from screens.app import KontokollApp

#: The palette lists at most this many accounts, so 10,000 accounts stay quick to search.
MAX_HITS = 50


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
