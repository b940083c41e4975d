"""``settings.toml`` read safely, as the parts of the core that have a table there read it.

Never through a link, never blocking on a planted FIFO (:func:`read_store_file` refuses both); a
file that is not TOML, not UTF-8 or nested too deep is an InputError naming it.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from governance.errors import InputError
from governance.storage.files import read_store_file
from governance.storage.layout import SETTINGS_FILE


def read_settings_document(data_dir: Path) -> tuple[dict[str, Any], Path]:
    """The parsed ``data_dir/settings.toml`` ({} without one) and its path, for messages."""
    path = data_dir / SETTINGS_FILE
    try:
        raw = read_store_file(path)
        document = tomllib.loads(raw.decode("utf-8")) if raw is not None else {}
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, RecursionError, OSError) as error:
        raise InputError("moderation.settings.syntax", path=str(path), detail=str(error)) from None
    return document, path
