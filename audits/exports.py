"""The findings of an audit as bytes: Swedish-Excel CSV, an Excel workbook or a Markdown report.

Two kinds of export, for two kinds of reader:

- The CSV is an exchange format that scripts read: its column names (:data:`CSV_COLUMNS`), rule
  ids, severities and statuses never change with the language. Only ``rule_title`` and the
  message are in the UI language. New columns are only ever added at the end.
- The workbook and the Markdown report are for people: headings, rule titles, severities and
  statuses in the UI language (Swedish by default, English with ``--lang en``).

Writers return bytes, so the CLI writes a file and the TUI hands them to ``App.deliver_binary``.
Exports carry no e-mail addresses: a finding names an account, never its editors.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Sequence
from typing import Any

from audits.engine import Finding
from audits.rules import RULES_BY_ID
from audits.runs import AuditRun

# Re-exported: a finding with its status lives with the runs (a run reports its findings and
# exports nothing, so `audit run` does not load this module); readers import it from here too.
from audits.runs import ReportItem as ReportItem
from audits.runs import report_items as report_items
from governance.csvio import escape_cell
from governance.i18n import t
from governance.text_safety import visible

CSV_COLUMNS = (
    "quarter",
    "platform",
    "handle",
    "department",
    "rule",
    "severity",
    "message",
    "guideline",
    "status",
    "first_seen",
    "rule_title",  # in the UI language; added last, so scripts that count columns still work
    "responsible",  # who answers: the department, KC's department, or "" (AKN) for the register
)
FORMATS = ("csv", "md", "xlsx")


class _Messages:
    """Findings' messages, each distinct (rule, variant, parameters) rendered once."""

    def __init__(self) -> None:
        self._seen: dict[tuple[Any, ...], str] = {}

    def of(self, finding: Finding) -> str:
        try:
            params = finding.params
            # With each value's type: 1, 1.0 and True are equal keys but render differently.
            key = (
                (finding.rule, finding.variant, *params.items(), *map(type, params.values()))
                if params
                else (finding.rule, finding.variant)  # (most findings: a message without values)
            )
            text = self._seen.get(key)
        except TypeError:  # a parameter that cannot be a key (a list): rendered each time
            return finding.message
        if text is None:
            text = self._seen[key] = finding.message
        return text


class _Cells(dict[str, str]):
    """Cell text -> the cell as the CSV file holds it: formula-safe (:func:`escape_cell`) and
    quoted as :mod:`csv` quotes it (csv's own writer makes each distinct text's cell once)."""

    def __init__(self, delimiter: str) -> None:
        super().__init__()
        self._written: list[str] = []
        sink = type("_Sink", (), {"write": staticmethod(self._written.append)})()
        # The file's own line end: csv quotes a cell holding any of its characters.
        self._writer = csv.writer(sink, delimiter=delimiter, lineterminator="\r\n")
        self._tail = len(delimiter) + 3  # the row's end: the delimiter, "x" and "\r\n"
        #: What makes csv quote a cell (the delimiter, a quote, a line end); others go as they are.
        self._special = re.compile(f'[{re.escape(delimiter)}"\r\n]')

    def __missing__(self, text: str) -> str:
        escaped = escape_cell(text)
        if escaped and not self._special.search(escaped):  # csv would write it as it is
            self[text] = escaped
            return escaped
        # A second, plain cell: a row of one empty cell alone would be written as "".
        self._writer.writerow([escaped, "x"])
        cell = self[text] = self._written.pop()[: -self._tail]
        return cell


def responsible_text(finding: Finding) -> str:
    """Who answers for a finding, as people read it (the register's own: AKN)."""
    return finding.responsible or t("responsibility.akn")


def rule_title(rule: str) -> str:
    """A rule's short name in the UI language (the id itself for a rule no longer known)."""
    known = RULES_BY_ID.get(rule)
    return known.title if known is not None else rule


