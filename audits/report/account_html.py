"""One account's block in the report: purpose, status, the quarter's months in figures, a
sparkline per measure over the trend months, and the account's findings."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from audits.exports import rule_title
from audits.report import numbers
from audits.report.data import AccountSection, QuarterReport
from audits.report.figures import MonthFigures
from audits.report.html import text, unknown_or
from audits.report.sparkline import sparkline
from audits.report.status import public_status
from governance.i18n import t
from governance.text_safety import visible

#: The rows of an account's figures table, in the guideline's order (followers last: context).
ROWS = ("reach", "interactions", "rate", "new_followers", "followers")
#: The measures drawn as sparklines.
SPARKS = ("reach", "interactions", "rate", "new_followers")


def account_block(report: QuarterReport, section: AccountSection) -> str:
    """The account's whole block (kept on one page in print)."""
    account = section.account
    status = "" if account.status == "active" else (
        f" <small>({escape(t(f'value.{account.status}'))})</small>"
    )
    purpose = (
        f'<p class="purpose">{text(account.purpose)}</p>'
        if account.purpose.strip()
        else f'<p class="note">{escape(t("report.accounts.no_purpose"))}</p>'
    )
    parts = [
        f'<article class="account" data-account="{escape(account.id)}">',
        f"<h4>{text(account.ref)}{status}</h4>",
        f"<p><strong>{escape(t('report.accounts.purpose'))}:</strong></p>{purpose}",
        _figures_table(report, section),
        _reply_line(section),
    ]
    if section.findings:
        listed = "; ".join(
            f"{text(rule_title(i.finding.rule))} "
            f"({escape(t(f'audit.severity.{i.finding.severity}'))}, {text(public_status(i))})"
            for i in section.findings
        )
        parts.append(f"<p><strong>{escape(t('report.accounts.findings'))}:</strong> {listed}</p>")
    parts.append("</article>")
    return "\n".join(parts)


def _figures_table(report: QuarterReport, section: AccountSection) -> str:
    """Rows: measures; columns: the quarter's months, then the 13-month sparkline."""
    quarter_months = [m for m in section.months if m.month in report.quarter.months]
    head = "".join(f'<th class="num">{escape(m.month)}</th>' for m in quarter_months)
    trend = escape(t("report.accounts.trend", first=report.months[0], last=report.months[-1]))
    rows = []
    for measure in ROWS:
        cells = "".join(
            f'<td class="num" data-measure="{measure}" data-month="{escape(m.month)}">'
            f"{unknown_or(shown, known)}</td>"
            for m in quarter_months
            for shown, known in [_cell(m, measure)]
        )
        spark = _sparkline(report, section, measure) if measure in SPARKS else ""
        label = escape(t(f"report.measure.{measure}"))
        rows.append(f"<tr><th>{label}</th>{cells}<td>{spark}</td></tr>")
    return f'<table class="account-figures"><tr><th></th>{head}<th>{trend}</th></tr>' + (
        f"{''.join(rows)}</table>"
    )


def _cell(month: MonthFigures, measure: str) -> tuple[str, bool]:
    """The shown text of one figure and whether it is known."""
    if measure == "rate":
        return numbers.percent(month.rate, 2), month.rate is not None
    figure = _pick(month, measure)
    return numbers.whole(figure), figure is not None


def _pick(month: MonthFigures, measure: str) -> int | None:
    if measure == "reach":
        return month.reach
    if measure == "interactions":
        return month.interactions
    if measure == "new_followers":
        return month.new_followers
    return month.followers


def _series(months: Sequence[MonthFigures], measure: str) -> list[float | None]:
    if measure == "rate":
        return [m.rate for m in months]
    return [_pick(m, measure) for m in months]


def _sparkline(report: QuarterReport, section: AccountSection, measure: str) -> str:
    name = t(f"report.measure.{measure}")
    values = _series(section.months, measure)
    return sparkline(
        values,
        title=t("report.spark.title", measure=name, account=visible_ref(section)),
        desc=numbers.describe(name, report.months, values, measure == "rate"),
    )


def visible_ref(section: AccountSection) -> str:
    """The account's PLATFORM:HANDLE with control characters escaped (sparkline escapes HTML)."""
    return visible(section.account.ref)


def _reply_line(section: AccountSection) -> str:
    """The account's reply duties in one line: due, on time and the share on time."""
    parts = []
    for item in section.replies:
        kind = t(f"report.replies.kind.{item.kind}")
        if item.due is None:
            unknown = escape(t("report.unknown"))
            parts.append(f'{escape(kind)}: <span class="unknown">{unknown}</span>')
        else:
            share = numbers.percent(item.share) if item.due else t("report.replies.nothing_due")
            figures = t("report.replies.line", on_time=numbers.whole(item.on_time),
                        due=numbers.whole(item.due), share=share)  # fmt: skip
            shown = f"{escape(kind)}: {escape(figures)}"
            parts.append(f'<span data-replies="{item.kind}">{shown}</span>')
    return f"<p>{' · '.join(parts)}</p>"
