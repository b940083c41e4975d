"""The comment classifier's rules (rules 2-4 of ``governance/data/comment_words.toml``), compiled.

:func:`compile_rules` turns the effective word lists into one function that tells whether a
comment asks something, from its token line (:func:`governance.comment_text.token_lines`). It
runs once for every comment the sync or ``kontokoll comments classify`` sees (100,000 in a
pipeline), so the lists' sets and lookups are bound once, as closure variables, instead of being
looked up through the lists for every comment; the common comment (one sentence, one clause, no
listed phrase) is judged without building sentences; and a comment of several sentences is cut
into them by one regular expression. tests/governance/test_comment_rules.py checks that these
shortcuts give the labels of every rule asked in order.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from itertools import chain, pairwise

from governance.comment_text import PUNCTUATION_CHARS, Phrase

#: The marks that end a sentence, kept when a line is cut at them.
_END_MARK = re.compile(r"([?!.])")
#: The marks that end the first sentence: a mark, and every mark after it with only spaces between.
_END_RUN = re.compile(r"[?!.](?:\s*[?!.])*")
#: Whether one clause asks (its words, and whether a comma comes before it).
ClauseRule = Callable[[Phrase, bool], bool]
#: Whether one sentence asks (its clauses, the marks that end it, whether to look for phrases).
SentenceRule = Callable[[list[Phrase], str, bool], bool]


@dataclass(frozen=True)
class PhraseSet:
    """Phrases (tuples of words) looked up by their first word, the longest tried first."""

    by_first: Mapping[str, tuple[Phrase, ...]]
    #: The first words: ``firsts.isdisjoint(words)`` rules a text out in one call into C, so
    #: the rules ask it before calling :meth:`occurs_in` (this runs for every comment).
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
    verbs_first: PhraseSet
    definite_endings: PhraseSet
    not_subjects: PhraseSet


def compile_rules(lists: WordLists) -> Callable[[str], bool]:
    """Whether a comment's token line asks the city something (rules 2-4 of the data file).

    Most comments hold no phrase of `spam`, `rhetorical` or `question_phrases`; one set
    intersection tells so in C (see :func:`_phrase_filter`), and the rules that look for those
    phrases are then skipped. A comment without "?" and without a word that can open a question
    or a listed question phrase (:func:`_asking_words`) asks nothing, whatever else it holds:
    that is told first, before its sentences are looked at.
    """
    clause_asks = _clause_rule(lists)
    asking_words = _asking_words(lists)
    asks = _sentence_rule(lists, clause_asks)
    some_sentence_asks = _comment_rule(asks, asking_words)
    punctuation, spam, city = PUNCTUATION_CHARS, lists.spam, lists.city_address
    triggers, may_hold_phrase = _phrase_filter((spam, lists.rhetorical, lists.question_phrases))
    spam_firsts, spam_in, city_in = spam.firsts, spam.occurs_in, city.occurs_in
    small_vocabulary, small_covers = lists.small_talk.vocabulary, lists.small_talk.covers

    def is_question(line: str) -> bool:
        tokens = tuple(line.split())
        if "?" not in line and asking_words.isdisjoint(tokens):
            return False  # no sentence can ask (see _asking_words)
        last = len(tokens)
        while last and tokens[last - 1] in punctuation:
            last -= 1
        if not last:
            return False
        body, end = (tokens, "") if last == len(tokens) else (tokens[:last], "".join(tokens[last:]))
        hits = _NONE if triggers.isdisjoint(body) else triggers.intersection(body)
        if hits and not spam_firsts.isdisjoint(hits) and spam_in(body):
            return False
        if tokens[0] == "@" and not city_in(body):  # to a friend, not to the city
            return False
        if not punctuation.isdisjoint(body):  # sentences and clauses
            return some_sentence_asks(line, bool(hits))
        if hits and may_hold_phrase(body, hits):
            return asks([body], end, True)  # a listed phrase may stand in it: all the rules
        # The common case: one sentence, one clause, none of the phrases (rule 4 in short).
        if small_vocabulary.issuperset(body) and small_covers(body):
            return False
        return ("?" in end and "!" not in end) or clause_asks(body, False)

    return is_question


_NONE: frozenset[str] = frozenset()


def _asking_words(lists: WordLists) -> frozenset[str]:
    """The words without which a sentence that does not end in "?" never asks.

    Such a sentence asks only through a phrase of `question_phrases` or a clause that opens
    (after `lead_ins`) with a word of `openers`, `requests`, `interrogatives` or `verbs_first`
    (see :func:`_sentence_rule` and :func:`_clause_rule`); each of those is one of these words.
    """
    lists_that_ask = (lists.question_phrases, lists.openers, lists.requests,
                      lists.interrogatives, lists.verbs_first)  # fmt: skip
    return frozenset().union(*(phrases.firsts for phrases in lists_that_ask))


def _comment_rule(asks: SentenceRule, asking_words: frozenset[str]) -> Callable[[str, bool], bool]:
    """Whether any sentence of a token line asks: :func:`sentences_in` and ``asks`` of each.

    The sentences are judged as they are cut, the first that asks ends the search, and a
    sentence whose end holds no "?" and whose words hold none of ``asking_words`` is passed
    over unjudged (it cannot ask), so its clauses are never built.
    """
    clause_marks = frozenset(",@")

    def could_ask(tokens: list[str], end: str) -> bool:
        return "?" in end or not asking_words.isdisjoint(tokens)

    def some_sentence_asks(line: str, phrases: bool) -> bool:
        # The first sentence, when its end cannot grow (a word or nothing follows its marks),
        # is cut off by one search: it is most often the one that asks.
        first_end = _END_RUN.search(line)
        if first_end is None:
            return any_sentence_asks(line, phrases)
        text, rest = line[: first_end.start()], line[first_end.end() :]
        words, after = text.split(), rest.split(None, 1)[:1]
        if clause_marks.issuperset(words) or (after and after[0] in clause_marks):
            return any_sentence_asks(line, phrases)  # no words before it, or it may grow
        end = first_end.group()
        if could_ask(words, end):
            clauses = _clauses(text) if "," in text or "@" in text else [tuple(words)]
            if asks(clauses, end, phrases):
                return True
        return any_sentence_asks(rest, phrases)

    def any_sentence_asks(line: str, phrases: bool) -> bool:
        parts = _END_MARK.split(line)  # text, mark, text, mark, ..., text
        tokens: list[str] = []  # the words of the sentence whose end may still grow
        text, end = "", ""
        for at in range(1, len(parts), 2):
            words = parts[at - 1].split()
            if words and not clause_marks.issuperset(words):  # a new sentence
                if tokens and could_ask(tokens, end) and asks(_clauses(text), end, phrases):
                    return True
                text, tokens, end = parts[at - 1], words, parts[at]
            elif tokens and not words:  # a mark right after another adds to its sentence's end
                end += parts[at]
        words = parts[-1].split()
        if words and not clause_marks.issuperset(words):
            if tokens and could_ask(tokens, end) and asks(_clauses(text), end, phrases):
                return True
            text, tokens, end = parts[-1], words, ""
        return bool(tokens) and could_ask(tokens, end) and asks(_clauses(text), end, phrases)

    return some_sentence_asks


def _phrase_filter(
    phrase_lists: Iterable[PhraseSet],
) -> tuple[frozenset[str], Callable[[Phrase, frozenset[str]], bool]]:
    """The first words of the lists' phrases, and a test that rules most texts out in C.

    ``may_hold_phrase(words, hits)``, with ``hits`` the first words that stand in ``words``,
    is False when no phrase of the lists stands in ``words``, and True when one may.
    """
    phrase_lists = tuple(phrase_lists)
    triggers = frozenset().union(*(p.firsts for p in phrase_lists))
    singles = frozenset().union(*(p.singles for p in phrase_lists))
    seconds: dict[str, set[str]] = {}
    for first, second in (pair for p in phrase_lists for pair in p.pairs):
        seconds.setdefault(first, set()).add(second)
    followers = {first: frozenset(words) for first, words in seconds.items()}

    def may_hold_phrase(words: Phrase, hits: frozenset[str]) -> bool:
        if not singles.isdisjoint(hits):
            return True
        for first in hits:  # each the first word of longer phrases only
            at = words.index(first) + 1
            if (at < len(words) and words[at] in followers[first]) or words.count(first) > 1:
                return True
        return False

    return triggers, may_hold_phrase


def _sentence_rule(lists: WordLists, clause_asks: ClauseRule) -> SentenceRule:
    """Whether one sentence is a question or a request (rule 4 of the data file).

    ``phrases`` False: the comment holds no first word of `rhetorical` and `question_phrases`,
    so the search for them is skipped.
    """
    small_talk, rhetorical, asking = lists.small_talk, lists.rhetorical, lists.question_phrases
    small_vocabulary, small_covers = small_talk.vocabulary, small_talk.covers
    rhetorical_firsts, rhetorical_in = rhetorical.firsts, rhetorical.occurs_in
    asking_firsts, asking_in = asking.firsts, asking.occurs_in

    def asks(clauses: list[Phrase], end: str, phrases: bool) -> bool:
        words = clauses[0] if len(clauses) == 1 else tuple(chain.from_iterable(clauses))
        if small_vocabulary.issuperset(words) and small_covers(words):
            return False
        if phrases:
            if not rhetorical_firsts.isdisjoint(words) and rhetorical_in(words):
                return False
            if not asking_firsts.isdisjoint(words) and asking_in(words):
                return True
        if ("?" in end and "!" not in end) or clause_asks(clauses[0], False):
            return True
        return any(clause_asks(clause, True) for clause in clauses[1:])

    return asks


def _clause_rule(lists: WordLists) -> ClauseRule:
    """Whether a clause opens as a question or a polite request does.

    Each list is asked only when its first words hold the clause's first word.
    """
    lead_firsts, lead_skip = lists.lead_ins.firsts, lists.lead_ins.skip
    verbs = lists.verbs_first.firsts
    relatives = lists.relatives.firsts
    openers, opener_at = lists.openers.firsts, lists.openers.match_at
    requests, request_at = lists.requests.firsts, lists.requests.match_at
    interrogatives, interrogative_at = lists.interrogatives.firsts, lists.interrogatives.match_at
    subjects, subject_at = lists.subjects.firsts, lists.subjects.match_at
    exclamations, exclamation_at = lists.exclamations.firsts, lists.exclamations.match_at
    noun_subject = _noun_subject_rule(lists)

    def clause_asks(clause: Phrase, after_comma: bool) -> bool:
        at = lead_skip(clause) if clause[0] in lead_firsts else 0
        if at == len(clause):
            return False
        first = clause[at]
        if after_comma and first in relatives:  # "..., vilket är dumt"
            return False
        if (first in openers and opener_at(clause, at)) or (
            first in requests and request_at(clause, at)
        ):
            return True
        if first not in interrogatives:  # "Är badet öppet på söndag": a verb, then its subject
            return at + 1 < len(clause) and first in verbs and noun_subject(clause[at + 1])
        length = interrogative_at(clause, at)
        if not length or at + length == len(clause):
            return bool(length)
        after, at = clause[at + length], at + length
        # "När öppnar ..." asks; "När jag ..." and "Vad fint" do not
        return not (
            (after in subjects and subject_at(clause, at))
            or (after in exclamations and exclamation_at(clause, at))
        )

    return clause_asks


def _noun_subject_rule(lists: WordLists) -> Callable[[str], bool]:
    """Whether a word after a verb first in a clause is a noun in its definite form.

    A yes/no question without "?" opens with the verb and its subject ("Är badet öppet",
    "Kommer färjan i tid"); a statement that leaves out its subject opens with the verb and
    anything else ("Är på väg hem", "Kommer snart"). A noun subject is told by its definite
    ending (`definite_endings`), words of four letters or more, except `not_subjects`.
    """
    endings = tuple(sorted(lists.definite_endings.firsts))
    not_subjects = lists.not_subjects.firsts

    def noun_subject(word: str) -> bool:
        return len(word) >= 4 and word.endswith(endings) and word not in not_subjects

    return noun_subject


def sentences_in(line: str) -> list[tuple[list[Phrase], str]]:
    """The sentences of a comment's token line: each one's clauses and the marks that end it.

    A sentence ends at ``? ! .`` and a clause at a comma or a mention ("@"); a mark right after
    another adds to the end of the sentence before it ("?!"). The line is cut at the marks in C.
    """
    found: list[tuple[list[Phrase], str]] = []
    parts = _END_MARK.split(line)  # text, mark, text, mark, ..., text
    for at in range(1, len(parts), 2):
        clauses = _clauses(parts[at - 1])
        if clauses:
            found.append((clauses, parts[at]))
        elif found and (not parts[at - 1] or parts[at - 1].isspace()):
            found[-1] = (found[-1][0], found[-1][1] + parts[at])
    clauses = _clauses(parts[-1])
    if clauses:
        found.append((clauses, ""))
    return found


def _clauses(text: str) -> list[Phrase]:
    """The clauses of a sentence's text (cut at commas and mentions), each as its words."""
    if "," not in text and "@" not in text:
        words = tuple(text.split())
        return [words] if words else []
    return [
        clause for clause in map(tuple, map(str.split, text.replace("@", ",").split(","))) if clause
    ]
