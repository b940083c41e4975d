"""What a Kontokoll data directory is on disk, and which one a path lies in.

One definition for every guard that must keep one store's files apart from another's: exports,
the server's own files, ``--data-dir``, restores and the damaged-file advice all ask here.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator
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


#: Where the default data directory lies below a home folder (platformdirs on Linux, and the
#: service account's store: governance.service_account.data_dir_in).
_DEFAULT_BELOW_HOME = (".local", "share", "kontokoll")
#: How many folder entries :func:`store_below` reads at most: a home may hold huge folders.
_MOST_ENTRIES = 20_000


def stores_below(folder: Path) -> Iterator[Path]:
    """The data directories lying below ``folder`` (not itself one), nearest first.

    Cheap, not a tree walk: the default data directory's place below a home, then the folders
    one and two levels down (links not followed). A folder with a lock of its own is taken for
    a store, perhaps damaged (``doctor`` must still open it): nothing below it is looked at.
    The caller tells a folder's own demo (``DATA/demo``) from another store.
    """
    root = os.path.realpath(folder)
    if not os.path.isdir(root) or os.path.lexists(os.path.join(root, LOCK)):
        return
    default = os.path.join(root, *_DEFAULT_BELOW_HOME)
    if is_store_folder(default):
        yield Path(default)
    elif os.path.isdir(default):  # (`kontokoll demo` before any other command: its demo alone)
        from governance.demo import DEMO_DIRNAME

        if is_store_folder(os.path.join(default, DEMO_DIRNAME)):
            yield Path(default, DEMO_DIRNAME)
    budget = [_MOST_ENTRIES]
    for child in _subfolders(root, budget):
        if is_store_folder(child):
            yield Path(child)
            continue  # what lies inside a store is that store's
        for grandchild in _subfolders(child, budget):
            if is_store_folder(grandchild):
                yield Path(grandchild)


def _subfolders(folder: str, budget: list[int]) -> list[str]:
    """The folders directly in ``folder`` (no links), while ``budget[0]`` entries remain."""
    found: list[str] = []
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                budget[0] -= 1
                if budget[0] < 0:
                    break
                with contextlib.suppress(OSError):
                    if entry.is_dir(follow_symlinks=False):
                        found.append(entry.path)
    except OSError:  # unreadable: nothing to see there
        pass
    return found


def is_foreign_folder(folder: Path) -> bool:
    """Whether ``folder`` is an existing folder with files in it but no store's lock: making a
    store there mixes the register's files with someone's own."""
    try:
        with os.scandir(folder) as entries:
            names = {entry.name for entry in entries}
    except OSError:  # missing, or no folder: the store reports that itself
        return False
    return bool(names) and LOCK not in names
