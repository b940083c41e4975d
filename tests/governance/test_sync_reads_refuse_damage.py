"""What the sync reads of the store before it fetches an account is checked as the export and the
audit check it: a damaged stored month or post row stops the sync naming the file, so the sync
never writes a damaged file back as good (a tester's finding: a last-post time of year 9999 was
rewritten by every sync while `stats export` and `audit run` refused the file)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from governance.errors import StoreCorrupt
from governance.monthly import MonthlyStats
from governance.posts import PostFigures
from governance.storage.layout import posts_file, stats_file
from governance.storage.post_files import PostsSink
from governance.store import Store

ACCOUNT = "a1b2c3d4e5f6"
NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)


def _stored(tmp_path: Path) -> Store:
    store = Store(tmp_path / "data")
    month = MonthlyStats(ACCOUNT, "2026-10", posts=3, last_post_at=NOW.replace(month=10))
    store.stats.save_batch([month])
    PostsSink(store).save_posts(
        {ACCOUNT: [PostFigures("p1", NOW, "text", "2026-11-20", reach=10)]}, NOW)
    return store


def _edit(path: Path, change: object) -> bytes:
    doc = json.loads(path.read_text(encoding="utf-8"))
    change(doc)  # type: ignore[operator]
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path.read_bytes()


def _rows(doc: dict[str, object], table: str) -> dict[str, list[object]]:
    documents = doc[table]
    assert isinstance(documents, dict)
    (found,) = documents.values()
    return found["months" if table == "months" else "posts"]  # type: ignore[no-any-return]


@pytest.mark.parametrize("last_post", ["9999-12-31T23:59:59+00:00", "0001-01-01T00:00:00+01:00",
                                       "yesterday", 5])
def test_a_damaged_stored_month_stops_the_sync_read(tmp_path: Path, last_post: object) -> None:
    store = _stored(tmp_path)
    path = tmp_path / "data" / stats_file(ACCOUNT)
    written = _edit(path, lambda doc: _rows(doc, "months")["2026-10"].__setitem__(0, last_post))
    with pytest.raises(StoreCorrupt) as refused:
        store.stats.for_account(ACCOUNT)
    assert str(path) in str(refused.value)
    assert "last_post_at" in str(refused.value)
    assert path.read_bytes() == written


@pytest.mark.parametrize("day", ["not-a-day", "2026-02-30", ""])
def test_a_damaged_stored_post_stops_the_sync_read(tmp_path: Path, day: str) -> None:
    store = _stored(tmp_path)
    path = tmp_path / "data" / posts_file(ACCOUNT)
    written = _edit(path, lambda doc: _rows(doc, "posts")["p1"].__setitem__(2, day))
    with pytest.raises(StoreCorrupt) as refused:
        PostsSink(store).states(ACCOUNT)
    assert str(path) in str(refused.value)
    assert path.read_bytes() == written


def test_sound_rows_read_as_stored(tmp_path: Path) -> None:
    store = _stored(tmp_path)
    (month,) = store.stats.for_account(ACCOUNT)
    assert (month.month, month.posts, month.last_post_at) == ("2026-10", 3, NOW.replace(month=10))
    state = PostsSink(store).states(ACCOUNT)["p1"]
    assert (state.at, state.read_on, state.kind) == (NOW, "2026-11-20", "text")
