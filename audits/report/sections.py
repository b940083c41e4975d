"""The report's sections: a department (findings, changes, replies, moderation, charts, accounts,
top posts), the city's totals and the register's own findings. Each returns an HTML fragment;
register text goes through :func:`audits.report.html.text`."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from audits.engine import Finding
from audits.exports import ReportItem, rule_title
from audits.report import numbers
from audits.report.account_html import account_block
from audits.report.charts import line_chart
from audits.report.data import Changes, DepartmentSection, QuarterReport
from audits.report.figures import MonthTotals, Replies
from audits.report.hooks import ModerationFigures, PostFigures
from audits.report.html import month_table, text, unknown_or
from audits.report.status import public_status
from governance.i18n import t, tn

#: The measures of the charts and sparklines, in the guideline's order.
MEASURES = ("reach", "interactions", "rate", "new_followers")


def department_section(report: QuarterReport, section: DepartmentSection, anchor: str) -> str:
    """One department's whole section (a new page in print)."""
    parts = [f'<section class="department" id="{anchor}">', f"<h2>{text(section.name)}</h2>"]
    if report.run is not None:
        parts.append(f"<h3>{escape(t('report.findings.heading'))}</h3>")
        parts.append(findings_block(section.findings, with_account=True))
        parts.append(changes_block(section.changes))
    parts.append(replies_block(section.replies))
    parts.append(moderation_block(section.hidden, section.moderation))
    if section.accounts:
        parts.append(totals_block(report, section.totals, anchor, section.name))
    parts.append(top_posts_block(section.top_posts))
    parts.append(f"<h3>{escape(t('report.accounts.heading'))}</h3>")
    if not section.accounts:
        parts.append(f'<p class="note">{escape(t("report.accounts.none"))}</p>')
    for account in section.accounts:
        parts.append(account_block(report, account))
    parts.append("</section>")
    return "\n".join(parts)


def register_section(report: QuarterReport) -> str:
    """The register's own findings (AKN's), in city-wide reports."""
    heading = escape(t("report.register.heading"))
    parts = [f'<section class="register" id="register"><h2>{heading}</h2>']
    if report.run is None:
        parts.append(f'<p class="note">{escape(t("report.no_run", quarter=report.quarter))}</p>')
    else:
        parts.append(findings_block(report.register_findings, with_account=False))
        parts.append(changes_block(report.register_changes))
    parts.append("</section>")
    return "\n".join(parts)


def totals_block(
    report: QuarterReport, totals: Sequence[MonthTotals], anchor: str, scope: str
) -> str:
    """The four charts of a group's monthly totals and the quarter's months as a table."""
    series: dict[str, list[float | None]] = {
        "reach": [m.reach.value for m in totals],
        "interactions": [m.interactions.value for m in totals],
        "rate": [m.rate for m in totals],
        "new_followers": [m.new_followers.value for m in totals],
    }
    charts = []
    for measure in MEASURES:
        name = t(f"report.measure.{measure}")
        values = series[measure]
        charts.append(
            line_chart(
                report.months,
                values,
                title=t("report.chart.title", measure=name, scope=scope),
                desc=numbers.describe(name, report.months, values, measure == "rate"),
                quarter_label=t("report.chart.quarter"),
                is_percent=measure == "rate",
                chart_id=f"{anchor}-{measure}",
            )
        )
    heading = escape(t("report.charts.heading"))
    note = escape(t("report.charts.note"))
    return (
        f"<h3>{heading}</h3><div class=\"charts\">{''.join(charts)}</div>"
        f'<p class="note">{note}</p>{month_table(totals, report.quarter.months)}'
    )


def findings_block(items: Sequence[ReportItem], *, with_account: bool) -> str:
    """The findings with their status, or a line saying there are none."""
    if not items:
        return f"<p>{escape(t('report.findings.none'))}</p>"
    critical = sum(1 for i in items if i.finding.severity == "critical")
    open_ = sum(1 for i in items if i.status == "open")
    summary = t("report.findings.totals", findings=tn("noun.finding", len(items)),
                critical=tn("noun.critical", critical), open=tn("noun.open", open_))
    columns = ["rule", "severity", "status", "first_seen", "message"]
    if with_account:
        columns.insert(0, "account")
    head = "".join(f"<th>{escape(t(f'report.col.{c}'))}</th>" for c in columns)
    rows = [_finding_row(i, with_account) for i in items]
    table = f"<table class=\"findings\"><tr>{head}</tr>{''.join(rows)}</table>"
    return f"<p>{escape(summary)}</p>{table}"


def _finding_row(item: ReportItem, with_account: bool) -> str:
    finding = item.finding
    cells = [f"<td>{text(finding.ref)}</td>"] if with_account else []
    severity = t(f"audit.severity.{finding.severity}")
    cells += [
        f"<td>{text(rule_title(finding.rule))} <small>({text(finding.rule)})</small></td>",
        f'<td class="{escape(finding.severity)}">{escape(severity)}</td>',
        f"<td>{text(public_status(item))}</td>",
        f"<td>{escape(finding.first_seen.isoformat() if finding.first_seen else '')}</td>",
        f"<td>{text(finding.message)}</td>",
    ]
    return f"<tr>{''.join(cells)}</tr>"


