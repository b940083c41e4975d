"""``kontokoll doctor``: a read-only check of a data directory, and ``--repair`` for what is safe.

The check never writes, not even the lock file: it takes the shared lock only through a lock file
that already exists, and reads every file without following links. It reports, one line per
problem: files the manifest lists that are missing, shards it does not list (no command reads
them), files of the wrong schema or shape (checked as the commands read them,
:mod:`governance.doctor_shapes`: an account or stats row by key and field; each bad moderation
record by id and field), owners and modes other than the store sets (0600/0700, or
0660/2770 and the group), links, hard links and special files, a handle index that disagrees with
the account shards, recent files that disagree with their stats shard
(:mod:`governance.doctor_recent`), bad change log lines, and leftover journals and temp files.
The demo (``demo/``) is a store of its own and is checked with ``--data-dir DATA/demo``. What is
inside the audit runs is checked by the command after these checks, with the audit's own reader
(:mod:`kontokoll.cli.doctor_runs`): the store layer never imports the audit.

``--repair`` (:mod:`governance.doctor_repair`) fixes what can be fixed without guessing: it
replays or discards a leftover journal (after confirmation), removes temp files, rebuilds the
handle index from the shards and writes the recent files anew from the stats shards.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import stat
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from governance.doctor_demo import check_demo_marker
from governance.doctor_recent import recent_problem
from governance.doctor_registered import registration_problems
from governance.doctor_shapes import shape_problem
from governance.doctor_snapshots import check_snapshot_folder
from governance.errors import (
    FieldError,
    InputError,
    StoreCorrupt,
    StoreError,
    StoreLocked,
    StoreTooNew,
    StoreUnsafe,
)
from governance.fields import check_platform_id
from governance.i18n import t
from governance.moderation.stored import record_problems
from governance.snapshots import (
    SNAPSHOT_DIR,
    check_screenshot,
    in_scope,
    keep_snapshots,
    list_snapshots,
    log_problems,
    open_archive,
)
from governance.storage.database import META_TABLE, SCHEMA_VERSION, parse_store_file
from governance.storage.files import TEMP_MARKER, modes_for, read_store_file, stat_store_file
from governance.storage.layout import (
    ACCOUNTS_FOLDER,
    ACCOUNTS_TABLE,
    CHANGE_LOG,
    CORE,
    HANDLES_TABLE,
    INDEX,
    JOURNAL,
    LOCK,
    MANIFEST,
    MODERATION_RECORDS,
    MODERATION_TABLE,
    SETTINGS_FILE,
    STORE_FOLDERS,
    is_account_shard,
    is_recent_shard,
    is_shard,
    screenshot_digest,
    stats_of,
)
from governance.storage.lock import DEFAULT_TIMEOUT_S
from governance.text_safety import visible

#: At most this many index disagreements are listed one by one; the rest are counted.
MAX_LISTED = 10
#: Folders in the data directory that are not part of this store's files.
DEMO = "demo"
#: What ``--repair`` can fix for a problem.
REPAIR_INDEX, REPAIR_JOURNAL, REPAIR_TEMP = "index", "journal", "temp"
REPAIR_MANIFEST = "manifest"
#: The recent files are derived from the stats shards: written anew (governance.doctor_recent).
REPAIR_RECENT = "recent"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one file."""

    path: str
    key: str
    params: dict[str, Any] = field(default_factory=dict)
    repair: str | None = None

    def __str__(self) -> str:
        return f"{self.path}: {t(self.key, **self.params)}"


def check(root: Path) -> list[Problem]:
    """Every problem found in the data directory ``root``; empty when it is healthy."""
    try:
        st = root.lstat()
    except FileNotFoundError:
        return [Problem(str(root), "doctor.problem.no_data_dir")]
    if not stat.S_ISDIR(st.st_mode):
        return [Problem(str(root), "doctor.problem.not_a_folder")]
    with shared_lock(root):
        checker = _Checker(root)
        checker.run()
    return checker.problems


