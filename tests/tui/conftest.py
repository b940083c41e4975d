"""Fixtures for the app's tests: a fresh copy of the demo register per test, built at NOW.

The demo is built once per session exactly as ``kontokoll demo`` builds it (the register, its stats
synced from the platform emulation, and its audit history) and each test copies the folder,
which takes milliseconds instead of a build per test.
"""

from __future__ import annotations

import contextlib
import importlib
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

from governance.i18n import set_language
from governance.store import Store
from kontokoll.demo_setup import prepare_demo
from screens.app import KontokollApp
from screens.services import Services

NOW = datetime(2026, 11, 28, 10, tzinfo=UTC)
USER = "akn-test"


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo register, built once per test session at NOW by USER."""
    root = tmp_path_factory.mktemp("demo-template")
    # The change log names the OS login that built the demo; pin it so snapshots do not vary.
    with contextlib.ExitStack() as stack:
        for name in ("governance.register", "governance.service"):
            module = importlib.import_module(name)
            if hasattr(module, "current_login"):  # the audit service is a governance Service
                stack.enter_context(mock.patch.object(module, "current_login", return_value=USER))
        # As ``kontokoll demo`` builds it: register, stats synced from the emulation, audits.
        return prepare_demo(root, now=NOW)


@pytest.fixture
def demo_dir(demo_template: Path, tmp_path: Path) -> Path:
    """A private copy of the demo register that a test may change."""
    target = tmp_path / "demo"
    shutil.copytree(demo_template, target)
    return target


@pytest.fixture(autouse=True)
def _swedish() -> Iterator[None]:
    """Every test starts (and leaves the process) in Swedish, the default language."""
    set_language("sv")
    yield
    set_language("sv")


@pytest.fixture
def unaudited_dir(demo_dir: Path) -> Path:
    """The demo copy without its audit runs: the app must show findings as unknown."""
    shutil.rmtree(demo_dir / "audit")
    store = Store(demo_dir)
    store.db.rebuild_manifest()  # the audit files are gone on purpose, not lost
    store.close()
    return demo_dir


@pytest.fixture
def services(demo_dir: Path) -> Iterator[Services]:
    """The app's services over the test's demo copy, with a fixed clock and user."""
    result = Services(demo_dir, clock=lambda: NOW, user=USER, lock_timeout_s=5)
    yield result
    result.close()


class RecordingApp(KontokollApp):
    """The app, keeping a list of every notification it showed (severity, message)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.shown: list[tuple[str, str]] = []

    def notify(self, message: str, **kwargs: Any) -> None:
        self.shown.append((str(kwargs.get("severity", "information")), message))
        super().notify(message, **kwargs)


def make_app(services: Services, *, start: str = "overview", language: str = "sv") -> RecordingApp:
    """The app as the tests run it: the demo register, at NOW."""
    return RecordingApp(services, language=language, start=start, demo=True)


@pytest.fixture
def anyio_backend() -> str:
    """Async tests run on asyncio (through anyio's pytest plugin, which ships with anyio)."""
    return "asyncio"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run every ``async def`` test of this folder with anyio."""
    import inspect

    for item in items:
        function = getattr(item, "function", None)
        if function is not None and inspect.iscoroutinefunction(function):
            item.add_marker(pytest.mark.anyio)
