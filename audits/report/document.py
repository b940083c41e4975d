"""The quarterly report as one document: header, contents, the city, each department, the
register's own findings and how the figures are counted (:func:`render_report`)."""

from __future__ import annotations

from datetime import date
from html import escape

from audits.report.data import QuarterReport
from audits.report.html import STYLE, text
from audits.report.sections import department_section, register_section, totals_block
from governance.i18n import current_language, t


def render_report(report: QuarterReport, made_on: date) -> bytes:
    """The whole report as UTF-8 HTML."""
    scope = report.scope if report.scope is not None else t("report.city")
    title = t("report.title", quarter=report.quarter, scope=scope)
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{current_language()}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{text(title)}</title><style>{STYLE}</style></head><body>",
        _header(report, title, made_on),
    ]
    if report.scope is None:
        parts.append(_contents(report))
        parts.append('<section class="city" id="city">')
        parts.append(f"<h2>{escape(t('report.city'))}</h2>")
        parts.append(totals_block(report, report.city, "city", scope))
        parts.append("</section>")
    for index, section in enumerate(report.departments, start=1):
        parts.append(department_section(report, section, f"d{index}"))
    if report.scope is None:
        parts.append(register_section(report))
    parts.append(_definitions())
    parts.append("</body></html>\n")
    return "\n".join(parts).encode("utf-8")


def _header(report: QuarterReport, title: str, made_on: date) -> str:
    lines = [f"<header><h1>{text(title)}</h1>"]
    first, last = report.months[-3], report.months[-1]
    lines.append(f"<p>{escape(t('report.period', first=first, last=last, day=made_on))}</p>")
    if report.run is None:
        lines.append(f'<p class="note">{escape(t("report.no_run", quarter=report.quarter))}</p>')
    else:
        run = report.run
        lines.append(f"<p>{escape(t('report.run', run=run.id, as_of=run.as_of))}</p>")
        if report.preliminary:
            note = t("report.preliminary", last_day=report.quarter.last_day)
            lines.append(f'<p class="note">{escape(note)}</p>')
    lines.append(f'<p class="note">{escape(t("report.definitions.short"))}</p></header>')
    return "\n".join(lines)


def _contents(report: QuarterReport) -> str:
    items = [f'<li><a href="#city">{escape(t("report.city"))}</a></li>']
    for index, section in enumerate(report.departments, start=1):
        accounts = t("report.account_count", count=len(section.accounts))
        items.append(f'<li><a href="#d{index}">{text(section.name)}</a> ({escape(accounts)})</li>')
    items.append(f'<li><a href="#register">{escape(t("report.register.heading"))}</a></li>')
    heading = escape(t("report.contents"))
    return f"<nav><h2>{heading}</h2><ol>{''.join(items)}</ol></nav>"


def _definitions() -> str:
    keys = ("interactions", "rate", "sums", "unknown", "replies", "trend")
    rows = "".join(f"<li>{escape(t(f'report.definitions.{key}'))}</li>" for key in keys)
    heading = escape(t("report.definitions.heading"))
    return f'<section class="definitions" id="definitions"><h2>{heading}</h2><ul>{rows}</ul>' + (
        "</section>"
    )
