"""``settings.toml`` read safely, as every part of the core that has a table there reads it.

Never through a link, never blocking on a planted FIFO (:func:`read_store_file` refuses both); a
file that is not TOML, not UTF-8 or nested too deep is an error naming it. Each caller names the
error class and message key it reports with, so the audit, the mail and the moderation settings
keep their own words while sharing one reader.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from governance.errors import InputError, KontokollError
from governance.i18n import t
from governance.storage.files import read_store_file
from governance.storage.layout import SETTINGS_FILE


def read_settings_document(
    data_dir: Path,
    *,
    error: type[KontokollError] = InputError,
    key: str = "audit.settings.syntax",
) -> tuple[dict[str, Any], Path]:
    """The parsed ``data_dir/settings.toml`` ({} without one) and its path, for messages.

    A file that cannot be read raises ``error(key, path=…, detail=…)``.
    """
    path = data_dir / SETTINGS_FILE
    try:
        raw = read_store_file(path)
    except OSError as error_seen:
        raise error(key, path=str(path), detail=str(error_seen)) from None
    if raw is None:
        return {}, path
    import tomllib  # (here: a data directory without settings has nothing to parse)

    try:
        document = tomllib.loads(raw.decode("utf-8"))
    except RecursionError:  # tomllib parses nested arrays and inline tables recursively
        raise error(key, path=str(path), detail=t("input.settings_too_deep")) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error_seen:
        # a TOMLDecodeError's text names the line and column
        raise error(key, path=str(path), detail=str(error_seen)) from None
    return document, path
