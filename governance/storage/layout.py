"""Where each thing lives in a data directory: every store file name, table name and shard layout.

This is the only module that spells a store file's name. Everything else asks it (or, better, goes
through the repositories of :mod:`governance.storage.repositories`, which hide files altogether).

    DATA_DIR/
      .lock                       the inter-process lock
      store.json                  the manifest: every store file the store has written
      journal.json                a redo journal, only while a multi-file commit is under way
      settings.toml               the audit's thresholds and [backup] (optional; not a store file)
      register/core.json          tables departments, users, revisions, revision_acks
      register/index.json         table handles: PLATFORM:HANDLE -> account id
      register/accounts/NN.json   table accounts: accounts with their editors, in SHARDS files
      stats/NN.json               tables months, outcomes: sharded like the accounts
      stats-recent/NN.json        tables recent, source: each stats shard's recent months as the
                                  audit reads them, kept by the commit (governance.storage.recent)
      posts/NN.json               table posts: per-post figures of 13 months, sharded likewise
      audit/index.json            table runs: one summary per audit run (doc id = run number)
      audit/runs/<id>.json        table run: one run with its settings and findings
      audit/acks.json             table acks: acknowledged findings
      audit/waivers.json          table waivers: waived findings
      audit/sent.json             table sent: the packets mailed to departments (no addresses)
      moderation/records.json     table records: the moderation register (governance.moderation)
      moderation/screenshots/     the screenshots of removed comments, named SHA256.EXT (binary)
      log/changes.jsonl           the append-only change log (one JSON object a line)
      snapshots/                  automatic register snapshots (governance.snapshots)
      .restore-previous-TIME/     the files a restore replaced (governance.backup)
      demo/                       the demo register, a whole store of its own
"""

from __future__ import annotations

import re
import zlib

SHARDS = 32
LOCK = ".lock"
MANIFEST = "store.json"
JOURNAL = "journal.json"
SETTINGS_FILE = "settings.toml"
CORE = "register/core.json"
INDEX = "register/index.json"
ACCOUNTS_FOLDER = "register/accounts"
STATS_FOLDER = "stats"
#: Derived from the stats shards by every commit that writes them (governance.storage.recent).
RECENT_FOLDER = "stats-recent"
#: Per-post figures (governance.posts): re-syncable like the stats, never read by the audit.
POSTS_FOLDER = "posts"
AUDIT_FOLDER = "audit"
AUDIT_INDEX = "audit/index.json"
AUDIT_RUNS_FOLDER = "audit/runs"
ACKS = "audit/acks.json"
WAIVERS = "audit/waivers.json"
SENT = "audit/sent.json"
CHANGE_LOG = "log/changes.jsonl"
MODERATION_FOLDER = "moderation"
MODERATION_RECORDS = "moderation/records.json"
#: Screenshots are the store's only binary files: never TinyDB documents, never parsed, written
#: whole by the transaction that records them (``WriteTransaction.put_blob``) and named by their
#: SHA-256, so a name says what its content must be.
SCREENSHOTS_FOLDER = "moderation/screenshots"
SCREENSHOT_EXTENSIONS = ("png", "jpg", "pdf")
#: The folders that hold store files; anything else in the data directory (the demo, snapshots)
#: is not part of this store.
STORE_FOLDERS = (
    "register", STATS_FOLDER, RECENT_FOLDER, POSTS_FOLDER, AUDIT_FOLDER, MODERATION_FOLDER, "log"
)
#: The folders whose ``.json`` files are TinyDB documents (the log folder holds JSON lines).
DOCUMENT_FOLDERS = (
    "register", STATS_FOLDER, RECENT_FOLDER, POSTS_FOLDER, AUDIT_FOLDER, MODERATION_FOLDER
)
#: The folder the automatic snapshots cover: the register, without the bulky, re-syncable stats.
REGISTER_FOLDER = "register"

# Tables, by the file that holds them.
DEPARTMENTS_TABLE = "departments"  # CORE
USERS_TABLE = "users"  # CORE
REVISIONS_TABLE = "revisions"  # CORE
REVISION_ACKS_TABLE = "revision_acks"  # CORE: editors' acknowledgements of a revision
HANDLES_TABLE = "handles"  # INDEX
ACCOUNTS_TABLE = "accounts"  # account shards
MONTHS_TABLE = "months"  # stats shards
OUTCOMES_TABLE = "outcomes"  # stats shards
RECENT_TABLE = "recent"  # recent files: doc id -> month -> audit row
SOURCE_TABLE = "source"  # recent files: the stats file's identity and the months covered
POSTS_TABLE = "posts"  # posts shards
RUNS_TABLE = "runs"  # AUDIT_INDEX
RUN_TABLE = "run"  # a run's own file
ACKS_TABLE = "acks"  # ACKS
WAIVERS_TABLE = "waivers"  # WAIVERS
SENT_TABLE = "sent"  # SENT
MODERATION_TABLE = "records"  # MODERATION_RECORDS

