"""Atomic file writes, link-safe opens, and the permissions of everything Kontokoll creates.

A file is never written in place: the new content goes to a temp file in the same directory, is
fsynced, renamed over the old file (atomic on POSIX), and the directory is fsynced so the rename
itself survives a power cut. A reader, or a process killed at any instant, sees either the old or
the new file, never a mix. A transaction first *prepares* every temp file and only then
*publishes* them, so a file it cannot write stops it before anything was replaced.

Store files are opened without following symbolic links (``O_NOFOLLOW``) and must be regular
files: in a data directory shared by a group, a member could otherwise plant ``.lock`` or the
change log as a link and make the next writer create, append to or chmod a file elsewhere.
"""

from __future__ import annotations

import errno
import grp
import os
import stat
from pathlib import Path

from governance.errors import StoreUnsafe
from governance.i18n import t

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

    Returns the number of files and folders changed. Raises KeyError for an unknown group and
    StoreUnsafe, before changing anything, if a link or special file is inside: chmod would
    follow a link and hand the group a file outside the data directory.
    """
    gid = grp.getgrnam(group).gr_gid
    ensure_directory(directory, GROUP_DIR_MODE)
    paths = [directory, *walk_tree(directory)]
    for path in paths:
        kind = unsafe_kind(path.lstat().st_mode)
        if kind is not None and kind != "directory":
            raise unsafe(path, kind)
    for path in paths:
        os.chown(path, -1, gid, follow_symlinks=False)
        os.chmod(path, GROUP_DIR_MODE if path.is_dir() else GROUP_FILE_MODE)
    return len(paths)


def walk_tree(directory: Path) -> list[Path]:
    """Every file, folder and link under ``directory``, never descending through a link."""
    found: list[Path] = []
    for root, dirs, files in os.walk(directory, followlinks=False):
        found.extend(Path(root) / name for name in (*dirs, *files))
    return found


def unsafe_kind(mode: int) -> str | None:
    """What makes an object with this ``st_mode`` unfit as a store file, or None if regular."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISLNK(mode):
        return "link"
    if stat.S_ISDIR(mode):
        return "directory"
    return "other"


def unsafe(path: Path | str, kind: str) -> StoreUnsafe:
    """The refusal for a link, folder or special file found where a store file belongs."""
    return StoreUnsafe(path=str(path), what=t(f"store.what_{kind}"))


def check_directory(path: Path) -> None:
    """Refuse a store folder that is a link or not a folder (a missing one is fine)."""
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISDIR(mode):
        kind = unsafe_kind(mode)
        raise unsafe(path, "file" if kind is None else kind)


def open_store_file(path: Path, flags: int, mode: int = PRIVATE_FILE_MODE) -> int:
    """``os.open`` a store file without following a link; refuse anything but a regular file.

    Raises FileNotFoundError for a missing file (when ``flags`` does not create it).
    """
    try:  # O_NONBLOCK: a planted FIFO must be refused, not waited on; files ignore the flag
        fd = os.open(path, flags | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK, mode)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise unsafe(path, "link") from None
        if error.errno == errno.EISDIR:
            raise unsafe(path, "directory") from None
        if error.errno == errno.ENXIO:  # a FIFO opened for writing without a reader
            raise unsafe(path, "other") from None
        raise
    kind = _unsafe_file(os.fstat(fd))
    if kind is not None:
        os.close(fd)
        raise unsafe(path, kind)
    return fd


def _unsafe_file(st: os.stat_result) -> str | None:
    """What makes a store file unfit: not a regular file, or a hard link to another name.

    A second name for the file (``ln /elsewhere DATA/.lock``) would make every chmod or append
    reach a file outside the data directory; Kontokoll itself never makes one.
    """
    kind = unsafe_kind(st.st_mode)
    if kind is None and st.st_nlink > 1:
        return "hardlink"
    return kind


def read_store_file(path: Path) -> bytes | None:
    """The bytes of a store file, or None if it does not exist. Never follows a link."""
    try:
        fd = open_store_file(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        chunks = []
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def stat_store_file(path: Path) -> os.stat_result | None:
    """``lstat`` of a store file, or None if it is missing; refuses a link or non-regular file."""
    try:
        st = path.lstat()
    except FileNotFoundError:
        return None
    kind = _unsafe_file(st)
    if kind is not None:
        raise unsafe(path, kind)
    return st


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
    temp = prepare_atomic(path, data, mode=mode)
    publish_atomic(temp, path)


def prepare_atomic(path: Path, data: bytes, *, mode: int = PRIVATE_FILE_MODE) -> Path:
    """Write ``data`` to a durable temp file beside ``path`` and return the temp file's path.

    Nothing visible changes until :func:`publish_atomic`; a failure here (a folder we may not
    write, a full disk) leaves no temp file behind and names ``path``, never the temp file.
    """
    # os.urandom(4).hex() is what secrets.token_hex(4) returns; secrets itself would load
    # hmac, hashlib, random and base64 into every command that writes (a few ms a start).
    temp = path.with_name(f"{path.name}{TEMP_MARKER}{os.getpid()}-{os.urandom(4).hex()}")
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
    except OSError as error:
        temp.unlink(missing_ok=True)
        raise type(error)(error.errno, error.strerror, str(path)) from None
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return temp


def publish_atomic(temp: Path, path: Path) -> None:
    """Rename a prepared temp file over ``path`` (a link there is replaced, never followed)."""
    try:
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
    for candidate in walk_tree(directory):
        if TEMP_MARKER in candidate.name and stat.S_ISREG(candidate.lstat().st_mode):
            candidate.unlink(missing_ok=True)
            removed.append(candidate)
    return removed