def status_text(item: ReportItem) -> str:
    """A finding's status as the readable exports and packets write it, with what was decided:
    ``kvitterad (Rekrytering)``, ``undantagen (undantag: Liten verksamhet, t.o.m. 2027-06-30)``.

    Never the name of who decided a waiver (the CSV and the report carry no names either; the
    app shows it to those who may see it). An acknowledgement's note is the user's own words and
    goes as written. A waived item without its waiver (made by hand) shows the status alone.
    """
    status = t(f"audit.status.{item.status}")
    if item.status == "waived":
        waiver = item.waiver
        if waiver is None:
            return status
        key = "export_notes.waived" if waiver.reason.strip() else "export_notes.waived_until"
        said = t(key, reason=waiver.reason, until=waiver.until)
        return f"{status} ({said})"
    return f"{status} ({item.note})" if item.note else status


def findings_csv(run: AuditRun, items: Sequence[ReportItem], delimiter: str = ";") -> bytes:
    """The export's CSV (BOM, CRLF, formula-safe); ``delimiter`` is ``;`` or ``,``.

    The same bytes as :func:`governance.csvio.render_csv` makes of the rows in CSV_COLUMNS order
    (a test compares them, tricky cells included), but each distinct cell text is escaped and
    quoted once, and each row is two parts made once each: the quarter and the account's cells
    (10,000 accounts), and the rest with the line end, which most findings share with many others
    (a quarter's 15,000 findings have a few dozen rules, a few days and a few hundred distinct
    messages). The parts are encoded as they are made and joined as bytes: the rows are never
    copied into one text and then encoded again as a whole (a fifth of this function's time).
    """
    cell = _Cells(delimiter).__getitem__  # (mapped: a fifth less than a subscript per cell)
    header = delimiter.join(map(cell, CSV_COLUMNS)) + "\r\n"
    parts = ["\ufeff".encode(), header.encode()]
    quarter = cell(str(run.info.quarter))
    heads: dict[tuple[str, str, str], bytes] = {}  # the quarter and the account's cells, joined
    rests: dict[tuple[Any, ...], bytes] = {}  # the row's other cells and its end, joined
    messages = _Messages()
    for item in items:
        finding = item.finding
        account = (finding.platform, finding.handle, finding.department)
        head = heads.get(account)
        if head is None:
            head = heads[account] = delimiter.join((quarter, *map(cell, account), "")).encode()
        # What the rest is made of; a message with values told apart by its text, one without
        # by its rule and variant (in the key already).
        message = messages.of(finding) if finding.params else ""
        key = (finding.rule, finding.severity, finding.variant, message, item.status,
               finding.first_seen, finding.responsible)  # fmt: skip
        rest = rests.get(key)
        if rest is None:
            rest = rests[key] = _rest_cells(finding, item.status, delimiter, cell).encode()
        parts += (head, rest)
    return b"".join(parts)


def _rest_cells(finding: Finding, status: str, delimiter: str, cell: Callable[[str], str]) -> str:
    """A row's cells after the account's, joined, and the line's end: rule, severity, message,
    guideline, status, first seen, the rule's title and who answers."""
    seen = finding.first_seen
    texts = (
        finding.rule,
        finding.severity,
        finding.message,
        finding.guideline,
        status,
        seen.isoformat() if seen is not None else "",
        rule_title(finding.rule),
        finding.responsible,
    )
    return delimiter.join(map(cell, texts)) + "\r\n"


#: The workbook's columns, as catalogue keys of their headings in the UI language.
XLSX_COLUMNS = (
    "audit.col.quarter",
    "audit.col.account",
    "col.department",
    "audit.col.rule",
    "packets.col.rule_id",
    "audit.col.severity",
    "audit.col.message",
    "audit.col.guideline",
    "audit.col.status",
    "packets.col.first_seen",
    "responsibility.col.responsible",
)


