"""One definition each: the platform list, the visibility and status choices, the accounts CSV's
columns (derived from the model) and the in-file duplicate-row check of the imports.

A second copy of a list drifts: a platform added in one place and not the other is a filter that
misses accounts or a sync that skips them. The scan below finds such a list spelled out anywhere
outside ``governance/fields.py``, the one place that defines them.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from governance.accounts_csv import (
    ALL_COLUMNS,
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    read_account_rows,
)
from governance.errors import ImportRefused
from governance.fields import (
    ACCOUNT_FIELD_PARSERS,
    API_PLATFORMS,
    PLATFORMS,
    STATUSES,
    VISIBILITIES,
)
from governance.model import EDITABLE_FIELDS, EXCHANGED_FIELDS, Account
from governance.register import AccountRow, Register
from governance.stats_csv import STATS_COLUMNS, StatsFiles
from governance.store import Store

REPO = Path(__file__).resolve().parent.parent
SCANNED = ("governance", "audits", "kontokoll", "screens", "bench")
HOME = REPO / "governance" / "fields.py"


def _lists(path: Path) -> Iterator[tuple[int, set[str]]]:
    """(line, values) of every tuple, list or set literal made only of strings in ``path``."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Tuple | ast.List | ast.Set) and node.elts:
            values = [e.value for e in node.elts if isinstance(e, ast.Constant)]
            if len(values) == len(node.elts) and all(isinstance(v, str) for v in values):
                yield node.lineno, set(values)


def _spelled_out(values: set[str]) -> str | None:
    """What list ``values`` repeats: three platform names make a platform list, and so do the
    platforms without an API (they define those with one by exclusion). Two platforms that share
    a behaviour (Meta's, say) are a fact about them, not a list. The other choices only whole."""
    without_api = set(PLATFORMS) - set(API_PLATFORMS)
    if len(values & set(PLATFORMS)) >= 3 or values >= without_api:
        return "platforms"
    if values == set(VISIBILITIES):
        return "visibilities"
    if values == set(STATUSES):
        return "statuses"
    return None


def test_each_choice_list_is_spelled_out_once() -> None:
    copies = [
        f"{path.relative_to(REPO)}:{line}: {kind} {sorted(values)}"
        for package in SCANNED
        for path in sorted((REPO / package).rglob("*.py"))
        if path != HOME
        for line, values in _lists(path)
        if (kind := _spelled_out(values))
    ]
    assert copies == [], "import these from governance.fields instead:\n" + "\n".join(copies)


def test_the_accounts_csv_columns_are_the_readme_s() -> None:
    """The columns derive from the model; this pins them to what the README promises people."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert f"\n    {','.join(REQUIRED_COLUMNS)}\n" in readme
    assert f"Optional extra columns: `{','.join(OPTIONAL_COLUMNS)}`." in readme
    assert ALL_COLUMNS == REQUIRED_COLUMNS + OPTIONAL_COLUMNS  # the optional ones come last


def test_the_exchanged_fields_are_the_model_s_and_each_has_a_parser() -> None:
    names = set(Account.__struct_fields__)
    assert set(EXCHANGED_FIELDS) <= names
    assert len(set(EXCHANGED_FIELDS)) == len(EXCHANGED_FIELDS)
    assert tuple(n for n in EXCHANGED_FIELDS if n != "editors") == EDITABLE_FIELDS
    assert set(ACCOUNT_FIELD_PARSERS) == set(EDITABLE_FIELDS)


def test_the_accounts_import_refuses_a_repeated_account(tmp_path: Path) -> None:
    path = tmp_path / "konton.csv"
    rows = ["x,hbg,Stadsledningsförvaltningen", "facebook,hbg,Stadsledningsförvaltningen"]
    path.write_text(
        "platform,handle,department,purpose,visibility,closed_reason,project,project_end,"
        "editors,url,platform_id,status\n"
        + "\n".join(row + ",,,,,,,,," for row in [*rows, "Twitter,@HBG,Kulturförvaltningen"]),
        encoding="utf-8",
    )
    with pytest.raises(ImportRefused) as caught:
        read_account_rows(path)
    assert [(p.line, p.field, p.reason) for p in caught.value.problems] == [
        (4, "handle", "kontot x:hbg förekommer redan på rad 2")
    ]


def test_the_register_refuses_a_repeated_account_from_any_source(store: Store) -> None:
    row = {"platform": "x", "handle": "a", "department": "Miljöförvaltningen"}
    with pytest.raises(ImportRefused) as caught:
        Register(store, user="a").import_rows([AccountRow(2, row), AccountRow(5, row)], "<rader>")
    assert [(p.line, p.field, p.reason) for p in caught.value.problems] == [
        (5, "handle", "kontot x:a förekommer redan på rad 2")
    ]


def test_the_stats_import_refuses_a_repeated_month(store: Store, tmp_path: Path) -> None:
    Register(store, user="a").import_rows(
        [AccountRow(2, {"platform": "x", "handle": "a", "department": "Miljöförvaltningen"})], "-"
    )
    path = tmp_path / "statistik.csv"
    blank = "," * (len(STATS_COLUMNS) - 4)
    months = ["x,a,2026-10,1", "x,a,2026-11,2", "X,@A,2026-10,3"]
    path.write_text(
        "\n".join([",".join(STATS_COLUMNS), *(m + blank for m in months)]), encoding="utf-8"
    )
    with pytest.raises(ImportRefused) as caught:
        StatsFiles(store, user="a").plan_import(path)
    assert [(p.line, p.field, p.reason) for p in caught.value.problems] == [
        (4, "month", "x:a 2026-10 finns redan på rad 2")
    ]
