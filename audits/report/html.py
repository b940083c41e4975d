"""The report's HTML building blocks: the style sheet, escaped text, unknown figures, tables.

The report is one self-contained HTML file: no script, no network, prints on A4.

Everything is inline: the style sheet, the charts (SVG) and the text. No font, image, link or
script is fetched from anywhere, so the file reads the same offline, in a mail attachment or
printed. Print CSS puts each department on a new page, keeps a chart or an account's block whole
and uses only black, white and grays, so a grayscale print loses nothing.

Every text from the register (department names, handles, purposes) and every message that quotes
it passes through :func:`text`: control characters show as escapes (``\\x1b``) and ``<``, ``>``,
``&`` and quotes become entities, so no stored value can add markup or a script.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

from audits.report import numbers
from audits.report.figures import MonthTotals
from governance.i18n import t, tn
from governance.text_safety import visible

STYLE = """
@page { size: A4; margin: 14mm 12mm; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
  color: #111; background: #fff; margin: 0 auto; max-width: 190mm; padding: 8mm 4mm;
  font-size: 10.5pt; line-height: 1.35; }
h1 { font-size: 18pt; margin: 0 0 2mm; }
h2 { font-size: 14pt; border-bottom: 2px solid #111; padding-bottom: 1mm; margin-top: 8mm; }
h3 { font-size: 11.5pt; margin: 5mm 0 2mm; }
h4 { font-size: 10.5pt; margin: 3mm 0 1mm; }
p.note { color: #333; font-style: italic; }
table { border-collapse: collapse; width: 100%; margin: 1mm 0 3mm; font-size: 9.5pt; }
th, td { border: 1px solid #999; padding: 1mm 1.5mm; text-align: left; vertical-align: top; }
th { background: #e6e6e6; }
td.num, th.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
.unknown { color: #555; font-style: italic; }
.charts { display: grid; grid-template-columns: 1fr 1fr; gap: 3mm; }
svg.chart { width: 100%; height: auto; border: 1px solid #ccc; }
svg.spark { vertical-align: middle; }
.account { border: 1px solid #bbb; padding: 2mm 3mm; margin: 2mm 0; }
.account h4 { margin-top: 0; }
.purpose { white-space: pre-wrap; margin: 0 0 1mm; }
.critical { font-weight: bold; }
nav ol { columns: 2; }
@media print {
  body { max-width: none; padding: 0; }
  section.department, section.register, section.definitions { break-before: page; }
  header + section.department { break-before: auto; }
  .account, figure, svg, tr, table.totals, table.replies, table.moderation {
    break-inside: avoid; }
  h2, h3, h4 { break-after: avoid; }
  a { color: inherit; text-decoration: none; }
}
"""


def text(value: str) -> str:
    """Stored or user text as HTML: control characters escaped, markup as literal text."""
    return escape(visible(value, keep_newlines=True))


def unknown_or(value: str, known: bool) -> str:
    """A figure's cell content, marked up as unknown when it is."""
    return value if known else f'<span class="unknown">{escape(value)}</span>'


def month_table(totals: Sequence[MonthTotals], months: Sequence[str]) -> str:
    """The quarter's months summed: each measure with how many accounts knew it."""
    shown = [m for m in totals if m.month in months]
    head = "".join(f'<th class="num">{escape(m.month)}</th>' for m in shown)
    rows: list[tuple[str, Callable[[MonthTotals], tuple[str, bool, int]]]] = [
        ("reach", lambda m: (numbers.whole(m.reach.value), m.reach.value is not None,
                             m.reach.known)),
        ("interactions", lambda m: (numbers.whole(m.interactions.value),
                                    m.interactions.value is not None, m.interactions.known)),
        ("rate", lambda m: (numbers.percent(m.rate, 2), m.rate is not None, m.rate_known)),
        ("new_followers", lambda m: (numbers.whole(m.new_followers.value),
                                     m.new_followers.value is not None, m.new_followers.known)),
    ]  # fmt: skip
    body = []
    for measure, pick in rows:
        cells = []
        for month in shown:
            shown_text, known, count = pick(month)
            accounts = tn("noun.account", month.accounts)
            coverage = t("report.coverage", known=count, accounts=accounts)
            cells.append(
                f'<td class="num" data-measure="{measure}" data-month="{escape(month.month)}">'
                f"{unknown_or(shown_text, known)}<br><small>{escape(coverage)}</small></td>"
            )
        body.append(f"<tr><th>{escape(t(f'report.measure.{measure}'))}</th>{''.join(cells)}</tr>")
    return f'<table class="totals"><tr><th></th>{head}</tr>{"".join(body)}</table>'
