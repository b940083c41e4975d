"""The audit tab's controls row: the quarter, "sync first", run, cancel, export and grouping."""

from __future__ import annotations

from collections.abc import Iterator

from textual.widget import Widget
from textual.widgets import Button, Checkbox, Label

from governance.i18n import t
from screens.widgets.lazy_select import LazySelect

#: How the findings can be grouped: not at all, by rule, by department.
GROUPINGS = ("none", "rule", "department")


def control_widgets(*, may_run: bool, may_sync: bool) -> Iterator[Widget]:
    """The controls, disabled as the user's rights say from the start (changing them later
    costs a restyle each)."""
    yield Label(t("tui.audit.quarter"), classes="control-label")
    yield LazySelect[str]([], prompt="…", id="audit-quarter", compact=True)
    yield Checkbox(
        t("tui.audit.sync_first"),
        id="audit-sync",
        compact=True,
        tooltip=t("tui.audit.sync_tip"),
        disabled=not may_sync,
    )
    yield Button(
        t("tui.button.run_audit"),
        id="audit-run",
        variant="primary",
        compact=True,
        disabled=not may_run,
        tooltip=None if may_run else t("tui.rights.admin_only"),
    )
    yield Button(t("tui.button.cancel"), id="audit-cancel", disabled=True, compact=True)
    yield Button(t("worklist.key.export_button"), id="audit-export", compact=True)
    yield LazySelect[str](
        [(t(f"worklist.group.{g}"), g) for g in GROUPINGS],
        value="none",
        allow_blank=False,
        id="audit-grouping",
        compact=True,
    )
