"""Runs stored as compact rows (audits.run_rows): the file holds rows, reads back to the same
findings as a run stored the old way, exports the same bytes, and a damaged row is refused naming
the file and the field; the CSV written in one go matches the general CSV writer byte for byte."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from msgspec.structs import replace

from audits.engine import Finding
from audits.exports import CSV_COLUMNS, ReportItem, findings_csv, rule_title
from audits.quarters import Quarter
from audits.runs import AuditRun, RunInfo, list_runs, load_run, run_settings
from audits.service import AuditService
from audits.settings import AuditSettings
from governance.csvio import render_csv
from governance.errors import StoreCorrupt
from governance.storage.layout import run_file
from governance.store import Store, repos

Q3 = Quarter(2026, 3)


@pytest.fixture
def audited(make_accounts: Callable[..., dict[str, str]], service: AuditService) -> AuditService:
    make_accounts(
        ("solo", {"editors": [("Ida Ek", "ida.ek@helsingborg.se")]}),
        ("tyst", {"purpose": ""}),
        ("=formel", {"department": "Skol- och fritidsförvaltningen", "audience": ""}),
    )
    service.run(Q3)
    return service


def _latest(store: Store) -> tuple[RunInfo, AuditRun]:
    with store.read() as txn:
        info = list_runs(txn)[-1]
        return info, load_run(txn, info)


def _rewrite(data_dir: Path, info: RunInfo, change: Callable[[dict[str, object]], None]) -> Path:
    path = data_dir / run_file(info.id)
    data = json.loads(path.read_bytes())
    change(data["run"]["1"])
    path.write_bytes(json.dumps(data).encode())
    return path


def _as_objects(doc: dict[str, object]) -> None:
    """The run as an older Kontokoll stored it: one object per finding."""
    fields, rows = doc.pop("finding_fields"), doc.pop("finding_rows")
    assert isinstance(fields, list) and isinstance(rows, list)
    doc["findings"] = [dict(zip(fields, row, strict=True)) for row in rows]


def test_a_run_is_stored_as_rows_and_reads_back_whole(
    audited: AuditService, store: Store, data_dir: Path
) -> None:
    info, run = _latest(store)
    doc = json.loads((data_dir / run_file(info.id)).read_bytes())["run"]["1"]
    assert "findings" not in doc and len(doc["finding_rows"]) == len(run.findings) >= 4
    assert {f.rule for f in run.findings} >= {"single-editor", "no-purpose", "no-stats"}
    assert all(f.first_seen == info.as_of for f in run.findings)
    report = audited.report(Q3)
    assert report.run == run


def test_a_run_stored_the_old_way_reads_and_exports_the_same(
    audited: AuditService, store: Store, data_dir: Path
) -> None:
    info, compact = _latest(store)
    exported = {fmt: audited.export(Q3, fmt=fmt) for fmt in ("csv", "md")}
    store.close()
    _rewrite(data_dir, info, _as_objects)
    reopened = Store(data_dir)
    info, old = _latest(reopened)
    assert old == compact
    with reopened.read() as txn:
        assert run_settings(txn, info) == compact.settings
    again = AuditService(reopened, user="tester")
    assert {fmt: again.export(Q3, fmt=fmt) for fmt in ("csv", "md")} == exported
    reopened.close()


@pytest.mark.parametrize(
    ("position", "value", "field"),
    [(1, "dramatic", "severity"), (0, "no-such-rule", "rule"), (8, "1999-13-01", "first_seen"),
     (4, 5, "handle")],
)
def test_a_damaged_row_is_refused_naming_file_and_field(
    audited: AuditService, store: Store, data_dir: Path, position: int, value: object, field: str
) -> None:
    info, _ = _latest(store)
    store.close()

    def damage(doc: dict[str, object]) -> None:
        rows = doc["finding_rows"]
        assert isinstance(rows, list)
        rows[-1][position] = value

    path = _rewrite(data_dir, info, damage)
    with pytest.raises(StoreCorrupt) as refused:
        AuditService(Store(data_dir)).export(Q3)
    assert str(path) in str(refused.value) and field in str(refused.value)


def test_a_row_of_the_wrong_length_is_refused(
    audited: AuditService, store: Store, data_dir: Path
) -> None:
    info, _ = _latest(store)
    store.close()
    path = _rewrite(data_dir, info, lambda doc: doc["finding_rows"][0].pop())  # type: ignore[index, union-attr]
    with pytest.raises(StoreCorrupt) as refused:
        AuditService(Store(data_dir)).report(Q3)
    assert str(path) in str(refused.value) and "finding_rows" in str(refused.value)


def test_the_previous_runs_settings_are_read_without_its_findings(
    audited: AuditService, store: Store
) -> None:
    info, run = _latest(store)
    with store.read() as txn:
        assert run_settings(txn, info) == run.settings
        assert repos(txn).runs.document(info.id)["finding_rows"]  # the general path agrees


TRICKY = ("", "=1+1", "+46", "-x", "@sum", "a;b", "a,b", 'sa "hej"', "rad\nbrytning", "\rx", "'=x",
          "\ttab", "Å ä ö – ”citat”")


def test_the_csv_matches_the_general_writer_byte_for_byte() -> None:
    info = RunInfo("2026Q3-1", 1, Q3, date(2026, 9, 30), datetime(2026, 10, 1, tzinfo=UTC),
                   "tester", 3, {"critical": 1})
    base = Finding("no-purpose", "critical", "a1", "facebook", "h", "Kultur", responsible="Kultur")
    findings = [
        replace(base, handle=text, department=TRICKY[-n - 1], responsible=text,
                first_seen=date(2026, 9, 30) if n % 2 else None)
        for n, text in enumerate(TRICKY)
    ]
    findings.append(Finding("inactive", "critical", "a2", "x", "y", "D",
                            params={"days": 61, "setting": "inactive_days", "limit": 60,
                                    "latest": "2026-07-01"}))
    run = AuditRun(info, AuditSettings(), tuple(findings))
    items = [ReportItem(f, "open") for f in findings]
    for delimiter in (";", ","):
        general = render_csv(
            CSV_COLUMNS,
            [
                (str(Q3), f.platform, f.handle, f.department, f.rule, f.severity, f.message,
                 f.guideline, "open", f.first_seen.isoformat() if f.first_seen else "",
                 rule_title(f.rule), f.responsible)
                for f in findings
            ],
            delimiter,
        )
        assert findings_csv(run, items, delimiter) == general
