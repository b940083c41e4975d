"""Per-post figures (issue 12) from the emulation, for every platform: what each client reads,
what stays unknown, the 13 months kept, and the re-read rule (a post younger than 28 days at
most once a day; older stored posts never)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from governance.emulation.data import Post
from governance.monthly import month_of
from governance.post_figures import post_views
from governance.posts import KEPT_MONTHS, PostFigures, PostState, first_kept_month
from tests.platforms.conftest import NOW, PROFILES, World


class MemoryPosts:
    """The PostSink protocol in memory."""

    def __init__(self) -> None:
        self.posts: dict[str, dict[str, PostFigures]] = {}

    def states(self, account_id: str) -> Mapping[str, PostState]:
        return {p.post_id: PostState(p.at, p.read_on, p.kind)
                for p in self.posts.get(account_id, {}).values()}

    def save_posts(self, batch: Mapping[str, Sequence[PostFigures]], now: datetime) -> None:
        for account_id, read in batch.items():
            self.posts.setdefault(account_id, {}).update({p.post_id: p for p in read})


def synced(world: Callable[..., World], **kwargs: object) -> tuple[World, MemoryPosts]:
    made = world(**kwargs)
    posts = MemoryPosts()
    report = made.sync(posts=posts)
    assert not report.failed
    return made, posts


def emulated_posts(made: World, platform: str) -> tuple[str, dict[str, Post]]:
    """The account id and the emulation's posts (by id) of the world's ``platform`` account."""
    account = next(a for a in made.accounts if a.platform == platform)
    data = made.app.accounts[(platform, account.platform_id)]
    return account.id, {p.id: p for p in data.posts}


def stored(posts: MemoryPosts, account_id: str) -> list[PostFigures]:
    return sorted(posts.posts[account_id].values(), key=lambda p: p.at)


def test_every_post_of_13_months_is_stored_and_no_older_one(
    world: Callable[..., World],
) -> None:
    made, posts = synced(world)
    first = first_kept_month(NOW)
    for account in made.accounts:
        _, truth = emulated_posts(made, account.platform)
        wanted = {pid for pid, p in truth.items() if month_of(p.at) >= first and p.at <= NOW}
        assert set(posts.posts[account.id]) == wanted, account.platform
    assert KEPT_MONTHS == 13


def test_facebook_posts_carry_reach_views_clicks_and_interactions(
    world: Callable[..., World],
) -> None:
    made, posts = synced(world)
    account_id, truth = emulated_posts(made, "facebook")
    kinds = set()
    for post in stored(posts, account_id):
        real = truth[post.post_id]
        assert (post.reach, post.video_views, post.link_clicks) == (
            real.reach, real.views, real.link_clicks)
        assert (post.reactions, post.shares) == (real.likes, real.shares)
        assert post.comments is not None and post.comments >= len(real.comments)
        assert post.saves is None  # not exposed for Pages
        assert post.kind == ("video" if real.kind == "reel" else real.kind)
        kinds.add(post.kind)
    assert {"video", "image", "link", "text"} <= kinds


def test_instagram_posts_read_media_insights(world: Callable[..., World]) -> None:
    made, posts = synced(world)
    account_id, truth = emulated_posts(made, "instagram")
    read = stored(posts, account_id)
    for post in read:
        real = truth[post.post_id]
        assert (post.reach, post.shares, post.saves) == (real.reach, real.shares, real.saves)
        assert (post.reactions, post.comments) == (real.likes, len(real.comments))
        assert post.video_views == (real.views if real.video else None)
        assert post.link_clicks is None  # no per-post link clicks on Instagram
        assert post.kind == real.kind
    insights = [s for s in made.app.seen if s.path.endswith("/insights")
                and s.params.get("metric", "").startswith("reach,views")]
    assert len(insights) == len(read)  # one per medium, once
    assert {"reel", "image"} <= {p.kind for p in read}


def test_linkedin_posts_read_share_statistics_in_batches(world: Callable[..., World]) -> None:
    made, posts = synced(world)
    account_id, truth = emulated_posts(made, "linkedin")
    read = stored(posts, account_id)
    year_ago = NOW - timedelta(days=365)
    for post in read:
        real = truth[post.post_id]
        if post.at < year_ago:  # beyond the statistics' 12 months
            assert post.reach is None and post.reactions is None
            continue
        active = bool(real.likes or real.comments or real.shares)
        assert post.reach == (real.reach if active else 0)
        assert (post.reactions, post.comments, post.shares) == (
            real.likes, len(real.comments), real.shares)
        assert (post.link_clicks, post.video_views, post.saves) == (None, None, None)
        assert post.kind == ("video" if real.kind == "reel" else real.kind)
    batches = [s for s in made.app.seen if "shares" in s.params]
    asked = [p for p in read if p.at >= year_ago]  # older ones have no statistics to ask for
    assert batches and len(batches) == -(-len(asked) // 20)
    assert all(s.params["shares"].startswith("List(urn:li:share:") for s in batches)


def test_x_posts_read_public_metrics(world: Callable[..., World]) -> None:
    made, posts = synced(world)
    account_id, truth = emulated_posts(made, "x")
    read = stored(posts, account_id)
    assert read
    for post in read:
        real = truth[post.post_id]
        assert (post.reactions, post.comments, post.saves) == (
            real.likes, len(real.comments), real.saves)
        assert post.shares == real.shares + 1  # reposts + the emulation's one quote
        assert post.video_views == (real.views if real.video else None)
        assert (post.reach, post.link_clicks) == (None, None)  # impressions only; no link clicks
        assert post.kind == real.kind


def test_youtube_videos_read_statistics(world: Callable[..., World]) -> None:
    made, posts = synced(world)
    account_id, truth = emulated_posts(made, "youtube")
    for post in stored(posts, account_id):
        real = truth[post.post_id]
        assert (post.video_views, post.reactions, post.comments) == (
            real.views, real.likes, len(real.comments))
        assert (post.reach, post.link_clicks, post.shares, post.saves) == (None,) * 4
        assert post.kind == "video"


def test_engagement_rate_divides_by_the_followers_of_the_post_s_month(
    world: Callable[..., World],
) -> None:
    made, posts = synced(world)
    for account in made.accounts:
        months = made.sink.for_account(account.id)
        views = post_views(stored(posts, account.id), months)
        followers = {m.month: m.followers for m in months}
        current = month_of(NOW)
        for view in views:
            if view.post.month != current:
                # Only the current month has a follower snapshot after a first sync.
                assert followers.get(view.post.month) is None and view.rate is None
            elif view.interactions is not None:
                assert followers[current]
                assert view.rate == pytest.approx(view.interactions / followers[current])


def requests_after(made: World, start: int) -> list[str]:
    return [s.path for s in made.app.seen[start:]]


def test_a_same_day_resync_reads_no_post_again(world: Callable[..., World]) -> None:
    made, posts = synced(world)
    before = {a: dict(p) for a, p in posts.posts.items()}
    seen = len(made.app.seen)
    report = made.sync(posts=posts, now=NOW + timedelta(hours=2))
    assert not report.failed
    assert posts.posts == before  # nothing re-read, nothing re-stored
    paths = requests_after(made, seen)
    assert not any(p.endswith("/insights") for p in paths if "instagram" in p)
    assert not any(p.endswith("/tweets") and "/users/" not in p for p in paths)


def test_next_day_rereads_young_posts_only(world: Callable[..., World]) -> None:
    made, posts = synced(world)
    tomorrow = NOW + timedelta(days=1)
    young = NOW + timedelta(days=1) - timedelta(days=28)
    seen = len(made.app.seen)
    assert not made.sync(posts=posts, now=tomorrow).failed
    today = tomorrow.date().isoformat()
    for account in made.accounts:
        for post in posts.posts[account.id].values():
            assert post.read_on == (today if post.at >= young else NOW.date().isoformat()), (
                account.platform, post.post_id)
    instagram = next(a for a in made.accounts if a.platform == "instagram")
    fresh = [p for p in posts.posts[instagram.id].values() if p.at >= young]
    media = [s for s in made.app.seen[seen:] if s.platform == "instagram"
             and s.path.endswith("/insights") and "metric_type" not in s.params]
    assert fresh and len(media) == len(fresh)


@pytest.mark.parametrize("platform", ["x", "youtube", "linkedin"])
def test_young_posts_outside_the_months_read_are_looked_up_by_id(
    world: Callable[..., World], platform: str,
) -> None:
    """Synced on 1 December, again on the 2nd: only December is read, yet November's young
    posts are re-read (X post lookup, YouTube videos.list, LinkedIn share statistics)."""
    profile = next(p for p in PROFILES if p.platform == platform)
    made = world([profile.__class__(profile.platform, profile.platform_id, profile.handle)])
    posts = MemoryPosts()
    first = datetime(2026, 12, 1, 9, 0, tzinfo=NOW.tzinfo)
    assert not made.sync(posts=posts, now=first).failed
    second = first + timedelta(days=1)
    assert not made.sync(posts=posts, now=second).failed
    young = [p for p in posts.posts[made.accounts[0].id].values()
             if p.at >= second - timedelta(days=28)]
    assert young and all(p.read_on == "2026-12-02" for p in young)
    assert all(p.month == "2026-11" for p in young)  # none of them in the months read


def test_a_medium_without_insights_keeps_them_unknown_and_the_account_ok(
    world: Callable[..., World],
) -> None:
    """Meta refuses insights for some media (a story with few viewers, one posted before the
    account went professional): those figures are unknown, the rest of the account is read."""
    from governance.emulation import Fault

    plain = world()
    _, truth = emulated_posts(plain, "instagram")
    newest = max(truth.values(), key=lambda p: p.at)
    made = world(faults=[Fault("forbidden", "instagram", path=f"/{newest.id}/insights")])
    posts = MemoryPosts()
    assert not made.sync(posts=posts).failed
    account = next(a for a in made.accounts if a.platform == "instagram")
    refused = posts.posts[account.id][newest.id]
    assert (refused.reach, refused.saves, refused.shares) == (None, None, None)
    assert refused.reactions == newest.likes  # from the listing, still known
    others = [p for pid, p in posts.posts[account.id].items() if pid != newest.id]
    assert others and all(p.reach is not None for p in others)


def test_the_sync_service_stores_posts_and_a_same_day_resync_leaves_their_files(
    tmp_path: Path,
) -> None:
    from governance.emulation.demo import demo_source
    from governance.register import Register
    from governance.storage.layout import posts_file
    from governance.store import Store, repos
    from governance.sync_service import SyncService

    store = Store(tmp_path / "data")
    register = Register(store)
    for profile in PROFILES:
        register.create_account({"platform": profile.platform, "handle": profile.handle,
                                 "department": "Kultur", "platform_id": profile.platform_id})
    accounts = register.accounts()
    SyncService(store, source=demo_source(accounts, NOW), clock=lambda: NOW).sync(accounts)
    with store.read() as txn:
        counts = {a.platform: len(repos(txn).posts.of(a.id)) for a in accounts}
    assert all(counts.values()), counts
    files = {a.id: (store.data_dir / posts_file(a.id)).read_bytes() for a in accounts}
    later = NOW + timedelta(hours=3)
    SyncService(store, source=demo_source(accounts, NOW), clock=lambda: later).sync(accounts)
    assert {a.id: (store.data_dir / posts_file(a.id)).read_bytes() for a in accounts} == files


def test_refused_linkedin_post_statistics_stay_unknown(world: Callable[..., World]) -> None:
    """LinkedIn answers 403 for some posts' statistics: those stay unknown, the account is ok."""
    import asyncio
    import json

    from governance.sync_run import run_sync
    from tests.platforms.conftest import emulated

    profile = next(p for p in PROFILES if p.platform == "linkedin")
    made = world([profile])

    async def refusing(scope: dict[str, Any], receive: Any, send: Any) -> None:
        query = scope.get("query_string", b"")
        if isinstance(query, bytes) and b"shares=List" in query:
            body = json.dumps({"status": 403, "serviceErrorCode": 100,
                               "code": "ACCESS_DENIED", "message": "Unpermitted fields"})
            await send({"type": "http.response.start", "status": 403,
                        "headers": [(b"content-type", b"application/json")]})
            await send({"type": "http.response.body", "body": body.encode()})
            return
        await made.app(scope, receive, send)

    posts = MemoryPosts()
    report = asyncio.run(run_sync(made.sink, made.accounts, emulated(refusing), now=NOW,
                                  timing=made.timing, posts=posts))
    assert not report.failed
    read = list(posts.posts[made.accounts[0].id].values())
    assert read and all(p.reach is None and p.reactions is None for p in read)
    assert made.sink.for_account(made.accounts[0].id)  # the monthly figures were read
