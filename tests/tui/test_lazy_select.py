"""A LazySelect looks like Textual's compact Select, cell for cell, until it is first used, and
acts as one: its value, options and Changed messages; focused, clicked or opened, it becomes
Textual's own select (its list built then)."""

from __future__ import annotations

import asyncio
import itertools
import random
from typing import Any

from rich.style import Style
from rich.text import Text
from textual.app import App, ComposeResult
from textual.containers import Horizontal, Vertical
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import OptionList, Select

from screens.widgets.compact_select import CompactSelect
from screens.widgets.lazy_select import LazySelect, SelectFace

WORDS = ("Avdelning", "Kultur- och fritidsförvaltningen", "Vård", "漢字の名前", "x", "2026Q4",
         "[b]fet[/b]", "Miljö och hälsa", "Stadsbyggnadsförvaltningen i Helsingborg")


def random_case(rng: random.Random) -> dict[str, Any]:
    """Options (some as Rich Text, shown literally; some as markup), a prompt, a value or none,
    a width and whether the select is disabled."""
    labels = rng.sample(WORDS, rng.randint(1, 5))
    options = [(Text(w) if rng.random() < 0.5 else w, f"v{i}") for i, w in enumerate(labels)]
    value = rng.choice([Select.NULL, *(v for _, v in options)])
    return {
        "options": options,
        "prompt": rng.choice(WORDS),
        "value": value,
        "width": rng.randint(4, 36),
        "disabled": rng.random() < 0.2,
    }


class Pairs(App[None]):
    """Rows of a Textual compact select beside a lazy one, made alike."""

    AUTO_FOCUS = None

    def __init__(self, cases: list[dict[str, Any]]) -> None:
        super().__init__()
        self.cases = cases

    def compose(self) -> ComposeResult:
        with Vertical():
            for n, case in enumerate(self.cases):
                with Horizontal(classes="pair"):
                    for kind in (CompactSelect, LazySelect):
                        select = kind[str](
                            case["options"], prompt=case["prompt"], compact=True,
                            id=f"{kind.__name__}-{n}", disabled=case["disabled"],
                        )
                        select.styles.width = case["width"]
                        select.styles.margin = (0, 1, 0, 0)
                        yield select

    def on_mount(self) -> None:
        for n, case in enumerate(self.cases):
            if case["value"] != Select.NULL:
                for kind in ("CompactSelect", "LazySelect"):
                    self.query_one(f"#{kind}-{n}", Select).value = case["value"]


class TallPairs(Pairs):
    """As Pairs, each row as tall as its select (a label that wraps shows every line)."""

    CSS = ".pair { height: auto; }"


Pairs.CSS = ".pair { height: 1; }"


def cells(app: App[None], widget: Widget) -> list[tuple[object, ...]]:
    """What ``widget`` shows on screen, cell by cell: the character, its colour (none for a
    space: it shows none), the background and the attributes."""
    parent = widget.parent
    region = widget.region
    if isinstance(parent, Widget):  # (a label that wraps makes it taller than its row)
        region = region.intersection(parent.region)
    lines = app.screen._compositor.render_strips()[region.y : region.bottom]
    shown: list[tuple[object, ...]] = []
    for strip in lines:
        for segment in strip.crop(region.x, region.right):
            style = segment.style or Style()
            for char in segment.text:
                color = style.color if char.strip() else None
                shown.append((char, color, style.bgcolor, style.bold, style.dim, style.italic,
                              style.underline, style.reverse, style.strike))
    return shown


async def test_a_lazy_select_is_drawn_as_textuals_compact_select() -> None:
    for seed, rows in itertools.product(range(4), (Pairs, TallPairs)):
        rng = random.Random(seed)
        cases = [random_case(rng) for _ in range(12)]
        app = rows(cases)
        async with app.run_test(size=(100, 80)) as pilot:
            await pilot.pause()
            for n, case in enumerate(cases):
                real = app.query_one(f"#CompactSelect-{n}", Select)
                lazy = app.query_one(f"#LazySelect-{n}", LazySelect)
                assert lazy.built == case["disabled"]
                assert lazy.value == real.value == case["value"]
                assert cells(app, lazy) == cells(app, real), (seed, rows, case)


class One(App[None]):
    """A lazy select and Textual's, alike, and the Changed messages each posted."""

    AUTO_FOCUS = None

    def __init__(self) -> None:
        super().__init__()
        self.changes: dict[str, list[object]] = {"lazy": [], "real": []}

    def compose(self) -> ComposeResult:
        options = [("Ett", "1"), ("Två", "2")]
        yield LazySelect[str](options, prompt="Välj", compact=True, id="lazy")
        yield CompactSelect[str](options, prompt="Välj", compact=True, id="real")

    def on_select_changed(self, event: Select.Changed) -> None:
        self.changes[event.select.id or ""].append(event.value)

    def both(self) -> tuple[LazySelect[str], Select[str]]:
        return self.query_one(LazySelect), self.query_one("#real", Select)


