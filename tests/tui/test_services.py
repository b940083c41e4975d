"""The app's adapter over the core: headless, unknown stays unknown, counts are right."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from governance.model import Account
from governance.monthly import MonthlyStats, SyncOutcome
from screens.services import Services
from screens.view_models import CHART_MONTHS, build_overview, chart_points, interactions, summarize
from screens.widgets.account_table import UNKNOWN, cells_of, format_count

REPO = Path(__file__).resolve().parents[2]
ACCOUNT = Account(id="0123456789ab", platform="facebook", handle="miljo.hbg", department="MF")


def test_services_and_view_models_never_import_textual() -> None:
    code = "import sys, screens.services, screens.view_models\nprint('textual' in sys.modules)\n"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True
    )
    assert result.stdout.strip() == "False"


def test_no_stats_is_unknown_never_zero() -> None:
    summary = summarize(ACCOUNT, [])
    assert summary.followers is None and summary.last_post is None and summary.rules is None
    cells = cells_of(summary)
    assert cells[-3:] == (UNKNOWN, UNKNOWN, UNKNOWN)


def test_latest_known_followers_and_last_post_in_swedish_time() -> None:
    months = [
        MonthlyStats(
            ACCOUNT.id, "2026-09", followers=900, last_post_at=datetime(2026, 9, 30, 23, tzinfo=UTC)
        ),
        MonthlyStats(ACCOUNT.id, "2026-10", followers=None, last_post_at=None),
    ]
    summary = summarize(ACCOUNT, months)
    assert summary.followers == 900  # October is unknown, so September's figure stands
    assert summary.last_post == date(2026, 10, 1)  # 23:00 UTC is 01:00 in Stockholm


def test_interactions_sum_the_known_parts() -> None:
    assert interactions(MonthlyStats(ACCOUNT.id, "2026-01")) is None
    assert interactions(MonthlyStats(ACCOUNT.id, "2026-01", reactions=3, saves=0)) == 3


def test_chart_covers_24_months_with_gaps() -> None:
    points = chart_points([MonthlyStats(ACCOUNT.id, "2025-01", reach=10)], "2026-11")
    assert len(points) == CHART_MONTHS
    assert points[0].month == "2024-12" and points[-1].month == "2026-11"
    assert points[1].reach == 10 and points[0].reach is None


def test_overview_counts_and_sync_failures() -> None:
    other = Account(id="ba9876543210", platform="x", handle="hbg", department="SLF")
    outcomes = {
        ACCOUNT.id: SyncOutcome(
            ACCOUNT.id, "facebook", True, "ok", datetime(2026, 11, 1, tzinfo=UTC)
        ),
        other.id: SyncOutcome(
            other.id, "x", False, "token-expired", datetime(2026, 11, 2, tzinfo=UTC)
        ),
    }
    overview = build_overview([ACCOUNT, other], outcomes)
    assert overview.accounts == 2
    assert dict(overview.per_platform) == {"facebook": 1, "x": 1}
    assert overview.sync is not None
    assert overview.sync.finished_at == datetime(2026, 11, 2, tzinfo=UTC)
    assert overview.sync.failures == (("x:hbg", "token-expired"),)
    assert overview.audit is None  # no audit state given


def test_counts_are_grouped_by_thousands() -> None:
    assert format_count(12345) == "12\u00a0345"
    assert format_count(0) == "0"
    assert format_count(None) == UNKNOWN


def test_snapshot_reads_the_demo(services: Services) -> None:
    snapshot = services.snapshot()
    assert len(snapshot.summaries) == 63 and len(snapshot.departments) == 11  # with Kontaktcenter
    sync = snapshot.overview.sync
    # The demo's re-created account (another id behind its handle) is held back on purpose.
    assert sync is not None and sync.accounts == 55
    assert [ref for ref, _ in sync.failures] == ["facebook:stranderna.hbg"]
    assert sync.failures[0][1].startswith("identity-mismatch: ")


def test_the_latest_report_is_kept_until_a_run_or_review_changes(
    services: Services, demo_dir: Path
) -> None:
    """Built once while nothing changed; a waiver recorded by another process (the CLI) or a
    language switch builds it again, so no screen shows a stale status."""
    from governance.i18n import set_language
    from tests.tui.conftest import NOW, USER

    first = services.latest_report()
    assert first is not None and services.latest_report() is first
    item = next(i for i in first.items if i.status == "open" and i.finding.account_id)
    other = Services(demo_dir, clock=lambda: NOW, user=USER, lock_timeout_s=5)
    try:
        other.waive(
            item.finding.rule,
            item.finding.account_id,
            reason="Kampanj",
            name="Lena",
            until=date(2027, 3, 31),
        )
    finally:
        other.close()
    second = services.latest_report()
    assert second is not None and second is not first
    waived = {i.finding.key: i.status for i in second.items}
    assert waived[item.finding.key] == "waived"
    assert services.latest_report() is second
    set_language("en")
    assert services.latest_report() is not second  # its notes are in the language shown
    detail = services.account_detail(item.finding.account_id, history=False)
    assert detail.history is None
    assert [i.status for i in detail.findings.items if i.finding.key == item.finding.key] == [
        "waived"
    ]
