"""The service-account model: who the person is, and what a sudo session may not do."""

from __future__ import annotations

import grp
import os
import pwd
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from governance import identity, service_account
from governance.errors import InputError
from governance.service_account import MARKER_NAME, read_marker, sudo_caller
from governance.service_setup import check_sudoers, prepare_service_directory, sudoers_rule
from kontokoll.cli.main import main
from tests.conftest import CliResult

ME = os.getuid()
#: Someone else: the uid sudo records as the invoking user in these tests.
OTHER = 65534 if ME != 65534 else 65533


def _marker(folder: Path, uid: int) -> Path:
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    marker = folder / MARKER_NAME
    marker.write_text(f'account = "kontokoll"\nuid = {uid}\n', encoding="utf-8")
    os.chmod(marker, 0o644)
    return marker


# --- the seam: uid, the configured service uid, the environment ------------------------------


def test_sudo_caller_only_for_the_service_account_acting_for_someone_else() -> None:
    sudo = {"SUDO_UID": "1001", "SUDO_USER": "anna"}
    assert sudo_caller(998, 998, sudo) == 1001
    # a caller who sets SUDO_* without sudo runs as themselves, not as the service account
    assert sudo_caller(1002, 998, sudo) is None
    assert sudo_caller(1002, None, sudo) is None  # no trusted service store at all
    assert sudo_caller(998, 998, {"SUDO_UID": "998", "SUDO_USER": "kontokoll"}) is None
    assert sudo_caller(998, 998, {"SUDO_USER": "anna"}) is None
    assert sudo_caller(998, 998, {"SUDO_UID": "1001"}) is None
    for garbage in ("", "-1", "1001 ", "١٠٠١", "0x10", "abc"):
        assert sudo_caller(998, 998, {"SUDO_UID": garbage, "SUDO_USER": "anna"}) is None


def test_marker_is_trusted_only_when_root_could_have_written_it(tmp_path: Path) -> None:
    folder = tmp_path / "store"
    marker = _marker(folder, ME)
    assert read_marker(folder, owner=ME) == ME
    assert read_marker(folder, owner=ME + 1) is None  # not owned by the trusted owner: forged
    os.chmod(marker, 0o664)
    assert read_marker(folder, owner=ME) is None  # someone else could rewrite it
    os.chmod(marker, 0o644)
    os.chmod(folder, 0o750)
    assert read_marker(folder, owner=ME) is None  # a store others can enter is no service store
    os.chmod(folder, 0o700)
    _marker(folder, ME + 1)
    assert read_marker(folder, owner=ME) is None  # names another account than the folder's owner
    marker.unlink()
    (tmp_path / "real").write_text(f"uid = {ME}\n", encoding="utf-8")
    marker.symlink_to(tmp_path / "real")
    assert read_marker(folder, owner=ME) is None  # a link is never followed
    marker.unlink()
    os.mkfifo(marker)
    assert read_marker(folder, owner=ME) is None  # a FIFO neither hangs nor counts
    marker.unlink()
    marker.write_text("uid = true\n", encoding="utf-8")
    assert read_marker(folder, owner=ME) is None
    linked = tmp_path / "linked"
    linked.symlink_to(folder)
    _marker(folder, ME)
    assert read_marker(linked, owner=ME) is None


# --- a whole session, with the real detection and the real CLI -------------------------------


