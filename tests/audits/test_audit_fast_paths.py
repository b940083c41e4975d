"""The audit's fast paths give exactly what the plain ones give (issue 15).

The typed read of the register's shards (audits.subjects) against ``Subject.from_doc``, the
Finding record (a msgspec Struct) as the frozen dataclass it was, the string-keyed sort
against ``Finding.sort_key``, the compact rows against ``finding_row``; and what the typed read
refuses: a shard with a field of the wrong type, named in the message, nothing stored.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import msgspec
import msgspec.structs
import pytest

from audits.activity import ActivityReader
from audits.engine import Finding, _sorted, evaluate
from audits.finding_docs import _finding as _finding_doc
from audits.finding_docs import findings_of_rows
from audits.quarters import Quarter
from audits.rule_kinds import Activity, Subject
from audits.run_rows import FINDING_FIELDS, Row, finding_row, rows_of
from audits.service import AuditService
from audits.settings import AuditSettings
from audits.stored import BadField
from audits.subjects import AuditDoc, subject_of
from governance.acknowledgements import RevisionAcks
from governance.errors import StoreCorrupt
from governance.monthly import MonthlyStats
from governance.storage.layout import account_file, stats_file
from governance.store import Store, get_account, put_account
from tests.audits.conftest import posted

Q4 = Quarter(2026, 4)

#: A stored account with every field the rules read set to something other than its default.
FULL_DOC: dict[str, Any] = {
    "id": "0123456789ab",
    "platform": "instagram",
    "handle": "hbgkultur",
    "department": "Kulturförvaltningen",
    "purpose": "Evenemang.",
    "editors": [
        {"name": "A", "email": "a@helsingborg.se", "appointed": "2026-01-05"},
        {"name": "B", "email": "B@helsingborg.se", "appointed": "2026-09-01"},
        {"name": "C", "email": "c@helsingborg.se", "appointed": "2025-02-01"},
    ],
    "visibility": "closed",
    "closed_reason": "Enskilda klasser.",
    "project": "Sommarlov",
    "project_end": "2026-08-31",
    "status": "active",
    "editors_confirmed_at": "2026-11-02T09:00:00+00:00",
    "requested_at": "2026-01-03T23:30:00+00:00",
    "retired_at": "2026-10-01T08:00:00+00:00",
    "retirement": {"announced": True, "followers_to": "@hbg", "disposal_on": "2026-12-01"},
    "platform_id": "17841",
    "observed_handle": "hbg.kultur",
    "identity_mismatch": "99999",
    "shared": True,
    "kc_handles_comments": True,
    "audience": "Unga vuxna.",
    "goals": ["informera", "engagera"],
    "department_goals": ["g1", "g3"],
    # Fields the audit does not read: skipped by the typed read.
    "categories": ["kultur"],
    "created": "2026-01-03T23:30:00+00:00",
    "decision_reason": "Ok",
}
ACKS = RevisionAcks(date(2026, 3, 1), frozenset({"b@helsingborg.se"}))


@pytest.mark.parametrize("status", ["active", "requested", "retired"])
def test_the_typed_subject_is_the_one_from_doc_gives(status: str) -> None:
    doc = {**FULL_DOC, "status": status}
    expected = Subject.from_doc(doc)
    if status == "active":  # the editors yet to acknowledge (A since the revision, C too)
        expected = expected._replace(editors_pending=ACKS.pending(doc["editors"]))
        assert expected.editors_pending == (date(2026, 3, 1), date(2026, 3, 1))
    typed = subject_of(msgspec.convert(doc, AuditDoc), ACKS)
    assert typed == expected
    assert [type(v) for v in typed] == [type(v) for v in expected]


def test_a_minimal_document_takes_the_same_defaults() -> None:
    doc = {"id": "abc", "platform": "x", "handle": "hbg"}
    assert subject_of(msgspec.convert(doc, AuditDoc), ACKS) == Subject.from_doc(doc)


def test_a_finding_is_a_frozen_record_in_the_stored_rows_order() -> None:
    """Positional values in FINDING_FIELDS order (the engine and the run reader pass them so),
    equal by value, printed with every field, and never changed once made."""
    names = msgspec.structs.fields(Finding)
    assert tuple(f.name for f in names) == FINDING_FIELDS
    values: dict[str, Any] = {name: f"v-{name}" for name in FINDING_FIELDS}
    values.update(params={"days": 3}, first_seen=date(2026, 10, 1), kc_absent=True)
    made, built = Finding(*values.values()), Finding(**values)
    assert made == built and repr(made) == repr(built)
    assert repr(made).startswith("Finding(rule='v-rule', severity='v-severity', account_id=")
    assert [getattr(made, name) for name in FINDING_FIELDS] == list(values.values())
    assert made != Finding(**{**values, "kc_absent": False})
    plain = Finding("no-purpose", "critical", "a1")
    assert plain == Finding("no-purpose", "critical", "a1") and plain.params == {}
    assert plain.params is not Finding("no-purpose", "critical").params  # (one dict each)
    with pytest.raises(AttributeError):
        made.rule = "other"  # type: ignore[misc]


def _finding(severity: str, department: str, handle: str, rule: str) -> Finding:
    account = handle and f"id-{handle}"
    platform = "facebook" if handle else ""
    return Finding(rule, severity, account, platform, handle, department)


def test_the_string_keyed_sort_is_the_tuple_order() -> None:
    """Names that extend one another, the register's own findings, an unknown severity."""
    findings = [
        _finding(severity, department, handle, rule)
        for severity in ("warning", "critical", "info")
        for department in ("Kultur", "Kulturförvaltningen", "", "Kultur förvaltning", "Ö")
        for handle in ("hbg", "hbg2", "hbg_", "")
        for rule in ("no-audience", "no-editors", "inactive")
    ]
    backwards = findings[::-1]
    assert _sorted(backwards) == tuple(sorted(backwards, key=Finding.sort_key))
    assert _sorted(findings) == tuple(sorted(findings, key=Finding.sort_key))


