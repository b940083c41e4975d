"""Issue 16: stored text is never read as markup in the app, and never shows raw controls."""

from __future__ import annotations

from rich.text import Text
from textual.content import Content

from screens.plain import plain, plain_cells, plain_markup

HOSTILE = ["[red]x[/red]", "[@click=app.quit]x", "[open]", "a\x1b[2Jb\u202ec"]
SHOWN = ["[red]x[/red]", "[@click=app.quit]x", "[open]", "a\\x1b[2Jb\\u202ec"]


def test_table_cells_tree_labels_and_palette_help_show_stored_text_literally() -> None:
    # DataTable and Tree read a str as Rich markup; the command palette reads Textual markup.
    assert [Text.from_markup(cell).plain for cell in plain_cells(*HOSTILE)] == SHOWN
    assert all(not Text.from_markup(cell).spans for cell in plain_cells(*HOSTILE))
    assert [plain(value).plain for value in HOSTILE] == SHOWN
    assert [Content.from_markup(plain_markup(value)).plain for value in HOSTILE] == SHOWN


def test_a_cell_ending_in_backslashes_shows_them_as_stored() -> None:
    """Rich's escape doubles a lone trailing backslash; a DataTable cell showed both."""
    stored = ["slut\\", "två\\\\", "a\\[b]", "\\", "[x]\\"]
    assert [Text.from_markup(cell).plain for cell in plain_cells(*stored)] == stored
    assert all(not Text.from_markup(cell).spans for cell in plain_cells(*stored))
