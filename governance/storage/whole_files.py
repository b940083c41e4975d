"""Whole store documents, for the operations that treat every record alike (forget, restore).

Part of the store's interface (``repos(txn).files``, see :mod:`governance.store`). A second backend
offers the same over its tables: a name per table, its documents, a way to rewrite them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from governance.storage.files import (
    TEMP_MARKER,
    read_store_file,
    remove_stale_temp_files,
    walk_tree,
)
from governance.storage.format import META_TABLE, Tables
from governance.storage.layout import (
    CHANGE_LOG,
    JOURNAL,
    LOCK,
    STORE_FOLDERS,
    is_document_file,
    screenshot_digest,
)
from governance.storage.transactions import ReadTransaction, writable


@dataclass(frozen=True)
class StoreListing:
    """The files in the store's folders: its documents, and anything else that holds bytes."""

    documents: tuple[str, ...]  # TinyDB store files, relative to the data directory
    other: tuple[str, ...]


class Files:
    """Whole store documents, for what works on every record alike (forget, restore).

    A second backend offers the same over its tables: a name per table, its documents, rewrite.
    """

    def __init__(self, txn: ReadTransaction) -> None:
        self._txn = txn

    @property
    def _root(self) -> Path:
        return self._txn.path("")

    def listing(self) -> StoreListing:
        """Every file of this store (not the demo's, not snapshots), sorted, without temp files
        and without the change log (see :class:`ChangeLog`) and the lock and journal."""
        documents: list[str] = []
        other: list[str] = []
        candidates = [p for p in self._root.iterdir() if not p.is_dir() or p.is_symlink()]
        for folder in STORE_FOLDERS:
            if (self._root / folder).is_dir():
                candidates += walk_tree(self._root / folder)
        for path in candidates:
            rel = path.relative_to(self._root).as_posix()
            if path.is_symlink() or not path.is_file() or TEMP_MARKER in path.name:
                continue
            if rel in (LOCK, CHANGE_LOG) or screenshot_digest(rel) is not None:
                continue  # screenshots: images, never rewritten; retention deletes them
            if is_document_file(rel):
                documents.append(rel)
            elif rel != JOURNAL:
                other.append(rel)
        return StoreListing(tuple(sorted(documents)), tuple(sorted(other)))

    def remove_temp_files(self) -> None:
        """Remove temp files left by a writer that died; only under the exclusive lock, where
        every temp file in the store's folders is such a leftover. The demo and snapshots are
        not this store's."""
        for folder in STORE_FOLDERS:
            remove_stale_temp_files(self._root / folder)
        for path in self._root.iterdir():
            if TEMP_MARKER in path.name and path.is_file() and not path.is_symlink():
                path.unlink(missing_ok=True)

    def raw(self, rel: str) -> bytes:
        """The file's bytes as they are on disk (empty if none), for a quick look before parsing."""
        return read_store_file(self._root / rel) or b""

    def documents(self, rel: str) -> Tables:
        """The file's tables; in a write transaction, a private copy to change and replace."""
        return self._txn.load(rel)

    def replace(self, rel: str, data: Tables) -> None:
        """Make ``data`` the file's content on commit, keeping the kind the file records."""
        meta = data.get(META_TABLE, {}).get("1", {})
        recorded = meta.get("kind") if isinstance(meta, dict) else None
        writable(self._txn).stage(rel, data, kind=recorded if isinstance(recorded, str) else None)

    def delete(self, rel: str) -> None:
        writable(self._txn).delete(rel)

    def put_blob(self, rel: str, raw: bytes) -> None:
        """Make ``raw`` the binary file ``rel`` on commit (a screenshot, on a restore)."""
        writable(self._txn).put_blob(rel, raw)
