"""Reading a backup archive from disk for ``kontokoll restore``: what may be read, and how much.

An archive is a regular file. A device or FIFO is refused by name before a byte is read
(``/dev/zero`` would otherwise fill memory), and a file is read only up to AKN's backup limit
(:data:`governance.input_limit.MAX_BACKUP_BYTES`). Inside a data directory a link is never
followed, as the store follows none: a snapshot moved out of the store and linked back into
``snapshots/`` is refused, not restored from wherever it now lies.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

from governance import input_limit
from governance.errors import InputError
from governance.i18n import t
from governance.store_folder import data_dir_of

#: Standard input's archive is refused with the same words as a file's.
TOO_LARGE_KEY = "restore_guard.too_large"


class ArchiveRefused(InputError):
    """An archive that is not a whole, untampered Kontokoll backup."""

    key = "backup.refused"

    def __init__(self, path: Path | str, reason_key: str, /, **params: Any) -> None:
        super().__init__(path=str(path), reason=t(reason_key, **params))


def read_archive_file(path: Path) -> bytes:
    """The archive's bytes; OSError as the system gives it (ELOOP: a link in a data directory)."""
    inside = data_dir_of(path.absolute()) is not None
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | (os.O_NOFOLLOW if inside else 0)
    with open(os.open(path, flags), "rb") as stream:  # (non-blocking: a FIFO's open never waits)
        info = os.fstat(stream.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise ArchiveRefused(path, "restore_guard.not_regular")
        limit = input_limit.MAX_BACKUP_BYTES
        if info.st_size > limit:  # (refused without reading it)
            raise input_limit.TooLarge(str(path), limit, TOO_LARGE_KEY)
        return input_limit.read_bounded(stream, str(path), limit, TOO_LARGE_KEY)  # (it may grow)
