"""Open the Textual app on a data directory (``kontokoll``) or the demo (``kontokoll demo``)."""

from __future__ import annotations

from pathlib import Path

from governance.i18n import set_language
from governance.sync_source import is_demo_store
from kontokoll.demo_setup import prepare_demo


def run_app(data_dir: Path, *, demo: bool, lang: str | None = None, start: str = "overview") -> int:
    """Run the app until the user quits; return the exit code.

    With ``demo`` the app opens the demo register under ``data_dir/demo`` (built if missing).
    ``lang`` overrides the language already chosen (by ``--lang``, KONTOKOLL_LANG or the locale).
    """
    # Textual is imported here, not at module level, so the CLI's other commands stay quick.
    from screens.app import KontokollApp
    from screens.services import Services

    if lang is not None:
        set_language(lang)
    directory = prepare_demo(data_dir) if demo else data_dir
    # The store says whether it is the demo (its marker), however it was opened: a served
    # session runs ``kontokoll --data-dir DIR/demo``, without --demo.
    demo = demo or is_demo_store(directory)
    services = Services(directory, demo=demo)
    try:
        app = KontokollApp(services, start=start, demo=demo)
        result = app.run()
    finally:
        services.close()
    return int(result or 0)
