"""Stored text as the app shows it: literally, never as markup, control characters escaped.

Textual reads a ``str`` given to a DataTable cell, a Tree label, a Static or a notification as
markup, so a department named ``[red]x[/red]`` would turn red and ``[@click=app.quit]x`` would
become a link that runs an action. Every text that comes from the store (or from what a user
typed) goes through :func:`plain` first. None of the catalogue's messages uses markup, so a whole
message with stored values filled in may go through it too.
"""

from __future__ import annotations

from rich.markup import escape as rich_escape
from rich.text import Text
from textual.markup import escape

from governance.text_safety import visible

BACKSLASH = "\\"


def plain(value: object, *, keep_newlines: bool = False) -> Text:
    """``value`` as literal text: no markup, control and invisible characters escaped."""
    return Text(visible(str(value), keep_newlines=keep_newlines), end="")


def plain_cells(*values: object) -> list[str]:
    """The cells of a DataTable row, each shown literally: DataTable reads a ``str`` cell as Rich
    markup, so brackets are escaped for it (and a cell still reads back as the text it shows)."""
    return [_cell(visible(str(value))) for value in values]


def _cell(text: str) -> str:
    """``text`` as a DataTable cell's markup. Rich's escape also doubles a trailing backslash
    (so that a tag written after it stays a tag); a cell has nothing after it, and Rich would
    show both backslashes (found by a tester), so that one is not doubled."""
    escaped = rich_escape(text)
    if text.endswith(2 * BACKSLASH) or not text.endswith(BACKSLASH):
        return escaped
    return escaped[:-1]


def plain_markup(value: object) -> str:
    """``value`` as markup that shows it literally, where Textual only takes a markup string
    (a command palette hit's help)."""
    return escape(visible(str(value)))
