"""Where each thing lives in a data directory: every store file name and the shard layout.

    DATA_DIR/
      .lock                     the inter-process lock
      store.json                the manifest: every store file the store has written
      journal.json              a redo journal, only while a multi-file commit is under way
      register/core.json        departments, users, guideline revisions
      register/index.json       PLATFORM:HANDLE -> account id, for quick lookups and uniqueness
      register/accounts/NN.json accounts with their editors, in SHARDS files by account id
      stats/NN.json             monthly stats and sync outcomes, sharded the same way
      audit/...                 audit runs, acknowledgements and waivers (see audits.runs)
      log/changes.jsonl         the append-only change log
      demo/                     the demo register, a whole store of its own
"""

from __future__ import annotations

import zlib

SHARDS = 32
MANIFEST = "store.json"
JOURNAL = "journal.json"
CORE = "register/core.json"
INDEX = "register/index.json"
ACCOUNTS_FOLDER = "register/accounts"
CHANGE_LOG = "log/changes.jsonl"
#: The folders that hold store files; anything else in the data directory (the demo, snapshots)
#: is not part of this store.
STORE_FOLDERS = ("register", "stats", "audit", "log")


def shard_of(account_id: str) -> str:
    """The shard number (``00``..``31``) an account's register and stats rows live in."""
    return f"{zlib.crc32(account_id.encode()) % SHARDS:02d}"


def account_file(account_id: str) -> str:
    return f"{ACCOUNTS_FOLDER}/{shard_of(account_id)}.json"


def stats_file(account_id: str) -> str:
    return f"stats/{shard_of(account_id)}.json"


def account_shard(shard: int) -> str:
    return f"{ACCOUNTS_FOLDER}/{shard:02d}.json"


def stats_shard(shard: int) -> str:
    return f"stats/{shard:02d}.json"
