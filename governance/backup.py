"""``kontokoll backup`` and ``kontokoll restore``, and erasing a forgotten person from snapshots.

A backup is taken under the shared lock, so no writer is half-way, and written as one archive
(see :mod:`governance.snapshots` for the format) outside the data directory with mode 0600: it
holds every editor's name and e-mail.

A restore checks the whole archive before it touches anything, then replaces the store in one
write transaction under the exclusive lock: the redo journal makes the switch all-or-nothing even
if the process is killed. The files it replaces are first copied, unchanged, to
``DATA/.restore-previous-<time>/``.

A backup of the demo carries its marker (``demo-version``, listed and checksummed in the manifest
like every file), so that its restore is a demo too and never syncs against the real platforms;
the restore of any other full backup removes a marker the folder had (after the switch, so that a
restore killed half-way leaves a demo marked). The marker replaced is set aside with the rest.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from governance import snapshots
from governance.access import (
    READ,
    RESTORE_STORE,
    User,
    action_in_words,
    authorize,
    load_users,
)
from governance.errors import AccessRefused, InputError, StoreError
from governance.export_target import write_export
from governance.scrubbing import Scrubber
from governance.service import Service
from governance.snapshots import (
    SCOPE_ROOTS,
    Archive,
    build_archive,
    collect_files,
    in_scope,
    open_archive,
)
from governance.storage.database import Database, parse_store_file
from governance.storage.files import (
    TEMP_MARKER,
    check_directory,
    ensure_directory,
    read_store_file,
    walk_tree,
    write_atomic,
)
from governance.storage.layout import (
    CHANGE_LOG,
    CORE,
    SETTINGS_FILE,
    USERS_TABLE,
    is_document_file,
    is_log_file,
    screenshot_digest,
)
from governance.store import Repositories, WriteTransaction, repos
from governance.sync_source import DEMO_MARKER, UNKNOWN_VERSION, MarkerInvalid, read_demo_version

PREVIOUS_PREFIX = ".restore-previous-"


@dataclass(frozen=True)
class BackupResult:
    path: Path
    files: int
    size: int
    replaced: bool


@dataclass(frozen=True)
class RestoreResult:
    archive: Path
    scope: str
    created: str
    files: int
    removed: int
    previous: Path
    #: The store had users and the archive none: it now runs in single-user mode.
    users_dropped: bool = False
    #: The archive is the demo's and the store was not: the store is now the demo.
    now_demo: bool = False


class Backups(Service):
    """Backups and restores of one data directory."""

    def backup(self, output: Path | None = None) -> BackupResult:
        """Write a consistent archive of the store to ``output`` (default: the current folder)."""
        now = snapshots.clock()
        with self._read() as txn:
            authorize(txn, self.user, READ)
            files = collect_files(self.store.data_dir, "store")
            if CORE not in files:  # a new or mistyped folder: an empty archive restores nothing
                raise InputError("g1_backup.empty", path=str(self.store.data_dir))
            marker = _marker_to_carry(self.store.data_dir)
            if marker is not None:
                files[DEMO_MARKER] = marker
        data = build_archive(files, scope="store", created=now, level=6)
        default = f"kontokoll-backup-{now.astimezone():%Y%m%dT%H%M%S}.tar.gz"
        target = output or Path.cwd() / default
        replaced = write_export(target, data, data_dir=self.store.data_dir)
        return BackupResult(target, len(files), len(data), replaced)

    def restore(
        self, path: Path, raw: bytes | None = None, *, without_users: bool = False
    ) -> RestoreResult:
        """Replace the store (or only the register, for a snapshot) with a checked archive.

        ``raw`` holds the archive's bytes when it is read from standard input. An archive
        without users is refused for a store that has some, unless ``without_users``: see
        :func:`_users_dropped`.
        """
        archive = open_archive(path, raw)
        root = self.store.data_dir
        db = self.store.db
        was_demo = _marker_to_carry(root) is not None
        # The files a restore writes anew may be missing: that is what a restore is for.
        rebuilding = frozenset(r for r in db.listed_files() if in_scope(r, archive.scope))
        with self._refusals(), db.write(rebuilding=rebuilding) as txn:
            self._authorize_restore(txn, archive)
            dropped = _users_dropped(txn, archive, path, accept=without_users)
            current = _current_files(root, archive.scope)
            previous = _set_aside(root, archive.scope, db.file_mode, db.dir_mode)
            _set_aside_marker(root, previous, db.file_mode)
            stored = repos(txn)
            for rel, raw in sorted(archive.files.items()):
                if is_document_file(rel):  # keeping the kind each file records
                    stored.files.replace(rel, parse_store_file(Path(rel), raw))
                elif screenshot_digest(rel) is not None:  # checked against its name on opening
                    stored.files.put_blob(rel, raw)
            removed = sorted(current - set(archive.files) - {CHANGE_LOG, SETTINGS_FILE})
            for rel in removed:
                stored.files.delete(rel)
            if archive.scope == "store":
                _restore_log(stored, archive.files.get(CHANGE_LOG, b""))
            stored.log.append(self._entry("store-restored", field=archive.scope, new=path.name))
            if DEMO_MARKER in archive.files:  # before the switch: a demo is never left unmarked
                _replace_marker(root, archive.files[DEMO_MARKER], db.file_mode)
        if archive.scope == "store" and DEMO_MARKER not in archive.files:
            _remove_marker(root)
        if archive.scope == "store":
            settings = archive.files.get(SETTINGS_FILE)
            if settings is not None:
                write_atomic(root / SETTINGS_FILE, settings, mode=db.file_mode)
            else:
                (root / SETTINGS_FILE).unlink(missing_ok=True)  # set aside with the rest
        return RestoreResult(path, archive.scope, archive.created, len(archive.files),
                             len(removed), previous, users_dropped=dropped,
                             now_demo=DEMO_MARKER in archive.files and not was_demo)

    def _authorize_restore(self, txn: WriteTransaction, archive: Archive) -> None:
        """Admin only. When the live register cannot be read, the archive's own users decide."""
        try:
            authorize(txn, self.user, RESTORE_STORE)
            return
        except StoreError:
            pass  # the damage a restore is for: the register the users live in is unreadable
        users = [User.from_doc(d) for d in _archive_user_docs(archive)]
        user = next((u for u in users if u.login == self.user), None)
        refused = None
        if not users and not _owns_data_dir(self.store.data_dir, self.user):
            refused = AccessRefused("g1_restore.damaged_not_owner", action=RESTORE_STORE,
                                    login=self.user, path=str(self.store.data_dir))
        elif users and user is None:
            refused = AccessRefused("error.unknown_login", action=RESTORE_STORE, login=self.user)
        elif user is not None and user.role != "admin":
            refused = AccessRefused("error.role_refused", action=RESTORE_STORE, login=self.user,
                                    role=user.role, department="")
        if refused is not None:
            refused.params["action"] = action_in_words(RESTORE_STORE)  # .action: the id, logged
            raise refused


