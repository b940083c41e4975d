"""The audit tab's export dialog against what a careless user or an attacker types in its folder
box (found by a tester): every refusal names the box by its label, keeps the dialog open with
what was typed and writes nothing; an empty box never saves to the current directory; a file of
the export's name is replaced only after a yes."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Button, Input

from screens.audit.review_dialog import ReviewDialog
from screens.dialogs import ConfirmDialog
from screens.services import Services

from .conftest import make_app
from .helpers import settle

NAME = "kontokoll-avvikelser-2026Q4.csv"


async def _export_dialog(pilot: Any) -> ReviewDialog:
    await pilot.press("e")
    await settle(pilot)
    dialog = pilot.app.screen
    assert isinstance(dialog, ReviewDialog)
    return dialog


async def _refused(pilot: Any, typed: str) -> str:
    """Type ``typed`` in the folder box and save: the refusal's message (checked to be one)."""
    app = pilot.app
    dialog = await _export_dialog(pilot)
    box = dialog.query_one("#form-directory", Input)
    box.value = typed
    await pilot.click("#form-ok")
    await settle(pilot)
    assert app.screen is dialog, typed  # still open …
    assert box.value == typed and box.has_class("-invalid")  # … with what was typed, marked
    severity, message = app.shown[-1]
    await pilot.press("escape")
    await settle(pilot)
    assert severity == "error", message
    return str(message)


@pytest.fixture
def cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The app's current directory: an empty folder where nothing may appear."""
    folder = tmp_path / "cwd"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


async def test_every_refused_folder_names_the_box_and_writes_nothing(
    services: Services, tmp_path: Path, cwd: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data_dir = services.data_dir
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    linked = tmp_path / "linked"
    linked.symlink_to(data_dir / "audit", target_is_directory=True)
    hostile = tmp_path / "hostile"
    hostile.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("victim")
    (hostile / NAME).symlink_to(victim)  # saving there would write through the link
    store_before = (data_dir / "store.json").read_bytes()
    expected = {
        "~kontokoll-no-such-user/x": "ingen användare med den hemmappen",
        str(tmp_path / ("ä" * 300)): "namnet är för långt",
        str(a_file / "x"): "en del av sökvägen är en fil",
        "": "till exempel",
        "   ": "till exempel",
        str(data_dir): f"datamappen {data_dir}",
        str(data_dir / "audit"): f"datamappen {data_dir}",
        str(linked): f"datamappen {data_dir}",
        str(a_file): "är ingen mapp",
        str(hostile): "symbolisk länk",
        str(tmp_path / "not-there"): "finns inte",
    }
    app = make_app(services)
    caplog.set_level(logging.ERROR)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        for typed, reason in expected.items():
            message = await _refused(pilot, typed)
            assert message.startswith("Spara i mappen: ") and reason in message, (typed, message)
            assert "oväntat" not in message and "standard ut" not in message
    assert list(cwd.iterdir()) == []  # an empty box never meant "here"
    assert (data_dir / "store.json").read_bytes() == store_before
    assert a_file.read_text() == "x" and not (data_dir / "audit" / NAME).exists()
    assert (hostile / NAME).is_symlink() and victim.read_text() == "victim"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]  # no traceback logged


async def test_the_refusal_is_in_the_language_of_the_app(services: Services, cwd: Path) -> None:
    app = make_app(services, language="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        message = await _refused(pilot, str(services.data_dir))
        assert message.startswith("Save in the folder: The export is not saved as ")
        assert "standard output" not in message
        message = await _refused(pilot, "")
        assert message.startswith("Save in the folder: Type the folder")


async def test_a_file_there_is_replaced_only_after_a_yes(
    services: Services, tmp_path: Path
) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    target = folder / NAME
    target.write_text("the old export")
    app = make_app(services)
    app.export_dir = folder
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        dialog = await _export_dialog(pilot)
        await pilot.click("#form-ok")
        await settle(pilot)
        question = app.screen
        assert isinstance(question, ConfirmDialog)
        assert app.focused is question.query_one("#cancel", Button)  # Enter would not replace
        await pilot.press("escape")  # no: back in the dialog, nothing written
        await settle(pilot)
        assert app.screen is dialog and target.read_text() == "the old export"
        assert app.focused is dialog.query_one("#form-directory", Input)

        await pilot.click("#form-ok")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.click("#confirm")  # yes
        await settle(pilot)
        assert not isinstance(app.screen, (ReviewDialog, ConfirmDialog))
        assert target.read_bytes().startswith(b"\xef\xbb\xbfquarter;platform;handle;")
        assert ("information", f"Exporten sparades: {target} (den gamla filen ersattes)") in (
            app.shown
        )
        assert sorted(os.listdir(folder)) == [NAME]  # no temp file left behind
        assert [severity for severity, _ in app.shown] == ["information"]  # asking is no error
