"""The redo journal of a multi-file commit, and the checks a leftover journal must pass.

A commit that changes more than one file first writes ``journal.json``: the new content of every
file, the lines to append to each log at the offset of the log it really opened, the files to
delete, and a checksum of every file's content before and after. A process that finds a leftover
journal replays it, but only if the journal fits: every path is one of the store's own (never
``..``, never absolute: a journal planted in a shared directory must not write elsewhere), each
file holds its before or after content, and each log is exactly as long as recorded or continues
with a prefix of the journal's own lines. Anything else is refused, never applied.
"""

from __future__ import annotations

import os  # (os.urandom(8).hex(): secrets.token_hex(8) without loading secrets)
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any

from governance.errors import JournalMismatch, StoreCorrupt
from governance.i18n import t
from governance.storage.format import META_TABLE, SCHEMA_VERSION, digest, parse_store_file
from governance.storage.layout import MANIFEST, STORE_FOLDERS

Plan = dict[str, Any]


def document(plan: Plan) -> dict[str, Any]:
    """The journal file's content for a commit plan."""
    return {
        META_TABLE: {"1": {"schema": SCHEMA_VERSION, "kind": "journal"}},
        "journal": {"1": {"txid": os.urandom(8).hex(), "plan": plan}},
    }


def read_plan(path: Path, raw: bytes) -> Plan:
    """The plan of a leftover journal, if it has this code's shape and only the store's paths."""
    journal = parse_store_file(path, raw)
    plan = journal.get("journal", {}).get("1", {}).get("plan")
    if not isinstance(plan, dict) or not _plan_shaped(plan):
        raise StoreCorrupt(path=str(path), detail="no plan")
    for rel in plan_paths(plan):
        if not is_store_path(rel):
            raise JournalMismatch(path=str(path), detail=t("store.journal_foreign_path", path=rel))
    return plan


def plan_paths(plan: Plan) -> list[str]:
    """Every path a plan would write, append to or delete."""
    return [
        *plan["files"],
        *plan.get("rewrites", {}),
        *(append["path"] for append in plan["appends"]),
        *plan["deletes"],
        *plan.get("checks", {}),
    ]


def is_store_path(rel: object) -> bool:
    """Whether ``rel`` names a file of the store itself: relative, normalised, in its folders."""
    if not isinstance(rel, str) or not rel or "\\" in rel or "\x00" in rel:
        return False
    parts = PurePosixPath(rel).parts
    if PurePosixPath(rel).is_absolute() or any(p in (".", "..") for p in rel.split("/")):
        return False
    return rel == MANIFEST or (len(parts) > 1 and parts[0] in STORE_FOLDERS)


def _plan_shaped(plan: dict[str, Any]) -> bool:
    """Whether a journal's plan has exactly the shape this code writes, checksums included."""
    files, rewrites, checks = plan.get("files"), plan.get("rewrites"), plan.get("checks")
    appends, deletes = plan.get("appends"), plan.get("deletes")
    times = plan.get("times", {})  # (a stats file's modification time: its recent file's)
    return (
        isinstance(times, dict)
        and all(type(ns) is int and ns >= 0 for ns in times.values())
        and isinstance(files, dict)
        and all(isinstance(doc, dict) for doc in files.values())
        and isinstance(rewrites, dict)
        and all(isinstance(text, str) for text in rewrites.values())
        and isinstance(appends, list)
        and all(_append_shaped(append) for append in appends)
        and isinstance(deletes, list)
        and isinstance(checks, dict)
        and all(_check_shaped(check) for check in checks.values())
    )


def _append_shaped(append: object) -> bool:
    return (
        isinstance(append, dict)
        and isinstance(append.get("path"), str)
        and type(append.get("offset")) is int
        and append["offset"] >= 0
        and isinstance(append.get("lines"), list)
        and all(isinstance(line, str) for line in append["lines"])
    )


def _check_shaped(check: object) -> bool:
    return isinstance(check, dict) and all(
        check.get(key) is None or isinstance(check.get(key), str) for key in ("before", "after")
    )


class JournalCheck:
    """Whether a leftover journal fits the files it would change; refuses it with a reason if not.

    Every file the journal replaces, rewrites or deletes must have a checksum in it, and must
    hold either its content from before the commit or the journal's new content (for a delete:
    none). A log must be exactly as long as when the journal was written, or continue past that
    with a prefix of the journal's own lines (a killed append). Anything else means the files
    changed after the journal was written, or the journal is not one Kontokoll wrote, and
    applying it would destroy data.
    """

    def __init__(self, read: Callable[[str], bytes | None], journal_path: Path) -> None:
        self._read = read
        self._path = journal_path

    def verify(self, plan: dict[str, Any]) -> None:
        checks = plan["checks"]
        for rel in [*plan["files"], *plan["rewrites"], *plan["deletes"]]:
            if rel not in checks:
                self._refuse(t("store.journal_unchecked", path=rel))
        for rel, check in checks.items():
            current = digest(self._read(rel))
            if current not in (check.get("before"), check.get("after")):
                self._refuse(t("store.journal_file_changed", path=rel))
        for append in plan["appends"]:
            self._verify_append(append)

    def _verify_append(self, append: dict[str, Any]) -> None:
        raw = self._read(append["path"]) or b""
        offset = append["offset"]
        payload = "".join(line + "\n" for line in append["lines"]).encode("utf-8")
        if len(raw) < offset:
            self._refuse(t("store.journal_log_shorter", path=append["path"], size=len(raw),
                           offset=offset))
        if not payload.startswith(raw[offset:]):
            self._refuse(t("store.journal_log_other", path=append["path"], offset=offset))

    def _refuse(self, detail: str) -> None:
        raise JournalMismatch(path=str(self._path), detail=detail)