def test_a_name_holding_a_nul_sorts_as_the_tuples_do() -> None:
    findings = [
        _finding("warning", "Kultur\0b", "hbg", "no-audience"),
        _finding("warning", "Kultur", "hbg\x01", "no-audience"),
        _finding("warning", "Kultur\0a", "hbg", "no-audience"),
        _finding("warning", "Kultur", "hbg", "no-audience"),
    ]
    assert _sorted(findings) == tuple(sorted(findings, key=Finding.sort_key))


def test_compact_rows_are_the_rows_of_each_finding() -> None:
    days = (None, date(2026, 10, 1), date(2026, 7, 2), date(2026, 10, 1))
    findings = [
        Finding("inactive", "critical", f"id{n}", "x", f"h{n}", "", params={"n": n}, first_seen=day)
        for n, day in enumerate(days)
    ]
    rows = rows_of(findings)
    assert rows == [finding_row(f) for f in findings]
    assert rows[0][8] is None and rows[1][8] == rows[3][8] == "2026-10-01"
    assert rows[1][7] is not findings[1].params  # a copy: the stored row never aliases a finding


def test_a_shard_with_a_field_of_the_wrong_type_is_refused_naming_it(
    make_accounts: Callable[..., dict[str, str]], service: AuditService, store: Store
) -> None:
    ids = make_accounts(("hbgkultur", {}), ("hbgbibliotek", {}))
    path = store.data_dir / account_file(ids["hbgkultur"])
    data = json.loads(path.read_bytes())
    for doc in data["accounts"].values():
        if doc["id"] == ids["hbgkultur"]:
            doc["purpose"] = ["not", "text"]
    path.write_bytes(json.dumps(data).encode())
    store.close()
    with pytest.raises(StoreCorrupt) as refused:
        AuditService(Store(store.data_dir), user="tester").run(Q4, as_of=date(2026, 11, 4))
    assert str(path) in str(refused.value) and "purpose" in str(refused.value)
    assert not (store.data_dir / "audit").exists()  # no run stored


