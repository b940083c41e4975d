"""Plain-text tables for the terminal: aligned columns, safe to pipe and safe to show.

A cell is stored text (a handle, a department, a purpose, a log entry), and a store written by an
older version may hold control characters in it; each cell is shown with those escaped (``\\x1b``,
``\\u202e``, ``\\n``), so no cell can repaint the terminal or break its row onto several lines.
"""

from __future__ import annotations

from collections.abc import Sequence

from governance.text_safety import visible


def render_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Columns padded to their widest cell, a rule under the header."""
    header = [visible(h) for h in header]
    rows = [[visible(cell) for cell in row] for row in rows]
    widths = [len(h) for h in header]
    for row in rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows
    ]
    return "\n".join(lines)
