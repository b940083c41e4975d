"""The account detail screen, one module per tab.

- :mod:`~screens.account.screen`: the screen: tabs, reading the account, applying changes.
- :mod:`~screens.account.spare`: a detail screen built ahead, so Enter only reads and shows.
- :mod:`~screens.account.part`: what the tabs share (the bound account, rights, timestamps).
- :mod:`~screens.account.form`: the details form, driven by one table of field kinds.
- :mod:`~screens.account.editors`: the editors, appointing, removing, confirming.
- :mod:`~screens.account.activity`: the 24-month activity chart.
- :mod:`~screens.account.findings`: the latest audit's findings, acknowledging and waiving.
- :mod:`~screens.account.history`: the account's change log.

Personal data (editors' names and e-mail addresses) is shown here and nowhere else in the app.

The screen is imported on first use (``from screens.account import AccountDetailScreen``), so
that importing :mod:`~screens.account.spare` at the app's start costs nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from screens.account.screen import AccountDetailScreen

__all__ = ["AccountDetailScreen"]


def __getattr__(name: str) -> object:
    if name == "AccountDetailScreen":
        from screens.account.screen import AccountDetailScreen

        return AccountDetailScreen
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
