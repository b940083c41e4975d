"""What ``kontokoll doctor`` finds wrong with a data directory's demo marker (``demo-version``).

Anything by the marker's name makes the store a demo that syncs only from the in-repo emulation
(:func:`governance.sync_source.is_demo_store`: taking a demo for a real store is the costly
mistake). So a marker that is not the demo's own file (a link someone left, a folder, a FIFO, a
file holding anything but a version) silently turns a real register's syncs into made-up
figures: doctor names it, and says what it does, so that whoever finds it decides.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from governance.i18n import t
from governance.sync_source import DEMO_MARKER, MarkerInvalid, read_demo_version


def check_demo_marker(root: Path, add: Callable[..., Any]) -> None:
    """Report (through doctor's ``add(rel, key, **params)``) a marker that is not a version.

    Read as the sync reads it: never through a link, never waiting on a FIFO, a few bytes only.
    """
    try:
        read_demo_version(root)
    except MarkerInvalid as error:
        add(DEMO_MARKER, "demo_marker.doctor.invalid", reason=t(error.key))
