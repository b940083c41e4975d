"""Work the first paint no longer does, checked by what the app shows and does: the audit tab
imports no detail screen, a Resize to the size the screen was laid out at lays nothing out again
(a new size still does), the footer's keys are styled once, as they look in the end, the quick
filters' lists are built (compact) when first used, and a filter keystroke on the worklist lays
the screen out no more."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual import events
from textual.dom import DOMNode
from textual.widgets import OptionList, Select
from textual.widgets._footer import FooterKey

from screens.main import MainScreen
from screens.services import Services
from screens.widgets.bindings_footer import BindingsFooter

from .conftest import make_app
from .helpers import imported_by, settle

ROOT = Path(__file__).resolve().parents[2]


def test_the_audit_tab_imports_no_detail_screen_and_no_markdown() -> None:
    heavy = ("markdown_it", "textual_plotext", "screens.account.screen", "screens.dialogs",
             "textual.widgets._markdown")
    assert imported_by("screens.app, screens.audit", heavy) == []


def _count_layouts(screen: MainScreen) -> list[object]:
    """Record each full layout of ``screen`` (its compositor's reflows) from now on."""
    seen: list[object] = []
    reflow = screen._compositor.reflow

    def counted(parent: Any, size: Any) -> Any:
        seen.append(size)
        return reflow(parent, size)

    screen._compositor.reflow = counted  # type: ignore[method-assign]
    return seen


async def test_a_resize_to_the_laid_out_size_lays_nothing_out_but_a_new_size_does(
    services: Services,
) -> None:
    app = make_app(services, start="accounts")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, MainScreen)
        layouts = _count_layouts(screen)
        screen.post_message(events.Resize(app.size, app.size))
        await settle(pilot)
        assert layouts == []
        table = screen.query_one("#accounts-table")
        wide = table.region.width
        await pilot.resize_terminal(80, 24)
        await settle(pilot)
        assert layouts, "a new size must be laid out"
        assert screen.has_class("-narrow") and table.region.width < wide


async def test_footer_keys_and_quick_filter_lists_are_styled_once_as_they_look(
    services: Services,
) -> None:
    app = make_app(services, start="audit")
    restyled: list[DOMNode] = []
    original = app.update_styles

    def spy(node: DOMNode, animate: bool = True) -> None:
        if isinstance(node, FooterKey | OptionList) and node.is_attached:
            restyled.append(node)
        original(node, animate)

    app.update_styles = spy  # type: ignore[method-assign]
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        footer = app.screen.query_one(BindingsFooter)
        keys = list(footer.query(FooterKey))
        assert keys and restyled == []
        palette = [k for k in keys if k.has_class("-command-palette")]
        bound = [k for k in keys if not k.has_class("-command-palette")]
        assert palette and all(k.compact and k.has_class("-compact") for k in palette)
        assert all(k.compact == footer.compact and not k.has_class("-compact") for k in bound)
        selects = list(app.screen.query(Select))
        assert len(selects) == 7
        # A select's list is built when the select is first used (screens.widgets.lazy_select).
        assert not app.screen.query(OptionList)
        # Opened, a list shows its options, compact as the select.
        quick = app.screen.query_one("#quick-severity", Select)
        quick.focus()
        await pilot.press("enter")
        await settle(pilot)
        overlay = quick.query_one(OptionList)
        assert overlay.compact and overlay.has_class("-textual-compact")
        assert quick.expanded and overlay.region.height > 0
        assert overlay.option_count == 3  # the prompt (no filter), critical, warning
