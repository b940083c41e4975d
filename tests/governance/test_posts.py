"""Per-post figures: the re-read rule, interactions and engagemangsgrad, and the posts files."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from governance.errors import StoreCorrupt
from governance.monthly import MonthlyStats
from governance.post_figures import (
    account_months,
    department_months,
    interactions,
    post_views,
    reported_parts,
    top,
)
from governance.posts import PostBook, PostFigures, PostState
from governance.register import Register
from governance.snapshots import in_scope
from governance.storage.layout import STORE_PATHS, posts_file
from governance.storage.post_files import PostsSink
from governance.store import Store, repos
from tests.conftest import CliResult

NOW = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)
TODAY = "2026-11-25"


def post(pid: str, at: datetime, **figures: int | None) -> PostFigures:
    return PostFigures(pid, at, "image", TODAY, **figures)


def test_a_new_post_is_due_once_a_young_one_daily_an_old_one_never() -> None:
    young, old = NOW - timedelta(days=3), NOW - timedelta(days=40)
    known = {
        "young-read-today": PostState(young, TODAY),
        "young-read-yesterday": PostState(young, "2026-11-24"),
        "old-read-long-ago": PostState(old, "2026-10-20"),
    }
    book = PostBook(NOW, known)
    assert book.due("new", old)  # never read: read once, however old
    assert not book.due("young-read-today", young)
    assert book.due("young-read-yesterday", young)
    assert not book.due("old-read-long-ago", old)
    assert not book.due("too-old", NOW - timedelta(days=500))  # beyond the 13 months
    assert not book.due("future", NOW + timedelta(hours=1))
    assert book.due_elsewhere(set()) == ["young-read-yesterday"]
    book.add("new", old, "link", reach=5)
    assert not book.due("new", old)  # read once in a sync


def test_interactions_leave_out_parts_a_platform_never_reports() -> None:
    at = NOW - timedelta(days=2)
    posts = [post("a", at, reactions=10, comments=2, shares=1),
             post("b", at, reactions=None, comments=4, shares=0)]
    parts = reported_parts(posts)
    assert parts == ("reactions", "comments", "shares")  # saves: never known, left out
    assert interactions(posts[0], parts) == 13
    assert interactions(posts[1], parts) is None  # a reported part unknown: unknown, not 4


def test_engagement_rate_uses_the_followers_of_the_post_s_month() -> None:
    october = datetime(2026, 10, 10, tzinfo=UTC)
    posts = [post("oct", october, reactions=30, comments=0),
             post("nov", NOW, reactions=10, comments=10),
             post("sep", datetime(2026, 9, 9, tzinfo=UTC), reactions=5, comments=5)]
    months = [MonthlyStats("a", "2026-10", followers=1000, reactions=30, comments=0,
                           new_followers=12, reach=900),
              MonthlyStats("a", "2026-11", followers=2000, reactions=10, comments=10),
              MonthlyStats("a", "2026-09", followers=0)]
    views = {v.post.post_id: v for v in post_views(posts, months)}
    assert views["oct"].rate == pytest.approx(0.03)
    assert views["nov"].rate == pytest.approx(0.01)
    assert views["sep"].rate is None  # no followers to divide by
    assert [v.post.post_id for v in top(views.values(), 2)] == ["oct", "nov"]
    assert [v.post.post_id for v in top(views.values(), 5, "2026-11")] == ["nov"]
    summary = account_months(months, list(views.values()), ["2026-10", "2026-11", "2026-12"])
    assert (summary[0].reach, summary[0].interactions, summary[0].new_followers) == (900, 30, 12)
    assert summary[0].total_rate == pytest.approx(0.03)
    assert summary[0].mean_post_rate == pytest.approx(0.03)
    assert summary[2].reach is None and summary[2].total_rate is None and summary[2].posts == 0
    other = account_months([MonthlyStats("b", "2026-10", followers=3000, reactions=90,
                                         comments=0)], [], ["2026-10", "2026-11", "2026-12"])
    city = department_months({"a": (summary, list(views.values())), "b": (other, [])},
                             ["2026-10", "2026-11", "2026-12"])
    assert city[0].interactions == 120 and city[0].followers == 4000
    assert city[0].total_rate == pytest.approx(120 / 4000)
    assert city[0].mean_post_rate == pytest.approx(0.03)
    assert city[2].interactions is None and city[2].mean_post_rate is None


@pytest.fixture
def account_id(store: Store) -> str:
    return Register(store).create_account(
        {"platform": "instagram", "handle": "hbg", "department": "Kultur"}).id


def test_posts_are_saved_merged_and_pruned_to_13_months(store: Store, account_id: str) -> None:
    sink = PostsSink(store)
    old = post("old", datetime(2025, 10, 5, tzinfo=UTC), reach=1)
    sink.save_posts({account_id: [old, post("p1", NOW, reach=5)]}, NOW)
    sink.save_posts({account_id: [post("p1", NOW, reach=7), post("p2", NOW)]}, NOW)
    with store.read() as txn:
        kept = {p.post_id: p for p in repos(txn).posts.of(account_id)}
    assert set(kept) == {"p1", "p2"} and kept["p1"].reach == 7
    assert kept["p2"].reach is None  # unknown stays unknown
    raw = (store.data_dir / posts_file(account_id)).read_text(encoding="utf-8")
    assert "p1" in raw and '"image"' in raw


def test_a_damaged_posts_file_is_a_corrupt_store_naming_it(store: Store, account_id: str) -> None:
    PostsSink(store).save_posts({account_id: [post("p1", NOW, reach=5)]}, NOW)
    store.close()
    path = store.data_dir / posts_file(account_id)
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["posts"][str(int(account_id, 16))]["posts"]["p1"][0] = "0001-13-01"
    path.write_text(json.dumps(doc), encoding="utf-8")
    reopened = Store(store.data_dir)
    with pytest.raises(StoreCorrupt) as caught, reopened.read() as txn:
        repos(txn).posts.of(account_id)
    assert posts_file(account_id).split("/")[-1] in str(caught.value)


def test_posts_are_in_a_backup_but_not_in_register_snapshots() -> None:
    rel = "posts/07.json"
    assert STORE_PATHS.fullmatch(rel)
    assert in_scope(rel, "store") and not in_scope(rel, "register")
    assert not STORE_PATHS.fullmatch("posts/32.json")
    assert not STORE_PATHS.fullmatch("posts/../register/core.json")


def test_doctor_finds_nothing_wrong_with_posts_files(store: Store, account_id: str) -> None:
    from governance.doctor import check

    PostsSink(store).save_posts({account_id: [post("p1", NOW, reach=5)]}, NOW)
    store.close()
    problems = check(Path(store.data_dir))
    assert problems == []


def test_doctor_names_a_posts_file_with_rows_that_are_not_posts(
    store: Store, account_id: str
) -> None:
    from governance.doctor import check

    PostsSink(store).save_posts({account_id: [post("p1", NOW, reach=5)]}, NOW)
    store.close()
    path = store.data_dir / posts_file(account_id)
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["posts"][str(int(account_id, 16))]["posts"]["p1"][3] = "many"
    path.write_text(json.dumps(doc), encoding="utf-8")
    problems = [str(p) for p in check(Path(store.data_dir))]
    assert any(posts_file(account_id) in p and "inlägg" in p for p in problems), problems


def test_hostile_post_ids_and_times_are_never_kept() -> None:
    book = PostBook(NOW, {})
    for bad in ("", "x" * 201, "p\x1b[2J", "two words", "tab\there"):
        assert not book.due(bad, NOW - timedelta(days=1)), bad
    east = timezone(timedelta(hours=5))
    assert not book.due("p1", datetime(1, 1, 1, tzinfo=east))  # before year 1 in Stockholm
    assert not book.due("p2", datetime(9999, 12, 31, 23, 59, tzinfo=UTC))
    assert book.due("urn:li:share:7012345678901234567", NOW - timedelta(days=1))
    with pytest.raises(ValueError):
        PostFigures.from_row("p1", ["0001-01-01T00:00:00+05:00", "text", TODAY])


def test_a_backup_carries_the_posts_and_a_restore_puts_them_back(
    cli: Callable[..., CliResult], data_dir: Path, tmp_path: Path
) -> None:
    store = Store(data_dir)
    account = Register(store).create_account(
        {"platform": "x", "handle": "hbgstad", "department": "Kultur"})
    PostsSink(store).save_posts({account.id: [post("p1", NOW, reach=5)]}, NOW)
    store.close()
    archive = tmp_path / "backup.tar.gz"
    assert cli("backup", "--output", str(archive)).code == 0
    saved = (data_dir / posts_file(account.id)).read_bytes()
    (data_dir / posts_file(account.id)).write_bytes(b"garbage")
    assert cli("restore", str(archive)).code == 0
    assert (data_dir / posts_file(account.id)).read_bytes() == saved
    assert cli("doctor").code == 0
