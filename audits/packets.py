"""A packet per department: its findings, what changed since last quarter, and what it must do.

``kontokoll audit packets`` writes one file per department and ``kontokoll audit send`` mails each
department its own (:mod:`audits.packet_service`). A packet holds the findings its department
answers for (``Finding.responsible``): Kontaktcenter's packet holds KC's findings on the accounts
of other departments, and those leave the owning department's packet, which only counts them (the
register-level ones are AKN's own and go in none). Each finding names the account as
``PLATFORM:HANDLE`` with the rule's title and id; the diff against the quarter audited before, for
that department; and, per rule broken, what the department must do and the guideline section it
enforces. Like every findings export it carries no e-mail address. The formats are in
:mod:`audits.packet_formats`.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from audits.diff import AuditDiff
from audits.engine import Finding
from audits.exports import ReportItem
from audits.quarters import Quarter
from audits.rules import RULE_ORDER, RULES_BY_ID
from audits.runs import RunInfo
from governance.i18n import current_language, set_language, t
from governance.model import department_key

PACKET_FORMATS = ("xlsx", "csv", "md")
#: A file name's longest stem, in characters (Swedish letters take two bytes of the usual 255).
_MAX_STEM = 100
#: What a file name may not hold on Linux, macOS or Windows: separators, controls, ``<>:"|?*``.
_UNSAFE = re.compile(r'[/\\<>:"|?*\x00-\x1f\x7f-\x9f]')
_WINDOWS_RESERVED = re.compile(r"(con|prn|aux|nul|com\d|lpt\d)(\..*)?", re.IGNORECASE)


@dataclass(frozen=True)
class Packet:
    """One department's share of a quarter's audit."""

    department: str
    run: RunInfo
    items: tuple[ReportItem, ...]
    #: The run of the quarter audited before this one, if any, and what changed since.
    previous: RunInfo | None = None
    new: tuple[Finding, ...] = ()
    resolved: tuple[Finding, ...] = ()
    persisting: tuple[Finding, ...] = ()
    #: Findings on this department's accounts that another department (KC) answers for:
    #: (that department, how many), in name order.
    answered_elsewhere: tuple[tuple[str, int], ...] = ()

    @property
    def quarter(self) -> Quarter:
        return self.run.quarter

    def change_of(self, finding: Finding) -> str:
        """``new`` or ``persisting`` against the previous quarter; "" when there is none."""
        if self.previous is None:
            return ""
        return "persisting" if finding.key in {f.key for f in self.persisting} else "new"

    def rules(self) -> list[str]:
        """The rules the department's findings break, in the rules' order."""
        return sorted({i.finding.rule for i in self.items}, key=lambda r: RULE_ORDER.get(r, 99))

    def count(self, *, severity: str | None = None, status: str | None = None) -> int:
        """How many findings (of a severity, or a status)."""
        return sum(
            1
            for i in self.items
            if (severity is None or i.finding.severity == severity)
            and (status is None or i.status == status)
        )


def department_packets(
    run: RunInfo,
    items: Iterable[ReportItem],
    diff: AuditDiff | None,
    departments: Sequence[str],
) -> list[Packet]:
    """One packet per department named (matched in any letter case), in the order given."""
    by_key: dict[str, list[ReportItem]] = {}
    elsewhere: dict[str, Counter[str]] = {}
    for item in items:
        finding = item.finding
        if finding.responsible:  # the register's own findings go in no packet
            by_key.setdefault(department_key(finding.responsible), []).append(item)
        if finding.department and department_key(finding.department) != department_key(
            finding.responsible
        ):
            counts = elsewhere.setdefault(department_key(finding.department), Counter())
            counts[finding.responsible] += 1
    return [
        _packet(
            name,
            run,
            by_key.get(department_key(name), []),
            diff,
            tuple(sorted(elsewhere.get(department_key(name), Counter()).items())),
        )
        for name in departments
    ]


def _packet(
    name: str,
    run: RunInfo,
    items: list[ReportItem],
    diff: AuditDiff | None,
    elsewhere: tuple[tuple[str, int], ...],
) -> Packet:
    ordered = tuple(sorted(items, key=lambda i: i.finding.sort_key()))
    if diff is None:
        return Packet(name, run, ordered, answered_elsewhere=elsewhere)
    key = department_key(name)

    def own(findings: Iterable[Finding]) -> tuple[Finding, ...]:
        return tuple(f for f in findings if f.responsible and department_key(f.responsible) == key)

    return Packet(
        name,
        run,
        ordered,
        diff.old,
        own(diff.new),
        own(diff.resolved),
        own(diff.persisting),
        elsewhere,
    )


def rule_todo(rule: str) -> str:
    """What a department must do about a finding of ``rule``, in the UI language.

    A rule without its own text (``packets.todo.<rule>`` in packets.toml) points to the guideline
    section it enforces, so a new rule never shows a bare catalogue key.
    """
    key = f"packets.todo.{rule}"
    text = t(key)
    if text != key:
        return text
    known = RULES_BY_ID.get(rule)
    return t("packets.todo_fallback", section=known.guideline if known is not None else rule)


# --- file names ------------------------------------------------------------------------------


def safe_file_stem(name: str) -> str:
    """``name`` as a file name's stem on any system: no path separators, control characters,
    ``<>:"|?*`` or leading dots; Swedish letters (and every other letter) kept."""
    text = unicodedata.normalize("NFC", name)
    text = "".join("_" if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") else c for c in text)
    text = " ".join(_UNSAFE.sub("_", text).split())
    text = text.lstrip(". ").rstrip(". ")[:_MAX_STEM].rstrip(". ")
    if not text:
        return "_"
    return f"_{text}" if _WINDOWS_RESERVED.fullmatch(text) else text


def packet_file_names(packets: Sequence[Packet], extension: str) -> list[str]:
    """A distinct file name per packet: ``Kulturförvaltningen 2026Q4.xlsx``.

    Two names that differ only where unsafe characters were replaced, or only in letter case (one
    file on macOS and Windows), get `` (2)``, `` (3)`` ... in the order given.
    """
    used: set[str] = set()
    names = []
    for packet in packets:
        stem = f"{safe_file_stem(packet.department)} {packet.quarter}"
        candidate, number = stem, 2
        while candidate.casefold() in used:
            candidate, number = f"{stem} ({number})", number + 1
        used.add(candidate.casefold())
        names.append(f"{candidate}.{extension}")
    return names


@contextmanager
def in_language(language: str) -> Iterator[None]:
    """Render in ``language`` inside the block (for what goes out by mail: always Swedish).

    It switches the process's language, so use it only where nothing else renders meanwhile
    (the CLI, which runs one command in one thread).
    """
    before = current_language()
    set_language(language)
    try:
        yield
    finally:
        set_language(before)
