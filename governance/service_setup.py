"""``kontokoll init --service-account NAME``: hand the data directory to a service account.

Run as root. The account's own data directory (``~NAME/.local/share/kontokoll``, from passwd) is
created or taken over: every folder 0700 and file 0600, owned by the account; a root-owned marker
(see :mod:`governance.service_account`) records that it is a service store. Root walks a tree the
service account could have changed, so nothing here follows a link: the tree is opened by file
descriptor, a link or special file anywhere refuses the whole command before anything changes.

The generated sudoers rule lets members of one group run exactly the Kontokoll executable as the
account, with ``env_reset`` (sudo sets ``SUDO_USER``/``SUDO_UID`` itself) and no ``SETENV``.
"""

from __future__ import annotations

import grp
import os
import pwd
import re
import shutil
import stat
import subprocess
import tempfile
from pathlib import Path

from governance.errors import InputError
from governance.service_account import MARKER_NAME, data_dir_in

#: What may appear unquoted in a sudoers rule: anything else could change the rule's meaning.
_SAFE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9._-]{0,31}")
_SAFE_PATH = re.compile(r"/[A-Za-z0-9._+/-]*")
_NOFOLLOW_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def service_account(name: str) -> pwd.struct_passwd:
    """The passwd entry of a usable service account; InputError for a missing one or root."""
    if not _SAFE_NAME.fullmatch(name):
        raise InputError("server.init.unsafe_name", name=name)
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        raise InputError("server.init.unknown_account", account=name) from None
    if entry.pw_uid == 0:
        raise InputError("server.init.root_account", account=name)
    return entry


def prepare_service_directory(entry: pwd.struct_passwd) -> tuple[Path, int]:
    """Create or take over the account's data directory; (its path, files and folders changed)."""
    if os.geteuid() != 0:
        raise InputError("server.init.need_root")
    home = Path(entry.pw_dir)
    data_dir = data_dir_in(home)
    if not home.is_dir() or home == Path("/"):
        raise InputError("server.init.no_home", account=entry.pw_name, home=str(home))
    fd = os.open(home, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)  # root chose this path
    try:
        shown = home
        for part in data_dir.relative_to(home).parts:
            shown = shown / part
            child = _enter_owned(fd, part, entry, shown)
            os.close(fd)
            fd = child
        _refuse_links(fd, data_dir)
        count = _own_tree(fd, entry)
        _write_marker(fd, entry)
    finally:
        os.close(fd)
    return data_dir, count


def _enter_owned(parent_fd: int, name: str, entry: pwd.struct_passwd, shown: Path) -> int:
    """Open (creating if missing, 0700 for the account) one folder below the home."""
    try:
        os.mkdir(name, 0o700, dir_fd=parent_fd)
        os.chown(name, entry.pw_uid, entry.pw_gid, dir_fd=parent_fd, follow_symlinks=False)
    except FileExistsError:
        pass
    try:
        fd = os.open(name, _NOFOLLOW_DIR, dir_fd=parent_fd)
    except OSError:  # a link (ELOOP) or not a folder: never followed as root
        raise InputError("server.init.link_refused", path=str(shown)) from None
    if os.fstat(fd).st_uid not in (0, entry.pw_uid):
        os.close(fd)
        raise InputError("server.init.foreign_owner", path=str(shown))
    return fd


def _refuse_links(top_fd: int, data_dir: Path) -> None:
    """Refuse the whole tree if it holds a link, device, FIFO or socket; nothing is changed yet."""
    for folder, dirs, files, dir_fd in os.fwalk(".", dir_fd=top_fd, follow_symlinks=False):
        for name in [*dirs, *files]:
            mode = os.lstat(name, dir_fd=dir_fd).st_mode
            if not (stat.S_ISDIR(mode) or stat.S_ISREG(mode)):
                raise InputError("server.init.link_refused", path=str(data_dir / folder / name))