def findings_xlsx(run: AuditRun, items: Sequence[ReportItem]) -> bytes:
    """The export as an Excel workbook for people: one sheet, headings in the UI language, a
    frozen header row and a filter. Every cell is text, so none can become a formula."""
    from audits.xlsx import Sheet, workbook  # (only this export writes a workbook)

    quarter = str(run.info.quarter)
    rows = (
        (
            quarter,
            item.finding.ref,
            item.finding.department or t("audit.register_scope"),
            rule_title(item.finding.rule),
            item.finding.rule,
            t(f"audit.severity.{item.finding.severity}"),
            item.finding.message,
            item.finding.guideline,
            status_text(item),
            item.finding.first_seen.isoformat() if item.finding.first_seen else "",
            responsible_text(item.finding),
        )
        for item in items
    )
    return workbook([Sheet(quarter, [t(key) for key in XLSX_COLUMNS], rows)])


def findings_markdown(run: AuditRun, items: Sequence[ReportItem]) -> bytes:
    """A readable report for e-mail or the diary: totals, then the findings per department."""
    lines = _md_heading(run, items)
    if not items:
        lines += [t("audit.md.none"), ""]
    by_department: dict[str, list[ReportItem]] = {}
    for item in items:
        by_department.setdefault(item.finding.department, []).append(item)
    for department in sorted(by_department):
        lines += _md_department(department, by_department[department])
    return "\n".join(lines).encode("utf-8")


def _md_heading(run: AuditRun, items: Sequence[ReportItem]) -> list[str]:
    """The report's title, who judged it when, and the totals."""
    info = run.info
    judged = t(
        "audit.md.judged", as_of=info.as_of, run=info.id, at=info.at.date(), user=md_text(info.user)
    )
    totals = t(
        "audit.md.totals",
        accounts=info.accounts,
        critical=sum(1 for i in items if i.finding.severity == "critical"),
        warning=sum(1 for i in items if i.finding.severity == "warning"),
        open=sum(1 for i in items if i.status == "open"),
    )
    return [f"# {t('audit.md.title', quarter=info.quarter)}", "", judged, "", totals, ""]


_MD_COLUMNS = (
    "audit.col.account",
    "audit.col.rule",
    "audit.col.severity",
    "audit.col.message",
    "audit.col.status",
    "responsibility.col.responsible",
)


def _md_department(department: str, items: Sequence[ReportItem]) -> list[str]:
    """One department's section ("" is the register): a heading and a table of its findings."""
    lines = [
        f"## {md_text(department or t('audit.register_scope'))}",
        "",
        "| " + " | ".join(t(key) for key in _MD_COLUMNS) + " |",
        "|---|---|---|---|---|---|",
    ]
    for item in items:
        cells = (
            item.finding.ref or "–",
            rule_title(item.finding.rule),
            t(f"audit.severity.{item.finding.severity}"),
            f"{item.finding.message} ({item.finding.guideline})",
            status_text(item),
            responsible_text(item.finding),
        )
        lines.append("| " + " | ".join(md_text(c) for c in cells) + " |")
    lines.append("")
    return lines


# Inline Markdown syntax (CommonMark and GitHub's): code, emphasis, links and images, table
# cells, strikethrough, heading closers. Escaped with a backslash, each shows as itself.
_MD_SYNTAX = re.compile(r"([\\`*_\[\]|~!#])")


def md_text(text: str) -> str:
    """Stored text as literal Markdown: rendered, the report shows exactly the text, nothing runs.

    Line breaks become spaces (a cell stays on its row), control characters show as escapes,
    ``& < >`` become HTML entities (no raw HTML, no ``<javascript:...>`` autolink), and link,
    image, emphasis, code and table syntax is backslash-escaped (no ``[x](javascript:...)``).
    """
    one_line = visible(" ".join(text.split()))
    # html.escape(one_line, quote=False), spelled out: the html package is not loaded for it.
    escaped = one_line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SYNTAX.sub(r"\\\1", escaped)
