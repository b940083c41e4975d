"""Backup archives of the store, and the automatic snapshots of the register taken before writes.

An archive is one ``.tar.gz`` holding store files under their paths relative to the data directory
and a manifest, ``kontokoll-backup.json``, with each file's size and SHA-256, the Kontokoll schema
version and the archive's scope: ``store`` (``kontokoll backup``: register, stats, audits, change
log, settings) or ``register`` (an automatic snapshot: ``register/`` only; stats can be re-synced).
Both are restored with ``kontokoll restore FILE``.

An archive is never extracted to disk: :func:`open_archive` reads each member into memory and
checks everything (member types, paths, checksums, that every file parses) before anyone uses it.

Automatic snapshots live in ``DATA/snapshots/register-YYYYMMDDTHHMMSSZ.tar.gz``. Every write
transaction calls :func:`snapshot_if_due` under the exclusive lock, before it changes anything; it
costs one ``stat()`` of the snapshots folder unless that folder is more than an hour old.
"""

from __future__ import annotations

import errno
import hashlib
import io
import math
import os
import posixpath
import re
import tarfile
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from governance.archive_file import ArchiveRefused, read_archive_file
from governance.errors import InputError, KontokollError, StoreCorrupt, StoreError
from governance.i18n import t
from governance.os_errors import os_reason
from governance.storage.database import SCHEMA_VERSION, parse_store_file
from governance.storage.files import (
    TEMP_MARKER,
    check_directory,
    ensure_directory,
    read_store_file,
    walk_tree,
    write_atomic,
)
from governance.storage.layout import (
    ACCOUNTS_FOLDER,
    ACCOUNTS_TABLE,
    CHANGE_LOG,
    CORE,
    HANDLES_TABLE,
    INDEX,
    REGISTER_FOLDER,
    SETTINGS_FILE,
    STORE_FOLDERS,
    STORE_PATHS,
    screenshot_digest,
)
from governance.store_folder import data_dir_of
from governance.sync_source import DEMO_MARKER, parse_demo_version

MANIFEST = "kontokoll-backup.json"
FORMAT = "kontokoll-backup"
SCOPES = ("store", "register")
SNAPSHOT_DIR = "snapshots"
SNAPSHOT_PREFIX = "register-"
SNAPSHOT_SUFFIX = ".tar.gz"
SNAPSHOT_INTERVAL_S = 3600
DEFAULT_KEEP = 10
MAX_KEEP = 1000
#: An archive may not unpack to more than this: a crafted one must not exhaust memory.
MAX_UNPACKED_BYTES = 4 << 30
#: The folders (and top-level files) a scope covers, for collecting and replacing.
SCOPE_ROOTS: Mapping[str, tuple[str, ...]] = {
    "store": (*STORE_FOLDERS, SETTINGS_FILE),
    "register": (REGISTER_FOLDER,),
}


def clock() -> datetime:
    """Now, in UTC. Tests replace it to move time without sleeping."""
    return datetime.now(UTC)


def in_scope(rel: str, scope: str) -> bool:
    """Whether ``rel`` is a store file an archive of ``scope`` holds."""
    if rel == DEMO_MARKER:  # a backup of the demo stays a demo (governance.backup)
        return scope == "store"
    if not STORE_PATHS.fullmatch(rel):  # a snapshot holds the register's paths only
        return False
    return scope == "store" or rel.startswith(REGISTER_FOLDER + "/")


@dataclass(frozen=True)
class Archive:
    """A checked archive: its scope, when it was made, and every file's bytes by relative path."""

    path: Path
    scope: str
    created: str
    schema: int
    files: dict[str, bytes]


# --- writing ------------------------------------------------------------------------------------


def collect_files(root: Path, scope: str) -> dict[str, bytes]:
    """The bytes of every store file of ``scope`` under ``root``, each checked to parse.

    Call under the store's lock. A link or special file is refused (StoreUnsafe) and a damaged
    file stops the backup (StoreCorrupt): an archive must always be restorable.
    """
    files: dict[str, bytes] = {}
    for top in SCOPE_ROOTS[scope]:
        base = root / top
        if top != SETTINGS_FILE:
            check_directory(base)  # a linked or foreign folder is refused, never read through
        candidates = [base] if top == SETTINGS_FILE else walk_tree(base) if base.is_dir() else []
        for path in candidates:
            rel = path.relative_to(root).as_posix()
            if TEMP_MARKER in path.name or not in_scope(rel, scope):
                continue
            raw = read_store_file(path)
            if raw is not None:
                check_file(path, rel, raw)
                files[rel] = raw
    return files