def _own_tree(top_fd: int, entry: pwd.struct_passwd) -> int:
    """Give every folder (0700) and file (0600) to the account, through descriptors only."""
    count = 0
    for folder, _dirs, files, dir_fd in os.fwalk(".", dir_fd=top_fd, follow_symlinks=False):
        os.fchown(dir_fd, entry.pw_uid, entry.pw_gid)
        os.fchmod(dir_fd, 0o700)
        count += 1
        for name in files:
            if folder == "." and name == MARKER_NAME:
                continue  # root's, rewritten below
            flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
            fd = os.open(name, flags, dir_fd=dir_fd)
            try:
                if stat.S_ISREG(os.fstat(fd).st_mode):
                    os.fchown(fd, entry.pw_uid, entry.pw_gid)
                    os.fchmod(fd, 0o600)
                    count += 1
            finally:
                os.close(fd)
    return count


def _write_marker(dir_fd: int, entry: pwd.struct_passwd) -> None:
    """The root-owned marker that makes this a service store (read by service_account)."""
    text = (
        "# Kontokoll: this data directory belongs to a service account. Written by root\n"
        "# (kontokoll init --service-account); trusted only while owned by root.\n"
        f'account = "{entry.pw_name}"\nuid = {entry.pw_uid}\n'
    )
    temp = f"{MARKER_NAME}.tmp-{os.getpid()}"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644, dir_fd=dir_fd)
    try:
        os.fchown(fd, 0, 0)
        os.fchmod(fd, 0o644)
        os.write(fd, text.encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    os.rename(temp, MARKER_NAME, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)


def sudoers_rule(account: str, group: str, executable: Path) -> str:
    """The sudoers rule: members of ``group`` run exactly ``executable`` as ``account``."""
    for name in (account, group):
        if not _SAFE_NAME.fullmatch(name):
            raise InputError("server.init.unsafe_name", name=name)
    if not _SAFE_PATH.fullmatch(str(executable)):
        raise InputError("server.init.unsafe_name", name=str(executable))
    return (
        f"# Kontokoll: members of the group {group} may run exactly {executable}\n"
        f"# as {account}, and nothing else. env_reset gives the command a clean environment in\n"
        "# which sudo itself sets SUDO_USER and SUDO_UID; Kontokoll takes the person from them.\n"
        "# Never add SETENV, env_keep for SUDO_* or PYTHON*, or a wildcard to this rule.\n"
        f"Cmnd_Alias KONTOKOLL = {executable}\n"
        "Defaults!KONTOKOLL env_reset, !setenv\n"
        f"%{group} ALL = ({account}) NOSETENV: KONTOKOLL\n"
    )


def check_group(group: str) -> None:
    """InputError for a group that does not exist (sudo would silently match no one)."""
    try:
        grp.getgrnam(group)
    except KeyError:
        raise InputError("error.unknown_group", group=group) from None


def check_sudoers(rule: str) -> str | None:
    """Check the rule with ``visudo -cf``: None when valid, else visudo's complaint.

    Raises FileNotFoundError when there is no visudo to ask.
    """
    visudo = shutil.which("visudo") or next(
        (p for p in ("/usr/sbin/visudo", "/sbin/visudo") if os.access(p, os.X_OK)), None
    )
    if visudo is None:
        raise FileNotFoundError("visudo")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "kontokoll"
        path.write_text(rule, encoding="utf-8")
        os.chmod(path, 0o440)
        result = subprocess.run(
            [visudo, "-cf", str(path)], capture_output=True, text=True, check=False
        )
    if result.returncode == 0:
        return None
    return (result.stderr or result.stdout).strip().replace(str(path), "<regel>")


def writable_by_others(paths: list[Path]) -> list[Path]:
    """Those of ``paths`` that someone other than root could change (and so hijack the rule)."""
    unsafe: list[Path] = []
    for path in paths:
        try:
            st = os.stat(path)
        except OSError:
            continue
        if st.st_uid != 0 or st.st_mode & 0o022:
            unsafe.append(path)
    return unsafe
