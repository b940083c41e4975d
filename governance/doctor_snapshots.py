"""What ``kontokoll doctor`` finds in ``snapshots/`` that is not one of Kontokoll's snapshots.

Kontokoll keeps only its own archives there (``register-<time>.tar.gz``). Anything else is
someone's doing and easily missed: a whole store made there by a ``--data-dir`` that pointed
into this one, a copy dropped in by hand. Doctor names each, and says when it is a store.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

from governance.snapshots import SNAPSHOT_DIR, list_snapshots
from governance.storage.files import TEMP_MARKER
from governance.store_folder import is_store_folder


def check_snapshot_folder(root: Path, add: Callable[..., Any]) -> None:
    """Report (through doctor's ``add(rel, key, **params)``) each entry of ``snapshots/`` that
    is not a snapshot; a left temp file is the tree check's, a link is reported as one too."""
    folder = root / SNAPSHOT_DIR
    if not stat.S_ISDIR(_mode(folder)):
        return  # missing (no snapshot yet), or not a folder: the tree check says so
    known = {path.name for path in list_snapshots(root)}
    for name in sorted(os.listdir(folder)):
        if name in known or TEMP_MARKER in name:
            continue
        path = folder / name
        store = not path.is_symlink() and is_store_folder(path)
        add(f"{SNAPSHOT_DIR}/{name}",
            "f9a_doctor.snapshot_store" if store else "f9a_doctor.snapshot_unknown")


def _mode(path: Path) -> int:
    try:
        return path.lstat().st_mode
    except OSError:
        return 0
