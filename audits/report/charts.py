"""The larger charts (a department's or the city's monthly totals), drawn with matplotlib as SVG.

Matplotlib is the well-kept plotting library here: it writes SVG with real ``<text>`` (with
``svg.fonttype = 'none'``: no glyph outlines, so the text stays selectable and small), draws
without a display, and its object API (``Figure`` + ``FigureCanvasSVG``, no ``pyplot``) keeps no
global state between charts. It is imported inside :func:`line_chart`, so only ``kontokoll
report`` pays for loading it.

Each SVG is cleaned for inlining in one HTML file: the XML prologue, DOCTYPE and metadata (which
name outside addresses) go, ``xlink:href`` becomes ``href``, every id gets the chart's own prefix
(two charts must not share a clip path's id), and a ``<title>`` and ``<desc>`` come first.
Unknown months are gaps in the line, never zeros; the quarter's months are shaded, and the line is
black with markers, so the chart reads the same printed in grayscale.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Sequence
from html import escape
from typing import Any

from audits.report.numbers import axis_number

_PROLOGUE = re.compile(r"\A.*?(?=<svg\b)", re.DOTALL)
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.DOTALL)
_NAMESPACES = re.compile(r'\s+xmlns(:\w+)?="[^"]*"')
_ID = re.compile(r'\bid="([^"]+)"')
_REF = re.compile(r'(url\(#|href="#)([^)"]+)')


def line_chart(
    months: Sequence[str],
    values: Sequence[float | None],
    *,
    title: str,
    desc: str,
    quarter_label: str,
    is_percent: bool = False,
    chart_id: str,
) -> str:
    """A chart of one measure per month, as an SVG element ready to inline."""
    import matplotlib
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": chart_id, "font.size": 8}):
        figure = Figure(figsize=(3.7, 2.1))
        FigureCanvasSVG(figure)
        axes = figure.add_subplot()
        _draw(axes, months, values, quarter_label)
        axes.yaxis.set_major_locator(MaxNLocator(nbins=4))
        axes.yaxis.set_major_formatter(FuncFormatter(lambda n, _p: axis_number(n, is_percent)))
        axes.set_title(title, fontsize=9, loc="left")
        # Fixed margins: tight_layout measures every label twice and costs half the chart.
        figure.subplots_adjust(left=0.17, right=0.93, top=0.86, bottom=0.14)
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return inline_svg(buffer.getvalue(), title=title, desc=desc, prefix=chart_id)


def _draw(axes: Any, months: Sequence[str], values: Sequence[float | None], label: str) -> None:
    """The line (gaps for unknown months), the shaded quarter and the month labels."""
    points = [math.nan if v is None else float(v) for v in values]
    count = len(months)
    axes.axvspan(count - 3.5, count - 0.5, color="#d9d9d9", zorder=0, lw=0)
    axes.text(count - 2, 0.98, label, transform=axes.get_xaxis_transform(), ha="center",
              va="top", fontsize=7, color="#222222")  # fmt: skip
    axes.plot(range(count), points, color="#111111", marker="o", markersize=3, linewidth=1.4)
    known = [p for p in points if not math.isnan(p)]
    if known:
        # Headroom above the highest point for the quarter's label inside the shaded band.
        axes.set_ylim(bottom=min(0.0, min(known)), top=max(known) * 1.25 or 1.0)
    else:
        axes.set_ylim(0, 1)
    ticks = list(range(count - 1, -1, -3))[::-1]
    axes.set_xticks(ticks, [months[i] for i in ticks])
    axes.set_xlim(-0.5, count - 0.5)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.grid(axis="y", color="#bbbbbb", linewidth=0.5, linestyle=":")


def inline_svg(svg: str, *, title: str, desc: str, prefix: str) -> str:
    """matplotlib's SVG file as an element for one HTML page (see the module's docstring)."""
    text = _PROLOGUE.sub("", svg, count=1)
    text = _METADATA.sub("", text)
    text = _NAMESPACES.sub("", text).replace("xlink:href=", "href=")
    text = _ID.sub(lambda m: f'id="{prefix}-{m[1]}"', text)
    text = _REF.sub(lambda m: f"{m[1]}{prefix}-{m[2]}", text)
    text = text.replace("<svg ", '<svg class="chart" role="img" ', 1)
    opening_end = text.index(">") + 1
    label = f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>"
    return text[:opening_end] + label + text[opening_end:].rstrip() + "\n"
