"""The store stays behind its interface: only the store layer touches TinyDB or a store file.

The store layer is ``governance/store.py`` and ``governance/storage/``. Everything else reads and
changes the store through ``repos(txn)`` (see :mod:`governance.store`), so that another backend is
a new module behind that interface, not a rewrite. These checks read the source, so a new module
that reaches past the interface fails here with the line to change.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("governance", "audits", "kontokoll", "screens", "bench")
STORE_LAYER = ("governance/store.py", "governance/storage/")

#: Transaction methods that work on files and tables: the repositories' to call, nobody else's.
RAW_METHODS = frozenset(
    {"table", "tinydb", "load", "stage", "lines", "append", "rewrite_lines", "delete", "exists"}
)
#: The transactions' usual names in the code base.
TRANSACTION_NAMES = frozenset({"txn", "transaction"})
#: A store file's name: a path inside one of the store's folders.
STORE_FILE_NAME = re.compile(r"^(register|stats|audit|log)/")


def _modules() -> Iterator[tuple[str, ast.Module]]:
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if not rel.startswith(STORE_LAYER):
                yield rel, ast.parse(path.read_text(encoding="utf-8"), filename=rel)


def _docstrings(tree: ast.Module) -> set[int]:
    """The ids of the string nodes that are docstrings (which may describe the layout)."""
    found = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            value = body[0].value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                found.add(id(value))
    return found


def test_only_the_store_layer_imports_tinydb() -> None:
    offenders = []
    for rel, tree in _modules():
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            offenders += [
                f"{rel}:{node.lineno}: imports {name}"
                for name in names
                if name == "tinydb" or name.startswith("tinydb.")
            ]
    assert offenders == []


def test_only_the_store_layer_touches_tables_and_files_of_a_transaction() -> None:
    offenders = []
    for rel, tree in _modules():
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            method, receiver = node.func.attr, node.func.value
            if method in ("table", "tinydb") or (
                method in RAW_METHODS
                and isinstance(receiver, ast.Name)
                and receiver.id in TRANSACTION_NAMES
            ):
                offenders.append(f"{rel}:{node.lineno}: .{method}(...)")
    assert offenders == []


def test_only_the_layout_spells_a_store_file_name() -> None:
    offenders = []
    for rel, tree in _modules():
        docstrings = _docstrings(tree)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in docstrings
                and STORE_FILE_NAME.match(node.value)
            ):
                offenders.append(f"{rel}:{node.lineno}: {node.value!r}")
    assert offenders == []


def test_the_check_sees_a_violation() -> None:
    """The checks above would catch what they are for (guards against a check that sees nothing)."""
    tree = ast.parse('import tinydb\ntxn.table("register/core.json", "users")\n')
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
    assert isinstance(calls[0].func, ast.Attribute) and calls[0].func.attr == "table"
    assert any(isinstance(n, ast.Import) for n in ast.walk(tree))
    assert any(
        isinstance(n, ast.Constant) and STORE_FILE_NAME.match(str(n.value)) for n in ast.walk(tree)
    )
