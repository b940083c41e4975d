"""The store's manifest (``store.json``): every store file the store has written.

Without it, a file that disappears reads as empty: a missing handle index lets a re-import double
every account, a missing core file drops every user and so turns everyone into admin. With it, a
listed file that is gone stops every command with a message. The manifest is rewritten by the
commit that creates or deletes a store file, inside the same journalled transaction.

A store made before manifests existed (every file at schema 1) has none; it is accepted after a
check that its register is whole, and gets its manifest on its first write. A store whose files
are of a schema that keeps a manifest, but which has none, has lost it and is refused.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Protocol

from governance.errors import StoreCorrupt, StoreFileMissing
from governance.i18n import t
from governance.storage.files import TEMP_MARKER, walk_tree
from governance.storage.layout import ACCOUNTS_FOLDER, CORE, INDEX, MANIFEST, STORE_FOLDERS

#: The first schema whose stores keep a manifest.
MANIFEST_SCHEMA = 2


class _CachedFile(Protocol):
    raw: bytes
    data: dict[str, dict[str, Any]]


def document(paths: Iterable[str], schema: int, meta_table: str) -> dict[str, Any]:
    """The manifest's content for these store files."""
    return {
        meta_table: {"1": {"schema": schema, "kind": "manifest"}},
        "files": {"1": {"paths": sorted(paths)}},
    }


def listed(data: dict[str, Any], path: Path) -> frozenset[str]:
    """The paths a parsed manifest lists; a manifest of another shape is refused as corrupt."""
    paths = data.get("files", {}).get("1", {}).get("paths")
    if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
        raise StoreCorrupt(path=str(path), detail=t("f9d_store.not_manifest"))
    return frozenset(paths)


def missing(path: Path, manifest_path: Path) -> StoreFileMissing:
    return StoreFileMissing(path=str(path), manifest=str(manifest_path))


def scan(root: Path) -> set[str]:
    """The store files on disk (relative paths), for the first manifest of an older store."""
    found: set[str] = set()
    for folder in STORE_FOLDERS:
        for path in walk_tree(root / folder):
            if path.is_file() and not path.is_symlink() and TEMP_MARKER not in path.name:
                found.add(path.relative_to(root).as_posix())
    return found


def check_unlisted_store(
    root: Path, cached: Callable[[str], _CachedFile], schema_key: Callable[[dict[str, Any]], int]
) -> None:
    """Accept a store without a manifest only if it is new, or older and whole.

    ``cached`` reads and checks a store file; ``schema_key`` gives a parsed file's schema.
    """
    core, index = cached(CORE), cached(INDEX)
    for entry in (core, index):
        if entry.raw and schema_key(entry.data) >= MANIFEST_SCHEMA:
            raise StoreFileMissing("store.manifest_missing", path=str(root / MANIFEST))
    shards = root / ACCOUNTS_FOLDER
    has_accounts = shards.is_dir() and any(
        name.endswith(".json") and TEMP_MARKER not in name for name in os.listdir(shards)
    )
    if has_accounts:
        for rel, entry in ((CORE, core), (INDEX, index)):
            if not entry.raw:
                detail = t("store.legacy_missing", missing=rel)
                raise StoreCorrupt(path=str(root / rel), detail=detail)
