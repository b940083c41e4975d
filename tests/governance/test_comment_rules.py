"""The compiled rules of the comment classifier: the shortcuts never change a label.

``compile_rules`` skips the search for `spam`, `rhetorical` and `question_phrases` when a
comment holds none of their first words (or only first words not followed by a second one),
and judges a comment of one sentence and one clause without building sentences. Here each
comment is also judged the long way, by every rule of the data file in order, and the two must
agree, on the labelled comments and on many comments put together from the word lists.
"""

from __future__ import annotations

import random
import re
import sys
from pathlib import Path
from unicodedata import normalize

import pytest

from governance.comment_classifier import EXTENSION_FILE, Classifier, load_classifier
from governance.comment_rules import WordLists, _clause_rule, _sentence_rule, sentences_in
from governance.comment_text import (
    _INVISIBLE,
    _SIGNS,
    PUNCTUATION_CHARS,
    normalised,
    token_lines,
    tokens_of,
)
from governance.errors import InputError

LABELLED = Path(__file__).resolve().parents[1] / "data" / "comments_labelled.tsv"


def _the_long_way(lists: WordLists, line: str) -> bool:
    """Rules 1-4 of the data file, every one asked, in order, for every sentence."""
    tokens = tuple(line.split())
    last = len(tokens)
    while last and tokens[last - 1] in PUNCTUATION_CHARS:
        last -= 1
    if not last or lists.spam.occurs_in(tokens):
        return False
    if tokens[0] == "@" and not lists.city_address.occurs_in(tokens):
        return False
    asks = _sentence_rule(lists, _clause_rule(lists))
    body = tokens[:last]
    if PUNCTUATION_CHARS.isdisjoint(body):  # one sentence: every mark after it is its end
        return asks([body], "".join(tokens[last:]), True)
    return any(asks(clauses, end, True) for clauses, end in sentences_in(line))


def _made_up_comments(lists: WordLists, count: int) -> list[str]:
    """Comments put together from the lists' own words, marks, mentions and emoji."""
    words = sorted(
        {w for phrases in vars(lists).values() for p in phrases.by_first.values() for w in p[0]}
    )
    extra = ["badet", "öppet", "på", "söndag", "@anna", "😀", "helsingborg.se", "\u00ad", "？"]
    marks = ["?", "!", ".", ",", ";", "?!", "!?", "...", "@"]
    pick = random.Random(10)
    comments = []
    for _ in range(count):
        parts = [
            pick.choice(words) if r < 0.6 else pick.choice(extra if r < 0.75 else marks)
            for r in (pick.random() for _ in range(pick.randint(0, 12)))
        ]
        comments.append(" ".join(parts))
    return comments


def _labelled_texts() -> list[str]:
    return [line.split("\t", 1)[1] for line in LABELLED.read_text(encoding="utf-8").splitlines()
            if not line.startswith("#")]  # fmt: skip


def _assert_shortcuts_agree(classifier: Classifier, texts: list[str]) -> None:
    """Every text gets the label the rules applied in full give, and both labels occur."""
    labels = classifier.classify_many(texts)
    expected = [_the_long_way(classifier.words, line) for line in token_lines(texts)]
    wrong = [(t, label) for t, label, q in zip(texts, labels, expected, strict=True)
             if (label == "question") != q]  # fmt: skip
    assert not wrong, wrong[:10]
    assert 0.2 < labels.count("question") / len(labels) < 0.8  # both kinds were judged


def test_the_shortcuts_give_the_labels_of_the_long_way() -> None:
    classifier = load_classifier()
    labelled = _labelled_texts()
    texts = labelled + _made_up_comments(classifier.words, 20_000)
    _assert_shortcuts_agree(classifier, texts)


@pytest.mark.parametrize(
    ("line", "sentences"),
    [
        ("hej ! kan ni svara , jag har väntat .", [
            ([("hej",)], "!"), ([("kan", "ni", "svara"), ("jag", "har", "väntat")], "."),
        ]),
        ("när öppnar ni ? ! tack", [([("när", "öppnar", "ni")], "?!"), ([("tack",)], "")]),
        ("? . vad kostar det", [([("vad", "kostar", "det")], "")]),  # marks before any words
        ("bra . , ! ?", [([("bra",)], ".?")]),  # "!" after a comma ends nothing, "?" after it does
        ("@ @ vi ses @ snart", [([("vi", "ses"), ("snart",)], "")]),
        ("", []),
        (" , @ ", []),
    ],
)  # fmt: skip
def test_sentences_and_clauses(
    line: str, sentences: list[tuple[list[tuple[str, ...]], str]]
) -> None:
    found = [(clauses, "".join(end.split())) for clauses, end in sentences_in(line)]
    assert found == sentences