def text_of(app: App[None], widget: Widget) -> str:
    return "".join(str(cell[0]) for cell in cells(app, widget))


async def test_it_keeps_its_value_and_options_and_says_when_they_change() -> None:
    app = One()
    async with app.run_test(size=(40, 6)) as pilot:
        await pilot.pause()
        lazy, real = app.both()
        assert "Välj" in text_of(app, lazy)
        for select in (lazy, real):
            select.value = "2"
        await pilot.pause()
        assert "Två" in text_of(app, lazy)
        for select in (lazy, real):
            select.set_options([("Tre", "3")])  # the choice is gone: no value
        await pilot.pause()
        assert lazy.value == real.value == Select.NULL and "Välj" in text_of(app, lazy)
        for select in (lazy, real):
            select.value = "3"
        await pilot.pause()
        assert "Tre" in text_of(app, lazy)
        assert app.changes["lazy"] == app.changes["real"] and app.changes["lazy"][-1] == "3"
        assert not lazy.built and not lazy.query(OptionList)


async def _opened(pilot: Pilot[None], select: LazySelect[str]) -> OptionList:
    """The select's list, once it is open (built, the face gone)."""
    await pilot.pause()
    await pilot.pause()
    assert select.built and select.expanded and not select.query(SelectFace)
    overlay = select.query_one(OptionList)
    assert overlay.region.height > 0
    return overlay


async def test_enter_on_it_opens_its_list_and_a_choice_is_made_as_in_textuals() -> None:
    app = One()
    async with app.run_test(size=(40, 8)) as pilot:
        await pilot.pause()
        lazy, real = app.both()
        for select in (lazy, real):
            select.value = "2"
        await pilot.pause()
        before = list(app.changes["lazy"])
        lazy.focus()
        await pilot.press("enter")  # (at once: the select is still being built)
        overlay = await _opened(pilot, lazy)
        assert overlay.highlighted == 2  # "Två", under the prompt
        assert app.changes["lazy"] == before  # built, not changed
        await pilot.press("up", "enter")
        await pilot.pause()
        assert lazy.value == "1" and app.changes["lazy"][-1] == "1" and not lazy.expanded
        assert "Ett" in text_of(app, lazy)


async def test_a_click_on_it_opens_its_list() -> None:
    app = One()
    async with app.run_test(size=(40, 8)) as pilot:
        await pilot.pause()
        lazy, _ = app.both()
        await pilot.click(SelectFace)
        await _opened(pilot, lazy)
        assert app.focused is lazy.query_one(OptionList)
        await pilot.press("escape")
        await pilot.pause()
        assert not lazy.expanded and app.focused is lazy


async def test_disabled_it_is_textuals_select() -> None:
    app = One()
    async with app.run_test(size=(40, 8)) as pilot:
        await pilot.pause()
        lazy, real = app.both()
        for select in (lazy, real):
            select.value = "1"
            select.disabled = True
        await pilot.pause()
        await pilot.pause()
        assert lazy.built and not lazy.query(SelectFace)
        assert cells(app, lazy) == cells(app, real)


async def test_a_value_and_options_given_while_it_is_built_are_kept() -> None:
    app = One()
    async with app.run_test(size=(40, 8)) as pilot:
        await pilot.pause()
        lazy, real = app.both()
        building = asyncio.create_task(lazy.build())
        await asyncio.sleep(0)  # the face is being replaced
        for select in (lazy, real):
            select.set_options([("Fyra", "4"), ("Fem", "5")])
            select.value = "5"
        await building
        await pilot.pause()
        assert lazy.built and lazy.value == "5" and "Fem" in text_of(app, lazy)
        assert lazy.query_one(OptionList).option_count == real.query_one(OptionList).option_count
        assert app.changes["lazy"] == app.changes["real"]


async def test_opened_by_code_before_first_use_it_opens_as_textuals() -> None:
    """``expanded = True`` on a select never used yet (found by a tester: the list did not show,
    and Enter did nothing after)."""
    app = One()
    async with app.run_test(size=(40, 8)) as pilot:
        await pilot.pause()
        lazy, _ = app.both()
        lazy.expanded = True
        await _opened(pilot, lazy)
        await pilot.press("escape")
        await pilot.pause()
        assert not lazy.expanded
        lazy.focus()
        await pilot.press("enter")
        await _opened(pilot, lazy)