def test_a_shard_this_transaction_changed_is_judged_as_changed(
    make_accounts: Callable[..., dict[str, str]], store: Store
) -> None:
    """Evaluated inside a write that emptied a purpose, the run sees the empty purpose."""
    ids = make_accounts(("hbgkultur", {}), ("hbgbibliotek", {}))
    with store.write() as txn:
        before = get_account(txn, ids["hbgkultur"])
        assert before is not None
        put_account(txn, before.with_changes(purpose=""), before)
        evaluation = evaluate(txn, Q4, date(2026, 11, 4), AuditSettings())
    found = {(f.rule, f.handle) for f in evaluation.findings}
    assert ("no-purpose", "hbgkultur") in found and ("no-purpose", "hbgbibliotek") not in found


def _damage(path: Path, month: str) -> None:
    data = json.loads(path.read_bytes())
    for doc in data["months"].values():
        doc["months"][month] = {"posts": 3}  # an object where a row belongs
    path.write_bytes(json.dumps(data).encode())


def test_a_damaged_row_the_window_reads_stops_the_run(
    make_accounts: Callable[..., dict[str, str]], service: AuditService, store: Store
) -> None:
    """Silent through the quarter's months, the window reaches back into September: its row
    is decoded, and a damaged one stops the run naming the stats file, storing nothing."""
    account_id = make_accounts(("tyst", {}))["tyst"]
    store.stats.save_batch(
        [MonthlyStats(account_id, m, posts=0) for m in ("2026-09", "2026-10", "2026-11")]
    )
    path = store.data_dir / stats_file(account_id)
    _damage(path, "2026-09")
    with pytest.raises(StoreCorrupt) as refused:
        service.run(Q4, as_of=date(2026, 11, 4))
    assert str(path) in str(refused.value)
    assert service.runs() == []


def test_a_window_month_the_quarter_answers_is_left_undecoded(
    make_accounts: Callable[..., dict[str, str]], service: AuditService, store: Store
) -> None:
    """A post in November answers the window: September's row is not read, as the months
    before the window never were, and the run judges the account as active."""
    account_id = make_accounts(("aktiv", {}))["aktiv"]
    store.stats.save_batch(
        [
            MonthlyStats(account_id, "2026-09", posts=0),
            MonthlyStats(account_id, "2026-10", posts=0),
            MonthlyStats(account_id, "2026-11", posts=4, last_post_at=posted(date(2026, 11, 2))),
        ]
    )
    _damage(store.data_dir / stats_file(account_id), "2026-09")
    report = service.run(Q4, as_of=date(2026, 11, 4))
    assert report.info.accounts == 1
    assert "inactive" not in {i.finding.rule for i in report.items}


def test_the_activity_tuple_has_every_field_in_place() -> None:
    """Built as one tuple (not by keywords), the activity still has its fields where they go."""
    months = {
        "2026-10": ["2026-10-03T09:00:00+00:00", 4, *([None] * 9), 20, 15, 8, 7, 2, 5, 4],
        "2026-11": [None, 0, *([None] * 9), 10, 9],  # a row from before issue 10's figures
    }
    raw = {m: msgspec.Raw(msgspec.json.encode(row)) for m, row in months.items()}
    activity = ActivityReader(Q4, date(2026, 11, 30), 90).undecoded(raw)
    assert len(activity) == len(Activity._fields)
    assert activity == Activity(
        has_rows=True, window="posted", latest_post=None, replies_due=30, replies_on_time=24,
        hidden=2, questions_due=18, questions_on_time=16, months_all_comments=1,
        months_questions=1, dms_due=5, dms_on_time=4,
    )  # fmt: skip


