"""How much an import may read: AKN's limit, checked while reading, never after.

An import file of the whole register is a few megabytes (10,000 accounts: 3 MB of CSV, an xlsx
of 0.6 MB that unpacks to 8 MB). :data:`MAX_IMPORT_BYTES` is AKN's limit, far above that: a
file beyond it is a mistake (the wrong file, ``/dev/zero``, a zip bomb), and reading it whole
first would hold it several times over in memory before refusing it. So a file or standard input
is read to at most the limit plus one byte, and an xlsx's parts are summed as the archive
declares them (Python's zip reader never unpacks a part beyond its declared size) before
openpyxl unpacks any of them.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from governance.errors import InputError

if TYPE_CHECKING:  # (only the annotations: a CSV import needs no zip reader)
    import zipfile

#: AKN:s gräns (not a format's or a platform's): the most an import reads, in bytes, of a file,
#: of standard input, or unpacked from an xlsx workbook.
MAX_IMPORT_BYTES = 50 * 1024 * 1024


class TooLarge(InputError):
    """An import source beyond AKN's limit; nothing was read into the store."""

    key = "input_limit.too_large"

    def __init__(self, path: str, limit: int = MAX_IMPORT_BYTES) -> None:
        super().__init__(path=path, limit_mb=limit // (1024 * 1024))


def read_bounded(stream: BinaryIO, name: str, limit: int = MAX_IMPORT_BYTES) -> bytes:
    """The stream's bytes, if there are at most ``limit``; else :class:`TooLarge` naming
    ``name``, having read no more than one byte past the limit."""
    data = stream.read(limit + 1)  # (a buffered read: until that many bytes or the end)
    if len(data) > limit:
        raise TooLarge(name, limit)
    return data


def read_file_bounded(path: Path, limit: int = MAX_IMPORT_BYTES) -> bytes:
    """A file's bytes, read as :func:`read_bounded` reads (a FIFO or device too: never whole)."""
    with path.open("rb") as stream:
        return read_bounded(stream, str(path), limit)


def check_unpacked(members: Iterable[zipfile.ZipInfo], name: str,
                   limit: int = MAX_IMPORT_BYTES) -> None:
    """Refuse an archive whose parts unpack to more than ``limit`` bytes in all."""
    if sum(member.file_size for member in members) > limit:
        raise TooLarge(name, limit)