def _owns_data_dir(root: Path, login: str) -> bool:
    """Whether ``login`` is the OS account that owns the data directory, acting in its own
    right (no proxy's session, no sudo caller): with the users table unreadable and an archive
    without users, that account alone may restore, as it could rewrite the files by hand."""
    from governance import service_account
    from governance.identity import session_identity

    if session_identity() is not None or service_account.detect() is not None:
        return False
    try:
        owner = root.stat().st_uid
    except OSError:
        return False
    return owner == os.getuid() and service_account.login_of(owner) == login


def _archive_user_docs(archive: Archive) -> list[Any]:
    """The users the archive's register defines (as stored, unchecked)."""
    core = archive.files.get(CORE)
    docs = parse_store_file(Path(Path(CORE).name), core).get(USERS_TABLE, {}) if core else {}
    return list(docs.values())


def _users_dropped(txn: WriteTransaction, archive: Archive, path: Path, *, accept: bool) -> bool:
    """Whether the restore takes a store with users to none (single-user mode: everyone is
    admin, as ``users remove`` never allows for the last admin); refused unless ``accept``.

    A store whose users cannot be read may have users: it needs ``accept`` as well
    (``_authorize_restore`` has let only the owner of the data directory through already).
    """
    if _archive_user_docs(archive):
        return False
    try:
        count = len(load_users(txn))
    except StoreError:
        if not accept:
            raise InputError("g1_restore.no_users_unreadable", path=str(path)) from None
        return True
    if count and not accept:
        raise InputError("f9a_restore.no_users", path=str(path), count=count)
    return count > 0