#: Every path a store archive may hold (relative, POSIX): the store files and the settings.
STORE_PATHS = re.compile(
    r"register/(core|index)\.json|register/accounts/(0\d|1\d|2\d|3[01])\.json"
    r"|stats/(0\d|1\d|2\d|3[01])\.json|posts/(0\d|1\d|2\d|3[01])\.json"
    r"|stats-recent/(0\d|1\d|2\d|3[01])\.json"
    r"|audit/(index|acks|waivers|sent)\.json|audit/runs/[A-Za-z0-9_-]{1,64}\.json"
    r"|log/changes\.jsonl|settings\.toml"
    r"|moderation/records\.json|moderation/screenshots/[0-9a-f]{64}\.(png|jpg|pdf)"
)
_SCREENSHOT = re.compile(r"moderation/screenshots/(?P<sha>[0-9a-f]{64})\.(png|jpg|pdf)")


def shard_of(account_id: str) -> str:
    """The shard number (``00``..``31``) an account's register and stats rows live in."""
    return f"{zlib.crc32(account_id.encode()) % SHARDS:02d}"


def account_file(account_id: str) -> str:
    return f"{ACCOUNTS_FOLDER}/{shard_of(account_id)}.json"


def stats_file(account_id: str) -> str:
    return f"{STATS_FOLDER}/{shard_of(account_id)}.json"


def posts_file(account_id: str) -> str:
    return f"{POSTS_FOLDER}/{shard_of(account_id)}.json"


def posts_shard(shard: int) -> str:
    return f"{POSTS_FOLDER}/{shard:02d}.json"


def account_shard(shard: int) -> str:
    return f"{ACCOUNTS_FOLDER}/{shard:02d}.json"


def stats_shard(shard: int) -> str:
    return f"{STATS_FOLDER}/{shard:02d}.json"


def recent_shard(shard: int) -> str:
    return f"{RECENT_FOLDER}/{shard:02d}.json"


def recent_of(stats_rel: str) -> str:
    """The recent file kept beside the stats shard ``stats_rel``."""
    return f"{RECENT_FOLDER}/{stats_rel.rpartition('/')[2]}"


def stats_of(recent_rel: str) -> str:
    """The stats shard a recent file is derived from."""
    return f"{STATS_FOLDER}/{recent_rel.rpartition('/')[2]}"


def run_file(run_id: str) -> str:
    """The file of one audit run (its id is checked to be ``2026Q4-7``-shaped before use)."""
    return f"{AUDIT_RUNS_FOLDER}/{run_id}.json"


def is_account_shard(rel: str) -> bool:
    return rel.startswith(ACCOUNTS_FOLDER + "/")


def is_stats_shard(rel: str) -> bool:
    return rel.startswith(STATS_FOLDER + "/")


def is_recent_shard(rel: str) -> bool:
    return rel.startswith(RECENT_FOLDER + "/")


def is_posts_shard(rel: str) -> bool:
    return rel.startswith(POSTS_FOLDER + "/")


def is_shard(rel: str) -> bool:
    """Whether ``rel`` is an account, stats, recent or posts shard: files of a numbered series that
    the readers list by number, so a stray one (a copy of another) would add its records twice."""
    return rel.startswith(_SHARD_FOLDERS)


_SHARD_FOLDERS = tuple(
    f"{folder}/" for folder in (ACCOUNTS_FOLDER, STATS_FOLDER, RECENT_FOLDER, POSTS_FOLDER)
)


def is_audit_file(rel: str) -> bool:
    return rel.startswith(AUDIT_FOLDER + "/")


def is_document_file(rel: str) -> bool:
    """Whether ``rel`` (inside the store's folders) is a TinyDB document, not the change log."""
    return rel.split("/")[0] in DOCUMENT_FOLDERS and rel.endswith(".json")


def is_log_file(rel: str) -> bool:
    """Whether ``rel`` is an append-only JSON-lines log (rather than a TinyDB document)."""
    return rel.endswith(".jsonl")


def screenshot_file(sha256: str, extension: str) -> str:
    """The store file of a screenshot: its content's SHA-256 (64 hex digits) and its type."""
    if extension not in SCREENSHOT_EXTENSIONS or not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise ValueError(f"not a screenshot name: {sha256}.{extension}")
    return f"{SCREENSHOTS_FOLDER}/{sha256}.{extension}"


def screenshot_digest(rel: str) -> str | None:
    """The SHA-256 a screenshot file's name promises, or None if ``rel`` is no screenshot."""
    found = _SCREENSHOT.fullmatch(rel)
    return found["sha"] if found else None
