"""The message catalogues' files, parsed once and cached the way Python caches bytecode.

Parsing a catalogue file with :mod:`tomllib` takes about 2 ms: an audit command (five or six
files) paid 10-15 ms for it at every start, ``--help`` (twenty files) 25 ms, and importing tomllib
a few ms more. So each file's messages are kept, once parsed, in a marshal file where Python
keeps the bytecode of a module beside it (``__pycache__/`` in the catalogue's folder, or under
``PYTHONPYCACHEPREFIX``), stamped with the file's size and modification time. A stamp that does
not match, a cache file that cannot be read or is not what this module writes, and any error
while writing mean the file is parsed as before; nothing is written where bytecode would not be
(``PYTHONDONTWRITEBYTECODE``).

A cache file is a CRC-32 of the rest, then the marshalled ``(FORMAT, stamp, messages)``. The
checksum guards against damage (a disk error, a torn copy): one changed byte anywhere is always
caught, so the file is parsed again rather than a wrong or missing text shown. It is no guard
against an attacker: whoever can plant a file in the cache folder can write a matching checksum,
so, like a ``.pyc`` (which Python runs), the cache is trusted as much as the folder that holds it.
Its values are still checked to be texts. :data:`FORMAT` covers what the stamp cannot: a cache
written by an older parser (or file layout) is ignored once the format is bumped.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import sys
import zlib
from collections.abc import Callable
from pathlib import Path

#: marshal's format changes between Python versions: each version has its own cache files.
_SUFFIX = f".{sys.implementation.cache_tag}.marshal"

#: The shape of what is cached: this module's file layout and what ``governance.i18n._parse``
#: returns for a file (flat ``{dotted key: text}``, plural tables as ``key.one``/``key.other``).
#: Bump it whenever either changes, so that caches written before are parsed again.
FORMAT = 1

#: Bytes of the CRC-32 that heads a cache file.
_CHECK = 4


def cache_path(source: Path) -> Path:
    """Where the cache of ``source`` lives: as ``importlib.util.cache_from_source`` places a
    module's bytecode (``__pycache__`` beside it, or the same folders under the prefix)."""
    folder = source.parent.absolute()
    name = source.name + _SUFFIX
    if sys.pycache_prefix:
        return Path(sys.pycache_prefix, *folder.parts[1:], name)
    return folder / "__pycache__" / name


def cached_messages(source: Path, parse: Callable[[Path], dict[str, str]]) -> dict[str, str]:
    """The messages of ``source``: from its cache if that is current, else ``parse(source)``
    (then cached for the next process where bytecode may be written)."""
    info = source.stat()
    stamp = (info.st_mtime_ns, info.st_size)
    path = cache_path(source)
    found = _read(path, stamp)
    if found is not None:
        return found
    messages = parse(source)
    if not sys.dont_write_bytecode:
        _write(path, stamp, messages)
    return messages


def _read(path: Path, stamp: tuple[int, int]) -> dict[str, str] | None:
    """The cached messages if ``path`` holds this stamp's, undamaged and of this format; None
    for anything else."""
    try:
        raw = path.read_bytes()
    except OSError:  # missing, or not a file we may read
        return None
    body = memoryview(raw)[_CHECK:]
    if len(raw) <= _CHECK or zlib.crc32(body) != int.from_bytes(raw[:_CHECK], "big"):
        return None
    try:
        data = marshal.loads(body)
    except (EOFError, ValueError, TypeError):  # not a marshal file (written by another tool)
        return None
    if not (type(data) is tuple and len(data) == 3 and data[0] == FORMAT and data[1] == stamp):
        return None
    messages = data[2]
    if type(messages) is not dict or not all(
        type(k) is str and type(v) is str for k, v in messages.items()
    ):
        return None
    return messages


def _write(path: Path, stamp: tuple[int, int], messages: dict[str, str]) -> None:
    """Write the cache whole or not at all (a process reading it meanwhile sees the old file or
    the new one); a folder we may not write is no error, the file is parsed again next time."""
    body = marshal.dumps((FORMAT, stamp, messages))
    data = zlib.crc32(body).to_bytes(_CHECK, "big") + body
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(temporary, "xb") as handle:  # (never another's file, never through a link)
            handle.write(data)
        os.replace(temporary, path)
    except FileExistsError:  # (a folder in the way, or another process's file: left alone)
        return
    except OSError:
        with contextlib.suppress(OSError):
            temporary.unlink()
