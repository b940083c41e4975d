"""A department's packet (:class:`audits.packets.Packet`) as bytes: xlsx, CSV or Markdown.

- **xlsx** (for people, and what ``audit send`` attaches): sheets *Sammanfattning*, *Avvikelser*,
  *Förändringar* and *Att göra*, headings in the UI language.
- **CSV** (for scripts, Swedish Excel's dialect like every Kontokoll CSV): one row per finding
  with fixed column names (:data:`PACKET_CSV_COLUMNS`), rule ids, severities, statuses and changes
  as ids; the findings resolved since last quarter follow with ``change`` = ``resolved``.
  ``department`` is the packet's (who answers), ``account_department`` the account's: they differ
  in Kontaktcenter's packet.
- **Markdown**: the same as a readable report; register text is escaped as in the findings report.

Every cell is formula-safe, and no format carries an e-mail address.
"""

from __future__ import annotations

from collections.abc import Iterator

from audits.engine import Finding
from audits.exports import md_text, rule_title, status_text
from audits.packets import Packet, rule_todo
from audits.rules import RULES_BY_ID
from audits.xlsx import Sheet, workbook
from governance.csvio import render_csv
from governance.errors import FieldError
from governance.i18n import t, tn

PACKET_CSV_COLUMNS = (
    "quarter",
    "department",
    "account",
    "platform",
    "handle",
    "rule",
    "rule_title",
    "severity",
    "status",
    "change",
    "message",
    "guideline",
    "todo",
    "first_seen",
    "account_department",  # added last: scripts that count columns keep working
)


def render_packet(packet: Packet, fmt: str, delimiter: str = ";") -> bytes:
    """The packet in ``fmt`` (``xlsx``, ``csv`` or ``md``)."""
    if fmt == "xlsx":
        return packet_xlsx(packet)
    if fmt == "csv":
        return render_csv(PACKET_CSV_COLUMNS, _csv_rows(packet), delimiter)
    if fmt == "md":
        return packet_markdown(packet)
    raise FieldError("format", "field.bad_choice", value=fmt, allowed="xlsx, csv, md")


def _guideline(rule: str) -> str:
    known = RULES_BY_ID.get(rule)
    return known.guideline if known is not None else ""


# --- CSV ---------------------------------------------------------------------------------------


def _csv_rows(packet: Packet) -> Iterator[tuple[str, ...]]:
    quarter = str(packet.quarter)
    for item in packet.items:
        f = item.finding
        first = f.first_seen.isoformat() if f.first_seen else ""
        yield (
            *_csv_finding(quarter, packet.department, f),
            item.status,
            packet.change_of(f),
            f.message,
            f.guideline,
            rule_todo(f.rule),
            first,
            f.department,
        )
    for f in packet.resolved:
        yield (
            *_csv_finding(quarter, packet.department, f),
            "",
            "resolved",
            f.message,
            _guideline(f.rule),
            "",
            "",
            f.department,
        )


def _csv_finding(quarter: str, department: str, f: Finding) -> tuple[str, ...]:
    return (
        quarter,
        department,
        f.ref,
        f.platform,
        f.handle,
        f.rule,
        rule_title(f.rule),
        f.severity,
    )


# --- xlsx --------------------------------------------------------------------------------------


def packet_xlsx(packet: Packet) -> bytes:
    """The packet as a workbook: summary, findings, changes since last quarter, what to do."""
    summary = Sheet(
        t("packets.sheet.summary"),
        [t("packets.col.what"), t("packets.col.value")],
        _summary_rows(packet),
    )
    return workbook([summary, _findings_sheet(packet), _changes_sheet(packet), _todo_sheet(packet)])


def _headings(*keys: str) -> list[str]:
    return [t(key) for key in keys]


def _findings_sheet(packet: Packet) -> Sheet:
    headings = _headings(
        "audit.col.account", "audit.col.rule", "packets.col.rule_id", "audit.col.severity",
        "audit.col.status", "audit.col.change", "audit.col.message", "packets.col.first_seen",
        "responsibility.packets.account_department",
    )
    rows = [
        (
            i.finding.ref,
            rule_title(i.finding.rule),
            i.finding.rule,
            t(f"audit.severity.{i.finding.severity}"),
            status_text(i),
            _change_text(packet.change_of(i.finding)),
            i.finding.message,
            i.finding.first_seen.isoformat() if i.finding.first_seen else "",
            i.finding.department,
        )
        for i in packet.items
    ]
    return Sheet(t("packets.sheet.findings"), headings, rows)


def _changes_sheet(packet: Packet) -> Sheet:
    headings = _headings(
        "audit.col.change", "audit.col.account", "audit.col.rule", "packets.col.rule_id",
        "audit.col.message",
    )
    rows = [
        (_change_text(kind), f.ref, rule_title(f.rule), f.rule, f.message)
        for kind, f in _changes(packet)
    ]
    return Sheet(t("packets.sheet.changes"), headings, rows)


def _todo_sheet(packet: Packet) -> Sheet:
    headings = _headings(
        "audit.col.rule", "packets.col.rule_id", "audit.col.count", "packets.col.todo",
        "audit.col.guideline",
    )
    rows = [
        (rule_title(r), r, str(_count(packet, r)), rule_todo(r), _guideline(r))
        for r in packet.rules()
    ]
    return Sheet(t("packets.sheet.todo"), headings, rows)


