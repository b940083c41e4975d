"""Small per-account charts (sparklines), drawn as SVG text directly.

A report for 300 accounts has 1,200 of them, which a plotting library would draw a hundred times
slower for no gain: a sparkline is a line, a shaded band for the quarter and a dot on the latest
value. Unknown months are gaps in the line, never a drop to zero. Each SVG carries a ``<title>``
and a ``<desc>`` listing every month's value in the report language, for screen readers and for
anyone who prints in grayscale.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

WIDTH = 132
HEIGHT = 30
_PAD = 3


def sparkline(
    values: Sequence[float | None],
    *,
    title: str,
    desc: str,
    highlight: int = 3,
) -> str:
    """An inline SVG of ``values`` (None = unknown), its last ``highlight`` points shaded."""
    count = len(values)
    step = (WIDTH - 2 * _PAD) / max(count - 1, 1)
    known = [v for v in values if v is not None]
    low, high = (min(known), max(known)) if known else (0.0, 1.0)
    span = (high - low) or 1.0

    def x(index: int) -> float:
        return _PAD + index * step

    def y(number: float) -> float:
        return HEIGHT - _PAD - (number - low) / span * (HEIGHT - 2 * _PAD)

    parts = [
        f'<svg class="spark" role="img" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}">',
        f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>",
    ]
    if highlight and count:
        start = x(max(count - highlight, 0)) - step / 2
        parts.append(
            f'<rect x="{start:.1f}" y="0" width="{WIDTH - start:.1f}" height="{HEIGHT}" '
            'fill="#e6e6e6"/>'
        )
    for run in _runs(values):
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in run)
        if len(run) == 1:
            index, number = run[0]
            parts.append(f'<circle cx="{x(index):.1f}" cy="{y(number):.1f}" r="1.5" fill="#222"/>')
        else:
            parts.append(
                f'<polyline points="{points}" fill="none" stroke="#222" stroke-width="1.4"/>'
            )
    last = next(((i, v) for i, v in reversed(list(enumerate(values))) if v is not None), None)
    if last is not None:
        parts.append(f'<circle cx="{x(last[0]):.1f}" cy="{y(last[1]):.1f}" r="2.4" fill="#000"/>')
    parts.append("</svg>")
    return "".join(parts)


def _runs(values: Sequence[float | None]) -> list[list[tuple[int, float]]]:
    """The known values as unbroken runs of (index, value): an unknown month breaks the line."""
    runs: list[list[tuple[int, float]]] = []
    current: list[tuple[int, float]] = []
    for index, number in enumerate(values):
        if number is None:
            if current:
                runs.append(current)
            current = []
        else:
            current.append((index, float(number)))
    if current:
        runs.append(current)
    return runs