def test_a_words_file_is_refused_at_its_first_bad_entry(tmp_path: Path) -> None:
    path = tmp_path / EXTENSION_FILE
    path.write_text('requests = ["ge mig", "!!!", 3]\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"post 2 \('!!!'\) innehåller inga ord"):
        load_classifier(tmp_path)
    path.write_text('requests = ["ge mig", 3, "!!!"]\n', encoding="utf-8")
    with pytest.raises(InputError, match="post 2 är inte en text"):
        load_classifier(tmp_path)
    path.write_text('spam = ["köp nu", "Gratis  LÅN", "sälj-nu"]\n', encoding="utf-8")
    spam = load_classifier(tmp_path).words.spam
    assert {("köp", "nu"), ("gratis", "lån"), ("sälj", "nu")} <= set(spam.pairs)


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Är badet öppet på söndag", "question"),  # a verb first, then a noun subject
        ("Kommer färjan gå i morgon", "question"),
        ("Hej, går bussarna som vanligt", "question"),  # after a lead-in too
        ("Är på väg hem", "other"),  # the subject left out: a statement
        ("Kommer snart", "other"),
        ("Är mycket trött i dag", "other"),  # "mycket" ends like a noun but is none
        ("Tar bussen hem", "other"),  # "tar" is not a verb of the list: "bussen" is its object
        ("Är", "other"),
    ],
)
def test_a_yes_no_question_without_a_question_mark(text: str, label: str) -> None:
    assert load_classifier().classify(text) == label


def test_not_subjects_can_be_extended(tmp_path: Path) -> None:
    text = "Blir kvällen lång"
    assert load_classifier().classify(text) == "question"
    (tmp_path / EXTENSION_FILE).write_text('not_subjects = ["kvällen"]\n', encoding="utf-8")
    extended = load_classifier(tmp_path)
    assert extended.classify(text) == "other"
    assert extended.version.startswith("builtin-2+sha256:")


#: Ways a comment is written around its question: greetings and signatures, emoji, marks that
#: add to the end of a sentence or stand alone, clauses and mentions, a second sentence.
_AROUND = (
    ("", ""), ("", " 🙂"), ("", " #helsingborg"), ("", " /Anna"), ("", " mvh Erik"),
    ("Hej! ", ""), ("Hej, ", ""), ("@Anna ", ""), ("", "?!"), ("", "!?"), ("", " ? !"),
    ("", " , ! ?"), ("", ". Tack"), ("", "? Tack!"), ("Bra. ", "?"), ("", ", vilket är dumt"),
    ("? . ", ""), ("", " @ ."), ("Men ", " ,"), ("", "\nHälsningar"), ("Vad fint! ", ""),
    ("", ". Var kan man parkera"), ("", " ... ? ."), ("Tack! Hej, ", "?"), (", , ", " ."),
)  # fmt: skip


def test_the_shortcuts_agree_with_the_long_way_on_the_labelled_comments_rewritten() -> None:
    """The rules' shortcuts (a comment that cannot ask, the first sentence cut off by one search,
    sentences passed over unjudged) against every rule asked in order, on each labelled comment
    written in each of the ways people write around a question."""
    classifier = load_classifier()
    labelled = _labelled_texts()
    texts = [f"{before}{text}{after}" for text in labelled for before, after in _AROUND]
    texts += [f"{a}{b}" for a, b in zip(labelled, reversed(labelled), strict=True)]  # two at once
    _assert_shortcuts_agree(classifier, texts)


def test_signs_are_cut_out_in_the_same_runs_as_one_repeated_set_would() -> None:
    """``_SIGNS`` spells its set twice (for speed); it must find what ``[set]+`` finds."""
    reference = re.compile(r"[^\x00-\x7f\w\s]+")
    alphabet = "ab å1 _?!\n\t\u00a0😀👍🏽️—“”…€§°\u2028\ud800𝐀ß"
    pick = random.Random(7)
    for _ in range(2_000):
        text = "".join(pick.choice(alphabet) for _ in range(pick.randint(0, 30)))
        assert _SIGNS.sub(" ", text) == reference.sub(" ", text), repr(text)


def test_no_printable_character_becomes_an_invisible_one() -> None:
    """``normalised(..., printable=True)`` skips the search for invisible characters: sound only
    because no printable character turns into one through NFKC (or NFKD) and case folding."""
    turned = [
        hex(point)
        for point in range(sys.maxunicode + 1)
        if chr(point).isprintable()
        and any(
            _INVISIBLE.search(form) or _INVISIBLE.search(form.casefold())
            for form in (normalize("NFKC", chr(point)), normalize("NFKD", chr(point)))
        )
    ]
    assert not turned
    text = "fr\u00adåga\n\u200bhej"  # and a text that is not printable is searched
    assert normalised(text) == "fråga\nhej" == normalised("fråga\nhej", printable=True)
    assert tokens_of(["fr\u00adåga", "hej"]) == [("fråga",), ("hej",)]
