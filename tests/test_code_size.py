"""No module over 450 lines and no function over 50 lines outside tests/ and bench/.

Long modules and functions are where the next engineer stumbles: split a module by concern and a
function into named steps. The limits count every line, docstrings and comments included (a
function's lines run from its ``def`` to its last line; decorators are not counted).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MAX_MODULE_LINES = 450
MAX_FUNCTION_LINES = 50
#: Folders that are not the product: the tests, the benchmarks, and what tools leave behind.
SKIPPED = {"tests", "bench", "build", "dist"}


def _modules() -> Iterator[Path]:
    for path in sorted(REPO.rglob("*.py")):
        parts = path.relative_to(REPO).parts
        if parts[0] in SKIPPED or any(p.startswith(".") or p.endswith(".egg-info") for p in parts):
            continue
        yield path


def _name(path: Path) -> str:
    return path.relative_to(REPO).as_posix()


def test_no_module_is_over_the_limit() -> None:
    offenders = []
    for path in _modules():
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_MODULE_LINES:
            offenders.append(f"{_name(path)}: {lines} lines")
    assert not offenders, f"modules over {MAX_MODULE_LINES} lines:\n" + "\n".join(offenders)


def test_no_function_is_over_the_limit() -> None:
    offenders = []
    for path in _modules():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    offenders.append(f"{_name(path)}:{node.lineno}: {node.name}: {lines} lines")
    assert not offenders, f"functions over {MAX_FUNCTION_LINES} lines:\n" + "\n".join(offenders)