def _current_files(root: Path, scope: str) -> set[str]:
    """The relative paths of the store files of ``scope`` that exist now."""
    return set(_store_files_in(root, scope))


def _store_files_in(root: Path, scope: str) -> list[str]:
    """The store files of ``scope`` on disk, never through a link: a linked store folder is
    refused (StoreUnsafe) before anything is read, and only the store's own paths count."""
    found: list[str] = []
    for top in SCOPE_ROOTS[scope]:
        base = root / top
        if top != SETTINGS_FILE:
            check_directory(base)
        for path in [base] if top == SETTINGS_FILE else walk_tree(base):
            rel = path.relative_to(root).as_posix()
            if (in_scope(rel, scope) and TEMP_MARKER not in path.name
                    and os.path.lexists(path) and stat.S_ISREG(path.lstat().st_mode)):
                found.append(rel)
    return found


def _set_aside(root: Path, scope: str, file_mode: int, dir_mode: int) -> Path:
    """Copy every file the restore may replace to a new ``.restore-previous-<time>/`` folder."""
    stamp = f"{PREVIOUS_PREFIX}{snapshots.clock():%Y%m%dT%H%M%SZ}"
    target, n = root / stamp, 1
    while target.exists():
        n += 1
        target = root / f"{stamp}-{n}"
    files = _store_files_in(root, scope)  # checked before anything is copied
    ensure_directory(target, dir_mode)
    for rel in files:
        raw = read_store_file(root / rel)
        if raw is not None:
            copy = target / rel
            ensure_directory(copy.parent, dir_mode)
            write_atomic(copy, raw, mode=file_mode)
    return target


def _marker_to_carry(root: Path) -> bytes | None:
    """The demo marker a backup of ``root`` carries; None for a store that is not the demo.

    A marker that is not a version (a link, a folder, garbage) still makes the store a demo:
    its backup carries the unknown version, so that the restore is a demo too.
    """
    try:
        version = read_demo_version(root)
    except MarkerInvalid:
        version = UNKNOWN_VERSION
    return None if version is None else f"{version}\n".encode("ascii")


def _set_aside_marker(root: Path, previous: Path, file_mode: int) -> None:
    """Keep the marker the restore replaces with the other files set aside (a valid one only:
    anything else is not the demo's file, and is never followed)."""
    try:
        version = read_demo_version(root)
    except MarkerInvalid:
        return
    if version is not None:
        write_atomic(previous / DEMO_MARKER, f"{version}\n".encode("ascii"), mode=file_mode)


def _replace_marker(root: Path, raw: bytes, file_mode: int) -> None:
    # A folder by the marker's name already makes the store a demo (and doctor names it).
    with contextlib.suppress(IsADirectoryError):
        write_atomic(root / DEMO_MARKER, raw, mode=file_mode)


def _remove_marker(root: Path) -> None:
    # A link is removed itself, never what it points to; a folder by that name cannot be, and
    # the store stays a demo: the safe side (doctor names it).
    with contextlib.suppress(OSError):
        (root / DEMO_MARKER).unlink(missing_ok=True)


def _restore_log(stored: Repositories, raw: bytes) -> None:
    """Make the change log the archive's (already checked line by line)."""
    entries = [json.loads(line) for line in raw.split(b"\n")[:-1]]
    stored.log.rewrite(entries)


# --- forgetting a person in snapshots -----------------------------------------------------------


@dataclass
class ScrubReport:
    """What erasing a person did to the copies of the store inside the data directory."""

    rewritten: list[Path] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)


