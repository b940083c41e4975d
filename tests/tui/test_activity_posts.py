"""The activity tab's engagemangsgrad plot and top-posts table (issue 12), on the demo register,
whose sync read per-post figures from the emulation with no tokens."""

from __future__ import annotations

from textual.widgets import DataTable, Static
from textual_plotext import PlotextPlot

from governance.post_figures import top
from governance.posts_read import read_account_views
from screens.services import Services

from .conftest import make_app
from .helpers import open_account, settle

REF = "facebook:miljo.hbg"


async def test_top_posts_show_the_best_rates_of_the_stored_posts(services: Services) -> None:
    account = services.account(REF)
    views = read_account_views(services.store, account.id)
    assert views, "the demo sync stores per-post figures"
    best = top(views, 5)
    app = make_app(services, start="accounts")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_account(pilot, REF)
        await pilot.click("#--content-tab-activity")
        await settle(pilot)
        await pilot.pause()
        table = screen.query_one("#top-posts", DataTable)
        assert [str(key.value) for key in table.rows] == [v.post.post_id for v in best]
        title = str(screen.query_one("#top-posts-title", Static).render())
        assert title.startswith("Bästa inläggen efter engagemangsgrad")
        first = [str(cell) for cell in table.get_row_at(0)]
        rate = best[0].rate
        assert rate is not None and first[-1] == f"{rate * 100:.2f} %".replace(".", ",")
        assert {p.id for p in screen.query(PlotextPlot)} == {"activity-plot", "rate-plot"}


async def test_an_account_without_posts_says_so(services: Services) -> None:
    app = make_app(services, start="accounts")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_account(pilot, "tiktok:bibblan.hbg")
        await pilot.click("#--content-tab-activity")
        await settle(pilot)
        await pilot.pause()
        assert str(screen.query_one("#top-posts-title", Static).render()) == (
            "Inga inlägg hämtade ännu.")
        assert screen.query_one("#top-posts", DataTable).row_count == 0
