"""What every CLI command gets: the chosen data directory, the store, and the output streams."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from governance.errors import InputError
from governance.i18n import t
from governance.identity import session_identity
from governance.text_safety import visible

if TYPE_CHECKING:
    from governance.platforms import PlatformSource
    from governance.store import Store


def default_data_dir() -> Path:
    """``KONTOKOLL_DATA_DIR`` if set, else the user data directory from platformdirs."""
    configured = os.environ.get("KONTOKOLL_DATA_DIR", "").strip()
    if configured:
        return expand_data_dir(configured, "KONTOKOLL_DATA_DIR")
    import platformdirs  # here: with --data-dir or KONTOKOLL_DATA_DIR it is never needed

    return Path(platformdirs.user_data_dir("kontokoll", appauthor=False))


def chosen_data_dir(given: Path | None) -> Path:
    """``--data-dir`` if given, else :func:`default_data_dir`; ``~`` and ``~user`` expanded.

    Every command resolves its data directory first, so a browser session's identity proof is
    checked here too: a forged or expired one stops the command with a message (InputError),
    before anything reads the store (see governance.identity).
    """
    session_identity()
    chosen = default_data_dir() if given is None else expand_data_dir(given, "--data-dir")
    chosen = through_link(chosen)
    source = _source_of(given)
    refuse_inside_store(chosen, source)
    refuse_holding_store(chosen, source)
    return chosen


def data_dir_argument(text: str) -> Path:
    """``--data-dir``'s value: never empty. ``--data-dir "$DIR"`` with DIR unset would
    otherwise make (or open) a store in whatever folder the command runs in."""
    if not text.strip():
        import argparse  # (loaded by the parser already: this only names its error)

        raise argparse.ArgumentTypeError(t("f9a_datadir.empty"))
    return Path(text)


def _source_of(given: Path | None) -> str:
    """Where the data directory came from, as a message names it."""
    if given is not None:
        return "--data-dir"
    if os.environ.get("KONTOKOLL_DATA_DIR", "").strip():
        return "KONTOKOLL_DATA_DIR"
    return t("g1_datadir.default_source")


def refuse_inside_store(path: Path, source: str) -> None:
    """Refuse ``/`` and a folder inside another store (its ``register/``, its ``snapshots/``):
    a store made there would mix its files with that store's, and each would take the other's
    for its own. The one store that lives inside another is that store's demo."""
    from governance.store_folder import data_dir_of

    resolved = Path(os.path.realpath(path))
    if resolved.parent == resolved:
        raise InputError("f9a_datadir.root", path=str(path), source=source)
    outer = data_dir_of(resolved, levels=None)  # the nearest store above it
    if outer is None:
        return
    from governance.demo import demo_dir  # (only on the way to a refusal, or to the demo)

    if resolved != demo_dir(outer):
        raise InputError("f9a_datadir.inside_store", path=str(path), source=source,
                         store=str(outer))


def refuse_holding_store(path: Path, source: str) -> None:
    """Refuse a folder that holds a store below it (``--data-dir ~`` with the real store in
    ``~/.local/share/kontokoll``): a store made there would hold the real one inside it, and
    the real one would then be refused as "inside a data directory". Only the places a store is
    likely to be are looked at (see :func:`governance.store_folder.stores_below`), no tree walk.
    The folder's own demo (``kontokoll demo`` before any other command) is no other store.
    """
    from governance.store_folder import stores_below

    for inner in stores_below(path):
        from governance.demo import demo_dir  # (only when a store was found: a rare path)

        if inner != demo_dir(Path(os.path.realpath(path))):
            raise InputError("g1_datadir.holds_store", path=str(path), source=source,
                             store=str(inner))


def through_link(path: Path) -> Path:
    """A data directory given as a link to a folder, as the folder it names (resolved once).

    One rule for every command: the link is followed here, where the data directory is chosen,
    so ``doctor`` (which refuses a link where a store folder should be) and every other command
    work on the same real folder. Links *inside* the data directory are still refused by the
    store and by ``doctor``: those could point a write somewhere the owner did not choose.
    """
    if path.is_symlink() and path.is_dir():
        return path.resolve()
    return path


def expand_data_dir(path: Path | str, source: str) -> Path:
    """``path`` with a leading ``~`` or ``~user`` expanded; InputError if no such user."""
    try:
        return Path(path).expanduser()
    except RuntimeError:  # pathlib's "Could not determine home directory"
        user = str(path).split("/", 1)[0]
        raise InputError("input.unknown_home", path=str(path), source=source, user=user) from None


@dataclass
class CliContext:
    """Shared state of one CLI invocation."""

    data_dir: Path
    out: TextIO = field(default_factory=lambda: sys.stdout)
    err: TextIO = field(default_factory=lambda: sys.stderr)
    #: Where ``kontokoll sync`` reads from; ``None`` is the real platforms. Tests give the
    #: emulation here (through ``main(..., context=...)``), so no test can reach a real host.
    sync_source: Callable[[], PlatformSource] | None = None
    _store: Store | None = None

    @property
    def store(self) -> Store:
        """The store in the data directory, opened on first use."""
        if self._store is None:
            # Imported here: commands that never open the store (comments classify, deadline)
            # start without it, and it is most of a short command's import time.
            from governance.store import Store
            from governance.store_folder import is_foreign_folder

            existed = os.path.lexists(self.data_dir)
            foreign = is_foreign_folder(self.data_dir)  # asked before the store adds its files
            self._store = Store(self.data_dir)
            if not existed:  # a mistyped path would otherwise show an empty register, silently
                self.warn(t("f9a_datadir.created", path=str(self.data_dir)))
            elif foreign:  # the user's own files now share the folder with the register's
                self.warn(t("g1_datadir.adopted", path=str(self.data_dir)))
            # Reading commands work on a read-only store (a backup mount); say so, once.
            self._store.db.on_read_only(
                lambda: self.warn(t("read_only_store.notice", path=str(self.data_dir)))
            )
        return self._store

    def print(self, text: str = "") -> None:
        """Write one line of normal output (for people: data goes to ``out`` as it is).

        Stored text and echoed input may hold control characters (ESC, bidi overrides...);
        they are printed escaped, never raw, so no value can repaint the terminal.
        """
        print(visible(text, keep_newlines=True), file=self.out)

    def warn(self, text: str) -> None:
        """Write one line to standard error, control characters escaped as in :meth:`print`."""
        print(visible(text, keep_newlines=True), file=self.err)
