"""Roles that hold at the file level: a data directory owned by a service account, reached via sudo.

With a group-shared data directory every member can edit ``register/core.json`` in any editor and
make themselves admin, so roles there hold only against honest users. The established model is a
service account: the data directory belongs to one OS account (say ``kontokoll``), mode 0700 with
files 0600, so nobody else can open it, and people run ``sudo -u kontokoll kontokoll ...`` through a
sudoers rule that allows exactly the Kontokoll executable. Kontokoll then acts for the person sudo
says invoked it, and the roles are enforced by the only program that can touch the files.

**When is a process "the service account acting for someone"?** All of these must hold:

1. The process runs as the uid of a *configured* service account. The configuration is a marker
   file, ``.service-account``, in that account's own data directory (derived from its passwd
   home directory, never from the environment). The marker is trusted only if it is an ordinary
   file (``O_NOFOLLOW``), owned by root and writable by no one else, names this uid, and lies in a
   directory owned by this uid with mode 0700. Only root can create a root-owned file, so a user
   cannot forge the marker in a directory of their own and then pose as someone else with
   ``SUDO_USER=boss kontokoll ...``: without the root-owned marker, ``SUDO_*`` are ignored.
2. ``SUDO_UID`` and ``SUDO_USER`` are set and name a different user than the process's. sudo sets
   them itself from the invoking user; the generated rule keeps ``env_reset`` and grants no
   ``SETENV``, so a caller cannot pass their own values through sudo. That is what makes them
   trustworthy, and the only case in which they are read.

Then the person is the login of ``SUDO_UID`` (looked up in passwd, not the free-text name), and
Kontokoll opens no file on the caller's say with the service account's rights: ``--data-dir``,
``serve`` and the app are refused, imports read standard input and exports write standard output
(``-``). Anything else (the service account itself from cron, root, an ordinary user) is
identified by the process's own uid, as before.
"""

from __future__ import annotations

import os
import pwd
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

from governance.errors import InputError
from governance.export_target import is_stream

MARKER_NAME = ".service-account"
#: The marker must belong to root: the only account that can create a file owned by another.
MARKER_OWNER = 0
#: The marker is tiny; anything larger is not ours.
_MARKER_MAX_BYTES = 4096


class Session(NamedTuple):
    """This process is the service account acting for ``caller``.

    A NamedTuple, not a frozen dataclass: every command imports this module, and a dataclass's
    generated methods are compiled at import (about 1 ms); made, compared and printed alike."""

    account: str
    caller: str
    caller_uid: int
    data_dir: Path


def login_of(uid: int) -> str:
    """The login name of ``uid``; ``uid-N`` for a uid with no passwd entry (some containers)."""
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid-{uid}"


def service_data_dir(uid: int) -> Path | None:
    """The data directory of a service account: its default one, from its passwd home.

    Taken from passwd rather than ``HOME``/``XDG_DATA_HOME`` so that nothing a caller can set
    decides where the service store is.
    """
    try:
        home = pwd.getpwuid(uid).pw_dir
    except KeyError:
        return None
    return data_dir_in(home)


def data_dir_in(home: str | Path) -> Path:
    """Where a service account keeps its store below its home (the XDG default, without XDG_*)."""
    return Path(home) / ".local" / "share" / "kontokoll"


def read_marker(data_dir: Path, *, owner: int | None = None) -> int | None:
    """The service account uid ``data_dir`` is configured for, or None if it is no trusted store."""
    owner = MARKER_OWNER if owner is None else owner
    nofollow = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC
    try:  # the folder and the marker are opened without following a link, the marker via the folder
        dir_fd = os.open(data_dir, nofollow | os.O_DIRECTORY)
    except OSError:
        return None
    try:
        folder = os.fstat(dir_fd)
        text = _read_owned_file(dir_fd, MARKER_NAME, owner)
    finally:
        os.close(dir_fd)
    if text is None:
        return None
    import tomllib  # (here: only a data directory with a marker has anything to parse)

    try:
        uid = tomllib.loads(text).get("uid")
    except tomllib.TOMLDecodeError:
        return None
    if not isinstance(uid, int) or isinstance(uid, bool):
        return None
    private_dir = stat.S_ISDIR(folder.st_mode) and not folder.st_mode & 0o077
    return uid if private_dir and folder.st_uid == uid else None


def _read_owned_file(dir_fd: int, name: str, owner: int) -> str | None:
    """The text of an ordinary file owned by ``owner`` and writable by no one else, else None."""
    # NONBLOCK: a FIFO planted as the marker must not hang the command
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    try:
        fd = os.open(name, flags, dir_fd=dir_fd)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_uid != owner or st.st_mode & 0o022:
            return None
        return os.read(fd, _MARKER_MAX_BYTES).decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    finally:
        os.close(fd)


def sudo_caller(uid: int, service_uid: int | None, environ: Mapping[str, str]) -> int | None:
    """The uid this process acts for, or None when it acts for itself.

    The seam the tests drive: ``uid`` is the process's, ``service_uid`` the one the trusted
    marker names (None without one). ``SUDO_*`` count only when this process *is* that service
    account, and only when both are set and name someone else; malformed values are ignored
    (the process is then itself, which is no Kontokoll user: fail closed).
    """
    if service_uid is None or uid != service_uid:
        return None
    text, name = environ.get("SUDO_UID", ""), environ.get("SUDO_USER", "")
    if not text.isascii() or not text.isdigit() or not name:
        return None
    caller = int(text)
    if caller == uid:
        return None
    return caller


def detect(uid: int | None = None, environ: Mapping[str, str] | None = None) -> Session | None:
    """The service-account session this process runs in, or None for an ordinary run."""
    uid = os.getuid() if uid is None else uid
    environ = os.environ if environ is None else environ
    if "SUDO_UID" not in environ:  # the common case costs no file access
        return None
    data_dir = service_data_dir(uid)
    if data_dir is None:
        return None
    caller = sudo_caller(uid, read_marker(data_dir), environ)
    if caller is None:
        return None
    return Session(login_of(uid), login_of(caller), caller, data_dir)


def require_stream(target: Path | str, *, session: Session | None = None) -> None:
    """Refuse a file path in a service-account session: only ``-`` (standard in/out) is allowed.

    Every command that reads or writes a file the caller names calls this first, so the service
    account's rights never open a file on the caller's say.
    """
    session = detect() if session is None else session
    if session is not None and not is_stream(target):
        raise InputError("server.service.stream_only", path=str(target), account=session.account)
