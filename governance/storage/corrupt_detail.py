"""What is wrong with a store file that does not decode, in the user's language.

The JSON decoders (orjson, msgspec) say it in English ("UTF-8 byte order mark (BOM) is not
supported: line 1 column 1 (char 0)"), which would stand inside a Swedish message. This gives the
same facts in words of the catalogue: a BOM, an empty file, bytes that are not UTF-8, where the
JSON breaks (line and column), or which value has the wrong type. Only a complaint none of these
fit is passed on in the decoder's own words.
"""

from __future__ import annotations

import re

from governance.i18n import t

_BOM = b"\xef\xbb\xbf"
#: msgspec's offsets ("JSON is malformed: trailing comma in object (byte 9)").
_AT_BYTE = re.compile(r"\(byte (\d+)\)$")
#: msgspec's type errors: "Expected `str`, got `int` - at `$.accounts.a1.id`".
_WRONG_TYPE = re.compile(r"Expected `([^`]+)`, got `([^`]+)`(?: - at `([^`]+)`)?")
_MISSING = re.compile(r"Object missing required field `([^`]+)`(?: - at `([^`]+)`)?")


def json_problem(raw: bytes, error: Exception) -> str:
    """Why ``raw`` did not decode (``error``: the decoder's exception), for the store's
    "skadad" message."""
    if raw.startswith(_BOM):
        return t("f9d_store.bom")
    if not raw.strip():
        return t("f9d_store.empty")
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as bad:
        return t("f9d_store.not_utf8", byte=bad.start)
    detail = str(error)
    offset = getattr(error, "pos", None)  # orjson's JSONDecodeError
    found = _AT_BYTE.search(detail)
    if not isinstance(offset, int) and found:
        offset = int(found[1])
    if isinstance(offset, int):
        return _broken_at(raw, offset)
    return _shape_problem(detail)


def _broken_at(raw: bytes, offset: int) -> str:
    """Invalid JSON at byte ``offset``, as a line and a column (counted in characters)."""
    before = raw[:offset]
    line_start = before.rfind(b"\n") + 1
    column = len(before[line_start:].decode("utf-8", "replace")) + 1
    return t("f9d_store.bad_json", line=before.count(b"\n") + 1, column=column)


def _shape_problem(detail: str) -> str:
    """Valid JSON of the wrong shape: which value, what it should have been."""
    wrong = _WRONG_TYPE.fullmatch(detail)
    if wrong:
        return t("f9d_store.wrong_type", expected=wrong[1], found=wrong[2], at=wrong[3] or "$")
    missing = _MISSING.fullmatch(detail)
    if missing:
        return t("f9d_store.missing_field", field=missing[1], at=missing[2] or "$")
    return t("f9d_store.unexpected", detail=detail)