def build_archive(
    files: Mapping[str, bytes], *, scope: str, created: datetime, level: int
) -> bytes:
    """A ``.tar.gz`` of ``files`` with the manifest first."""
    manifest = {
        "format": FORMAT,
        "version": 1,
        "schema": SCHEMA_VERSION,
        "scope": scope,
        "created": created.isoformat(timespec="seconds"),
        "files": {
            rel: {"size": len(raw), "sha256": hashlib.sha256(raw).hexdigest()}
            for rel, raw in sorted(files.items())
        },
    }
    buffer = io.BytesIO()
    stamp = int(created.timestamp())
    with tarfile.open(fileobj=buffer, mode="w:gz", compresslevel=level) as tar:
        members = [(MANIFEST, orjson.dumps(manifest, option=orjson.OPT_INDENT_2))]
        for rel, raw in [*members, *sorted(files.items())]:
            info = tarfile.TarInfo(rel)
            info.size, info.mode, info.mtime = len(raw), 0o600, stamp
            tar.addfile(info, io.BytesIO(raw))
    return buffer.getvalue()


# --- reading and checking -----------------------------------------------------------------------


def open_archive(path: Path, data: bytes | None = None) -> Archive:
    """Read and fully check an archive; ArchiveRefused (naming the reason) if anything is off.

    ``data`` is the archive's bytes when they come from standard input (``path`` is then ``-``).
    """
    try:
        raw = read_archive_file(path) if data is None else data
    except FileNotFoundError:
        raise InputError("error.file_not_found", path=str(path)) from None
    except OSError as error:
        if error.errno == errno.ELOOP:  # (only refused inside a data directory: O_NOFOLLOW)
            raise ArchiveRefused(path, "restore_guard.link") from None
        raise ArchiveRefused(path, "backup.reason.unreadable", detail=os_reason(error)) from None
    try:
        members = _read_members(path, raw)
    except (tarfile.TarError, EOFError, zlib.error, OSError) as error:
        raise ArchiveRefused(path, "backup.reason.not_archive", detail=str(error)) from None
    manifest = _manifest(path, members.pop(MANIFEST, None))
    _check_listing(path, manifest, members)
    for rel, data in members.items():
        try:
            check_file(Path(f"{path}:{rel}"), rel, data)
        except KontokollError as error:
            detail = str(error)
            raise ArchiveRefused(path, "backup.reason.bad_file", file=rel, detail=detail) from None
    _check_register_whole(path, members)
    return Archive(path, manifest["scope"], str(manifest.get("created", "")), manifest["schema"],
                   members)


def _check_register_whole(path: Path, members: Mapping[str, bytes]) -> None:
    """An archive must hold a whole register: the core file (with the users), the handle index,
    and an index that names exactly the accounts of its shards.

    Restoring one without its index would let a re-import double every account; one without
    its core file would drop every user and so make everyone admin.
    """
    accounts: set[str] = set()
    for rel, raw in members.items():
        if rel.startswith(ACCOUNTS_FOLDER + "/"):
            docs = parse_store_file(Path(rel), raw).get(ACCOUNTS_TABLE, {})
            accounts.update(str(doc.get("id")) for doc in docs.values())
    # A register without accounts (departments only, early on) has no index yet.
    for rel in (CORE, INDEX) if accounts or INDEX in members else (CORE,):
        if rel not in members:
            raise ArchiveRefused(path, "backup.reason.incomplete", file=rel)
    if INDEX not in members:
        return
    index = parse_store_file(Path(INDEX), members[INDEX]).get(HANDLES_TABLE, {}).get("1", {})
    refs = index.get("refs") if isinstance(index, dict) else None
    if not isinstance(refs, dict) or set(map(str, refs.values())) != accounts:
        raise ArchiveRefused(path, "backup.reason.index_disagrees", file=INDEX)


