"""Where an export may be written: never into the store, never onto a device, FIFO, socket or link.

Every export (accounts, stats, audit findings, backups) goes through :func:`write_export`. The
rules, and why each holds even against someone racing us:

* **Never inside the data directory, nor inside any other Kontokoll store.** The target's
  parent directory is opened once and every later step works relative to that open descriptor
  (``dir_fd``), so swapping a parent for a symlink after the check changes nothing. From that
  descriptor we walk ``..`` up to ``/`` and compare each directory's (device, inode) with the
  data directory's: ``..`` in the path, a symlinked parent, a data directory reached through a
  symlink or a bind mount all resolve to the same inode and are refused. A lexical ``realpath``
  comparison runs as well, for a data directory that does not exist yet. The data directory
  itself is refused too. On the same walk a folder that is any Kontokoll store
  (:func:`governance.store_folder.is_store_folder`) is refused: the demo lives inside the real
  data directory, and an export from it must not overwrite the real register (nor one from a
  test store another store's).
* **Only an ordinary file is replaced.** The target is checked with ``lstat`` (no link followed):
  a directory, symlink, device (``/dev/null``), FIFO or socket is refused. Replacing an ordinary
  file stays allowed, and the caller is told so (the return value) to say it to the user.
* **Nothing is written through a link planted after the check.** The data goes to a fresh temp file
  (``O_EXCL | O_NOFOLLOW``) in the target's directory and is renamed over the target; ``rename``
  replaces a link rather than following it, and replaces a hard link's directory entry rather than
  writing into the shared inode, so a store file can't be reached that way either.
* **Errors name the target**, never the temp file.

``-`` as the target means standard output. :func:`check_export` runs the same checks and writes
nothing, so that the app can ask before it replaces a file (``write_export`` checks again).
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
from pathlib import Path

from governance.errors import InputError
from governance.os_errors import os_reason

#: The target that means standard output (and, for imports, standard input).
STREAM = "-"
#: Open a directory only to use it as an anchor: needs no read permission, only search.
_ANCHOR_FLAGS = getattr(os, "O_PATH", os.O_RDONLY) | os.O_DIRECTORY | os.O_CLOEXEC


def is_stream(target: Path | str) -> bool:
    """True for ``-``: standard output for an export, standard input for an import."""
    return str(target) == STREAM


def write_export(target: Path, data: bytes, *, data_dir: Path) -> bool:
    """Write ``data`` to ``target`` (or standard output for ``-``) under the rules above.

    Returns True when an existing ordinary file was replaced. Raises InputError, naming ``target``,
    for a refused or unwritable target; the data directory and the target are then unchanged.
    """
    if is_stream(target):
        _write_stdout(data)
        return False
    parent_fd, replaced = _open_checked(target, data_dir)
    try:
        _write_and_rename(target, parent_fd, data)
    finally:
        os.close(parent_fd)
    return replaced


def check_export(target: Path, *, data_dir: Path) -> bool:
    """Check ``target`` as :func:`write_export` would, writing nothing: raise as it would, and
    return True when an ordinary file is there for it to replace (so that a caller can ask
    before replacing it). ``write_export`` checks everything again when it writes."""
    if is_stream(target):
        return False
    parent_fd, exists = _open_checked(target, data_dir)
    os.close(parent_fd)
    return exists


def _open_checked(target: Path, data_dir: Path) -> tuple[int, bool]:
    """Open the target's parent (the descriptor every later step works from) and check the
    target under the rules above; the descriptor, and whether an ordinary file is there."""
    _refuse_lexically_inside(target, data_dir)
    if target.name in ("", ".", ".."):  # "/", "x/.", "x/..": a directory by construction
        raise InputError("server.export.directory", path=str(target))
    try:
        parent_fd = os.open(target.parent, _ANCHOR_FLAGS)
    except OSError as error:
        raise _cannot_write(target, error) from None
    try:
        _refuse_inside(target, parent_fd, data_dir)
        return parent_fd, _check_kind(target, parent_fd)
    except BaseException:
        os.close(parent_fd)
        raise


def _write_stdout(data: bytes) -> None:
    """Write the bytes to standard output unchanged (a CSV's BOM and CRLF, an xlsx's zip)."""
    sys.stdout.flush()
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:  # stdout replaced by a text-only stream (some embedders)
        sys.stdout.write(data.decode("utf-8", "replace"))
    else:
        buffer.write(data)
        buffer.flush()


def refuse_inside_data_dir(target: Path, data_dir: Path) -> None:
    """Refuse a file Kontokoll will write later (a server's log, its socket) inside the store,
    or inside any other Kontokoll store (another store's change log is no place for it either).

    The path is resolved now, links included; the file itself is opened later without
    following a link, so a link planted afterwards cannot lead it into the store either.
    """
    from governance.store_folder import data_dir_of  # (the store layout: not for --help)

    key = "server.own_file_inside_data_dir"
    _refuse_lexically_inside(target, data_dir, key)
    other = data_dir_of(Path(os.path.realpath(target)), levels=None)
    if other is not None:
        raise InputError(key, path=str(target), data_dir=str(other))


def _refuse_lexically_inside(
    target: Path, data_dir: Path, key: str = "server.export.inside_data_dir"
) -> None:
    """Refuse a target whose resolved path lies in (or is) the resolved data directory."""
    store = os.path.realpath(data_dir)
    resolved = os.path.realpath(target)
    if os.path.commonpath([store, resolved]) == store:
        raise InputError(key, path=str(target), data_dir=str(data_dir))


def _identity(st: os.stat_result) -> tuple[int, int]:
    return st.st_dev, st.st_ino


def _refuse_inside(target: Path, parent_fd: int, data_dir: Path) -> None:
    """Refuse if the opened parent, any folder above it, or the target is the data directory,
    or if any of those folders is another Kontokoll store (the demo inside the real data
    directory, a test store beside the real one: an export from one must not overwrite the
    other's files)."""
    from governance.store_folder import is_store_folder  # (the store layout: not for --help)

    try:
        store: tuple[int, int] | None = _identity(os.stat(data_dir))
    except OSError:
        store = None  # no data directory yet: nothing of it to destroy (the lexical check ran)
    try:
        st = os.lstat(target.name, dir_fd=parent_fd)
        if stat.S_ISDIR(st.st_mode) and _identity(st) == store:
            raise InputError(
                "server.export.inside_data_dir", path=str(target), data_dir=str(data_dir)
            )
    except FileNotFoundError:
        pass
    current, levels = os.dup(parent_fd), 0
    try:
        while True:
            here = _identity(os.fstat(current))
            if here == store:
                raise InputError(
                    "server.export.inside_data_dir", path=str(target), data_dir=str(data_dir)
                )
            if is_store_folder(".", dir_fd=current):
                raise InputError("server.export.inside_data_dir", path=str(target),
                                 data_dir=str(_folder_above(target, levels)))
            parent = os.open("..", _ANCHOR_FLAGS, dir_fd=current)
            os.close(current)
            current, levels = parent, levels + 1
            if _identity(os.fstat(current)) == here:  # ".." of "/" is "/"
                return
    except OSError as error:
        raise _cannot_write(target, error) from None
    finally:
        os.close(current)


def _folder_above(target: Path, levels: int) -> Path:
    """The folder ``levels`` above the target's (resolved) parent: only to name it."""
    folder = Path(os.path.realpath(target.parent))
    for _ in range(levels):
        folder = folder.parent
    return folder


def _check_kind(target: Path, parent_fd: int) -> bool:
    """True for an ordinary file to replace, False for none; refuse everything else."""
    try:
        st = os.lstat(target.name, dir_fd=parent_fd)
    except FileNotFoundError:
        return False
    except OSError as error:
        raise _cannot_write(target, error) from None
    mode = st.st_mode
    if stat.S_ISREG(mode):
        return True
    if stat.S_ISLNK(mode):
        raise InputError("server.export.symlink", path=str(target))
    if stat.S_ISDIR(mode):
        raise InputError("server.export.directory", path=str(target))
    raise InputError("server.export.special", path=str(target))


def _write_and_rename(target: Path, parent_fd: int, data: bytes) -> None:
    """Write a private temp file next to the target and rename it over the target."""
    # os.urandom(4).hex() is what secrets.token_hex(4) returns, without loading secrets.
    temp = f".{target.name}.kontokoll-{os.getpid()}-{os.urandom(4).hex()}.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        fd = os.open(temp, flags, 0o600, dir_fd=parent_fd)
    except OSError as error:
        raise _cannot_write(target, error) from None
    try:
        try:
            os.fchmod(fd, 0o600)  # exports hold personal data: the umask must not widen it
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.rename(temp, target.name, src_dir_fd=parent_fd, dst_dir_fd=parent_fd)
    except OSError as error:
        _unlink_quietly(temp, parent_fd)
        raise _cannot_write(target, error) from None
    except BaseException:
        _unlink_quietly(temp, parent_fd)
        raise
    _fsync_directory(parent_fd)


def _unlink_quietly(name: str, parent_fd: int) -> None:
    with contextlib.suppress(OSError):
        os.unlink(name, dir_fd=parent_fd)


def _fsync_directory(parent_fd: int) -> None:
    """Make the rename durable; a directory we may write but not read is left to the kernel."""
    try:
        fd = os.open(".", os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC, dir_fd=parent_fd)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _cannot_write(target: Path, error: OSError) -> InputError:
    detail = os_reason(error)
    return InputError("server.export.cannot_write", path=str(target), detail=detail)
