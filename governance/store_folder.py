"""What a Kontokoll data directory is on disk, and which one a path lies in.

One definition for every guard that must keep one store's files apart from another's: exports,
the server's own files, ``--data-dir``, restores and the damaged-file advice all ask here.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from governance.storage.layout import LOCK, REGISTER_FOLDER


def is_store_folder(folder: Path | str, *, dir_fd: int | None = None) -> bool:
    """Whether ``folder`` (relative to ``dir_fd`` when given) is a data directory: a folder
    with a lock and a register. A lock alone is no store: pytest's temporary folders have one,
    for instance."""
    base = os.fspath(folder)
    try:
        os.stat(os.path.join(base, LOCK), dir_fd=dir_fd)
        register = os.stat(os.path.join(base, REGISTER_FOLDER), dir_fd=dir_fd)
    except OSError:
        return False
    return stat.S_ISDIR(register.st_mode)


def data_dir_of(file: Path, levels: int | None = 4) -> Path | None:
    """The nearest data directory above ``file``, looking ``levels`` folders up (None: all the
    way to ``/``). A store file lies at most four levels down, hence the default."""
    parents = list(file.parents)
    for parent in parents if levels is None else parents[:levels]:
        if is_store_folder(parent):
            return parent
    return None
