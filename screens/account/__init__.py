"""The account detail screen, one module per tab.

- :mod:`~screens.account.screen`: the screen: tabs, reading the account, applying changes.
- :mod:`~screens.account.part`: what the tabs share (the bound account, rights, timestamps).
- :mod:`~screens.account.form`: the details form, driven by one table of field kinds.
- :mod:`~screens.account.editors`: the editors, appointing, removing, confirming.
- :mod:`~screens.account.activity`: the 24-month activity chart.
- :mod:`~screens.account.findings`: the latest audit's findings, acknowledging and waiving.
- :mod:`~screens.account.history`: the account's change log.

Personal data (editors' names and e-mail addresses) is shown here and nowhere else in the app.
"""

from screens.account.screen import AccountDetailScreen

__all__ = ["AccountDetailScreen"]
