"""The app's entry points on the command line: demo, serve, and the app itself."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import pytest

from kontokoll.cli import serve
from kontokoll.cli.main import main


def test_demo_without_a_terminal_prints_the_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--data-dir", str(tmp_path), "demo"]) == 0
    out = capsys.readouterr().out
    assert "Demoregistret finns i" in out and "63 konton" in out


def test_demo_no_app_never_opens_the_app(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import kontokoll.app_launch

    def refuse(*args: Any, **kwargs: Any) -> int:
        raise AssertionError("the app must not open")

    monkeypatch.setattr(kontokoll.app_launch, "run_app", refuse)
    monkeypatch.setattr("sys.stdin.isatty", lambda: True, raising=False)
    assert main(["--data-dir", str(tmp_path), "demo", "--no-app"]) == 0
    assert "Demoregistret finns i" in capsys.readouterr().out


class FakeServer:
    """Stands in for Kontokoll's server (kontokoll.serving.server, around textual-serve's):
    records what it was asked to serve. tests/serve/ starts the real one."""

    made: ClassVar[list[FakeServer]] = []

    def __init__(
        self, command: str, options: Any, *, key: bytes | None, title: str, templates: str = "",
        data_dir: Path | None = None,
    ) -> None:
        self.command, self.host, self.port, self.title = command, options.host, options.port, title
        self.templates_path = templates
        self.page = ""
        FakeServer.made.append(self)

    def listen(self) -> None:
        if self.templates_path:  # the page the browser gets, while the server runs
            self.page = (Path(self.templates_path) / "app_index.html").read_text("utf-8")


@pytest.fixture
def fake_server(monkeypatch: pytest.MonkeyPatch) -> type[FakeServer]:
    import kontokoll.serving.server

    FakeServer.made = []
    monkeypatch.setattr(kontokoll.serving.server, "KontokollServer", FakeServer)
    return FakeServer


def test_serve_binds_to_localhost_and_warns_there_is_no_login(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fake_server: type[FakeServer]
) -> None:
    assert main(["--data-dir", str(tmp_path), "serve", "--demo", "--port", "8123"]) == 0
    (server,) = fake_server.made
    assert (server.host, server.port) == ("127.0.0.1", 8123)
    assert "--data-dir" in server.command and str(tmp_path / "demo") in server.command
    captured = capsys.readouterr()
    assert "http://127.0.0.1:8123" in captured.out
    assert "bara från den här datorn" in captured.err
    assert "ingen inloggning" in captured.err
    # The browser's title and the start page name the register, never a server path.
    assert server.title == "Demoregistret"
    assert "<title>Demoregistret</title>" in server.page
    assert str(tmp_path) not in server.page


def test_serve_on_another_address_without_the_proxys_login_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fake_server: type[FakeServer]
) -> None:
    """Every session would be the server's account: never for other machines (exit 2, naming
    the flag to add); tests/serve/test_serve_exposure.py has the rest."""
    assert main(["--data-dir", str(tmp_path), "serve", "--host", "0.0.0.0"]) == 2
    assert fake_server.made == []
    assert "--auth-header" in capsys.readouterr().err


def test_loopback_addresses() -> None:
    assert serve.is_loopback("127.0.0.1") and serve.is_loopback("::1")
    assert serve.is_loopback("localhost")
    assert not serve.is_loopback("0.0.0.0") and not serve.is_loopback("example.org")
