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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any, Literal

from governance.comment_text import END_CHARS, PUNCTUATION_CHARS, Phrase, tokens_of, words_of
from governance.errors import InputError
from governance.i18n import t
from governance.storage.files import open_store_file

Label = Literal["question", "other"]

#: The built-in lists, shipped as package data.
BUILTIN_FILE = Path(__file__).with_name("data") / "comment_words.toml"
#: AKN's additions, in the data directory.
EXTENSION_FILE = "comment-words.toml"
#: The lists, in the order the data file explains them.
WORD_LISTS = (
    "interrogatives", "subjects", "exclamations", "relatives", "small_talk", "rhetorical",
    "question_phrases", "openers", "requests", "lead_ins", "city_address", "spam",
)  # fmt: skip
MAX_EXTENSION_BYTES = 256 * 1024
MAX_ENTRIES = 10_000
MAX_ENTRY_CHARS = 100
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class PhraseSet:
    """Phrases (tuples of words) looked up by their first word, the longest tried first."""

    by_first: Mapping[str, tuple[Phrase, ...]]
    #: The first words: ``firsts.isdisjoint(words)`` rules a text out in one call into C, so
    #: the classifier asks it before calling :meth:`occurs_in` (this runs for every comment).
    firsts: frozenset[str]
    #: Every word of every phrase: a text with a word outside it cannot be covered.
    vocabulary: frozenset[str]
    #: The phrases of one word, and the first words of the longer ones: set operations in C
    #: decide most lookups without a loop in Python.
    singles: frozenset[str]
    openings: frozenset[str]
    #: The first two words of each longer phrase.
    pairs: frozenset[tuple[str, str]]

    @classmethod
    def of(cls, phrases: Iterable[Phrase]) -> PhraseSet:
        grouped: dict[str, set[Phrase]] = {}
        for phrase in phrases:
            grouped.setdefault(phrase[0], set()).add(phrase)
        by_first = {w: tuple(sorted(g, key=len, reverse=True)) for w, g in grouped.items()}
        return cls(
            by_first,
            firsts=frozenset(by_first),
            vocabulary=frozenset(w for g in grouped.values() for p in g for w in p),
            singles=frozenset(w for w, g in grouped.items() if (w,) in g),
            openings=frozenset(w for w, g in grouped.items() if any(len(p) > 1 for p in g)),
            pairs=frozenset((p[0], p[1]) for g in grouped.values() for p in g if len(p) > 1),
        )

    def match_at(self, words: Phrase, at: int) -> int:
        """The length of the longest phrase starting at ``words[at]``; 0 if none does."""
        if at < len(words):
            for phrase in self.by_first.get(words[at], ()):
                if words[at : at + len(phrase)] == phrase:
                    return len(phrase)
        return 0

    def occurs_in(self, words: Phrase) -> bool:
        """Whether any phrase stands anywhere in ``words``."""
        if self.firsts.isdisjoint(words):
            return False
        if not self.singles.isdisjoint(words):
            return True
        if self.openings.isdisjoint(words) or self.pairs.isdisjoint(pairwise(words)):
            return False
        for first in self.openings.intersection(words):
            at = -1
            for _ in range(words.count(first)):
                at = words.index(first, at + 1)
                if self.match_at(words, at):
                    return True
        return False

    def covers(self, words: Phrase) -> bool:
        """Whether ``words`` is nothing but phrases of this set, one after the other."""
        if not self.vocabulary.issuperset(words):  # the common case, decided in C
            return False
        at = 0
        while at < len(words):
            length = self.match_at(words, at)
            if not length:
                return False
            at += length
        return True

    def skip(self, words: Phrase) -> int:
        """The index of the first word after any phrases of this set at the start."""
        at = 0
        while length := self.match_at(words, at):
            at += length
        return at


