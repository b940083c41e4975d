"""The demo register: realistic, deterministic, breaking each register rule, and kept apart."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from governance.accounts_csv import write_accounts_csv
from governance.demo import DEPARTMENTS, build_demo, demo_dir
from governance.register import Register
from governance.store import Store
from tests.conftest import FIXED_NOW, run_process


def _accounts(directory: Path) -> list:  # type: ignore[type-arg]
    store = Store(directory)
    try:
        return Register(store).accounts()
    finally:
        store.close()


def test_demo_lives_in_its_own_folder_and_leaves_the_real_register_alone(data_dir: Path) -> None:
    directory = build_demo(data_dir, now=FIXED_NOW)
    assert directory == demo_dir(data_dir) == data_dir / "demo"
    assert not (data_dir / "register").exists()
    assert len(_accounts(directory)) >= 60


def test_demo_is_deterministic(tmp_path: Path) -> None:
    exports = []
    for name in ("a", "b"):
        directory = build_demo(tmp_path / name, now=FIXED_NOW)
        out = tmp_path / f"{name}.csv"
        write_accounts_csv(out, _accounts(directory))
        exports.append(out.read_bytes())
        assert sorted(a.id for a in _accounts(directory)) == sorted(
            a.id for a in _accounts(build_demo(tmp_path / name, now=FIXED_NOW))
        )
    assert exports[0] == exports[1]


def test_demo_has_the_city_accounts_the_departments_and_every_register_problem(
    data_dir: Path,
) -> None:
    accounts = _accounts(build_demo(data_dir, now=FIXED_NOW))
    refs = {a.ref: a for a in accounts}
    for ref in (
        "facebook:helsingborgsstad",
        "instagram:helsingborgsstad",
        "linkedin:helsingborgs-stad",
        "x:helsingborg",
    ):
        assert refs[ref].shared
    assert {a.department for a in accounts} == set(DEPARTMENTS)
    active = [a for a in accounts if a.status == "active"]
    today = date(2026, 11, 28)
    assert any(not a.editors for a in active)
    assert any(len(a.editors) == 1 for a in active)
    assert any(not a.purpose.strip() for a in active)
    assert any(a.project and a.project_end and a.project_end < today for a in active)
    assert any(a.project and (a.project_end is None or a.project_end >= today) for a in active)
    assert any(a.visibility == "closed" and not a.closed_reason for a in active)
    assert any(a.visibility == "closed" and a.closed_reason for a in active)
    assert any(a.status == "retired" for a in accounts)
    with_editors = [a for a in active if a.editors]
    assert any(a.editors_confirmed_at is None for a in with_editors)
    assert sum(a.editors_confirmed_at is not None for a in with_editors) > len(with_editors) / 2
    assert all(e.email.endswith("@helsingborg.se") for a in accounts for e in a.editors)


def test_demo_command_builds_and_says_where(tmp_path: Path) -> None:
    data = tmp_path / "data"
    result = run_process("--data-dir", str(data), "demo", "--no-app")
    if "--no-app" in result.stderr:  # before the app exists the flag is unknown
        result = run_process("--data-dir", str(data), "demo")
    assert result.returncode == 0, result.stderr
    assert str(data / "demo") in result.stdout
    assert (data / "demo" / "register" / "index.json").is_file()
