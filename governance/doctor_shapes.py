"""What ``kontokoll doctor`` finds wrong *inside* a parsed store file: its documents' shapes.

Each check is the one the commands read the file with, never a copy of it: an account shard is
decoded by the strict typed decoder that ``accounts list``, ``export`` and ``audit run`` use
(:func:`governance.storage.typed.account_shard`), a stats row is checked by
:func:`governance.stats_rows.checked_row`, a post row by ``PostFigures.from_row``. So doctor names
exactly the files (and the document and field in them) that those commands refuse.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from governance.errors import StoreCorrupt, StoreError
from governance.i18n import t
from governance.stats_rows import BadRow, checked_row
from governance.storage.files import read_store_file
from governance.storage.format import META_TABLE
from governance.storage.layout import (
    ACCOUNTS_TABLE,
    CORE,
    DEPARTMENTS_TABLE,
    HANDLES_TABLE,
    INDEX,
    MONTHS_TABLE,
    POSTS_TABLE,
    USERS_TABLE,
    account_file,
    is_account_shard,
    is_posts_shard,
    is_stats_shard,
)


def shape_problem(root: Path, rel: str, data: dict[str, Any]) -> str | None:
    """What is wrong with the documents of the parsed store file ``root/rel``, or None."""
    if rel == INDEX:
        refs = data.get(HANDLES_TABLE, {}).get("1", {}).get("refs")
        if not isinstance(refs, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in refs.items()
        ):
            return t("doctor.detail.index")
        return None
    if rel == CORE:
        return _core_problem(data)
    if is_account_shard(rel):
        return _accounts_problem(root, rel, data)
    if is_stats_shard(rel):
        return _stats_problem(data)
    if is_posts_shard(rel):
        return _posts_problem(data)
    return None


def _core_problem(data: dict[str, Any]) -> str | None:
    for doc in data.get(USERS_TABLE, {}).values():
        if not isinstance(doc.get("login"), str) or not isinstance(doc.get("role"), str):
            return t("doctor.detail.user")
    for doc in data.get(DEPARTMENTS_TABLE, {}).values():
        if not isinstance(doc.get("name"), str):
            return t("doctor.detail.department")
    return None


def _stats_problem(data: dict[str, Any]) -> str | None:
    """The first stats document that is not one account's months, or month row the readers
    refuse (a last-post time that is no time, or has none in Stockholm; a row that is no array)."""
    for key, doc in data.get(MONTHS_TABLE, {}).items():
        if not (isinstance(doc.get("account_id"), str) and isinstance(doc.get("months"), dict)):
            return t("doctor.detail.stats")
        for month, row in doc["months"].items():
            try:
                checked_row(row)
            except BadRow as error:
                return t("storecheck.stats_row", key=key, month=month, field=error.field,
                         reason=t(f"storecheck.reason.{error.field}"))
    return None


def _posts_problem(data: dict[str, Any]) -> str | None:
    """A posts shard whose documents are not one account's posts, each a post row."""
    from governance.posts import PostFigures

    for doc in data.get(POSTS_TABLE, {}).values():
        try:
            for post_id, row in doc["posts"].items():
                PostFigures.from_row(post_id, row)
            fits = isinstance(doc["account_id"], str)
        except (KeyError, TypeError, ValueError, AttributeError, IndexError):
            fits = False
        if not fits:
            return t("posts.doctor.detail")
    return None


def _accounts_problem(root: Path, rel: str, data: dict[str, Any]) -> str | None:
    """The first account the commands' strict decoder refuses (by key and field), or one whose
    id does not match its key or its file."""
    from governance.storage import typed  # msgspec: only when a shard is checked

    try:
        typed.account_shard(root / rel, read_store_file(root / rel) or b"")
    except StoreCorrupt as error:
        return _refused_account(root / rel, data) or str(error.params.get("detail"))
    except StoreError:
        return None  # a link, a special file, too new: reported by the tree and parse checks
    for key, doc in data.get(ACCOUNTS_TABLE, {}).items():
        account_id = doc["id"]  # the decoder has checked it is text
        try:
            fits = str(int(account_id, 16)) == key and rel == account_file(account_id)
        except ValueError:
            fits = False
        if not fits:
            return t("storecheck.account_place", key=key)
    return None


def _refused_account(path: Path, data: dict[str, Any]) -> str | None:
    """The first account of the shard that the strict decoder refuses alone, by key and the
    decoder's words (which name the field); None if each passes alone (a file-wide fault)."""
    from governance.storage import typed

    meta = data.get(META_TABLE, {})
    for key, doc in data.get(ACCOUNTS_TABLE, {}).items():
        alone = orjson.dumps({ACCOUNTS_TABLE: {key: doc}, META_TABLE: meta})
        try:
            typed.account_shard(path, alone)
        except StoreCorrupt as error:
            return t("storecheck.account", key=key, detail=error.params.get("detail"))
    return None