def test_editors_are_read_for_their_acknowledgements_only_when_a_revision_is_judged() -> None:
    """The typed editor keeps what the acknowledgements read (and a missing field missing);
    without a revision to acknowledge nobody is due, as from the full documents."""
    read = {"email": "A@helsingborg.se", "appointed": "2026-05-01"}
    editors: tuple[dict[str, str], ...] = ({"name": "A", **read}, {})
    typed = msgspec.convert({**FULL_DOC, "editors": editors}, AuditDoc).editors
    assert [e.doc() for e in typed] == [read, {}]
    doc = {**FULL_DOC, "editors": editors[:1]}
    assert subject_of(msgspec.convert(doc, AuditDoc), ACKS).editors_pending == (date(2026, 5, 1),)
    assert subject_of(msgspec.convert(doc, AuditDoc), RevisionAcks()).editors_pending == ()


@pytest.mark.parametrize(
    ("editor", "named"),
    [("Redaktör", "editors"), ({"email": "x@helsingborg.se"}, "appointed")],
)
def test_an_editor_of_the_wrong_shape_stops_the_run_naming_the_file(
    make_accounts: Callable[..., dict[str, str]], store: Store, editor: object, named: str
) -> None:
    """An editor that is no object is refused by the read; one without its appointment day, when
    a revision is judged (the day is read then). Nothing is stored either way."""
    ids = make_accounts(("hbgkultur", {}))
    path = store.data_dir / account_file(ids["hbgkultur"])
    data = json.loads(path.read_bytes())
    for doc in data["accounts"].values():
        doc["editors"] = [editor]
    path.write_bytes(json.dumps(data).encode())
    store.close()
    service = AuditService(Store(store.data_dir), user="tester")
    service.record_revision(date(2026, 3, 1))
    with pytest.raises(StoreCorrupt) as refused:
        service.run(Q4, as_of=date(2026, 11, 4))
    assert str(path) in str(refused.value)
    assert service.runs() == []


def _rows_read(rows: list[list[Any]]) -> tuple[Finding, ...]:
    return findings_of_rows(msgspec.convert(rows, tuple[Row, ...]))


def test_rows_read_in_one_pass_are_the_findings_each_document_gives() -> None:
    """Against the general (one document at a time) reader: days shared and not, messages with
    values and without, a rate the message computes with."""
    inactive = {"latest": "2026-08-01", "days": 120, "limit": 60, "setting": "inactive_days"}
    rate = {"on_time": 9, "due": 10, "limit": "9/10"}
    findings = [
        Finding("no-audience", "warning", "id1", "x", "h1", "D", first_seen=date(2026, 10, 1)),
        Finding("no-audience", "warning", "id2", "x", "h2", "D", first_seen=date(2026, 10, 1)),
        Finding("inactive", "critical", "id3", "x", "h3", "D", params=inactive),
        Finding("slow-replies", "warning", "id4", "x", "h4", "", params=rate,
                first_seen=date(2026, 7, 2), responsible="KC", kc_absent=True),
    ]
    rows = rows_of(findings)
    assert _rows_read(rows) == tuple(findings)
    documents = [dict(zip(FINDING_FIELDS, row, strict=True)) for row in rows]
    assert _rows_read(rows) == tuple(_finding_doc(doc) for doc in documents)


@pytest.mark.parametrize(
    ("position", "value", "field"),
    [(7, {}, "params"), (7, {"on_time": 1}, "params"), (0, "gone", "rule"),
     (1, "info", "severity"), (8, "0001-01-01", "first_seen")],
)
def test_a_bad_row_after_good_ones_is_refused_naming_its_field(
    position: int, value: object, field: str
) -> None:
    """A slow-replies row whose message cannot be computed is refused even after rows of the same
    rule and variant rendered (the values are part of what is known to render)."""
    rate = {"on_time": 9, "due": 10, "limit": "9/10"}
    good = Finding("slow-replies", "warning", "id4", "x", "h4", "", params=rate)
    rows = rows_of([good, good])
    rows[1][position] = value
    with pytest.raises(BadField) as refused:
        _rows_read(rows)
    assert refused.value.name == field
