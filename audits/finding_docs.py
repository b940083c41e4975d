"""A stored finding, decoded and checked: from its object (runs stored before compact rows) or
from its typed row (:mod:`audits.run_rows`). Each value's type, the rule, the severity, the day
and that the message renders are checked; a bad one raises :class:`stored.BadField` naming it.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from audits import stored
from audits.engine import Finding
from audits.rules import RULES_BY_ID
from audits.run_rows import Row
from audits.settings import SEVERITIES
from governance.errors import InputError
from governance.fields import check_day


def _finding(doc: Mapping[str, Any]) -> Finding:
    """A stored finding, checked down to its message (which must render).

    A run holds thousands of findings and the worklist reads two runs at once, so the common
    case is one pass of plain type checks; anything odd goes the slow way, which names the field.
    """
    rule, severity = doc.get("rule"), doc.get("severity")
    variant, params = doc.get("variant") or "message", doc.get("params", {})
    account_id, platform, handle, department = (doc.get(name) or "" for name in _TEXT_FIELDS)
    first_seen = doc.get("first_seen")
    # A run stored before findings named who answers: the account's department answered for all.
    responsible = doc.get("responsible", department)
    kc_absent = doc.get("kc_absent", False)
    if not (
        type(rule) is str
        and rule in RULES_BY_ID
        and severity in SEVERITIES
        and type(variant) is str
        and type(params) is dict
        and type(account_id) is str
        and type(platform) is str
        and type(handle) is str
        and type(department) is str
        and type(responsible) is str
        and type(kc_absent) is bool
        and (not first_seen or type(first_seen) is str)
    ):
        return _finding_checked(doc)
    finding = Finding(
        rule, severity, account_id, platform, handle, department, variant, params,
        _stored_day(first_seen), responsible, kc_absent,
    )
    _check_renders(finding)
    return finding


_TEXT_FIELDS = ("account_id", "platform", "handle", "department")
#: Message shapes known to render: (rule, variant, then the parameters' names and their values'
#: types, in the stored order: one rule's findings store them alike).
_RENDERS: set[tuple[Any, ...]] = set()
#: Rules whose message computes with its values (a rate): each distinct set of values is rendered.
_COMPUTED = frozenset({"slow-replies"})


def _check_renders(finding: Finding) -> None:
    """The finding's parameters must fit its rule's message; rendered once per shape (and, for
    a rule that computes with them, once per distinct set of values: a quarter's run holds a
    thousand slow-replies findings, most with the same few figures)."""
    params = finding.params
    shape = (finding.rule, finding.variant, *params, *map(type, params.values()))
    if finding.rule in _COMPUTED:
        shape += tuple(params.values())
    try:
        if shape in _RENDERS:
            return
    except TypeError:  # a value that cannot be a key (a list): rendered every time
        shape = ()
    try:
        message = finding.message
    except (KeyError, TypeError, ValueError, ArithmeticError, IndexError):
        raise stored.BadField("params") from None
    if message == f"audit.rule.{finding.rule}.{finding.variant}":  # t() gives a missing key back
        raise stored.BadField("variant")
    if shape:
        _RENDERS.add(shape)


@functools.lru_cache(maxsize=4096)
def _parsed_day(text: str) -> date:
    return check_day(date.fromisoformat(text), "first_seen")


def _stored_day(value: Any) -> date | None:
    """A stored first_seen day (runs share a few hundred distinct days: parsed once each)."""
    if not value:
        return None
    try:
        return _parsed_day(value)
    except (ValueError, InputError):
        raise stored.BadField("first_seen") from None


def _finding_checked(doc: Mapping[str, Any]) -> Finding:
    """The slow path of :func:`_finding`: each field checked on its own, naming the bad one."""
    rule = stored.text(doc, "rule")
    if rule not in RULES_BY_ID:
        raise stored.BadField("rule")
    severity = stored.text(doc, "severity")
    if severity not in SEVERITIES:
        raise stored.BadField("severity")
    params = doc.get("params", {})
    if not isinstance(params, dict):
        raise stored.BadField("params")
    department = stored.text(doc, "department", "")
    finding = Finding(
        rule=rule,
        severity=severity,
        account_id=stored.text(doc, "account_id", ""),
        platform=stored.text(doc, "platform", ""),
        handle=stored.text(doc, "handle", ""),
        department=department,
        variant=stored.text(doc, "variant", "message"),
        params=params,
        first_seen=stored.optional_day(doc, "first_seen"),
        responsible=stored.text(doc, "responsible", department),
        kc_absent=_flag(doc, "kc_absent"),
    )
    _check_renders(finding)
    return finding


def _flag(doc: Mapping[str, Any], name: str) -> bool:
    """A true/false field, false when absent."""
    value = doc.get(name, False)
    if type(value) is not bool:
        raise stored.BadField(name)
    return value


def findings_of_rows(rows: Iterable[Row]) -> tuple[Finding, ...]:
    """The findings of typed rows (the types are checked by the decoder), each checked as
    :func:`_finding` checks one: the rule, the severity, the day, and that the message renders;
    the first bad row raises :class:`stored.BadField`.

    One loop for the whole run (15,000 rows): a message without values is known to render by its
    rule and variant alone, and each first-seen day is parsed once.
    """
    days: dict[str, date | None] = {}
    findings = []
    for row in rows:
        rule, severity, params = row.rule, row.severity, row.params
        if rule not in RULES_BY_ID:
            raise stored.BadField("rule")
        if severity not in SEVERITIES:
            raise stored.BadField("severity")
        variant, seen = row.variant or "message", row.first_seen
        day = days.get(seen) if seen else None
        if day is None and seen:
            day = days[seen] = _stored_day(seen)
        finding = Finding(
            rule, severity, row.account_id, row.platform, row.handle, row.department, variant,
            params, day, row.responsible, row.kc_absent,
        )  # fmt: skip
        if params or (rule, variant) not in _RENDERS:  # (the shape of a message without values)
            _check_renders(finding)
        findings.append(finding)
    return tuple(findings)
