"""The quarterly report's top posts, from the per-post figures the sync keeps (issue 12)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from audits.quarters import Quarter
from audits.report.data import ReportService
from audits.report.document import render_report
from audits.report.hooks import top_posts
from governance.monthly import MonthlyStats
from governance.posts import PostFigures
from governance.register import Register
from governance.storage.post_files import PostsSink
from governance.store import Store, repos
from tests.audits.report_support import parse_report
from tests.conftest import FIXED_NOW

Q3 = Quarter(2026, 3)


def _post(pid: str, day: int, month: int, **figures: int | None) -> PostFigures:
    return PostFigures(pid, datetime(2026, month, day, 9, tzinfo=UTC), "image", "2026-10-01",
                       **figures)


def test_the_quarter_s_posts_rank_by_engagement_rate(
    store: Store,
    make_accounts: Callable[..., dict[str, str]],
    save_stats: Callable[[Iterable[MonthlyStats]], None],
) -> None:
    ids = make_accounts(("kultur.hbg", {}), ("kultur.ig", {"platform": "instagram"}))
    fb, ig = ids["kultur.hbg"], ids["kultur.ig"]
    save_stats([MonthlyStats(fb, "2026-08", followers=1000),
                MonthlyStats(ig, "2026-09", followers=500)])
    PostsSink(store).save_posts({
        fb: [_post("fb-aug", 3, 8, reach=900, reactions=20, comments=5, shares=5),  # 3 %
             _post("fb-jul", 3, 7, reach=50, reactions=1, comments=0, shares=0),  # no followers
             _post("fb-oct", 3, 10, reactions=900, comments=0, shares=0)],  # not in Q3
        ig: [_post("ig-sep", 9, 9, reach=400, reactions=40, comments=5, shares=3, saves=2)],
    }, FIXED_NOW)
    accounts = Register(store).accounts()
    with store.read() as txn:
        ranked = top_posts(txn, accounts, Q3, 5)
    assert ranked is not None
    assert [(p.post_id, p.interactions) for p in ranked] == [("ig-sep", 50), ("fb-aug", 30)]
    assert ranked[0].rate == 50 / 500 and ranked[0].account_ref == "instagram:kultur.ig"
    with store.read() as txn:
        assert top_posts(txn, accounts, Q3, 1) == ranked[:1]
        assert repos(txn).posts.of(fb)[0].post_id == "fb-jul"
    html = render_report(ReportService(store, user="tester", clock=lambda: FIXED_NOW)
                         .build("2026Q3", "Kulturförvaltningen"), FIXED_NOW.date()).decode()
    parsed = parse_report(html)
    assert [a for _, a in parsed.tags if a.get("class") == "top-posts"]
    assert "instagram:kultur.ig" in parsed.text and "10,00" in parsed.text
    assert "fb-oct" not in html
