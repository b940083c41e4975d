"""How much an import may read: AKN's limit, checked while reading, never after.

An import file of the whole register is a few megabytes (10,000 accounts: 3 MB of CSV, an xlsx
of 0.6 MB that unpacks to 8 MB). :data:`MAX_IMPORT_BYTES` is AKN's limit, far above that: a
file beyond it is a mistake (the wrong file, ``/dev/zero``, a zip bomb), and reading it whole
first would hold it several times over in memory before refusing it. So a file or standard input
is read to at most the limit plus one byte, and an xlsx's parts are summed as the archive
declares them (Python's zip reader never unpacks a part beyond its declared size) before
openpyxl unpacks any of them.

A backup archive read by ``kontokoll restore`` has its own limit, :data:`MAX_BACKUP_BYTES`,
read the same way.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from governance.errors import InputError

if TYPE_CHECKING:  # (only the annotations: a CSV import needs no zip reader)
    import zipfile

#: AKN:s gräns (not a format's or a platform's): the most an import reads, in bytes, of a file,
#: of standard input, or unpacked from an xlsx workbook.
MAX_IMPORT_BYTES = 50 * 1024 * 1024
#: AKN:s gräns (not a format's): the most ``kontokoll restore`` reads of a backup archive, in bytes.
#: Measured 2026-11-29: the register, stats and audits of 10,000 accounts x 24 months back up to
#: 2.2 MB (53 MB unpacked). The rest of a backup is moderation screenshots, kept as they came (up
#: to 10 MB each, already compressed): 2 GiB leaves room for hundreds of them beside the register.
#: Beyond it is a mistake (``/dev/zero``, the wrong file), refused before it fills memory.
MAX_BACKUP_BYTES = 2 << 30
#: How much is read at a time, so that the bound is checked while reading.
CHUNK_BYTES = 1 << 20


class TooLarge(InputError):
    """An import source beyond AKN's limit; nothing was read into the store."""

    key = "input_limit.too_large"

    def __init__(self, path: str, limit: int = MAX_IMPORT_BYTES, key: str | None = None) -> None:
        super().__init__(key, path=path, limit_mb=limit // (1024 * 1024))


def read_bounded(stream: BinaryIO, name: str, limit: int = MAX_IMPORT_BYTES,
                 key: str | None = None) -> bytes:
    """The stream's bytes, if there are at most ``limit``; else :class:`TooLarge` (with message
    ``key``, the import's by default) naming ``name``, having read at most one byte past it."""
    buffer = io.BytesIO()  # (getvalue() hands over its bytes without a copy)
    size = 0
    while size <= limit and (chunk := stream.read(min(CHUNK_BYTES, limit + 1 - size))):
        size += len(chunk)
        buffer.write(chunk)
    if size > limit:
        raise TooLarge(name, limit, key)
    return buffer.getvalue()


def read_file_bounded(path: Path, limit: int = MAX_IMPORT_BYTES) -> bytes:
    """A file's bytes, read as :func:`read_bounded` reads (a FIFO or device too: never whole)."""
    with path.open("rb") as stream:
        return read_bounded(stream, str(path), limit)


def check_unpacked(members: Iterable[zipfile.ZipInfo], name: str,
                   limit: int = MAX_IMPORT_BYTES) -> None:
    """Refuse an archive whose parts unpack to more than ``limit`` bytes in all."""
    if sum(member.file_size for member in members) > limit:
        raise TooLarge(name, limit)
