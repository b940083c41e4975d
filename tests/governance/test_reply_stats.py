"""The reply-duty figures of a month (issue 10) in the record, the store, the stats CSV and
``kontokoll stats show``: old rows and old files still read, new columns round-trip, unknown is
never 0, and bad cells are refused naming file, line and field."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from governance.errors import ImportRefused
from governance.monthly import COUNT_FIELDS, STORED_FIELDS, MonthlyStats
from governance.register import Register
from governance.stats_csv import REQUIRED_COLUMNS, STATS_COLUMNS, StatsFiles
from governance.store import Store
from tests.conftest import CliResult

NEW = ("questions_due", "questions_on_time", "hidden", "dms_due", "dms_on_time", "words_version")


def test_new_figures_are_appended_so_old_rows_keep_their_places() -> None:
    assert STORED_FIELDS[:15] == ("last_post_at", "posts", "followers", "new_followers", "reach",
                                  "video_views", "link_clicks", "reactions", "comments", "shares",
                                  "saves", "replies_due", "replies_on_time", "questions_due",
                                  "questions_on_time")
    assert STORED_FIELDS[-1] == "words_version" and COUNT_FIELDS[-1] == "dms_on_time"


def test_a_row_stored_before_the_new_figures_reads_them_as_unknown() -> None:
    old_row = ["2026-10-03T10:00:00+00:00", 5, 900, 3, 1200, None, 7, 40, 12, 2, None, 10, 9]
    record = MonthlyStats.from_row("0000000000aa", "2026-10", old_row)
    assert (record.posts, record.replies_due, record.replies_on_time) == (5, 10, 9)
    assert all(getattr(record, name) is None for name in NEW)
    # A row from a newer Kontokoll, with fields this one does not know, still reads.
    newer = [*MonthlyStats("0000000000aa", "2026-10", questions_due=4).to_row(), 17, "x"]
    assert MonthlyStats.from_row("0000000000aa", "2026-10", newer).questions_due == 4


def test_the_store_keeps_the_new_figures(store: Store) -> None:
    record = MonthlyStats("0000000000aa", "2026-11", questions_due=4, questions_on_time=3,
                          hidden=0, dms_due=None, dms_on_time=None, words_version="builtin-1")
    store.stats.save_batch([record])
    assert store.stats.for_account("0000000000aa") == [record]


@pytest.fixture
def files(store: Store) -> StatsFiles:
    register = Register(store)
    for handle in ("hbgbibliotek", "trafik.hbg"):
        register.create_account({"platform": "facebook", "handle": handle,
                                 "department": "Kulturförvaltningen"})
    return StatsFiles(store)


def _write(tmp_path: Path, header: tuple[str, ...], *rows: str) -> Path:
    path = tmp_path / "stats.csv"
    path.write_text("\n".join([";".join(header), *rows]) + "\n", encoding="utf-8")
    return path


OLD_ROW = "facebook;hbgbibliotek;2026-10;12;;5000;40;12000;;120;800;60;30;;20;19"


def test_an_old_file_imports_and_its_months_leave_the_new_figures_unknown(
    files: StatsFiles, store: Store, tmp_path: Path
) -> None:
    plan = files.import_file(_write(tmp_path, REQUIRED_COLUMNS, OLD_ROW))
    assert plan.new == 1
    [record] = next(iter(store.stats.all().values()))
    assert record.replies_due == 20 and all(getattr(record, name) is None for name in NEW)


def test_the_new_columns_round_trip(files: StatsFiles, store: Store, tmp_path: Path) -> None:
    row = OLD_ROW + ";14;11;2;;;builtin-1+sha256:0a1b2c3d"
    files.import_file(_write(tmp_path, STATS_COLUMNS, row,
                             "facebook;trafik.hbg;2026-11;0;;;;;;;;;;;;;0;0;0;3;1;"))
    by_handle = {r.account_id: r for months in store.stats.all().values() for r in months}
    library = next(r for r in by_handle.values() if r.month == "2026-10")
    assert (library.questions_due, library.questions_on_time, library.hidden) == (14, 11, 2)
    assert library.dms_due is None and library.words_version == "builtin-1+sha256:0a1b2c3d"
    traffic = next(r for r in by_handle.values() if r.month == "2026-11")
    assert (traffic.hidden, traffic.dms_due, traffic.dms_on_time) == (0, 3, 1)
    assert traffic.words_version is None
    data, count = files.export_bytes()
    assert count == 2 and b";14;11;2;;;builtin-1+sha256:0a1b2c3d\r\n" in data
    exported = tmp_path / "export.csv"
    exported.write_bytes(data)
    before = store.stats.all()
    plan = files.import_file(exported)
    assert (plan.new, plan.replaced, plan.unchanged) == (0, 0, 2)
    assert store.stats.all() == before


def test_an_old_file_keeps_what_the_sync_counted_for_the_columns_it_lacks(
    files: StatsFiles, store: Store, tmp_path: Path
) -> None:
    """A file in the older layout says nothing about questions or direct messages: re-importing
    it (to correct, say, the reach) must not make the synced figures unknown."""
    files.import_file(_write(tmp_path, STATS_COLUMNS, OLD_ROW + ";14;11;2;3;3;builtin-1"))
    corrected = OLD_ROW.replace(";12000;", ";13000;")
    plan = files.import_file(_write(tmp_path, REQUIRED_COLUMNS, corrected))
    assert (plan.new, plan.replaced) == (0, 1)
    [record] = next(iter(store.stats.all().values()))
    assert record.reach == 13000
    assert (record.questions_due, record.questions_on_time, record.hidden) == (14, 11, 2)
    assert (record.dms_due, record.dms_on_time, record.words_version) == (3, 3, "builtin-1")


@pytest.mark.parametrize(
    ("cells", "field"),
    [
        ("3;4;;;;", "questions_on_time"),  # more on time than due
        (";;;1;2;", "dms_on_time"),
        (";;-1;;;", "hidden"),
        (";;;;;builtin 1", "words_version"),  # a space
        (";;;;;" + "v" * 41, "words_version"),  # too long
        (";;;;;ver\u202eion", "words_version"),  # a bidi override
    ],
)
def test_a_bad_new_cell_refuses_the_file_naming_line_and_field(
    files: StatsFiles, store: Store, tmp_path: Path, cells: str, field: str
) -> None:
    path = _write(tmp_path, STATS_COLUMNS, OLD_ROW + ";;;;;;", OLD_ROW.replace("2026-10", "2026-09")
                  + ";" + cells)
    with pytest.raises(ImportRefused) as refused:
        files.import_file(path)
    assert f"stats.csv:3: {field}" in str(refused.value)
    assert store.stats.all() == {}


def test_stats_show_lists_the_reply_duties_and_unknown_as_a_dash(
    cli: Callable[..., CliResult], files: StatsFiles, tmp_path: Path
) -> None:
    path = _write(tmp_path, STATS_COLUMNS, OLD_ROW + ";14;11;2;;;builtin-1",
                  "facebook;hbgbibliotek;2026-11;3;;;;;;;;;;;;;;;;;;")
    assert cli("stats", "import", str(path)).code == 0
    shown = cli("stats", "show", "facebook:hbgbibliotek")
    assert shown.code == 0 and shown.err == ""
    lines = shown.out.splitlines()
    assert lines[0].split()[:3] == ["Månad", "Inlägg", "Följare"]
    november, october = lines[2], lines[3]  # newest first
    assert november.startswith("2026-11") and "–" in november and "0" not in november[7:]
    assert "19 av 20" in october and "11 av 14" in october and "builtin-1" in october
    assert "– betyder okänt" in shown.out
    assert cli("stats", "show", "hbgbibliotek", "--months", "1").out.count("2026-1") == 1
    empty = cli("stats", "show", "facebook:trafik.hbg")
    assert empty.code == 0 and "ingen statistik" in empty.out


@pytest.mark.parametrize("months", ["0", "26", "tolv", "1e3"])
def test_stats_show_refuses_a_bad_month_count(
    cli: Callable[..., CliResult], files: StatsFiles, months: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exited:  # argparse's usage error
        cli("stats", "show", "facebook:hbgbibliotek", "--months", months)
    err = capsys.readouterr().err
    assert exited.value.code == 2 and "--months ska vara ett heltal" in err
    assert "Traceback" not in err


def test_stats_show_names_an_unknown_account(
    cli: Callable[..., CliResult], files: StatsFiles
) -> None:
    result = cli("stats", "show", "facebook:finns-inte")
    assert result.code != 0 and "Hittar inget konto" in result.err


def test_a_last_post_time_without_an_offset_is_stockholm_time_beside_the_others() -> None:
    """Only a hand edit stores a time without an offset; it reads as Stockholm time, so an
    account's months still compare (the account table takes the latest of them)."""
    from datetime import datetime

    from governance.monthly import STOCKHOLM

    naive = MonthlyStats.from_row("0000000000aa", "2026-07", ["2026-07-15T23:30:00", 1])
    aware = MonthlyStats.from_row("0000000000aa", "2026-06", ["2026-06-15T10:00:00+00:00", 1])
    assert naive.last_post_at == datetime(2026, 7, 15, 23, 30, tzinfo=STOCKHOLM)
    assert max(m.last_post_at for m in (naive, aware) if m.last_post_at) == naive.last_post_at
