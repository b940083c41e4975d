"""``kontokoll stats posts`` and ``kontokoll stats export --posts``."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from governance.model import utc_now
from governance.monthly import MonthlyStats, add_months, month_of
from governance.posts import PostFigures
from governance.register import Register
from governance.storage.post_files import PostsSink
from governance.store import Store
from tests.conftest import CliResult

NOW = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)
REF = "facebook:hbgstad"


@pytest.fixture
def stored(data_dir: Path) -> str:
    store = Store(data_dir)
    account = Register(store).create_account(
        {"platform": "facebook", "handle": "hbgstad", "department": "Kultur"})
    store.stats.save_batch([
        MonthlyStats(account.id, "2026-10", followers=1000),
        MonthlyStats(account.id, "2026-11", followers=2000),
    ])
    PostsSink(store).save_posts({account.id: [
        PostFigures("p-oct", datetime(2026, 10, 3, 8, 0, tzinfo=UTC), "video", "2026-11-25",
                    reach=800, video_views=300, link_clicks=4, reactions=40, comments=5,
                    shares=5),
        PostFigures("p-nov", datetime(2026, 11, 20, 9, 30, tzinfo=UTC), "link", "2026-11-25",
                    reach=1200, link_clicks=None, reactions=10, comments=0, shares=0),
        PostFigures("=cmd", datetime(2026, 11, 21, 9, 30, tzinfo=UTC), "text", "2026-11-25",
                    reach=None, reactions=None, comments=2, shares=0),
    ]}, NOW)
    store.close()
    return account.id


def test_posts_lists_figures_and_rates_newest_first(
    stored: str, cli: Callable[..., CliResult]
) -> None:
    result = cli("stats", "posts", REF)
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    body = [line for line in lines if line.startswith("2026-")]
    assert [line[:10] for line in body] == ["2026-11-21", "2026-11-20", "2026-10-03"]
    assert "5,00 %" in body[2]  # (40 + 5 + 5) ÷ 1000
    assert "0,50 %" in body[1]  # 10 ÷ 2000
    assert body[0].count("–") >= 3  # unknown reach, reactions and so rate: never 0
    assert "Engagemangsgrad = interaktioner ÷ kanalens följare" in result.out


def test_posts_top_and_month(stored: str, cli: Callable[..., CliResult]) -> None:
    top = cli("stats", "posts", REF, "--top", "1")
    assert top.code == 0
    assert [line[:10] for line in top.out.splitlines() if line.startswith("2026-")] == [
        "2026-10-03"]
    october = cli("stats", "posts", REF, "--month", "2026-10")
    assert [line[:10] for line in october.out.splitlines() if line.startswith("2026-")] == [
        "2026-10-03"]
    # a month the command still keeps (13 months back from today) without stored posts
    kept = next(m for m in (add_months(month_of(utc_now()), -n) for n in range(1, 12))
                if m not in ("2026-10", "2026-11"))
    empty = cli("stats", "posts", REF, "--month", kept)
    assert empty.code == 0 and f"inga inlägg för facebook:hbgstad i {kept}" in empty.out.lower()
    gone = add_months(month_of(utc_now()), -13)
    old = cli("stats", "posts", REF, "--month", gone)
    assert old.code == 0 and f"Inlägg från {gone} sparas inte längre" in old.out


def test_why_there_are_no_posts_is_said_as_it_is(
    stored: str, data_dir: Path, cli: Callable[..., CliResult]
) -> None:
    store = Store(data_dir)
    Register(store).create_account({"platform": "tiktok", "handle": "hbg", "department": "Kultur"})
    store.close()
    tiktok = cli("stats", "posts", "tiktok:hbg")
    assert tiktok.code == 0 and "tiktok har inget API som Kontokoll läser" in tiktok.out



def test_a_month_outside_the_years_is_named_as_such(
    stored: str, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from kontokoll.cli.main import main

    with pytest.raises(SystemExit) as exited:  # argparse's usage error
        main(["--data-dir", str(data_dir), "stats", "posts", REF, "--month", "0001-01"])
    assert exited.value.code == 2
    assert "utanför de år Kontokoll godtar (2000–2100)" in capsys.readouterr().err


@pytest.mark.parametrize("args", [("--top", "0"), ("--top", "x"), ("--month", "2026-13"),
                                  ("--month", "0001-01\x1b[2J")])
def test_bad_options_are_refused_clearly(
    stored: str, data_dir: Path, args: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    from kontokoll.cli.main import main

    with pytest.raises(SystemExit) as exited:  # argparse's usage error
        main(["--data-dir", str(data_dir), "stats", "posts", REF, *args])
    err = capsys.readouterr().err
    assert exited.value.code == 2
    assert f"argument {args[0]}: {args[0]} ska vara" in err and "Traceback" not in err
    assert "\x1b" not in err


def test_export_posts_is_a_csv_for_swedish_excel(
    stored: str, cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    target = tmp_path / "inlagg.csv"
    result = cli("stats", "export", str(target), "--posts")
    assert result.code == 0, result.err
    assert "Exporterade 3 inlägg" in result.out
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert [r["post_id"] for r in rows] == ["p-oct", "p-nov", "'=cmd"]  # formula made inert
    october = rows[0]
    assert (october["kind"], october["reach"], october["video_views"]) == ("video", "800", "300")
    assert (october["interactions"], october["followers"]) == ("50", "1000")
    assert october["engagement_rate_percent"] == "5,00"
    assert october["published"] == "2026-10-03T10:00:00+02:00"  # Stockholm time
    assert rows[1]["link_clicks"] == "" and rows[2]["engagement_rate_percent"] == ""
    assert "text" not in {k for k in rows[0] if k not in ("kind",)}  # no post text column


def test_export_posts_with_comma_uses_a_decimal_point(
    stored: str, cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    target = tmp_path / "posts.csv"
    assert cli("stats", "export", str(target), "--posts", "--delimiter", ",").code == 0
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    assert rows[0]["engagement_rate_percent"] == "5.00"


def test_posts_in_english_use_a_decimal_point(
    stored: str, cli: Callable[..., CliResult]
) -> None:
    result = cli("--lang", "en", "stats", "posts", REF, "--top", "1")
    assert result.code == 0
    assert "5.00 %" in result.out and "Engagement rate" in result.out


def test_an_unknown_account_is_named_not_a_traceback(
    stored: str, cli: Callable[..., CliResult]
) -> None:
    result = cli("stats", "posts", "facebook:finnsinte")
    assert result.code != 0 and "facebook:finnsinte" in result.err
    assert "Traceback" not in result.err
