"""The quarterly report (``kontokoll report``): one self-contained HTML file per department or
for the whole city, with the quarter's findings, what changed, reply and moderation figures and
charts as inline SVG.

- :mod:`audits.report.figures`: the figures and their definitions (interactions, engagemangsgrad,
  sums over accounts, reply duties); pure functions over the stored monthly rows.
- :mod:`audits.report.data`: :class:`~audits.report.data.ReportService` gathers a
  :class:`~audits.report.data.QuarterReport` from the store and the stored audit runs.
- :mod:`audits.report.hooks`: the moderation register's counts, and per-post figures (not collected
  yet: :func:`~audits.report.hooks.top_posts` returns None, and the report says so).
- :mod:`audits.report.sparkline` (small SVG drawn directly) and :mod:`audits.report.charts`
  (matplotlib, imported only when a report is made).
- :mod:`audits.report.document` (the whole file), :mod:`audits.report.sections` (a department,
  the city, the register), :mod:`audits.report.account_html` (one account) and
  :mod:`audits.report.html` (style sheet, escaping); :mod:`audits.report.numbers` writes figures.
"""
