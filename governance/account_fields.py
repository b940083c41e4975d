"""The account's field names and the department key: what a command's parser needs of the model.

Kept apart from :mod:`governance.model` so that building the command line's parsers (every
``kontokoll`` start, ``--help`` too) does not import the model and msgspec with it (about 20 ms);
:mod:`governance.model` re-exports these names.
"""

from __future__ import annotations

import unicodedata

#: The account fields of the accounts exchange format, in its column order: every field a person
#: edits, and the editor list (edited on its own, since editors carry appointment dates, but
#: exchanged in the same row). The accounts CSV's columns and EDITABLE_FIELDS derive from it, so a
#: new field is added here (and to ACCOUNT_FIELD_PARSERS in governance.fields) and nowhere else.
EXCHANGED_FIELDS: tuple[str, ...] = (
    "platform",
    "handle",
    "department",
    "purpose",
    "visibility",
    "closed_reason",
    "project",
    "project_end",
    "editors",
    "url",
    "platform_id",
    "status",
    "shared",
    "goals",
    "audience",
    "kc_handles_comments",
    "categories",
    "department_goals",
)
#: Exchanged fields that came after the first release: a file may leave them out, and then the
#: stored values stay. New fields go here too, so that files people already have keep importing.
OPTIONAL_EXCHANGED_FIELDS = frozenset(
    {"shared", "goals", "audience", "kc_handles_comments", "categories", "department_goals"}
)
#: Fields a person edits one by one (in the CSV, the CLI and the app's form), in CSV order.
EDITABLE_FIELDS: tuple[str, ...] = tuple(name for name in EXCHANGED_FIELDS if name != "editors")


def department_key(name: str) -> str:
    """The case-, space- and Unicode-form-insensitive key a department name is matched by: a
    name stored or typed in decomposed form (NFD, as text pasted on a Mac often is) is the same
    department as its composed form."""
    return unicodedata.normalize("NFC", " ".join(name.split())).casefold()