def _read_members(path: Path, raw: bytes) -> dict[str, bytes]:
    """Every member's bytes; refuses links, devices, folders, unsafe or repeated names."""
    members: dict[str, bytes] = {}
    total = 0
    with tarfile.open(fileobj=io.BytesIO(raw), mode="r:gz") as tar:
        for info in tar:
            name = info.name
            if not info.isreg():
                raise ArchiveRefused(path, "backup.reason.not_regular", file=name)
            if (name.startswith("/") or "\\" in name or posixpath.normpath(name) != name
                    or ".." in name.split("/")):
                raise ArchiveRefused(path, "backup.reason.bad_path", file=name)
            if name in members:
                raise ArchiveRefused(path, "backup.reason.repeated", file=name)
            total += info.size
            if total > MAX_UNPACKED_BYTES:
                raise ArchiveRefused(path, "backup.reason.too_big")
            handle = tar.extractfile(info)
            members[name] = handle.read() if handle is not None else b""
    return members


def _manifest(path: Path, raw: bytes | None) -> dict[str, Any]:
    if raw is None:
        raise ArchiveRefused(path, "backup.reason.no_manifest", manifest=MANIFEST)
    try:
        manifest = orjson.loads(raw)
    except orjson.JSONDecodeError:
        manifest = None
    schema = manifest.get("schema") if isinstance(manifest, dict) else None
    if (not isinstance(manifest, dict) or manifest.get("format") != FORMAT
            or manifest.get("scope") not in SCOPES or not isinstance(manifest.get("files"), dict)
            or isinstance(schema, bool) or not isinstance(schema, int)):
        raise ArchiveRefused(path, "backup.reason.bad_manifest", manifest=MANIFEST)
    if manifest["schema"] > SCHEMA_VERSION:
        raise ArchiveRefused(path, "backup.reason.too_new", found=manifest["schema"],
                             supported=SCHEMA_VERSION)
    return manifest


def _check_listing(path: Path, manifest: dict[str, Any], members: dict[str, bytes]) -> None:
    """The manifest lists exactly the members, each in scope and with its size and checksum."""
    listed: dict[str, Any] = manifest["files"]
    for rel in sorted(set(listed) | set(members)):
        if not in_scope(rel, manifest["scope"]):
            raise ArchiveRefused(path, "backup.reason.bad_path", file=rel)
        if rel not in members or rel not in listed:
            raise ArchiveRefused(path, "backup.reason.listing", file=rel)
        entry, data = listed[rel], members[rel]
        if (not isinstance(entry, dict) or entry.get("size") != len(data)
                or entry.get("sha256") != hashlib.sha256(data).hexdigest()):
            raise ArchiveRefused(path, "backup.reason.checksum", file=rel)


def check_file(path: Path, rel: str, raw: bytes) -> None:
    """Raise StoreCorrupt/StoreTooNew (or InputError) unless ``raw`` is a usable ``rel``."""
    if rel == CHANGE_LOG:
        check_log(path, raw)
    elif rel == SETTINGS_FILE:
        import tomllib  # (here: only a backup's or snapshot's check parses settings)

        try:
            tomllib.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
            detail = str(error)
            raise InputError("backup.reason.bad_settings", path=str(path), detail=detail) from None
    elif screenshot_digest(rel) is not None:
        check_screenshot(path, rel, raw)
    elif rel == DEMO_MARKER:
        parse_demo_version(raw)  # MarkerInvalid (an InputError) names what is wrong
    else:
        parse_store_file(path, raw)


def check_screenshot(path: Path, rel: str, raw: bytes) -> None:
    """A stored screenshot must be what its name says: that SHA-256, a PNG, JPEG or PDF."""
    from governance.moderation.screenshots import kind_of

    if hashlib.sha256(raw).hexdigest() != screenshot_digest(rel) or kind_of(raw) is None:
        raise StoreCorrupt(path=str(path), detail=t("moderation.store.screenshot_mismatch"))


def check_log(path: Path, raw: bytes) -> None:
    """Refuse a change log with a bad line (StoreCorrupt naming FILE:LINE)."""
    problems = log_problems(raw)
    if problems:
        number, key = problems[0]
        raise StoreCorrupt(path=f"{path}:{number}", detail=t(key))


def log_problems(raw: bytes) -> list[tuple[int, str]]:
    """Each bad line of a change log: (line number, message key)."""
    problems: list[tuple[int, str]] = []
    lines = raw.split(b"\n")
    for number, line in enumerate(lines, start=1):
        if number == len(lines):
            if line:
                problems.append((number, "backup.log.unfinished"))
            break
        try:
            doc = orjson.loads(line)
        except orjson.JSONDecodeError:
            problems.append((number, "backup.log.not_json"))
            continue
        if not isinstance(doc, dict) or not isinstance(doc.get("at"), str):
            problems.append((number, "backup.log.not_entry"))
    return problems


