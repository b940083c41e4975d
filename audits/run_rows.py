"""A stored run's findings in their compact form, and the fast reads of a run's file.

A run stores its findings as rows (``finding_rows``, values in the order its ``finding_fields``
names) rather than one object per finding: half the bytes to write, journal, checksum and read,
for 15,000 findings a quarter. Runs stored before keep their ``findings`` objects and are read
as they always were (:mod:`audits.runs`).

Reading a run is typed and done in C where it can be: msgspec checks every value's type while it
decodes the file. Whatever does not fit (an older run, a damaged file, fields of a newer
Kontokoll) gets None here, and :mod:`audits.runs` reads it the general way, which names the bad
field in its message. Nothing here is trusted without those checks: a row that decodes still has
its rule, severity, day and message checked by :mod:`audits.runs`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec

from governance.storage.format import META_TABLE, SCHEMA_VERSION

if TYPE_CHECKING:
    from audits.engine import Finding

#: The values of a stored finding row, in order (stored with the run as ``finding_fields``).
FINDING_FIELDS = (
    "rule",
    "severity",
    "account_id",
    "platform",
    "handle",
    "department",
    "variant",
    "params",
    "first_seen",
    "responsible",
    "kc_absent",
)


def finding_row(finding: Finding) -> list[Any]:
    """One finding as a stored row (FINDING_FIELDS order)."""
    return [
        finding.rule,
        finding.severity,
        finding.account_id,
        finding.platform,
        finding.handle,
        finding.department,
        finding.variant,
        dict(finding.params),
        finding.first_seen.isoformat() if finding.first_seen else None,
        finding.responsible,
        finding.kc_absent,
    ]


class Row(msgspec.Struct, array_like=True, frozen=True):
    """A stored finding row, typed (FINDING_FIELDS order)."""

    rule: str
    severity: str
    account_id: str
    platform: str
    handle: str
    department: str
    variant: str
    params: dict[str, Any]
    first_seen: str | None
    responsible: str
    kc_absent: bool


class _Meta(msgspec.Struct):
    schema: int


class _Run(msgspec.Struct):
    settings: dict[str, Any]
    finding_fields: tuple[str, ...]
    finding_rows: tuple[Row, ...]


class _RunFile(msgspec.Struct):
    run: dict[str, _Run]
    meta: dict[str, _Meta] = msgspec.field(default_factory=dict, name=META_TABLE)


class _Head(msgspec.Struct):
    settings: dict[str, Any]


class _HeadFile(msgspec.Struct):
    run: dict[str, _Head]
    meta: dict[str, _Meta] = msgspec.field(default_factory=dict, name=META_TABLE)


_RUN_FILE = msgspec.json.Decoder(_RunFile)
_HEAD_FILE = msgspec.json.Decoder(_HeadFile)


def _schema_ok(meta: dict[str, _Meta]) -> bool:
    found = meta.get("1")
    return found is not None and found.schema <= SCHEMA_VERSION


def typed_run(path: Path, raw: bytes) -> tuple[dict[str, Any], tuple[Row, ...]] | None:
    """(settings, rows) of a compact run's file; None for anything else (read it generally)."""
    try:
        data = _RUN_FILE.decode(raw)
    except (msgspec.DecodeError, ValueError):  # (invalid UTF-8 is a UnicodeDecodeError)
        return None
    run = data.run.get("1")
    if run is None or not _schema_ok(data.meta) or run.finding_fields != FINDING_FIELDS:
        return None
    return run.settings, run.finding_rows


def typed_settings(path: Path, raw: bytes) -> dict[str, Any] | None:
    """The settings of any run's file, its findings skipped unread; None if it does not fit."""
    try:
        data = _HEAD_FILE.decode(raw)
    except (msgspec.DecodeError, ValueError):
        return None
    head = data.run.get("1")
    return head.settings if head is not None and _schema_ok(data.meta) else None


def rows_of(findings: Iterable[Finding]) -> list[list[Any]]:
    """Every finding as a stored row (:func:`finding_row`, the same values): a run's findings
    share a few first-seen days, so each day is written out once, not once per finding."""
    days: dict[date | None, str | None] = {None: None}
    rows = []
    for f in findings:
        seen = f.first_seen
        day = days.get(seen, "")
        if day == "" and seen is not None:  # (None is in days)
            day = days[seen] = seen.isoformat()
        row = [f.rule, f.severity, f.account_id, f.platform, f.handle, f.department, f.variant,
               dict(f.params), day, f.responsible, f.kc_absent]  # fmt: skip
        rows.append(row)
    return rows