def _change_text(kind: str) -> str:
    return t(f"audit.diff.{kind}") if kind else ""


def _changes(packet: Packet) -> list[tuple[str, Finding]]:
    return [
        *(("new", f) for f in packet.new),
        *(("resolved", f) for f in packet.resolved),
        *(("persisting", f) for f in packet.persisting),
    ]


def _count(packet: Packet, rule: str) -> int:
    return sum(1 for i in packet.items if i.finding.rule == rule)


def _summary_rows(packet: Packet) -> list[tuple[str, str]]:
    info = packet.run
    rows = [
        (t("col.department"), packet.department),
        (t("audit.col.quarter"), str(info.quarter)),
        (t("audit.col.as_of"), info.as_of.isoformat()),
        (t("audit.col.run"), info.id),
        (t("packets.summary.findings"), str(len(packet.items))),
        (t("audit.col.critical"), str(packet.count(severity="critical"))),
        (t("audit.col.open"), str(packet.count(status="open"))),
        *(
            (t("responsibility.packets.kc_share", kc=other), str(count))
            for other, count in packet.answered_elsewhere
        ),
    ]
    if packet.previous is None:
        return [*rows, (t("packets.summary.compared"), t("packets.no_previous"))]
    return [
        *rows,
        (t("packets.summary.compared"), f"{packet.previous.quarter} ({packet.previous.id})"),
        (t("packets.summary.new"), str(len(packet.new))),
        (t("packets.summary.resolved"), str(len(packet.resolved))),
        (t("packets.summary.persisting"), str(len(packet.persisting))),
    ]


# --- Markdown ----------------------------------------------------------------------------------


def packet_markdown(packet: Packet) -> bytes:
    """A readable report: the findings, what changed, and what to do per rule."""
    info = packet.run
    lines = [
        f"# {md_text(t('packets.md.title', department=packet.department, quarter=info.quarter))}",
        "",
        t("packets.md.judged", as_of=info.as_of, run=info.id),
        "",
        t(
            "packets.md.totals",
            findings=tn("noun.finding", len(packet.items)),
            critical=tn("noun.critical", packet.count(severity="critical")),
            open=tn("noun.open", packet.count(status="open")),
        ),
        "",
        *(
            f"{md_text(t('responsibility.packets.kc_share', kc=other))}: {count}\n"
            for other, count in packet.answered_elsewhere
        ),
        f"## {t('packets.sheet.findings')}",
        "",
    ]
    lines += _md_findings(packet) + _md_changes(packet) + _md_todo(packet)
    return "\n".join(lines).encode("utf-8")


def _md_row(cells: tuple[str, ...]) -> str:
    return "| " + " | ".join(md_text(c) for c in cells) + " |"


def _md_findings(packet: Packet) -> list[str]:
    if not packet.items:
        return [t("audit.md.none"), ""]
    header = [
        "audit.col.account",
        "audit.col.rule",
        "audit.col.severity",
        "audit.col.message",
        "audit.col.status",
    ]
    # Kontaktcenter's packet holds other departments' accounts: say whose each one is.
    others = any(i.finding.department != packet.department for i in packet.items)
    if others:
        header.append("responsibility.packets.account_department")
    lines = [_md_row(tuple(t(k) for k in header)), "|" + "---|" * len(header)]
    for i in packet.items:
        f = i.finding
        rule = f"{rule_title(f.rule)} ({f.rule})"
        cells = (f.ref, rule, t(f"audit.severity.{f.severity}"), f.message, status_text(i))
        lines.append(_md_row((*cells, f.department) if others else cells))
    return [*lines, ""]


def _md_changes(packet: Packet) -> list[str]:
    if packet.previous is None:
        return [f"## {t('packets.sheet.changes')}", "", t("packets.no_previous"), ""]
    lines = [
        f"## {t('packets.md.changes', previous=packet.previous.quarter)}",
        "",
        t(
            "packets.md.change_totals",
            new=tn("noun.new", len(packet.new)),
            resolved=tn("noun.resolved", len(packet.resolved)),
            persisting=len(packet.persisting),
        ),
        "",
    ]
    changes = _changes(packet)
    if changes:
        lines += [
            _md_row((t("audit.col.change"), t("audit.col.account"), t("audit.col.rule"))),
            "|---|---|---|",
        ]
        lines += [
            _md_row((_change_text(kind), f.ref, f"{rule_title(f.rule)} ({f.rule})"))
            for kind, f in changes
        ]
        lines.append("")
    return lines


def _md_todo(packet: Packet) -> list[str]:
    lines = [f"## {t('packets.sheet.todo')}", ""]
    if not packet.rules():
        return [*lines, t("packets.md.nothing_to_do"), ""]
    for rule in packet.rules():
        lines += [
            f"### {md_text(rule_title(rule))} ({md_text(rule)})",
            "",
            md_text(rule_todo(rule)),
            "",
            md_text(t("packets.md.guideline", section=_guideline(rule))),
            "",
        ]
    return lines