@dataclass(frozen=True)
class WordLists:
    """The effective lists, one :class:`PhraseSet` each (their meaning: the data file)."""

    interrogatives: PhraseSet
    subjects: PhraseSet
    exclamations: PhraseSet
    relatives: PhraseSet
    small_talk: PhraseSet
    rhetorical: PhraseSet
    question_phrases: PhraseSet
    openers: PhraseSet
    requests: PhraseSet
    lead_ins: PhraseSet
    city_address: PhraseSet
    spam: PhraseSet


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
        return [self._judge(tokens) for tokens in tokens_of(texts)]

    def _judge(self, tokens: Phrase) -> Label:
        """The label of one comment's tokens (rules 1-4 of the data file)."""
        lists, to_a_friend = self.words, tokens[:1] == ("@",)
        last = len(tokens)
        while last and tokens[last - 1] in PUNCTUATION_CHARS:
            last -= 1
        if not last or (not lists.spam.firsts.isdisjoint(tokens) and lists.spam.occurs_in(tokens)):
            return "other"
        if to_a_friend and not lists.city_address.occurs_in(tokens):
            return "other"
        body = tokens[:last]
        if PUNCTUATION_CHARS.isdisjoint(body):  # the common case: one sentence, one clause
            return "question" if self._asks([body], "".join(tokens[last:])) else "other"
        return "question" if any(self._asks(*s) for s in _sentences(tokens)) else "other"

    def _asks(self, clauses: list[Phrase], end: str) -> bool:
        """Whether one sentence is a question or a request (rule 4 of the data file)."""
        lists = self.words
        words = clauses[0] if len(clauses) == 1 else tuple(w for c in clauses for w in c)
        rhetorical, asking = lists.rhetorical, lists.question_phrases
        if lists.small_talk.vocabulary.issuperset(words) and lists.small_talk.covers(words):
            return False
        if not rhetorical.firsts.isdisjoint(words) and rhetorical.occurs_in(words):
            return False
        if not asking.firsts.isdisjoint(words) and asking.occurs_in(words):
            return True
        if "?" in end and "!" not in end:
            return True
        return any(self._clause_asks(clause, i > 0) for i, clause in enumerate(clauses))

    def _clause_asks(self, clause: Phrase, after_comma: bool) -> bool:
        """Whether a clause opens as a question or a polite request does.

        Each list is asked only when its first words hold the clause's first word: this runs
        for every clause of every comment.
        """
        lists = self.words
        at = lists.lead_ins.skip(clause) if clause[0] in lists.lead_ins.by_first else 0
        if at == len(clause):
            return False
        first = clause[at]
        if after_comma and first in lists.relatives.by_first:  # "..., vilket är dumt"
            return False
        if (first in lists.openers.by_first and lists.openers.match_at(clause, at)) or (
            first in lists.requests.by_first and lists.requests.match_at(clause, at)
        ):
            return True
        length = lists.interrogatives.match_at(clause, at)
        if not length or at + length == len(clause):
            return bool(length)
        after = clause[at + length]  # "När öppnar ..." asks; "När jag ..." and "Vad fint" do not
        return not (
            (after in lists.subjects.by_first and lists.subjects.match_at(clause, at + length))
            or (
                after in lists.exclamations.by_first
                and lists.exclamations.match_at(clause, at + length)
            )
        )


def _sentences(tokens: Phrase) -> list[tuple[list[Phrase], str]]:
    """The sentences of a comment's tokens: each one's clauses and the marks that end it."""
    found: list[tuple[list[Phrase], str]] = []
    clauses: list[Phrase] = []
    start = 0
    for index, token in enumerate(tokens):
        if token not in PUNCTUATION_CHARS:
            continue
        if start < index:
            clauses.append(tokens[start:index])
        start = index + 1
        if token not in END_CHARS:  # a comma or a mention: the clause ends here
            continue
        if clauses:
            found.append((clauses, token))
            clauses = []
        elif found and tokens[index - 1] in END_CHARS:  # "?!" ends the sentence before it
            found[-1] = (found[-1][0], found[-1][1] + token)
    if start < len(tokens):
        clauses.append(tokens[start:])
    if clauses:
        found.append((clauses, ""))
    return found


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
        lists[key] = frozenset(_phrase(entry, path, key, n) for n, entry in enumerate(value, 1))
    return lists


def _phrase(entry: object, path: str, key: str, position: int) -> Phrase:
    """One entry of a list as the words it matches."""
    if not isinstance(entry, str):
        raise _bad(path, key, "comments.words.not_text", position=position)
    if len(entry) > MAX_ENTRY_CHARS:
        raise _bad(path, key, "comments.words.too_long", position=position, limit=MAX_ENTRY_CHARS)
    if _CONTROL.search(entry):
        raise _bad(path, key, "comments.words.control", position=position)
    words = words_of(entry)
    if not words:
        raise _bad(path, key, "comments.words.no_words", position=position, entry=entry)
    return words


def _bad(path: str, key: str, reason_key: str, **params: Any) -> InputError:
    """The refusal of a words file, naming the file and the key."""
    reason = t(reason_key, **params)
    shown = key if len(key) <= 60 else key[:60] + "…"  # a key may be any quoted text in TOML
    return InputError("comments.words.bad_value", path=path, key=shown, reason=reason)