@pytest.fixture
def session_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This process as a configured service account that sudo started for uid OTHER."""
    store = tmp_path / "service-home" / "kontokoll"
    _marker(store, ME)
    monkeypatch.setattr(service_account, "service_data_dir", lambda uid: store)
    monkeypatch.setattr(service_account, "MARKER_OWNER", ME)
    monkeypatch.setenv("SUDO_UID", str(OTHER))
    monkeypatch.setenv("SUDO_USER", "someone-typed-this")
    monkeypatch.setenv("KONTOKOLL_DATA_DIR", str(tmp_path / "elsewhere"))
    return store


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    def invoke(*args: str) -> CliResult:
        code = main(list(args))
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return invoke


def test_identity_is_the_sudo_caller_looked_up_by_uid(
    session_store: Path, run: Callable[..., CliResult]
) -> None:
    caller = service_account.login_of(OTHER)
    assert identity.current_login() == caller  # the uid's login, not the free-text SUDO_USER
    result = run("whoami")
    assert result.code == 0 and caller in result.out, result
    assert "someone-typed-this" not in result.out
    assert run("users", "add", caller, "--role", "admin").code == 0
    assert (session_store / "register").is_dir()  # the service store, not KONTOKOLL_DATA_DIR
    assert not (session_store.parent.parent / "elsewhere").exists()


def test_sudo_variables_are_ignored_without_a_trusted_marker(
    session_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service_account, "MARKER_OWNER", ME + 1)  # a marker anyone could forge
    assert service_account.detect() is None
    assert identity.current_login() == service_account.login_of(ME)


def test_a_session_refuses_data_dir_serve_init_and_file_paths(
    session_store: Path, run: Callable[..., CliResult], tmp_path: Path
) -> None:
    assert run("users", "add", service_account.login_of(OTHER), "--role", "admin").code == 0
    before = sorted(p.name for p in session_store.rglob("*"))
    chosen = tmp_path / "chosen"
    refused = run("--data-dir", str(chosen), "whoami")
    assert refused.code == 2 and "--data-dir godtas inte" in refused.err
    assert not chosen.exists()
    assert run("serve").code == 2
    assert run("init", "--group", grp.getgrgid(os.getgid()).gr_name).code == 2
    source = tmp_path / "in.csv"
    source.write_text("platform,handle\n", encoding="utf-8")
    target = tmp_path / "out.csv"
    for args in (
        ("accounts", "import", str(source)),
        ("stats", "import", str(source)),
        ("accounts", "export", str(target)),
        ("stats", "export", str(target)),
        ("audit", "export", "-o", str(target)),
        ("backup", "--output", str(target)),
        ("backup",),  # the default name in the current folder is a path too
        ("restore", str(source)),
    ):
        result = run(*args)
        assert result.code == 2, args
        assert "Använd - för standard in eller ut" in result.err, (args, result.err)
        assert "Traceback" not in result.err
    assert not target.exists()
    assert sorted(p.name for p in session_store.rglob("*")) == before
    exported = run("accounts", "export", "-")
    assert exported.code == 0 and exported.out.startswith("\ufeffplatform;")


# --- init --service-account and the sudoers rule ---------------------------------------------


def test_sudoers_rule_allows_exactly_one_program_with_a_clean_environment() -> None:
    rule = sudoers_rule("kontokoll", "kontokoll-users", Path("/opt/kontokoll/bin/kontokoll"))
    lines = [line for line in rule.splitlines() if not line.startswith("#")]
    assert lines == [
        "Cmnd_Alias KONTOKOLL = /opt/kontokoll/bin/kontokoll",
        "Defaults!KONTOKOLL env_reset, !setenv",
        "%kontokoll-users ALL = (kontokoll) NOSETENV: KONTOKOLL",
    ]
    for bad in ("kontokoll, ALL", "a b", "x:y", "ALL=(root)"):
        with pytest.raises(InputError):
            sudoers_rule(bad, "g", Path("/usr/bin/kontokoll"))
        with pytest.raises(InputError):
            sudoers_rule("kontokoll", bad, Path("/usr/bin/kontokoll"))
    with pytest.raises(InputError):
        sudoers_rule("kontokoll", "g", Path("/opt/k k/kontokoll"))
    if shutil.which("visudo") or os.access("/usr/sbin/visudo", os.X_OK):
        assert check_sudoers(rule) is None
        assert check_sudoers("%g ALL = (kontokoll) NOPE KONTOKOLL\n") is not None


def test_init_group_warns_that_every_member_is_trusted_with_everything(
    cli: Callable[..., CliResult],
) -> None:
    result = cli("init", "--group", grp.getgrgid(os.getgid()).gr_name)
    assert result.code == 0
    assert "litar på varje medlem med allt" in result.err


@pytest.mark.skipif(os.geteuid() != 0, reason="handing a folder to another account needs root")
def test_prepare_hands_the_tree_over_and_refuses_a_planted_link(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    entry = pwd.struct_passwd(("svc", "x", OTHER, OTHER, "", str(home), "/bin/false"))
    store = home / ".local" / "share" / "kontokoll"
    (store / "register").mkdir(parents=True)
    (store / "register" / "core.json").write_text("{}", encoding="utf-8")
    os.chmod(store, 0o2770)
    (store / "log").symlink_to("/etc")  # what a service account could plant for root to chown
    with pytest.raises(InputError) as refused:
        prepare_service_directory(entry)
    assert str(store / "log") in str(refused.value)
    assert os.stat("/etc").st_uid == 0 and store.stat().st_uid == 0  # nothing changed
    (store / "log").unlink()

    path, count = prepare_service_directory(entry)
    assert path == store and count == 3
    for item in (store, store / "register"):
        assert (item.stat().st_uid, item.stat().st_mode & 0o7777) == (OTHER, 0o700)
    core = (store / "register" / "core.json").stat()
    assert (core.st_uid, core.st_mode & 0o777) == (OTHER, 0o600)
    marker = (store / MARKER_NAME).stat()
    assert (marker.st_uid, marker.st_mode & 0o777) == (0, 0o644)
    assert read_marker(store) == OTHER