def forget_in_copies(
    store_root: Path, address: str, names: Iterable[str], pseudonym: str, *, db: Database
) -> ScrubReport:
    """Erase a person from every snapshot and set-aside restore folder, under the exclusive lock.

    A snapshot is rewritten with the person removed as ``editors forget`` removes them (an entry
    with their address is dropped from its list; their address and names in any text become the
    pseudonym). A snapshot that cannot be read, or that still mentions them, is removed.
    """
    matcher = _Matcher(address, names, pseudonym)
    report = ScrubReport()
    with db.write():
        for path in snapshots.list_snapshots(store_root):
            _scrub_snapshot(path, matcher, db.file_mode, report)
        for folder in sorted(store_root.glob(f"{PREVIOUS_PREFIX}*")):
            if not stat.S_ISDIR(folder.lstat().st_mode):
                continue  # a planted link (or file) is not one of our copies: never follow it
            for path in walk_tree(folder):
                if path.is_file() and not path.is_symlink():
                    _scrub_file(path, matcher, db.file_mode, report)
    return report


class _Matcher:
    """Finds and erases one person by the rules ``editors forget`` applied (its Scrubber)."""

    def __init__(self, address: str, names: Iterable[str], pseudonym: str) -> None:
        self.scrubber = Scrubber(address, names, pseudonym)
        self.address = address.lower()

    def mentions(self, raw: bytes) -> bool:
        return self.scrubber.mentions(raw.decode("utf-8", "replace"))

    def scrub(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.scrubber.text(value)
        if isinstance(value, list):
            return [self.scrub(v) for v in value if not self._is_person(v)]
        if isinstance(value, dict):
            return {k: self.scrub(v) for k, v in value.items()}
        return value

    def _is_person(self, value: Any) -> bool:
        """An editor (``{"email": ...}``) or a department contact (``[name, email]``) of theirs."""
        if isinstance(value, dict):
            email = value.get("email")
        elif isinstance(value, list) and len(value) == 2:
            email = value[1]
        else:
            return False
        return isinstance(email, str) and email.strip().lower() == self.address


def _scrubbed(rel: str, raw: bytes, matcher: _Matcher) -> bytes | None:
    """``raw`` with the person erased, or None if it cannot be done safely."""
    try:
        if is_log_file(rel):
            lines = [orjson.loads(x) for x in raw.split(b"\n")[:-1]]
            return b"".join(
                json.dumps(matcher.scrub(x), ensure_ascii=False, separators=(",", ":")).encode()
                + b"\n" for x in lines
            )
        if rel.endswith(".json"):
            return orjson.dumps(matcher.scrub(orjson.loads(raw)))
    except orjson.JSONDecodeError:
        return None
    return None


def _scrub_snapshot(path: Path, matcher: _Matcher, mode: int, report: ScrubReport) -> None:
    try:
        archive = open_archive(path)
    except Exception:  # unreadable means unknown content: it must not stay
        path.unlink(missing_ok=True)
        report.removed.append(path)
        return
    if not any(matcher.mentions(raw) for raw in archive.files.values()):
        return
    files: dict[str, bytes] = {}
    for rel, raw in archive.files.items():
        new = _scrubbed(rel, raw, matcher) if matcher.mentions(raw) else raw
        if new is None or matcher.mentions(new):
            path.unlink(missing_ok=True)
            report.removed.append(path)
            return
        files[rel] = new
    created = datetime.fromisoformat(archive.created) if archive.created else snapshots.clock()
    write_atomic(path, build_archive(files, scope=archive.scope, created=created, level=1),
                 mode=mode)
    report.rewritten.append(path)


def _scrub_file(path: Path, matcher: _Matcher, mode: int, report: ScrubReport) -> None:
    raw = read_store_file(path) or b""
    if not matcher.mentions(raw):
        return
    new = _scrubbed(path.name, raw, matcher)
    if new is None or matcher.mentions(new):
        path.unlink(missing_ok=True)
        report.removed.append(path)
        return
    write_atomic(path, new, mode=mode)
    report.rewritten.append(path)