@contextlib.contextmanager
def shared_lock(root: Path) -> Iterator[None]:
    """Hold the store's shared lock if its lock file exists; never create it (read-only).

    Also for the checks composed after these (the audit runs, :mod:`kontokoll.cli.doctor_runs`).
    """
    try:
        fd = os.open(root / LOCK, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        yield  # no lock file (or a planted link, reported below): nobody writes with it
        return
    try:
        deadline = time.monotonic() + DEFAULT_TIMEOUT_S
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
                break
            except OSError:
                if time.monotonic() >= deadline:
                    raise StoreLocked(path=str(root / LOCK),
                                      seconds=f"{DEFAULT_TIMEOUT_S:g}") from None
                time.sleep(0.02)
        yield
    finally:
        os.close(fd)


class _Checker:
    """One run of the checks over one data directory."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.problems: list[Problem] = []
        self.file_mode, self.dir_mode = modes_for(root)
        self.group = self.file_mode & 0o070 != 0
        self.owner = os.geteuid()
        self.gid = root.stat().st_gid
        self.parsed: dict[str, dict[str, Any]] = {}
        self.failed: set[str] = set()  # reported once, however often they are asked for
        self.journaled: frozenset[str] = frozenset()  # what a leftover journal would write

    def add(self, rel: str, key: str, repair: str | None = None, **params: Any) -> None:
        self.problems.append(Problem(str(self.root / rel) if rel else str(self.root), key,
                                     params, repair))

    def run(self) -> None:
        self.check_tree()
        if os.path.lexists(self.root / JOURNAL):
            self.add(JOURNAL, "doctor.problem.journal", REPAIR_JOURNAL)
            self.journaled = self.journal_paths()
        listed = self.check_manifest()
        self.check_register_whole(listed)
        self.check_files(listed)
        self.check_index(listed)
        self.check_platform_ids()
        self.problems += registration_problems(self.root, self.parsed)
        self.check_settings()
        self.check_snapshots()
        check_demo_marker(self.root, self.add)

    # --- the tree: links, special files, owners, modes, temp files -----------------------------

    def check_tree(self) -> None:
        self.check_owner_mode("", self.root.lstat())
        for folder, dirs, files in os.walk(self.root, followlinks=False):
            here = Path(folder)
            if here == self.root and DEMO in dirs:
                dirs.remove(DEMO)
            for name in sorted([*dirs, *files]):
                path = here / name
                rel = path.relative_to(self.root).as_posix()
                st = path.lstat()
                if stat.S_ISLNK(st.st_mode):
                    self.add(rel, "doctor.problem.link", target=os.readlink(path))
                elif not (stat.S_ISREG(st.st_mode) or stat.S_ISDIR(st.st_mode)):
                    self.add(rel, "doctor.problem.special")
                elif TEMP_MARKER in name and stat.S_ISREG(st.st_mode):
                    self.add(rel, "doctor.problem.temp", REPAIR_TEMP)  # its mode is moot
                else:
                    self.check_owner_mode(rel, st)
                    self.check_second_name(rel, path, st)

    def check_owner_mode(self, rel: str, st: os.stat_result) -> None:
        expected = self.dir_mode if stat.S_ISDIR(st.st_mode) else self.file_mode
        if stat.S_IMODE(st.st_mode) != expected:
            self.add(rel, "doctor.problem.mode", found=f"{stat.S_IMODE(st.st_mode):04o}",
                     expected=f"{expected:04o}")
        if self.group and st.st_gid != self.gid:
            self.add(rel, "doctor.problem.group", found=st.st_gid, expected=self.gid)
        elif not self.group and st.st_uid != self.owner:
            self.add(rel, "doctor.problem.owner", found=st.st_uid, expected=self.owner)

    def check_second_name(self, rel: str, path: Path, st: os.stat_result) -> None:
        """A file the commands refuse although it is regular (a hard link, a second name from
        outside the store): their own check (governance.storage.files), never a copy of it."""
        if not stat.S_ISREG(st.st_mode):
            return
        try:
            stat_store_file(path)
        except StoreUnsafe as error:
            self.add(rel, "records_check.doctor.unsafe", what=error.params["what"])

    # --- the manifest and the files -----------------------------------------------------------

    def check_manifest(self) -> frozenset[str] | None:
        """The files the manifest lists (each must exist), or None without a usable manifest."""
        data = self.parse(MANIFEST, REPAIR_MANIFEST)
        if data is None:
            if not os.path.lexists(self.root / MANIFEST):
                self.check_unlisted()
            return None
        paths = data.get("files", {}).get("1", {}).get("paths")
        if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
            self.add(MANIFEST, "doctor.problem.shape", REPAIR_MANIFEST,
                     detail=t("doctor.detail.manifest"))
            return None
        for rel in sorted(paths):
            if not os.path.lexists(self.root / rel) and is_recent_shard(rel):
                self.add(rel, "recent.missing", REPAIR_RECENT, manifest=MANIFEST,
                         stats=stats_of(rel))
            elif not os.path.lexists(self.root / rel):
                self.add(rel, "doctor.problem.missing", REPAIR_INDEX if rel == INDEX else None,
                         manifest=MANIFEST)
        return frozenset(paths)

    def journal_paths(self) -> frozenset[str]:
        """The paths a leftover journal writes: its replay lists its new shards in the manifest,
        so they are not strays (nothing, if the journal cannot be read: it is named anyway)."""
        from governance.storage.journal import plan_paths, read_plan

        try:
            raw = read_store_file(self.root / JOURNAL)
            if raw is None:
                return frozenset()
            return frozenset(plan_paths(read_plan(self.root / JOURNAL, raw)))
        except (StoreError, InputError, OSError, KeyError, TypeError, ValueError):
            return frozenset()

    def check_unlisted(self) -> None:
        """A store without a manifest is fine only if it is new, or older (schema 1) and whole."""
        for rel in (CORE, INDEX):
            if os.path.lexists(self.root / rel):
                meta = (self.parse(rel) or {}).get(META_TABLE, {}).get("1", {})
                if isinstance(meta.get("schema"), int) and meta["schema"] >= 2:
                    self.add(MANIFEST, "doctor.problem.no_manifest", REPAIR_MANIFEST)
                    return

    def check_register_whole(self, listed: frozenset[str] | None) -> None:
        """Accounts without the core file or the index: whatever the manifest says, that is loss."""
        shards = self.root / ACCOUNTS_FOLDER
        if not shards.is_dir() or not any(p.suffix == ".json" for p in shards.iterdir()):
            return
        for rel in (CORE, INDEX):
            if not os.path.lexists(self.root / rel) and (listed is None or rel not in listed):
                self.add(rel, "doctor.problem.missing_unlisted",
                         REPAIR_INDEX if rel == INDEX else None)

    def check_files(self, listed: frozenset[str] | None) -> None:
        for folder in STORE_FOLDERS:
            for path in sorted(_files_under(self.root / folder)):
                rel = path.relative_to(self.root).as_posix()
                if TEMP_MARKER in path.name:
                    continue
                if not in_scope(rel, "store"):
                    self.add(rel, "doctor.problem.unexpected")
                elif (listed is not None and rel not in listed and is_shard(rel)
                      and rel not in self.journaled):
                    self.add(rel, "storecheck.unlisted", manifest=MANIFEST)  # no command reads it
                elif rel == CHANGE_LOG:
                    self.check_log()
                elif screenshot_digest(rel) is not None:  # binary: checked, never parsed
                    self.check_screenshot(rel)
                elif is_recent_shard(rel):  # derived: a damaged one is written anew too
                    self.check_recent(rel)
                else:
                    data = self.parse(rel, REPAIR_INDEX if rel == INDEX else None)
                    if data is not None:
                        self.check_shape(rel, data)
                    if data is not None and rel == MODERATION_RECORDS:
                        self.check_moderation(rel, data)

    def parse(self, rel: str, repair: str | None = None) -> dict[str, Any] | None:
        """A store file's tables, or None (and a problem) if it is missing or unusable."""
        if rel in self.parsed or rel in self.failed:
            return self.parsed.get(rel)
        self.failed.add(rel)
        try:
            raw = read_store_file(self.root / rel)
            if raw is None:
                return None
            data = parse_store_file(self.root / rel, raw)
        except StoreTooNew as error:
            self.add(rel, "doctor.problem.too_new", repair, found=error.params["found"],
                     supported=SCHEMA_VERSION)
            return None
        except StoreCorrupt as error:
            self.add(rel, "doctor.problem.corrupt", repair, detail=error.params.get("detail"))
            return None
        except StoreError:
            return None  # a link or special file: reported by the tree check
        self.failed.discard(rel)
        self.parsed[rel] = data
        return data

    def check_shape(self, rel: str, data: dict[str, Any]) -> None:
        """The tables a file of this kind must hold, with documents of the right shape."""
        problem = shape_problem(self.root, rel, data)
        if problem is not None:
            self.add(rel, "doctor.problem.shape", REPAIR_INDEX if rel == INDEX else None,
                     detail=problem)
            self.parsed.pop(rel, None)

    def check_recent(self, rel: str) -> None:
        """A recent file, and against the stats shard it is derived from
        (governance.doctor_recent); a newer schema's is named as any file's is, not repaired."""
        try:
            found = recent_problem(self.root, rel)
        except StoreTooNew as error:
            self.add(rel, "doctor.problem.too_new", found=error.params["found"],
                     supported=SCHEMA_VERSION)
            return
        if found is not None:
            self.add(rel, found[0], REPAIR_RECENT, **found[1])

    def check_moderation(self, rel: str, data: dict[str, Any]) -> None:
        """Each moderation record the commands would refuse as damaged, by id and field."""
        for problem in record_problems(data.get(MODERATION_TABLE, {})):
            self.add(rel, "records_check.doctor.record", id=problem.record, field=problem.field,
                     detail=problem.detail)

    def check_screenshot(self, rel: str) -> None:
        """A screenshot must hold the content its name (a SHA-256) promises."""
        try:
            check_screenshot(self.root / rel, rel, read_store_file(self.root / rel) or b"")
        except StoreCorrupt as error:
            self.add(rel, "doctor.problem.corrupt", None, detail=error.params.get("detail"))
        except StoreError:
            pass  # a link or special file: reported by the tree check

    def check_log(self) -> None:
        raw = read_store_file(self.root / CHANGE_LOG) or b""
        for number, key in log_problems(raw)[:MAX_LISTED]:
            self.add(f"{CHANGE_LOG}:{number}", "doctor.problem.log_line", detail=t(key))

    # --- the handle index against the shards --------------------------------------------------

    def check_index(self, listed: frozenset[str] | None) -> None:
        index = self.parsed.get(INDEX)
        if index is None:
            return  # missing or damaged: already reported
        refs = index.get(HANDLES_TABLE, {}).get("1", {}).get("refs", {})
        accounts: dict[str, str] = {}
        disagreements: list[tuple[str, dict[str, Any]]] = []
        for rel, data in sorted(self.parsed.items()):
            if is_account_shard(rel):
                for doc in data.get(ACCOUNTS_TABLE, {}).values():
                    ref = f"{doc['platform']}:{doc['handle']}"
                    if ref in accounts:
                        self.add(rel, "doctor.problem.duplicate_ref", ref=ref)
                    accounts[ref] = doc["id"]
        for ref, account_id in sorted(accounts.items()):
            if refs.get(ref) != account_id:
                disagreements.append(("doctor.problem.index_lacks", {"ref": ref, "id": account_id}))
        for ref, account_id in sorted(refs.items()):
            if accounts.get(ref) != account_id:
                disagreements.append(("doctor.problem.index_stale", {"ref": ref, "id": account_id}))
        for key, params in disagreements[:MAX_LISTED]:
            self.add(INDEX, key, REPAIR_INDEX, **params)
        if len(disagreements) > MAX_LISTED:
            self.add(INDEX, "doctor.problem.index_more", REPAIR_INDEX,
                     count=len(disagreements) - MAX_LISTED)

    def check_platform_ids(self) -> None:
        """Platform ids not of their platform's form (a spreadsheet's 3.5718449604286E+17, say),
        listed for a person to correct: an import refuses new ones, but keeps stored ones."""
        for rel, data in sorted(self.parsed.items()):
            for doc in data.get(ACCOUNTS_TABLE, {}).values() if is_account_shard(rel) else ():
                platform, value = doc.get("platform"), doc.get("platform_id")
                if not isinstance(platform, str) or not isinstance(value, str):
                    continue  # the shape check reports it
                try:
                    check_platform_id(platform, value)
                except FieldError:
                    self.add(rel, "identity.doctor.odd_id", ref=visible(f"{platform}:"
                             f"{doc.get('handle')}"), value=visible(value), platform=platform)

    # --- settings and snapshots -----------------------------------------------------------------

    def check_settings(self) -> None:
        try:
            keep_snapshots(self.root)
        except InputError as error:
            self.add(SETTINGS_FILE, "doctor.problem.settings", detail=str(error))
        except StoreError:
            pass  # a link or special file: reported by the tree check

    def check_snapshots(self) -> None:
        check_snapshot_folder(self.root, self.add)
        for path in list_snapshots(self.root):
            if path.is_symlink():
                continue
            try:
                open_archive(path)
            except InputError as error:
                rel = f"{SNAPSHOT_DIR}/{path.name}"
                self.add(rel, "doctor.problem.snapshot", detail=str(error))


def _files_under(folder: Path) -> list[Path]:
    """Regular files under ``folder`` (links and special files are reported by the tree check)."""
    found = []
    for here, _dirs, files in os.walk(folder, followlinks=False):
        for name in files:
            path = Path(here) / name
            if stat.S_ISREG(path.lstat().st_mode):
                found.append(path)
    return found
