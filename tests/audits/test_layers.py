"""``governance`` is the core below ``audits``: no module under governance/ may import audits.

The audit rules read what the core stores; the core (the store, the register, the platform
clients) must work, and be testable, without the audit package. A static check (the AST of every
module, imports under ``TYPE_CHECKING`` and inside functions included) rather than importing the
modules, so that it also catches an import on a path no test happens to run.
"""

from __future__ import annotations

import ast
from pathlib import Path

GOVERNANCE = Path(__file__).resolve().parent.parent.parent / "governance"


def imports_of_audits(source: str) -> list[tuple[int, str]]:
    """(line, module) of every import of ``audits`` or a module inside it in ``source``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found += [(node.lineno, n) for n in names if n == "audits" or n.startswith("audits.")]
    return found


def test_the_check_finds_every_form_of_import() -> None:
    source = (
        "import audits\n"
        "import audits.rules as r\n"
        "from audits import rules\n"
        "def f():\n"
        "    from audits.worktime import reply_deadline\n"
        "import auditsfoo\n"
        "from governance import audits_note\n"
    )
    assert [name for _, name in imports_of_audits(source)] == [
        "audits",
        "audits.rules",
        "audits",
        "audits.worktime",
    ]


def test_no_governance_module_imports_audits() -> None:
    modules = sorted(GOVERNANCE.rglob("*.py"))
    assert len(modules) > 20  # the walk found the package
    offending = [
        f"{path.relative_to(GOVERNANCE.parent)}:{line}: imports {name}"
        for path in modules
        for line, name in imports_of_audits(path.read_text(encoding="utf-8"))
    ]
    assert offending == []
