"""Reading audit records back from the store, where a record of the wrong shape is a corrupt file.

The audit files (runs, the run index, acknowledgements, waivers) and the revisions table are
valid JSON checked by the store, but what is *in* a record can still be wrong: edited by hand,
cut short, or listed without its file. The store's repositories hand these records over as
documents with ``where`` they were read; each reader here takes one field and checks its type and,
for dates and quarters, the accepted years; :func:`reading` turns any such problem into
:class:`~governance.errors.StoreCorrupt` naming the file and the record, never a traceback.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

from audits.quarters import Quarter
from governance.errors import InputError, StoreCorrupt
from governance.fields import check_day, check_moment
from governance.i18n import t


class BadField(ValueError):
    """One field of a stored record is missing or of the wrong type or value."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


@contextmanager
def reading(where: Path, record: object) -> Iterator[None]:
    """Report a record of the wrong shape, read from ``where``, as a corrupt store naming it."""
    try:
        yield
    except BadField as error:
        detail = t("input.stored_bad_field", record=record, field=error.name)
        raise StoreCorrupt(path=str(where), detail=detail) from None
    except (InputError, KeyError, TypeError, ValueError, AttributeError, ArithmeticError):
        # Raised while decoding one record from disk: the record is not what we wrote.
        detail = t("input.stored_bad_record", record=record)
        raise StoreCorrupt(path=str(where), detail=detail) from None


def require_record(present: bool, where: Path, listed: Path) -> None:
    """A record that ``listed`` refers to must exist: read as empty it would lose data."""
    if not present:
        detail = t("input.stored_missing", listed=str(listed))
        raise StoreCorrupt(path=str(where), detail=detail)


def records(doc: Any, name: str) -> Mapping[str, Any]:
    """A table's documents keyed by id, each of them an object."""
    if not isinstance(doc, dict) or not all(isinstance(v, dict) for v in doc.values()):
        raise BadField(name)
    return doc


def text(doc: Mapping[str, Any], name: str, default: str | None = None) -> str:
    """A text field; ``default`` when absent (or None) if a default is given."""
    value = doc.get(name, default)
    if value is None and default is not None:
        value = default
    if not isinstance(value, str):
        raise BadField(name)
    return value


def texts(doc: Mapping[str, Any], name: str) -> tuple[str, ...]:
    """A list of text (empty when absent)."""
    value = doc.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise BadField(name)
    return tuple(value)


def whole(doc: Mapping[str, Any], name: str, default: int | None = None) -> int:
    """A whole number field (not a bool)."""
    value = doc.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadField(name)
    return value


def day(doc: Mapping[str, Any], name: str) -> date:
    """An ISO date field in the accepted years."""
    try:
        return check_day(date.fromisoformat(text(doc, name)), name)
    except (ValueError, InputError):
        raise BadField(name) from None


def optional_day(doc: Mapping[str, Any], name: str) -> date | None:
    """An ISO date field, or None when empty or absent."""
    return day(doc, name) if doc.get(name) else None


def moment(doc: Mapping[str, Any], name: str) -> datetime:
    """An aware ISO date-time field in the accepted years."""
    value = text(doc, name)
    try:
        parsed = check_moment(datetime.fromisoformat(value), name, value)
    except (ValueError, InputError):
        raise BadField(name) from None
    if parsed.tzinfo is None:
        raise BadField(name)
    return parsed


def optional_moment(doc: Mapping[str, Any], name: str) -> datetime | None:
    """An aware ISO date-time field, or None when empty or absent."""
    return moment(doc, name) if doc.get(name) else None


def quarter(doc: Mapping[str, Any], name: str) -> Quarter:
    """A quarter field (``2026Q4``) in the accepted years."""
    try:
        return Quarter.parse(text(doc, name), name)
    except InputError:
        raise BadField(name) from None
