"""How a comment's text becomes the tokens the comment classifier judges.

Comments arrive in any shape: NFKC-decomposable look-alikes, capitals, soft hyphens and
zero-width spaces inside words, emoji glued to words, links with question marks in their query
strings, @-mentions, line breaks of every kind. :func:`tokens_of` turns each into a tuple of
words and the marks ``? ! . , @`` (every other sentence end becomes "."; a mention becomes "@"),
and does so for many comments at once, because one pass in C over all of them is several times
faster than one call per comment (the sync and ``kontokoll comments classify`` both see
thousands). The word lists are read through the same function, so "dm:a" in a list and in a
comment both become ``("dm", "a")``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

Phrase = tuple[str, ...]

#: A comment longer than this is judged on its beginning (platforms cap comments near 8,000).
MAX_JUDGED_CHARS = 10_000

#: Invisible characters that could split a word in two ("fr\u00adåga") and mean nothing:
#: soft hyphen, zero-width characters, bidi controls, other control characters.
_INVISIBLE = re.compile("[\x00-\x08\x0e-\x1b\x1f\x7f-\x84\x86-\x9f\u00ad\u200b-\u200f"
                        "\u202a-\u202e\u2060-\u2064\ufeff]")  # fmt: skip
#: Links with a scheme or www, and paths ("/bad?utm=fb"). A link never ends in punctuation,
#: so the question mark after "... på https://helsingborg.se/bad?" stays with the sentence.
_LINKS = re.compile(r"(?:https?://|www\.|/)\S*[^\s.,!?:;)\]]")
#: The end of a bare domain ("helsingborg.se"): found first, as it is rare and a pattern that
#: starts with a literal is searched fast; the name before it is then found by hand.
_DOMAIN_END = re.compile(r"\.(?:se|nu|com|org|net|eu|io|info)\b")
#: An @-mention becomes a lone "@": first in a comment, it marks a comment to a friend.
_MENTIONS = re.compile(r"@[\w.]*")
#: Signs outside ASCII that are neither words nor spaces (emoji, dashes, quotes): they only
#: separate words. The set is written twice, once alone: a pattern that opens with one set is
#: searched for in a tight loop in C, while one that opens with a repeat ("[...]+") is tried at
#: every character (three times the instructions, measured with callgrind).
_SIGNS = re.compile(r"[^\x00-\x7f\w\s][^\x00-\x7f\w\s]*")
#: Line separators outside ASCII end a sentence (str.split would take them for spaces).
_WIDE_ENDS = ("\x85", "\u2028", "\u2029")
#: ASCII punctuation that only separates words ("dm:a" is "dm a", "e-post" is "e post", in the
#: comments and the word lists alike), mapped to spaces by one bytes.translate.
_SEPARATOR_CHARS = b"\t\"#$%&'()*+-/:<=>[\\]^_`{|}~"
_SEPARATORS = bytes.maketrans(_SEPARATOR_CHARS, b" " * len(_SEPARATOR_CHARS))
#: Marks set apart as tokens of their own: "?" and "!" end a sentence as themselves, every
#: other sentence end (";", line separators, a comment's own line feeds: RS) as ".".
_MARKS = (
    (b"?", b" ? "), (b"!", b" ! "), (b".", b" . "), (b",", b" , "), (b"@", b" @ "),
    (b";", b" . "), (b"\r", b" . "), (b"\x0b", b" . "), (b"\x0c", b" . "),
    (b"\x1c", b" . "), (b"\x1d", b" . "), (b"\x1e", b" . "),
)  # fmt: skip
#: The tokens that end a sentence, and those that end a clause or stand for a mention too.
END_CHARS = frozenset("?!.")
PUNCTUATION_CHARS = frozenset("?!.,@")


def normalised(text: str, printable: bool = False) -> str:
    """``text`` as the rules see it: NFKC, case-folded, invisible characters removed.

    Never adds or removes a line feed, so many comments, one a line, can be normalised at once.
    ``printable``: the caller knows that ``text`` is printable apart from its line feeds (each
    comment ``str.isprintable``); it then holds no invisible character, nor does what NFKC and
    case folding make of it (tests/governance/test_comment_rules.py checks every character),
    and the search for them is skipped.
    """
    text = unicodedata.normalize("NFKC", text).casefold()
    if not printable:
        text = _INVISIBLE.sub("", text)
    if not text.isascii():  # the marks NFKC leaves as they are
        text = text.replace("❓", "?").replace("❔", "?")
    return text


def tokens_of(texts: Sequence[str]) -> list[Phrase]:
    """The tokens of each text: its words and the marks ``? ! . , @`` in order, links removed
    and mentions reduced to "@"."""
    return [tuple(line.split()) for line in token_lines(texts)]


def token_lines(texts: Sequence[str]) -> list[str]:
    """Each text's tokens as one line (``line.split()`` gives them, see :func:`tokens_of`).

    The texts are worked on as one text, one a line: each step is then a single pass in C,
    several times faster than one call per comment.
    """
    if not texts:
        return []
    joined = "\n".join(texts)
    if joined.count("\n") == len(texts) - 1 and max(map(len, texts)) <= MAX_JUDGED_CHARS:
        cut = texts  # the common case, told in C: no line feed inside a text, none too long
    else:
        cut = [text[:MAX_JUDGED_CHARS].replace("\n", "\x1e") for text in texts]
        joined = "\n".join(cut)
    printable = all(map(str.isprintable, cut))  # told in C, cheaper than a search in them all
    text = _without_domains(_LINKS.sub(" ", normalised(joined, printable)))
    text = _SIGNS.sub(" ", _MENTIONS.sub(" @ ", text))
    if not text.isascii():
        for end in _WIDE_ENDS:
            text = text.replace(end, " . ")
    # _SIGNS has turned lone surrogates into spaces; "ignore" only guards against a new one
    # ("replace" would add a question mark).
    data = text.encode("utf-8", errors="ignore").translate(_SEPARATORS)
    for mark, spaced in _MARKS:
        data = data.replace(mark, spaced)
    lines = data.decode("utf-8").split("\n")
    if len(lines) != len(cut):  # cannot happen (see normalised): never misalign the labels
        return [token_lines([one])[0] for one in cut] if len(cut) > 1 else [""]
    return lines


def _without_domains(text: str) -> str:
    """``text`` with each bare domain replaced by a space."""
    kept: list[str] = []
    done = 0
    for match in _DOMAIN_END.finditer(text):
        if match.start() < done:  # a second ending in the same link
            continue
        start = max(text.rfind(" ", done, match.start()), text.rfind("\n", done, match.start()))
        ends = [i for i in (text.find(" ", match.end()), text.find("\n", match.end())) if i >= 0]
        end = min(ends, default=len(text))
        end = start + 1 + len(text[start + 1 : end].rstrip(".,!?:;)]"))  # the sentence's own
        kept += [text[done : start + 1], " "]  # punctuation after the link stays
        done = max(end, match.end())
    return "".join(kept) + text[done:] if kept else text


def words_of(text: str) -> Phrase:
    """The words of a text as the rules see them, punctuation dropped."""
    return words_in([text])[0]


def words_in(texts: Sequence[str]) -> list[Phrase]:
    """The words of each text, as :func:`words_of`, in one pass of the tokenizer."""
    marks = PUNCTUATION_CHARS
    return [tuple(t for t in line.split() if t not in marks) for line in token_lines(texts)]
