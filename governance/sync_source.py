"""Where a data directory's sync reads from: a demo store only ever from the in-repo emulation.

The demo register holds fictional accounts; a sync of it against the real platforms would send
the city's tokens and made-up ids to them. Which store is the demo is written in the store
itself (the ``demo-version`` file the demo build leaves), not in a flag a caller passes on, so
that no front end (the CLI, the app, a served session started with other arguments) can forget
it. :class:`~governance.sync_service.SyncService` asks :func:`sync_source` on every sync, so
"whatever the caller asks" holds for every caller.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from governance.errors import InputError

if TYPE_CHECKING:  # the platforms load httpx: the app asks is_demo_store before it draws
    from governance.platforms import PlatformSource, SyncTarget

#: The file the demo build writes into the demo store (its version): it marks the store a demo.
DEMO_MARKER = "demo-version"
#: A version number and a newline: a longer marker is garbage, and is never read further.
MAX_MARKER_BYTES = 16
#: The version written into a demo whose own is not known (an older demo without a marker, a
#: backup of a store whose marker is not a version): still a demo, and older than any real one.
UNKNOWN_VERSION = 0


class MarkerInvalid(InputError):
    """The marker exists but is not a regular file holding a demo version; its key says why."""


def is_demo_store(data_dir: Path) -> bool:
    """Whether ``data_dir`` is a demo store: anything named like the marker counts (a link or a
    folder too), since taking a demo for a real store is the mistake that costs."""
    return os.path.lexists(data_dir / DEMO_MARKER)


def read_demo_version(data_dir: Path) -> int | None:
    """The demo version the marker of ``data_dir`` holds; None when there is no marker.

    Raises :class:`MarkerInvalid` for a marker that is a link, a folder, a FIFO or other special
    file, or that holds anything but a version number. Opened without following links and
    without blocking (a FIFO would wait forever), and read only as far as a version can reach.
    """
    path = data_dir / DEMO_MARKER
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    except OSError:  # ELOOP: a link (a dangling one too); EACCES and the like: unreadable
        raise MarkerInvalid("demo_marker.reason.not_regular" if os.path.islink(path)
                            else "demo_marker.reason.unreadable") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise MarkerInvalid("demo_marker.reason.not_regular")
        raw = os.read(fd, MAX_MARKER_BYTES + 1)
    finally:
        os.close(fd)
    return parse_demo_version(raw)


def parse_demo_version(raw: bytes) -> int:
    """The version a marker's bytes hold (digits, a newline); MarkerInvalid for anything else."""
    text = raw.decode("ascii", "replace").strip()
    if len(raw) > MAX_MARKER_BYTES or not (text.isascii() and text.isdigit()):
        raise MarkerInvalid("demo_marker.reason.not_version")
    return int(text)


def sync_source(
    data_dir: Path,
    accounts: Sequence[SyncTarget],
    now: datetime,
    wanted: PlatformSource | None = None,
    *,
    demo: bool = False,
) -> PlatformSource:
    """The source a sync of ``accounts`` in ``data_dir`` reads from, as of ``now``.

    A demo store: the demo's emulation, whatever was ``wanted``. ``demo`` says the caller knows
    it opened the demo (``kontokoll demo``: also a demo built before the marker existed); it
    can only add that protection, never take it away. Any other store: ``wanted`` (a test's
    emulation, the bench's server), else the real platforms.
    """
    if demo or is_demo_store(data_dir):
        # Imported here: the emulation is needed only for the demo.
        from governance.emulation.demo import demo_source

        return demo_source(accounts, now)
    if wanted is not None:
        return wanted
    from governance.platforms import PlatformSource

    return PlatformSource()