def changes_block(changes: Changes) -> str:
    """New, resolved and still open findings since the quarter audited before."""
    if changes.previous is None:
        return f"<p class=\"note\">{escape(t('report.changes.no_previous'))}</p>"
    heading = t("report.changes.heading", previous=changes.previous.quarter)
    parts = [f"<h4>{escape(heading)}</h4><ul class=\"changes\">"]
    for kind, found in (
        ("new", changes.new), ("resolved", changes.resolved), ("persisting", changes.persisting),
    ):  # fmt: skip
        label = t(f"report.changes.{kind}", count=len(found))
        listed = ", ".join(_finding_label(f) for f in found)
        shown = escape(label) + (f": {listed}" if listed else "")
        parts.append(f'<li data-change="{kind}">{shown}</li>')
    parts.append("</ul>")
    return "".join(parts)


def _finding_label(finding: Finding) -> str:
    who = f"{text(finding.ref)} – " if finding.ref else ""
    return f"{who}{text(rule_title(finding.rule))}"


def replies_block(replies: Sequence[Replies]) -> str:
    """The quarter's reply duties: due, on time, the share on time (unknown where unknown)."""
    head = "".join(
        f'<th class="{"num" if c != "kind" else ""}">{escape(t(f"report.replies.col.{c}"))}</th>'
        for c in ("kind", "due", "on_time", "share")
    )
    rows = []
    for item in replies:
        due, on_time = numbers.whole(item.due), numbers.whole(item.on_time)
        share = t("report.replies.nothing_due") if item.due == 0 else numbers.percent(item.share)
        kind = escape(t(f"report.replies.kind.{item.kind}"))
        rows.append(
            f'<tr data-replies="{item.kind}"><td>{kind}</td>'
            f'<td class="num">{unknown_or(due, item.due is not None)}</td>'
            f'<td class="num">{unknown_or(on_time, item.on_time is not None)}</td>'
            f'<td class="num">{unknown_or(share, item.due is not None)}</td></tr>'
        )
    heading = escape(t("report.replies.heading"))
    return f"<h3>{heading}</h3><table class=\"replies\"><tr>{head}</tr>{''.join(rows)}</table>"


def moderation_block(hidden: int | None, register: ModerationFigures | None) -> str:
    """Hidden comments from the platforms, and the moderation register's actions if readable."""
    rows = [
        (t("report.moderation.hidden_platform"), hidden, "hidden_platform"),
    ]
    if register is not None:
        rows += [
            (t("report.moderation.hidden"), register.hidden, "hidden"),
            (t("report.moderation.deleted"), register.deleted, "deleted"),
            (t("report.moderation.blocked"), register.blocked, "blocked"),
            (t("report.moderation.unregistered"), register.unregistered, "unregistered"),
        ]
    body = "".join(
        f'<tr data-moderation="{key}"><td>{escape(label)}</td>'
        f'<td class="num">{unknown_or(numbers.whole(value), value is not None)}</td></tr>'
        for label, value, key in rows
    )
    note = "" if register is not None else (
        f'<p class="note">{escape(t("report.moderation.register_unknown"))}</p>'
    )
    heading = escape(t("report.moderation.heading"))
    return f"<h3>{heading}</h3><table class=\"moderation\">{body}</table>{note}"


def top_posts_block(posts: Sequence[PostFigures] | None) -> str:
    """The quarter's best posts by engagemangsgrad, or why there is no such list."""
    heading = f"<h3>{escape(t('report.top_posts.heading'))}</h3>"
    if posts is None:
        return f'{heading}<p class="note" data-top-posts="not-collected">' + (
            f"{escape(t('report.top_posts.not_collected'))}</p>"
        )
    if not posts:
        return f"{heading}<p>{escape(t('report.top_posts.none'))}</p>"
    columns = ("account", "published", "kind", "reach", "interactions", "rate")
    head = "".join(f"<th>{escape(t(f'report.top_posts.col.{c}'))}</th>" for c in columns)
    rows = "".join(
        f"<tr><td>{text(p.account_ref)}</td><td>{escape(p.published.date().isoformat())}</td>"
        f"<td>{text(p.kind)}</td>"
        f'<td class="num">{unknown_or(numbers.whole(p.reach), p.reach is not None)}</td>'
        f'<td class="num">{unknown_or(numbers.whole(p.interactions), p.interactions is not None)}'
        f'</td><td class="num">{unknown_or(numbers.percent(p.rate, 2), p.rate is not None)}</td>'
        "</tr>"
        for p in posts
    )
    return f'{heading}<table class="top-posts"><tr>{head}</tr>{rows}</table>'
