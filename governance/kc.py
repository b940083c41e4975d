"""Kontaktcenter (KC): which department of the register it is (``[kc]`` in ``settings.toml``).

    [kc]
    department = "Kontaktcenter"   # the default

The guideline's *Samarbete med kontaktcenter*: KC answers direct messages on the city-wide
accounts and, where agreed with the department (``kc_handles_comments``), the comments. The audit
makes findings about those duties KC's (:mod:`audits.responsibility`); the moderation register
lets KC's lead record and register the moderation of the comments KC handles. Both read the name
here, so they can never disagree about who KC is.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from governance.errors import FieldError, InputError
from governance.i18n import t
from governance.settings_document import read_settings_document
from governance.storage.layout import SETTINGS_FILE
from governance.text_safety import MAX_NAME, check_text

KC_DEPARTMENT = "Kontaktcenter"


def parse_kc(table: Any, path: str = SETTINGS_FILE) -> str:
    """Check the ``[kc]`` table: KC's department name (default :data:`KC_DEPARTMENT`)."""

    def bad(key: str, reason_key: str, **params: Any) -> InputError:
        reason = t(reason_key, **params)
        return InputError("audit.settings.bad_value", path=path, key=key, reason=reason)

    if not isinstance(table, dict):
        raise bad("kc", "audit.settings.not_table")
    for key in table:
        if key != "department":
            raise bad(f"kc.{key}", "audit.settings.unknown_key", allowed="department")
    value = table.get("department", KC_DEPARTMENT)
    if not isinstance(value, str) or not value.strip():
        raise bad("kc.department", "responsibility.settings.not_name")
    name = " ".join(value.split())
    try:  # no control or invisible characters, no name longer than a department may have
        check_text(name, "department", limit=MAX_NAME)
    except FieldError as error:
        reason = error.reason
        raise bad("kc.department", "responsibility.settings.bad_name", detail=reason) from None
    return name


def load_kc_department(data_dir: Path) -> str:
    """KC's department as ``data_dir/settings.toml`` names it (the default without one)."""
    document, path = read_settings_document(data_dir)
    return parse_kc(document.get("kc", {}), str(path))
