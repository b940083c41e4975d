"""Which automatic snapshot to recommend when a register file is damaged, and what it would cost.

A snapshot is recommended only if it holds the damaged file: an early snapshot (taken before the
first import, say) holds only ``register/core.json``, and restoring it would remove every account.
The message names the snapshot's age and how many accounts it holds, and warns when the register
changed after it was taken, since those changes would be lost.

Reading a snapshot's member list means decompressing it (a tar's headers sit between its files),
so the snapshots are read newest first and the search stops at the first that holds the file.
This runs only on the way to showing a damaged-file message.
"""

from __future__ import annotations

import os
import stat
import tarfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from governance.errors import StoreError
from governance.i18n import t
from governance.storage.database import parse_store_file
from governance.storage.layout import ACCOUNTS_FOLDER, HANDLES_TABLE, INDEX, REGISTER_FOLDER

#: A snapshot's name after its prefix: register-20261129T104821Z.tar.gz.
STAMP_FORMAT = "%Y%m%dT%H%M%SZ"
#: The handle index of 10,000 accounts is under a megabyte; a larger one is not read.
MAX_INDEX_BYTES = 64 << 20


@dataclass(frozen=True)
class SnapshotContents:
    """What a snapshot holds: its files' paths and how many accounts its index names."""

    path: Path
    taken: datetime
    files: frozenset[str]
    accounts: int


def snapshot_advice(
    root: Path, rel: str, snapshots: Sequence[Path], now: datetime, prefix: str
) -> str:
    """The advice for a damaged ``rel``: the newest of ``snapshots`` holding it, or none does."""
    for path in reversed(snapshots):
        contents = read_contents(path, prefix)
        if contents is not None and rel in contents.files:
            return _recommend(root, rel, contents, now)
    return t("snapshot_advice.none", file=rel, data_dir=str(root))


def read_contents(path: Path, prefix: str) -> SnapshotContents | None:
    """The snapshot's member names and account count; None if it cannot be read as one.

    A link is never read (restore refuses links in the data directory, as the store does)."""
    if path.is_symlink():
        return None
    try:
        taken = datetime.strptime(path.name[len(prefix) :].split(".", 1)[0], STAMP_FORMAT)
    except ValueError:
        return None
    files: set[str] = set()
    accounts: int | None = None
    try:
        with tarfile.open(path, mode="r|gz") as tar:  # a stream: no member is kept in memory
            for info in tar:
                files.add(info.name)
                if info.name == INDEX and info.isreg() and info.size <= MAX_INDEX_BYTES:
                    handle = tar.extractfile(info)
                    accounts = _count(handle.read()) if handle is not None else None
    except (tarfile.TarError, OSError, EOFError, zlib.error):
        return None
    if accounts is None:
        return None  # no readable index: restore would refuse this snapshot anyway
    return SnapshotContents(path, taken.replace(tzinfo=UTC), frozenset(files), accounts)


def _count(raw: bytes) -> int | None:
    try:
        index = parse_store_file(Path(INDEX), raw).get(HANDLES_TABLE, {}).get("1", {})
    except StoreError:
        return None
    refs = index.get("refs") if isinstance(index, dict) else None
    return len(refs) if isinstance(refs, dict) else None


def _recommend(root: Path, rel: str, contents: SnapshotContents, now: datetime) -> str:
    taken = _stamp(contents.taken)
    lines = [
        t(
            "snapshot_advice.restore",
            file=rel,
            data_dir=str(root),
            snapshot=str(contents.path),
            taken=taken,
            age=age_text(now - contents.taken),
            accounts=t("snapshot_advice.accounts", count=contents.accounts),
        )
    ]
    changed = last_register_change(root, skip=root / rel)  # the damage itself is no change
    if changed is not None and changed > contents.taken:
        lines.append(t("snapshot_advice.newer", taken=taken, changed=_stamp(changed)))
    return "\n".join(lines)


def _stamp(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M:%S} UTC"  # seconds: a snapshot precedes its write closely


def age_text(age: timedelta) -> str:
    """An age as minutes, hours or days, whichever reads best."""
    seconds = max(0, int(age.total_seconds()))
    if seconds < 3600:
        return t("snapshot_advice.minutes", count=seconds // 60)
    if seconds < 2 * 86400:
        return t("snapshot_advice.hours", count=seconds // 3600)
    return t("snapshot_advice.days", count=seconds // 86400)


def last_register_change(root: Path, skip: Path) -> datetime | None:
    """When a register file other than ``skip`` was last written (the newest mtime)."""
    newest: float | None = None
    for folder in (root / REGISTER_FOLDER, root / ACCOUNTS_FOLDER):
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if entry.path == str(skip) or not stat.S_ISREG(info.st_mode):
                continue
            if newest is None or info.st_mtime > newest:
                newest = info.st_mtime
    return None if newest is None else datetime.fromtimestamp(newest, UTC)
