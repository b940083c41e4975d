"""The comment classifier: questions that need a reply told from thanks, opinions, tags and spam.

Measured on tests/data/comments_labelled.tsv, comments written for these tests about the city's
own topics (parking, schools, libraries, events, refuse collection, building permits, beaches).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from governance.comment_classifier import (
    EXTENSION_FILE,
    MAX_EXTENSION_BYTES,
    Classifier,
    load_classifier,
)
from governance.comment_text import MAX_JUDGED_CHARS, tokens_of
from governance.errors import InputError, StoreUnsafe

LABELLED = Path(__file__).resolve().parents[1] / "data" / "comments_labelled.tsv"


def _labelled() -> list[tuple[str, str]]:
    rows = []
    for line in LABELLED.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            label, text = line.split("\t", 1)
            rows.append((label, text))
    return rows


@pytest.fixture
def builtin() -> Classifier:
    return load_classifier()


def test_the_labelled_comments_are_classified_at_least_95_percent_right(
    builtin: Classifier,
) -> None:
    rows = _labelled()
    assert len(rows) >= 150
    assert {label for label, _ in rows} == {"question", "other"}
    wrong = [(label, text) for label, text in rows if builtin.classify(text) != label]
    accuracy = 1 - len(wrong) / len(rows)
    assert accuracy >= 0.95, f"{accuracy:.1%}; expected but not given: {wrong}"


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Tack!?", "other"),  # a question mark on thanks asks nothing
        ("Vad fint!", "other"),  # an interrogative word in an exclamation
        ("Vilken fin bild!", "other"),
        ("Så bra!", "other"),
        ("@Anna kolla här", "other"),  # a friend tagged
        ("@Anna när börjar det?", "other"),  # a question to the friend, not to the city
        ("😀🎉👍", "other"),
        ("Det här är skandal, ni borde skämmas", "other"),
        ("Skicka gärna länken", "question"),
        ("Ring mig på 070-123 45 67", "question"),
        ("När jag var liten fanns det en park här", "other"),  # a subordinate clause
        ("Parkeringen är full. Var kan man ställa bilen", "question"),  # no question mark
        ("How do I renew my library card", "question"),
        ("What a lovely day!", "other"),
    ],
)
def test_the_cases_the_guideline_names(builtin: Classifier, text: str, label: str) -> None:
    assert builtin.classify(text) == label


@pytest.mark.parametrize(
    "text",
    [
        "När öppnar badet？",  # a full-width question mark (NFKC)
        "När öppnar badet❓",
        "NÄR ÖPPNAR BADET",  # case
        "Kan\u00ad ni svara",  # a soft hyphen inside "kan" would hide the opener
        "K\u200ban ni svara",  # a zero-width space likewise
        "Finns det info på helsingborg.se?",  # the "?" after a bare domain stays
        "\x1b[2JVar kan man parkera\x00?",  # control characters are not words
    ],
)
def test_normalisation_keeps_a_question_a_question(builtin: Classifier, text: str) -> None:
    assert builtin.classify(text) == "question"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "?",
        "???",
        "https://example.com/sida?id=3&x=y",  # a question mark inside a link asks nothing
        "Läs mer på https://helsingborg.se/bad?utm=fb",
        "\ufffd\ufffd",  # what invalid UTF-8 decodes to
        "@anna @erik",
    ],
)
def test_nothing_to_judge_is_other(builtin: Classifier, text: str) -> None:
    assert builtin.classify(text) == "other"


def test_a_very_long_comment_is_judged_on_its_beginning(builtin: Classifier) -> None:
    padding = " bla" * (MAX_JUDGED_CHARS // 2)
    assert builtin.classify("Var kan man parkera?" + padding) == "question"
    assert builtin.classify("Bra." + padding + " Var kan man parkera?") == "other"


def test_the_builtin_lists_are_read_once_and_named(tmp_path: Path) -> None:
    first = load_classifier()
    assert first.version == "builtin-2"
    assert load_classifier() is first
    assert load_classifier(tmp_path / "no-such-dir") is first  # no extension: the same lists


def _extend(data_dir: Path, text: str) -> Path:
    data_dir.mkdir(exist_ok=True)
    path = data_dir / EXTENSION_FILE
    path.write_text(text, encoding="utf-8")
    return path


def test_an_extension_adds_words_and_changes_the_version(tmp_path: Path) -> None:
    text = "Ge mig öppettiderna för Simhallen"
    assert load_classifier().classify(text) == "other"
    _extend(tmp_path, '# AKN:s tillägg\nrequests = ["ge mig"]\n')
    extended = load_classifier(tmp_path)
    assert extended.classify(text) == "question"
    assert extended.version.startswith("builtin-2+sha256:")
    assert len(extended.version) == len("builtin-2+sha256:") + 8
    assert load_classifier().classify(text) == "other"  # the built-in lists are untouched


def test_the_version_names_the_words_not_the_file_layout(tmp_path: Path) -> None:
    _extend(tmp_path, 'requests = ["ge mig", "Visa oss"]\nspam = ["köp nu"]\n')
    one = load_classifier(tmp_path).version
    _extend(tmp_path, '# omflyttat\nspam = ["KÖP  NU"]\nrequests = ["visa oss", "ge mig"]\n')
    assert load_classifier(tmp_path).version == one
    _extend(tmp_path, 'requests = ["ge mig"]\n')
    assert load_classifier(tmp_path).version != one


def test_an_extension_of_builtin_words_only_keeps_the_builtin_version(tmp_path: Path) -> None:
    _extend(tmp_path, 'interrogatives = ["Vad", "när"]\nspam = []\n')
    assert load_classifier(tmp_path).version == "builtin-2"


def test_spam_words_from_an_extension_override_a_question(tmp_path: Path) -> None:
    text = "Vill du veta hur man blir rik på sju dagar?"
    assert load_classifier().classify(text) == "question"
    _extend(tmp_path, 'spam = ["blir rik"]\n')
    assert load_classifier(tmp_path).classify(text) == "other"


@pytest.mark.parametrize(
    ("content", "key", "detail"),
    [
        ('requests = "ge mig"\n', "requests", "ska vara en lista"),
        ("requests = [1]\n", "requests", "post 1 är inte en text"),
        ('requests = ["ok", ["ge mig"]]\n', "requests", "post 2 är inte en text"),
        ('"frågeord" = ["vad"]\n', "frågeord", "okänd lista"),
        ("version = 2\n", "version", "okänd lista"),  # the version is the built-in file's
        ('spam = ["!!!"]\n', "spam", "innehåller inga ord"),
        ('spam = ["köp\\u0000nu"]\n', "spam", "styrtecken"),
        (f'spam = ["{"x" * 101}"]\n', "spam", "längre än 100 tecken"),
        ("[spam]\nord = 1\n", "spam", "ska vara en lista"),
    ],
)
def test_a_malformed_extension_is_refused_naming_file_and_key(
    tmp_path: Path, content: str, key: str, detail: str
) -> None:
    path = _extend(tmp_path, content)
    with pytest.raises(InputError) as refused:
        load_classifier(tmp_path)
    message = str(refused.value)
    assert str(path) in message
    assert f"nyckel {key}" in message
    assert detail in message


@pytest.mark.parametrize(
    ("content", "detail"),
    [
        ('requests = ["ge mig"\n', "inte giltig TOML"),
        ("spam = " + "[" * 5000 + "]" * 5000 + "\n", "för djupt nästlade"),
        ("spam = [" + ", ".join(['"ord"'] * 10_001) + "]\n", "fler än 10000 poster"),
    ],
)
def test_an_unreadable_extension_is_refused_naming_the_file(
    tmp_path: Path, content: str, detail: str
) -> None:
    path = _extend(tmp_path, content)
    with pytest.raises(InputError) as refused:
        load_classifier(tmp_path)
    assert str(path) in str(refused.value)
    assert detail in str(refused.value)


def test_an_extension_in_another_encoding_is_refused(tmp_path: Path) -> None:
    tmp_path.joinpath(EXTENSION_FILE).write_bytes('spam = ["köp"]\n'.encode("latin-1"))
    with pytest.raises(InputError, match="inte giltig TOML"):
        load_classifier(tmp_path)


def test_an_oversized_extension_is_refused_without_reading_it_all(tmp_path: Path) -> None:
    path = _extend(tmp_path, "# " + "x" * MAX_EXTENSION_BYTES + "\n")
    with pytest.raises(InputError) as refused:
        load_classifier(tmp_path)
    assert str(path) in str(refused.value)
    assert "större än" in str(refused.value)


def test_a_symlinked_extension_is_refused(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere.toml"
    elsewhere.write_text('requests = ["ge mig"]\n', encoding="utf-8")
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / EXTENSION_FILE).symlink_to(elsewhere)
    with pytest.raises(StoreUnsafe) as refused:
        load_classifier(data_dir)
    assert str(data_dir / EXTENSION_FILE) in str(refused.value)
    assert "symbolisk länk" in str(refused.value)


def test_a_hard_linked_extension_is_refused(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere.toml"
    elsewhere.write_text('requests = ["ge mig"]\n', encoding="utf-8")
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    os.link(elsewhere, data_dir / EXTENSION_FILE)
    with pytest.raises(StoreUnsafe, match="hård länk"):
        load_classifier(data_dir)


def test_a_fifo_in_place_of_the_extension_is_refused_not_waited_on(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / EXTENSION_FILE)
    with pytest.raises(StoreUnsafe, match="specialfil"):
        load_classifier(tmp_path)


def test_many_at_once_is_the_same_as_one_at_a_time(builtin: Classifier) -> None:
    texts = [text for _, text in _labelled()]
    texts += ["Fin bild!\nVar är den tagen?", "Tack!\r\nHälsningar Eva", "Kan ni\u2028svara", ""]
    one_by_one = [builtin.classify(text) for text in texts]
    assert builtin.classify_many(texts) == one_by_one
    assert one_by_one[-4:] == ["question", "other", "question", "other"]
    assert builtin.classify_many([]) == []


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        (
            "Hej!\nNär öppnar ni?",
            ("hej", "!", ".", "när", "öppnar", "ni", "?"),
        ),  # "." for the break
        ("Fint😍😍 tack", ("fint", "tack")),  # an emoji glued to a word
        ("Dm:a mig, e-post går också", ("dm", "a", "mig", ",", "e", "post", "går", "också")),
        ("@Anna.Svensson kolla https://x.se/a?b=1!", ("@", "kolla", "!")),
        ("Se helsingborg.se/bad.", ("se", ".")),
        ("Vad\u2028nu\x85då", ("vad", ".", "nu", ".", "då")),
        ("Tack\ud800", ("tack",)),  # a lone surrogate (from a JSON escape) is dropped
        ("ＫＡＮ ＮＩ", ("kan", "ni")),  # NFKC
    ],
)
def test_tokens(text: str, tokens: tuple[str, ...]) -> None:
    assert tokens_of([text, "x"]) == [tokens, ("x",)]
