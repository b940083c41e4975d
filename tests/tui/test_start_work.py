"""What the app's start does not do, checked where it would show: the audit tab's first frame
lays the screen out without laying it out again inside that layout (a select's face asked for its
own region while being measured), the summary counts the findings as they are, and the cyclic
collector makes no pass while the app starts: it is paused until the first snapshot is drawn,
and running again after it (or once an app that never drew one is closed)."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from rich.text import Text
from textual._compositor import Compositor
from textual.app import App, ComposeResult
from textual.geometry import Size

from audits.worklist import RESOLVED, WORK_STATUSES
from governance.i18n import t
from screens.audit.summary import summary_text
from screens.main import MainScreen
from screens.services import Services
from screens.view_models import AccountsSnapshot
from screens.widgets.findings_table import FindingsTable
from screens.widgets.lazy_select import SelectFace

from .conftest import make_app
from .helpers import settle


@pytest.fixture
def collector_on() -> Iterator[None]:
    """The collector running as the test starts, and running again after it."""
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


async def test_the_audit_tabs_first_frame_lays_the_screen_out_once_not_within_itself(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    depth, deepest, shown = [0], [0], []
    arrange = Compositor._arrange_root

    def counted(compositor: Compositor, root: Any, size: Size, visible_only: bool = True) -> Any:
        if isinstance(root, MainScreen) and not shown:
            depth[0] += 1
            deepest[0] = max(deepest[0], depth[0])
        try:
            return arrange(compositor, root, size, visible_only)
        finally:
            if isinstance(root, MainScreen) and not shown:
                depth[0] -= 1
                tables = root.query(FindingsTable)
                if tables and tables.first().total:
                    shown.append(True)

    monkeypatch.setattr(Compositor, "_arrange_root", counted)
    app = make_app(services, start="audit")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert shown, "the findings were never laid out"
        assert deepest[0] == 1  # (the select faces' region read during the layout made it 2)


class Faces(App[None]):
    """Select faces of several widths, each as tall as its label's lines."""

    CSS = "SelectFace { height: auto; }"

    def compose(self) -> ComposeResult:
        for width in (6, 9, 14, 40):
            face = SelectFace(Text("Kultur- och fritidsförvaltningen"))
            face.styles.width = width
            yield face


async def test_a_select_face_is_as_tall_as_its_label_wraps_at_its_width() -> None:
    app = Faces()
    async with app.run_test(size=(60, 30)) as pilot:
        await pilot.pause()
        for face in app.query(SelectFace):
            label_width = face.size.width - 2
            lines = Text("Kultur- och fritidsförvaltningen").wrap(app.console, label_width)
            assert face.size.height == len(lines) > 0
            assert face.get_content_height(Size(60, 30), Size(60, 30), face.size.width) == len(
                lines
            )


async def test_the_collector_is_paused_while_the_app_starts_and_runs_once_it_is_drawn(
    services: Services, monkeypatch: pytest.MonkeyPatch, collector_on: None
) -> None:
    during_read: list[bool] = []
    snapshot = Services.snapshot

    def read(self: Services) -> AccountsSnapshot:
        during_read.append(gc.isenabled())
        return snapshot(self)

    monkeypatch.setattr(Services, "snapshot", read)
    app = make_app(services, start="accounts")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert during_read == [False]
        assert app.snapshot is not None
        assert gc.isenabled()
    assert gc.isenabled()


async def test_an_app_closed_before_its_first_snapshot_leaves_the_collector_as_it_was(
    services: Services, monkeypatch: pytest.MonkeyPatch, collector_on: None
) -> None:
    gate = threading.Event()
    snapshot = Services.snapshot

    def slow(self: Services) -> AccountsSnapshot:
        gate.wait(30)
        return snapshot(self)

    monkeypatch.setattr(Services, "snapshot", slow)
    app = make_app(services, start="accounts")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert not gc.isenabled()  # (starting: the snapshot is still being read)
        await app.action_quit()
        gate.set()
    assert gc.isenabled()
    gc.disable()  # a process that runs without the collector keeps it off
    app = make_app(services, start="guideline")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
    assert not gc.isenabled()


def test_the_summary_counts_each_status_and_the_current_findings_per_severity(
    services: Services,
) -> None:
    quarter = services.default_quarter()
    first = services.audit_view(quarter)
    assert first.worklist is not None
    actionable = [i for i in first.worklist.items if i.status == "open" and i.finding.account_id]
    services.waive_many(
        quarter, [actionable[0].key], reason="Test", name="Tester", until=date(2027, 6, 30)
    )
    services.acknowledge_many(quarter, [actionable[1].key], "Ses över")
    view = services.audit_view(quarter)
    worklist = view.worklist
    assert worklist is not None
    items = worklist.items
    statuses = {s: sum(1 for i in items if i.status == s) for s in WORK_STATUSES}
    assert statuses["waived"] == statuses["acknowledged"] == 1 and statuses["resolved"] > 0
    current = [i for i in items if i.status != RESOLVED]
    lines = summary_text(view).split("\n")
    assert lines[1] == t(
        "worklist.summary.counts",
        count=len(current),
        critical=sum(1 for i in current if i.finding.severity == "critical"),
        warning=sum(1 for i in current if i.finding.severity == "warning"),
    ) + " · " + t(
        "worklist.summary.statuses",
        previous=str(worklist.previous.info.quarter) if worklist.previous else "",
        **{s: statuses[s] for s in WORK_STATUSES},
    )
