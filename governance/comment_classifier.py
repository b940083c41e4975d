"""Is a comment a question that needs a reply? The guideline's reply duty, judged from the text.

The guideline: "I kommentarsflödet svarar vi alltid på direkta, konkreta och seriösa frågor som
ställs. Tyckanden och eventuellt 'gnäll' är inget vi bemöter." The sync reads each incoming
top-level comment, asks :meth:`Classifier.classify` for ``"question"`` or ``"other"`` and keeps
only the counts; the text itself is never stored.

The rules are plain word lists, so AKN can read and extend them: the built-in lists are
``governance/data/comment_words.toml`` (whose comments explain each list and the order in which
they are applied), extended by ``DATA_DIR/comment-words.toml`` with the same keys. A
:class:`Classifier` names the effective lists in :attr:`Classifier.version`, which the sync
stores with each month's counts, so a month can be re-counted after the lists change.

The rules see a comment as the tokens :mod:`governance.comment_text` makes of it (NFKC, case
folded, invisible characters, links and mentions' names removed, its first 10,000 characters).
:meth:`Classifier.classify_many` judges many comments at once, several times faster than one
at a time; the sync and ``kontokoll comments classify`` use it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any, Literal

from governance.comment_rules import PhraseSet, WordLists, compile_rules
from governance.comment_text import Phrase, token_lines, words_in
from governance.errors import InputError
from governance.i18n import t
from governance.storage.files import open_store_file

Label = Literal["question", "other"]
QUESTION: Label = "question"
OTHER: Label = "other"

#: The built-in lists, shipped as package data.
BUILTIN_FILE = Path(__file__).with_name("data") / "comment_words.toml"
#: AKN's additions, in the data directory.
EXTENSION_FILE = "comment-words.toml"
#: The lists, in the order the data file explains them.
WORD_LISTS = (
    "interrogatives", "subjects", "exclamations", "relatives", "small_talk", "rhetorical",
    "question_phrases", "openers", "requests", "lead_ins", "city_address", "spam",
    "verbs_first", "definite_endings", "not_subjects",
)  # fmt: skip
MAX_EXTENSION_BYTES = 256 * 1024
MAX_ENTRIES = 10_000
MAX_ENTRY_CHARS = 100
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class Classifier:
    """Tells questions that need a reply from other comments (see the data file for the rules)."""

    #: Names the effective lists: ``builtin-N``, or ``builtin-N+sha256:XXXXXXXX`` when
    #: ``DATA_DIR/comment-words.toml`` adds to them (the hash of what it adds).
    version: str
    words: WordLists = field(repr=False, compare=False)

    def classify(self, text: str) -> Label:
        """``"question"`` if ``text`` asks the city something or asks for a reply, else ``"other"``.

        Never raises: any text, however long or strange, gets a label.
        """
        return self.classify_many([text])[0]

    def classify_many(self, texts: Sequence[str]) -> list[Label]:
        """The label of each text, in order: as :meth:`classify`, several times faster."""
        is_question = self._rules
        # Each comment's tokens are made from its line as it is judged, so that only the labels
        # outlive it (100,000 tuples kept alive would cost the garbage collector more).
        return [QUESTION if is_question(line) else OTHER for line in token_lines(texts)]

    @cached_property
    def _rules(self) -> Callable[[str], bool]:
        """The rules of the data file, compiled once for these lists."""
        return compile_rules(self.words)


def load_classifier(data_dir: Path | None = None) -> Classifier:
    """The built-in lists, extended by ``data_dir/comment-words.toml`` if that file exists.

    Raises InputError naming the file and key for a malformed extension, and StoreUnsafe for
    one that is a link or not a regular file.
    """
    path = None if data_dir is None else data_dir / EXTENSION_FILE
    document = None if path is None else _read_extension(path)
    if path is None or document is None:
        return _builtin_classifier()
    version, builtin = _builtin()
    extension = _lists_in(document, str(path))
    added = {k: v - builtin[k] for k, v in extension.items() if v - builtin[k]}
    if not added:  # only words the built-in lists already hold: the same lists, the same name
        return _builtin_classifier()
    lists = WordLists(**{k: PhraseSet.of(builtin[k] | added.get(k, frozenset())) for k in builtin})
    canonical = json.dumps({k: sorted(" ".join(p) for p in v) for k, v in added.items()},
                           sort_keys=True, ensure_ascii=False)  # fmt: skip
    digest = hashlib.sha256(canonical.encode()).hexdigest()[:8]
    return Classifier(f"builtin-{version}+sha256:{digest}", lists)


def builtin_version() -> int:
    """The version number of the built-in word lists (``builtin-N``): no month can have been
    classified by a later one."""
    return _builtin()[0]


@cache
def _builtin_classifier() -> Classifier:
    """The classifier of the built-in lists alone, built once per process."""
    version, builtin = _builtin()
    lists = WordLists(**{name: PhraseSet.of(phrases) for name, phrases in builtin.items()})
    return Classifier(f"builtin-{version}", lists)


@cache
def _builtin() -> tuple[int, dict[str, frozenset[Phrase]]]:
    """The version and the lists of the built-in data file, read once per process."""
    document = tomllib.loads(BUILTIN_FILE.read_text(encoding="utf-8"))
    version = document.pop("version", None)
    if type(version) is not int or version < 1:
        raise _bad(str(BUILTIN_FILE), "version", "comments.words.bad_version")
    lists = _lists_in(document, str(BUILTIN_FILE))
    return version, {name: lists.get(name, frozenset()) for name in WORD_LISTS}


def _read_extension(path: Path) -> dict[str, Any] | None:
    """The parsed extension file, or None if there is none; never through a link, size-capped."""
    try:
        fd = open_store_file(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    chunks: list[bytes] = []
    try:  # one byte past the cap is enough to know the file is too large
        while (size := sum(map(len, chunks))) <= MAX_EXTENSION_BYTES:
            chunk = os.read(fd, MAX_EXTENSION_BYTES + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > MAX_EXTENSION_BYTES:
        raise InputError("comments.words.too_large", path=str(path), limit=MAX_EXTENSION_BYTES)
    try:
        return tomllib.loads(data.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:  # the text names line/column
        raise InputError("comments.words.syntax", path=str(path), detail=str(error)) from None
    except RecursionError:  # tomllib parses nested arrays recursively
        detail = t("comments.words.too_deep")
        raise InputError("comments.words.syntax", path=str(path), detail=detail) from None


def _lists_in(document: Mapping[str, Any], path: str) -> dict[str, frozenset[Phrase]]:
    """Each list of a words document as phrases; InputError naming the key for a bad one."""
    lists: dict[str, frozenset[Phrase]] = {}
    total = 0
    for key, value in document.items():
        if key not in WORD_LISTS:
            raise _bad(path, key, "comments.words.unknown_key", allowed=", ".join(WORD_LISTS))
        if not isinstance(value, list):
            raise _bad(path, key, "comments.words.not_list")
        total += len(value)
        if total > MAX_ENTRIES:
            raise _bad(path, key, "comments.words.too_many", limit=MAX_ENTRIES)
        lists[key] = frozenset(_phrases(value, path, key))
    return lists


def _phrases(entries: list[Any], path: str, key: str) -> list[Phrase]:
    """The entries of one list as the words each matches; InputError for the first bad one.

    The entries are made words of together (one pass of the tokenizer instead of one each: the
    built-in lists are read at every start of ``comments classify``).
    """
    refusal = None
    for position, entry in enumerate(entries, 1):
        if not isinstance(entry, str):
            refusal = _bad(path, key, "comments.words.not_text", position=position)
        elif len(entry) > MAX_ENTRY_CHARS:
            limit = MAX_ENTRY_CHARS
            refusal = _bad(path, key, "comments.words.too_long", position=position, limit=limit)
        elif _CONTROL.search(entry):
            refusal = _bad(path, key, "comments.words.control", position=position)
        if refusal is not None:
            entries = entries[: position - 1]  # an entry before it may have no words
            break
    phrases = words_in(entries)
    for position, (entry, words) in enumerate(zip(entries, phrases, strict=True), 1):
        if not words:
            raise _bad(path, key, "comments.words.no_words", position=position, entry=entry)
    if refusal is not None:
        raise refusal
    return phrases


def _bad(path: str, key: str, reason_key: str, **params: Any) -> InputError:
    """The refusal of a words file, naming the file and the key."""
    reason = t(reason_key, **params)
    shown = key if len(key) <= 60 else key[:60] + "…"  # a key may be any quoted text in TOML
    return InputError("comments.words.bad_value", path=path, key=shown, reason=reason)
