"""``[moderation]`` in ``settings.toml``: where registrations go, how long screenshots stay.

    [moderation]
    registry = "kommunstyrelsen@helsingborg.se"   # the registry's address (the default)
    keep_screenshots_days = 30                    # days after the diarienummer (default 30)
"""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import parseaddr
from pathlib import Path
from typing import Any

from governance.errors import InputError
from governance.i18n import t
from governance.settings_document import read_settings_document

DEFAULT_REGISTRY = "kommunstyrelsen@helsingborg.se"
DEFAULT_KEEP_DAYS = 30
_KEYS = ("registry", "keep_screenshots_days")


@dataclass(frozen=True)
class ModerationSettings:
    registry: str = DEFAULT_REGISTRY
    keep_screenshots_days: int = DEFAULT_KEEP_DAYS


def load_moderation_settings(data_dir: Path) -> ModerationSettings:
    """The settings in ``data_dir/settings.toml`` (the defaults without a file or table)."""
    document, path = read_settings_document(data_dir, key="moderation.settings.syntax")
    return parse_moderation_settings(document.get("moderation", {}), str(path))


def parse_moderation_settings(table: Any, path: str) -> ModerationSettings:
    """Check a ``[moderation]`` table: known keys only, each of the right type."""

    def bad(key: str, reason: str) -> InputError:
        return InputError("moderation.settings.bad", path=path, key=f"moderation.{key}",
                          reason=t(f"moderation.settings.reason.{reason}"))

    if not isinstance(table, dict):
        raise bad("", "table")
    for key in table:
        if key not in _KEYS:
            raise bad(key, "unknown")
    registry = table.get("registry", DEFAULT_REGISTRY)
    if (not isinstance(registry, str) or not registry.isprintable()
            or parseaddr(registry)[1] != registry.strip() or "@" not in registry):
        raise bad("registry", "address")
    days = table.get("keep_screenshots_days", DEFAULT_KEEP_DAYS)
    if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= 3650:
        raise bad("keep_screenshots_days", "days")
    return ModerationSettings(registry.strip(), days)
