"""Damaged store files, generated with a fixed seed: every command answers with a message, never
a traceback, and a command that refuses leaves every file as it was.

The damage is what a disk, an editor or a careless script does to a JSON file: cut it short,
flip bytes, or keep it valid JSON but put a value of the wrong type, a list for a table, or
nothing where something was.
"""

from __future__ import annotations

import json
import random
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from governance.register import Register
from governance.store import Store
from tests.conftest import CliResult
from tests.conftest import store_snapshot as snapshot

SEED = 20261128
CASES = 120
#: What people run: reads of every kind of file, and one write.
COMMANDS: tuple[tuple[str, ...], ...] = (
    ("accounts", "list"),
    ("editors", "list", "facebook:a"),
    ("departments", "list"),
    ("log",),
    ("audit", "list"),
    ("editors", "add", "facebook:b", "Bo Ek <bo.ek@helsingborg.se>"),
)

Damage = Callable[[random.Random, bytes], bytes]


def odd_value(rng: random.Random) -> Any:
    return rng.choice(
        [None, 0, -1, 10**30, 1.5, "", "x" * 300, "\x1b[2J", [], [1, "a"], {}, {"a": 1}, True]
    )


def cut(rng: random.Random, raw: bytes) -> bytes:
    return raw[: rng.randrange(len(raw))]


def flip(rng: random.Random, raw: bytes) -> bytes:
    data = bytearray(raw)
    for _ in range(rng.randint(1, 5)):
        data[rng.randrange(len(data))] = rng.randrange(256)
    return bytes(data)


def replace_node(rng: random.Random, raw: bytes) -> bytes:
    """Valid JSON, but one value somewhere of another type (or gone)."""
    data = json.loads(raw)
    node: Any = data
    for _ in range(rng.randint(1, 6)):
        children = list(node.items()) if isinstance(node, dict) else list(enumerate(node))
        if not children:
            break
        key, child = rng.choice(children)
        if not isinstance(child, dict | list) or rng.random() < 0.3:
            if isinstance(node, dict) and rng.random() < 0.3:
                del node[key]
            else:
                node[key] = odd_value(rng)
            break
        node = child
    return json.dumps(data).encode()


DAMAGES: tuple[Damage, ...] = (cut, flip, replace_node, replace_node, replace_node)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small whole store: accounts, editors, departments, users, an audit run, a log."""
    data_dir = tmp_path_factory.mktemp("fuzz") / "data"
    store = Store(data_dir)
    register = Register(store, user="anna")
    for handle in ("a", "b", "c"):
        register.create_account(
            {"platform": "facebook", "handle": handle, "department": "Kulturförvaltningen",
             "purpose": "Informera"}
        )
    register.add_editor("facebook:a", "Anna Berg <anna.berg@helsingborg.se>")
    store.close()
    from audits.service import AuditService

    store = Store(data_dir)
    AuditService(store).run("2026Q3")
    store.close()
    return data_dir


def store_files(data_dir: Path) -> list[Path]:
    return sorted(
        p for p in data_dir.rglob("*.json*")
        if p.is_file() and "snapshots" not in p.parts and p.stat().st_size > 0
    )


def test_damaged_store_files_never_end_in_a_traceback(
    template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from kontokoll.cli.main import main

    rng = random.Random(SEED)
    files = [p.relative_to(template) for p in store_files(template)]
    refused = 0
    for case in range(CASES):
        data_dir = tmp_path / f"case{case}"
        shutil.copytree(template, data_dir)
        rel = rng.choice(files)
        damage = rng.choice(DAMAGES)
        raw = (data_dir / rel).read_bytes()
        damaged = damage(rng, raw) if not str(rel).endswith(".jsonl") else cut(rng, raw) + b"\xff"
        (data_dir / rel).write_bytes(damaged)
        for args in COMMANDS:
            before = snapshot(data_dir)
            try:
                code = main(["--data-dir", str(data_dir), *args])
            except Exception as error:  # the test's whole point: name the case that broke
                raise AssertionError(f"case {case}: {rel} by {damage.__name__}: {args}") from error
            result = CliResult(code, *capsys.readouterr())
            assert result.code in (0, 1, 2), (case, rel, args)
            assert "Traceback" not in result.err
            if result.code != 0:
                refused += 1
                assert snapshot(data_dir) == before, (case, rel, args)
        shutil.rmtree(data_dir)
    # The damage must bite: a fuzz run in which every command succeeded would prove nothing.
    assert refused > CASES
