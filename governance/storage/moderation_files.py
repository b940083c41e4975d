"""The moderation register's files: its records (a TinyDB table) and the screenshots (binary).

Part of the store's interface (``repos(txn).moderation``, see :mod:`governance.store`). Records
come back as plain documents, which :mod:`governance.moderation.records` decodes and checks; the
store never imports the layers it serves. A record's TinyDB doc id is its 8-hex-digit id read as
a number, so a lookup by id is a dictionary access.

A screenshot is stored once per content, under its SHA-256 (``moderation/screenshots/SHA.EXT``):
two records of the same image share the file, which is deleted only when no record still keeps
it (the caller decides; :meth:`ModerationFiles.delete_screenshot` only deletes).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tinydb.table import Document

from governance.storage.files import read_store_file
from governance.storage.layout import MODERATION_RECORDS, MODERATION_TABLE, screenshot_file
from governance.storage.transactions import ReadTransaction, writable

Doc = dict[str, Any]


def record_doc_id(record_id: str) -> int:
    """The TinyDB document id of a moderation record (its 8 hex digits as an integer)."""
    return int(record_id, 16)


class ModerationFiles:
    """The moderation records and their screenshots, over one transaction."""

    def __init__(self, txn: ReadTransaction) -> None:
        self._txn = txn

    @property
    def where(self) -> Path:
        """The records' file, in messages."""
        return self._txn.path(MODERATION_RECORDS)

    def all(self) -> Mapping[str, Doc]:
        """TinyDB doc id -> record document. Read-only."""
        return self._txn.table(MODERATION_RECORDS, MODERATION_TABLE)

    def get(self, record_id: str) -> Doc | None:
        """The record's document, if there is one. Read-only."""
        found = self.all().get(str(record_doc_id(record_id)))
        return found if isinstance(found, dict) else None

    def put(self, record_id: str, document: Doc) -> None:
        """Add or replace the record ``record_id``."""
        table = writable(self._txn).tinydb(MODERATION_RECORDS).table(MODERATION_TABLE)
        table.upsert(Document(document, doc_id=record_doc_id(record_id)))

    def put_screenshot(self, sha256: str, extension: str, raw: bytes) -> str:
        """Store a screenshot's bytes with the transaction; its store path (``rel``)."""
        rel = screenshot_file(sha256, extension)
        writable(self._txn).put_blob(rel, raw)
        return rel

    def screenshot(self, sha256: str, extension: str) -> bytes | None:
        """A stored screenshot's bytes (None if it is gone), read without following a link."""
        rel = screenshot_file(sha256, extension)
        self._txn.exists(rel)  # checks the folders on the way: no link, no special file
        return read_store_file(self._txn.path(rel))

    def delete_screenshot(self, sha256: str, extension: str) -> None:
        """Delete a screenshot with the transaction (the manifest stops listing it)."""
        rel = screenshot_file(sha256, extension)
        if self._txn.exists(rel):
            writable(self._txn).delete(rel)
