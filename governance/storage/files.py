"""Atomic file writes and the permissions of everything Kontokoll creates.

A file is never written in place: the new content goes to a temp file in the same directory, is
fsynced, renamed over the old file (atomic on POSIX), and the directory is fsynced so the rename
itself survives a power cut. A reader, or a process killed at any instant, sees either the old or
the new file, never a mix.
"""

from __future__ import annotations

import grp
import os
import secrets
import stat
from pathlib import Path

#: Owner-only by default: editors' names and e-mails are personal data.
PRIVATE_FILE_MODE = 0o600
PRIVATE_DIR_MODE = 0o700
#: A data directory shared by a group on a server (``kontokoll init --group``): group members read
#: and write, and the setgid bit makes every new file and folder belong to the group.
GROUP_FILE_MODE = 0o660
GROUP_DIR_MODE = 0o2770
TEMP_MARKER = ".tmp-"


def modes_for(directory: Path) -> tuple[int, int]:
    """(file mode, directory mode) for files created under a data directory.

    A directory prepared for a group (setgid and group-writable) keeps its files group-shared;
    anything else, including a directory that does not exist yet, is private.
    """
    try:
        mode = directory.stat().st_mode
    except FileNotFoundError:
        return PRIVATE_FILE_MODE, PRIVATE_DIR_MODE
    if mode & stat.S_ISGID and mode & 0o070 == 0o070:
        return GROUP_FILE_MODE, GROUP_DIR_MODE
    return PRIVATE_FILE_MODE, PRIVATE_DIR_MODE


def prepare_group_directory(directory: Path, group: str) -> int:
    """Make ``directory`` (and all in it) owned by ``group``, setgid, and group read-write.

    Returns the number of files and folders changed. Raises KeyError for an unknown group.
    """
    gid = grp.getgrnam(group).gr_gid
    ensure_directory(directory, GROUP_DIR_MODE)
    changed = 0
    for path in [directory, *directory.rglob("*")]:
        os.chown(path, -1, gid, follow_symlinks=False)
        os.chmod(path, GROUP_DIR_MODE if path.is_dir() else GROUP_FILE_MODE)
        changed += 1
    return changed


def fsync_directory(directory: Path) -> None:
    """Make a rename or unlink in ``directory`` durable."""
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def ensure_directory(directory: Path, mode: int = PRIVATE_DIR_MODE) -> None:
    """Create ``directory`` (and parents) with ``mode`` if it does not exist."""
    if directory.is_dir():
        return
    ensure_directory(directory.parent, mode)
    try:
        directory.mkdir(mode=mode)
    except FileExistsError:
        return
    os.chmod(directory, mode)  # mkdir's mode is filtered by the umask


def write_atomic(path: Path, data: bytes, *, mode: int = PRIVATE_FILE_MODE) -> None:
    """Replace ``path`` with ``data`` so that no reader or crash ever sees a partial file."""
    temp = path.with_name(f"{path.name}{TEMP_MARKER}{os.getpid()}-{secrets.token_hex(4)}")
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, mode)
    except OSError as error:  # name the file the user asked for, not our temp file
        raise type(error)(error.errno, error.strerror, str(path)) from None
    try:
        try:
            os.fchmod(fd, mode)  # the umask must not widen or narrow what we chose
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    fsync_directory(path.parent)


def remove_stale_temp_files(directory: Path) -> list[Path]:
    """Delete temp files left by a writer that died; call only under the exclusive lock."""
    removed: list[Path] = []
    if not directory.is_dir():
        return removed
    for candidate in directory.rglob(f"*{TEMP_MARKER}*"):
        if candidate.is_file():
            candidate.unlink(missing_ok=True)
            removed.append(candidate)
    return removed
