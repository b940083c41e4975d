"""The activity tab: the account's last 24 months of reach, interactions and followers."""

from __future__ import annotations

from screens.account.part import AccountPart
from screens.view_models import AccountDetail
from screens.widgets.chart import ActivityChart


class ActivityTab(AccountPart, ActivityChart):
    """The activity chart, drawn from the months read with the account."""

    def __init__(self) -> None:
        super().__init__(id="chart")

    def show_detail(self, detail: AccountDetail) -> None:
        self.show(detail.chart)
