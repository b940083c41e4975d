"""What ``kontokoll doctor`` finds wrong with a recent file (:mod:`governance.storage.recent`).

A recent file is read with the audit's and the register's own typed decoders (one they cannot
decode is damaged: they read the stats shard instead), then derived anew from its stats shard
as it is on disk and compared: one derived from another version of the shard (an older
Kontokoll's write, a hand edit) is stale, which the audit notices and reads the shard instead;
one of an older format (:data:`~governance.storage.recent.FORMAT`) lacks what the register's
rows read, which then read the shard; one that claims the shard on disk but holds other rows or
figures than derived from it is a mismatch, which the audit (or the register's rows) would
believe. ``--repair`` writes both anew (:func:`rederive`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from governance.errors import StoreCorrupt, StoreError, StoreTooNew
from governance.storage import recent, typed
from governance.storage.files import read_store_file, stat_store_file
from governance.storage.format import parse_store_file
from governance.storage.layout import RECENT_TABLE, SOURCE_TABLE, stats_of

Found = tuple[str, dict[str, Any]]


def recent_problem(root: Path, rel: str) -> Found | None:
    """The problem's message key and parameters for the recent file ``rel``, or None.

    One that does not decode is damaged: the audit reads its stats shard instead. StoreTooNew
    for one of a newer schema. A stats shard that cannot be read is not this file's problem
    (doctor names the shard), nor is a link (the tree check names it).
    """
    stats_rel = stats_of(rel)
    try:
        raw = read_store_file(root / rel) or b""
        typed.recent_file(root / rel, raw)
        typed.latest_file(root / rel, raw)
        data = parse_store_file(root / rel, raw)
    except StoreCorrupt as error:
        return "recent.damaged", {"stats": stats_rel, "detail": error.params.get("detail")}
    except StoreTooNew:
        raise
    except StoreError:
        return None
    try:
        st = stat_store_file(root / stats_rel)
        if st is None:
            return "recent.orphan", {"stats": stats_rel}
        stats = parse_store_file(root / stats_rel, read_store_file(root / stats_rel) or b"")
    except StoreError:
        return None
    return _compared(data, recent.derived(stats, st.st_size, st.st_mtime_ns), st, stats_rel)


def _compared(
    data: dict[str, Any], expected: dict[str, Any], st: os.stat_result, stats_rel: str
) -> Found | None:
    """Stale or mismatch when the recent file ``data`` is not ``expected`` (derived anew from
    the stats file of stat ``st``)."""
    source = data.get(SOURCE_TABLE, {}).get("1", {})
    identity = {"size": st.st_size, "mtime_ns": st.st_mtime_ns}
    if {key: source.get(key) for key in identity} != identity:
        return "recent.stale", {"stats": stats_rel}
    if source.get("format") != recent.FORMAT:
        return "recent_format.older", {"stats": stats_rel}
    # The audit's rows, then the register's figures: each a mismatch of its own reader.
    for table, key in ((RECENT_TABLE, "recent.mismatch"),
                       (recent.LATEST_TABLE, "recent_format.mismatch")):
        rows, wanted = data.get(table, {}), expected[table]
        if rows != wanted:
            differs = sorted(k for k in {*rows, *wanted} if rows.get(k) != wanted.get(k))
            return key, {"stats": stats_rel, "doc": differs[0]}
    if source != expected[SOURCE_TABLE]["1"]:
        return "recent.mismatch", {"stats": stats_rel, "doc": "-"}
    return None
