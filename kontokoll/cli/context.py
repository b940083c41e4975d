"""What every CLI command gets: the chosen data directory, the store, and the output streams."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import platformdirs

from governance.store import Store


def default_data_dir() -> Path:
    """``KONTOKOLL_DATA_DIR`` if set, else the user data directory from platformdirs."""
    configured = os.environ.get("KONTOKOLL_DATA_DIR", "").strip()
    if configured:
        return Path(configured).expanduser()
    return Path(platformdirs.user_data_dir("kontokoll", appauthor=False))


@dataclass
class CliContext:
    """Shared state of one CLI invocation."""

    data_dir: Path
    out: TextIO = field(default_factory=lambda: sys.stdout)
    err: TextIO = field(default_factory=lambda: sys.stderr)
    _store: Store | None = None

    @property
    def store(self) -> Store:
        """The store in the data directory, opened on first use."""
        if self._store is None:
            self._store = Store(self.data_dir)
        return self._store

    def print(self, text: str = "") -> None:
        """Write one line of normal output."""
        print(text, file=self.out)

    def warn(self, text: str) -> None:
        """Write one line to standard error."""
        print(text, file=self.err)
