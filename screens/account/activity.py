"""The activity tab: the account's last 24 months of reach, interactions and followers, its
engagemangsgrad, under the chart its reply duties over the last three months (questions, direct
messages, hidden comments), and its top posts by engagemangsgrad; unknown where the platform gives
no such figure.

The posts are read in a thread worker (:mod:`governance.posts_read`, one account's posts file),
after the chart is drawn from the months read with the account.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual import work
from textual.app import ComposeResult
from textual.widgets import DataTable, Static

from governance.i18n import t
from governance.monthly import MonthlyStats
from governance.post_figures import PostView, top
from governance.posts_read import shown_percent
from screens.account.part import AccountPart, kontokoll, stamp
from screens.view_models import AccountDetail, ChartPoint
from screens.widgets.chart import ActivityChart

#: The months the reply-duty line sums (a quarter's worth, up to the current month).
DUTY_MONTHS = 3
#: Posts in the top-posts table.
TOP_POSTS = 5
_UNKNOWN = "–"
_POST_COLUMNS = ("published", "kind", "reach", "interactions", "rate")


class ActivityTab(AccountPart, ActivityChart):
    """The activity chart, drawn from the months read with the account, the reply duties and
    the top posts."""

    DEFAULT_CSS = """
    ActivityTab > #top-posts { height: auto; max-height: 8; }
    """

    def __init__(self) -> None:
        super().__init__(id="chart")

    def compose(self) -> ComposeResult:
        yield from super().compose()
        yield Static("", id="reply-duty", classes="chart-note")
        yield Static("", id="top-posts-title", classes="chart-note")
        table: DataTable[str] = DataTable(id="top-posts", cursor_type="row", zebra_stripes=True)
        table.add_columns(*(t(f"posts.col.{name}") for name in _POST_COLUMNS))
        yield table

    def show_detail(self, detail: AccountDetail) -> None:
        self.show(detail.chart)
        self.query_one("#reply-duty", Static).update(reply_duty(detail.chart))
        self._read_posts(detail.account.id)

    @work(thread=True, exclusive=True, group="posts", exit_on_error=False)
    def _read_posts(self, account_id: str) -> None:
        from governance.posts_read import read_account_views

        views = read_account_views(kontokoll(self.app).services.store, account_id)
        self.app.call_from_thread(self.show_posts, views)

    def show_posts(self, views: Sequence[PostView]) -> None:
        """Fill the top-posts table and the chart's mean post rate from ``views``."""
        self.show_post_rates(views)
        title = self.query_one("#top-posts-title", Static)
        table = self.query_one("#top-posts", DataTable)
        table.clear()
        if not views:
            title.update(t("posts.tab.none"))
            return
        title.update(t("posts.tab.title"))
        for view in top(views, TOP_POSTS):
            table.add_row(*post_cells(view), key=view.post.post_id)


def post_cells(view: PostView) -> list[str]:
    """A post's row: when, what, reach, interactions and rate; unknown is "–"."""
    post = view.post
    return [
        stamp(post.at),
        t(f"posts.kind.{post.kind}"),
        _UNKNOWN if post.reach is None else f"{post.reach:,}".replace(",", "\u00a0"),
        _UNKNOWN if view.interactions is None else str(view.interactions),
        shown_percent(view.rate),
    ]


def reply_duty(points: Sequence[ChartPoint]) -> str:
    """The reply duties of the last :data:`DUTY_MONTHS` months, one line each ("" without
    stats). A figure sums the months where it is known; with none known it says unknown."""
    records = [p.record for p in points[-DUTY_MONTHS:] if p.record is not None]
    if not records:
        return ""
    lines = [t("replies.tab.title")]
    for due_name, on_time_name, key in (("questions_due", "questions_on_time", "questions"),
                                        ("dms_due", "dms_on_time", "dms")):
        pairs = _known_pairs(records, due_name, on_time_name)
        if pairs is None:
            lines.append(t(f"replies.tab.unknown_{key}"))
        else:
            lines.append(t(f"replies.tab.{key}", on_time=pairs[1], due=pairs[0]))
    hidden = [r.hidden for r in records if r.hidden is not None]
    lines.append(t("replies.tab.hidden", count=sum(hidden)) if hidden
                 else t("replies.tab.unknown_hidden"))
    return "\n".join(lines)


def _known_pairs(
    records: Sequence[MonthlyStats], due_name: str, on_time_name: str
) -> tuple[int, int] | None:
    due = on_time = 0
    known = False
    for record in records:
        month_due, month_on_time = getattr(record, due_name), getattr(record, on_time_name)
        if month_due is not None and month_on_time is not None:
            known = True
            due += month_due
            on_time += month_on_time
    return (due, on_time) if known else None
