"""What ``kontokoll doctor`` finds wrong with accounts' registration stamps (``created``).

An audit judges an account only from the Stockholm day it was registered
(:mod:`governance.registration_day`). A stamp after now (a hand edit to 9999-12-31, or a machine
clock set ahead at registration) hides the account from every audit without a word, so doctor
names it for a person to correct; a stamp ``audit run`` refuses (no UTC offset, a year outside
2000–2100) is named too, with the same reason the run gives. A stamp that is not a time at all
is the shape check's (:mod:`governance.doctor_shapes`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from governance.errors import FieldError
from governance.registration_day import checked_created
from governance.storage.layout import ACCOUNTS_TABLE, is_account_shard
from governance.text_safety import visible

if TYPE_CHECKING:
    from governance.doctor import Problem


def registration_problems(
    root: Path, parsed: Mapping[str, dict[str, Any]], now: datetime | None = None
) -> list[Problem]:
    """The accounts of the parsed account shards whose ``created`` is refused or after ``now``."""
    from governance.doctor import Problem  # (doctor imports this module)

    now = now or datetime.now(UTC)
    problems = []
    for rel, data in sorted(parsed.items()):
        for doc in data.get(ACCOUNTS_TABLE, {}).values() if is_account_shard(rel) else ():
            found = _problem(doc, now)
            if found is not None:
                key, params = found
                ref = visible(f"{doc.get('platform')}:{doc.get('handle')}")
                problems.append(Problem(str(root / rel), key, {"ref": ref, **params}))
    return problems


def _problem(doc: Any, now: datetime) -> tuple[str, dict[str, str]] | None:
    """The message key and parameters for one account document's stamp, or None."""
    text = doc.get("created") if isinstance(doc, dict) else None
    if not isinstance(text, str):
        return None  # absent (judged from the start) or of the wrong type (the shape check's)
    try:
        created = datetime.fromisoformat(text)
    except ValueError:
        return None  # not a time: the shape check names it
    try:
        checked_created(created)
    except FieldError as error:
        return "doctor_registered.refused", {"detail": str(error)}
    if created > now:
        return "doctor_registered.future", {"created": visible(text), "now": now.date().isoformat()}
    return None
