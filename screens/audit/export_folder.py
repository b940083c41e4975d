"""The export dialog's folder box: what was typed, as a folder an export may be saved in.

The command line takes a file path and may replace a file (it says so afterwards); the app asks
for a folder, so every refusal here names that box and speaks of folders, never of a file name or
of standard output, which the app cannot take. The rules of :mod:`governance.export_target`
(never the data directory, never through a link, only an ordinary file replaced) hold as they
are; this module only turns their refusals into ones that mark the box, and checks the folder
first: a box left empty, ``~name`` of no such user, a name too long for the file system or a
path that is not a folder is a message naming the box, never an unexpected error.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from governance.errors import FieldError, InputError
from governance.export_target import check_export
from governance.os_errors import os_reason

#: The key (and the box's id) of the folder field.
DIRECTORY = "directory"

#: write_export's refusals, as the app says them (the folder, not a file name; no ``-``).
_APP_KEYS = {
    "server.export.inside_data_dir": "export_folder.inside_data_dir",
    "server.export.symlink": "export_folder.symlink",
    "server.export.directory": "export_folder.directory",
    "server.export.special": "export_folder.special",
    "server.export.cannot_write": "server.export.cannot_write",  # already names the folder's file
}


def export_folder(typed: str, *, default: Path) -> Path:
    """The existing folder ``typed`` names (``~`` expanded, made absolute); a FieldError on the
    folder box otherwise. ``default`` is the folder the box offered, named when it is empty."""
    text = typed.strip()
    if not text:  # never the current directory in silence
        raise FieldError(DIRECTORY, "export_folder.empty", default=str(default))
    if "\0" in text:  # (no file system takes it; Python would raise ValueError)
        raise FieldError(DIRECTORY, "export_folder.nul")
    try:
        folder = Path(text).expanduser().absolute()
    except RuntimeError:  # "~name" of no such user, or "~" without a home directory
        raise FieldError(DIRECTORY, "export_folder.no_such_user", path=text) from None
    try:
        mode = os.stat(folder).st_mode
    except FileNotFoundError:
        raise FieldError(DIRECTORY, "worklist.export.no_such_directory", path=str(folder)) from None
    except OSError as error:  # a name too long, a file where a folder is, no permission …
        raise FieldError(
            DIRECTORY, "export_folder.unusable", path=str(folder), detail=os_reason(error)
        ) from None
    if not stat.S_ISDIR(mode):
        raise FieldError(DIRECTORY, "worklist.export.not_a_directory", path=str(folder))
    return folder


def check_target(target: Path, *, data_dir: Path) -> bool:
    """Check ``target`` under the export rules without writing (refusals on the folder box);
    True when an ordinary file is there, which saving would replace."""
    with on_the_folder_box():
        return check_export(target, data_dir=data_dir)


@contextmanager
def on_the_folder_box() -> Iterator[None]:
    """Turn an export target's refusal into a FieldError on the folder box, in the app's words."""
    try:
        yield
    except FieldError:
        raise
    except InputError as error:
        key = _APP_KEYS.get(error.key)
        if key is None:
            raise
        raise FieldError(DIRECTORY, key, **error.params) from None