# --- automatic snapshots ------------------------------------------------------------------------


def snapshot_if_due(root: Path, file_mode: int, dir_mode: int) -> Path | None:
    """Snapshot the register if the last one is an hour old; call under the exclusive lock.

    The common case is one ``stat()``: the snapshots folder's mtime changes whenever a snapshot
    is added, so it stands for the newest snapshot's time without listing the folder.
    """
    now = clock()
    folder = root / SNAPSHOT_DIR
    try:  # lstat: a planted link must not stand for the folder (checked below when one is due)
        age = now.timestamp() - os.lstat(folder).st_mtime
    except FileNotFoundError:
        age = math.inf
    check_directory(folder)
    if age < SNAPSHOT_INTERVAL_S:
        return None
    return take_snapshot(root, now, file_mode=file_mode, dir_mode=dir_mode)


def take_snapshot(root: Path, now: datetime, *, file_mode: int, dir_mode: int) -> Path | None:
    """Write a register snapshot and drop the oldest beyond the setting; None if none was due."""
    keep = keep_snapshots(root)
    if keep == 0:
        return None
    try:
        files = collect_files(root, "register")
    except StoreError:
        return None  # a damaged register is not worth keeping, and must not rotate good ones out
    if not files:
        return None
    folder = root / SNAPSHOT_DIR
    target = folder / f"{SNAPSHOT_PREFIX}{now:%Y%m%dT%H%M%SZ}{SNAPSHOT_SUFFIX}"
    if target.exists():
        return None
    ensure_directory(folder, dir_mode)
    # Level 1: a snapshot is taken inside an edit, so speed matters more than a few kilobytes.
    write_atomic(target, build_archive(files, scope="register", created=now, level=1),
                 mode=file_mode)
    for old in list_snapshots(root)[:-keep]:
        old.unlink(missing_ok=True)
    # The folder's mtime is the "newest snapshot" time the next due check reads: make it ours.
    stamp = now.timestamp()
    os.utime(folder, (stamp, stamp))
    return target


def list_snapshots(root: Path) -> list[Path]:
    """The automatic snapshots, oldest first (their names sort by time)."""
    folder = root / SNAPSHOT_DIR
    check_directory(folder)  # never list (and so prune or rewrite) through a planted link
    if not folder.is_dir():
        return []
    return sorted(
        p for p in folder.iterdir()
        if p.name.startswith(SNAPSHOT_PREFIX) and p.name.endswith(SNAPSHOT_SUFFIX)
        and TEMP_MARKER not in p.name
    )


def keep_snapshots(root: Path) -> int:
    """``[backup] keep_snapshots`` from settings.toml (default 10, 0 turns snapshots off)."""
    path = root / SETTINGS_FILE
    raw = read_store_file(path)
    if raw is None:
        return DEFAULT_KEEP
    import tomllib  # (here: a store without settings.toml has nothing to parse)

    try:
        document = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise InputError("backup.settings.syntax", path=str(path), detail=str(error)) from None
    table = document.get("backup", {})
    value = table.get("keep_snapshots", DEFAULT_KEEP) if isinstance(table, dict) else None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_KEEP:
        raise InputError("backup.settings.keep", path=str(path), high=MAX_KEEP)
    return value


# --- the corrupt-file message -------------------------------------------------------------------


def restore_hint(path: str, find_root: Callable[[Path], Path | None] | None = None) -> str:
    """How to recover from a damaged ``path``: the newest snapshot that holds the file, if any."""
    file = Path(re.sub(r":\d+$", "", path))  # a change log problem is named FILE:LINE
    root = (find_root or data_dir_of)(file)
    if root is None:
        return t("backup.hint.backup", data_dir="DIR")
    rel = os.path.relpath(file, root).replace(os.sep, "/")
    if not in_scope(rel, "register"):  # snapshots hold the register only
        return t("backup.hint.backup", data_dir=str(root))
    from governance.snapshot_advice import snapshot_advice  # only on the way to an error

    try:
        snapshots = list_snapshots(root)
    except (StoreError, OSError):  # a planted link for the folder: no snapshot to trust
        snapshots = []
    return snapshot_advice(root, rel, snapshots, clock(), SNAPSHOT_PREFIX)
