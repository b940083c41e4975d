"""The format of a store file: a TinyDB JSON document that records Kontokoll's schema version.

Every file is ``{table: {doc_id: doc}}`` and holds a ``_kontokoll`` table with the schema version
and the file's kind. A file that is not JSON, not of that shape, or of a newer schema is refused
with a message naming it.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson

from governance.errors import StoreCorrupt, StoreTooNew
from governance.i18n import t
from governance.storage.corrupt_detail import json_problem

#: The version of the file layout this code writes. A file with a higher version is refused.
#: 2: the store keeps a manifest of its files (``store.json``); an older Kontokoll, which would
#: not keep it up to date, refuses such a store.
SCHEMA_VERSION = 2
META_TABLE = "_kontokoll"

Tables = dict[str, dict[str, Any]]


def digest(raw: bytes | None) -> str | None:
    # Imported here: only a commit's plan takes digests, and OpenSSL's hashes cost a read-only
    # command (an export, a listing) 3-4 ms of its start-up.
    import hashlib

    return None if raw is None else hashlib.sha256(raw).hexdigest()


@contextmanager
def bulk_allocation() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many acyclic objects.

    Loading 10,000 accounts allocates hundreds of thousands of objects without cycles; left on,
    the collector would walk the growing heap again and again for nothing.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def encode(data: Any) -> bytes:
    return orjson.dumps(data)


def parse_store_file(path: Path, raw: bytes) -> Tables:
    """Parse and check one store file; raise a clear error naming the file if it is unusable."""
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise StoreCorrupt(path=str(path), detail=json_problem(raw, error)) from None
    if not isinstance(data, dict) or not all(
        isinstance(table, dict) and all(isinstance(doc, dict) for doc in table.values())
        for table in data.values()
    ):
        raise StoreCorrupt(path=str(path), detail=t("f9d_store.not_tinydb"))
    meta = data.get(META_TABLE, {}).get("1")
    if not isinstance(meta, dict) or not isinstance(meta.get("schema"), int):
        raise StoreCorrupt(path=str(path), detail=t("f9d_store.no_schema"))
    if meta["schema"] > SCHEMA_VERSION:
        raise StoreTooNew(path=str(path), found=meta["schema"], supported=SCHEMA_VERSION)
    return data


def schema_of(data: Tables) -> int:
    """The schema version recorded in a parsed (and thereby checked) store file."""
    return int(data[META_TABLE]["1"]["schema"])
