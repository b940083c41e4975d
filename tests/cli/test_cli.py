"""The headless CLI: exit codes, messages on stderr, no tracebacks, and the data directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import child_env, run_process

HEADER = (
    "platform,handle,department,purpose,visibility,closed_reason,project,project_end,"
    "editors,url,platform_id,status"
)


def _csv(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "konton.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def test_import_list_export_and_log(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = _csv(
        tmp_path,
        "facebook,helsingborgsstad,Stadsledningsförvaltningen,Nyheter,open,,,,"
        "Anna Berg <anna@hbg.se>,,,active",
    )
    dry = cli("accounts", "import", str(path), "--dry-run")
    assert dry.code == 0
    assert "nytt konto: facebook:helsingborgsstad" in dry.out
    assert "Provkörning" in dry.out
    assert "0 konton" in cli("accounts", "list").out

    done = cli("accounts", "import", str(path))
    assert (done.code, done.err) == (0, "")
    listing = cli("accounts", "list")
    assert "facebook:helsingborgsstad" in listing.out
    assert "anna@hbg.se" not in listing.out  # personal data only where it is needed

    assert cli("editors", "add", "facebook:helsingborgsstad", "Bo Ek <bo@hbg.se>").code == 0
    editors = cli("editors", "list", "facebook:helsingborgsstad").out
    assert "Bo Ek" in editors and "anna@hbg.se" in editors
    assert cli("editors", "remove", "facebook:helsingborgsstad", "anna@hbg.se").code == 0
    log = cli("log", "facebook:helsingborgsstad").out
    assert "redaktör tillagd" in log and "redaktör borttagen" in log
    assert "Anna Berg <anna@hbg.se>" in log

    out = tmp_path / "ut.csv"
    assert cli("accounts", "export", str(out)).code == 0
    assert out.read_bytes().startswith(b"\xef\xbb\xbfplatform;handle;")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("editors", "add", "facebook:finns-inte", "A B <a@b.se>"), "Hittar inget konto"),
        (("editors", "add", "facebook:helsingborgsstad", "utan-adress"), "Namn <e-post>"),
        (("accounts", "import", "/finns/inte.csv"), "Hittar inte filen /finns/inte.csv"),
        (("log", "--since", "förra veckan"), "inget datum"),
        (("accounts", "list", "--platform", "myspace"), "okänd plattform"),
        (
            ("accounts", "list", "--department", "Finns inte"),
            "okänd förvaltning ”Finns inte” (finns: Kulturförvaltningen)",
        ),
    ],
)
def test_user_errors_exit_non_zero_with_a_message_and_no_traceback(
    cli,
    tmp_path: Path,
    args: tuple[str, ...],
    message: str,  # type: ignore[no-untyped-def]
) -> None:
    cli(
        "accounts",
        "import",
        str(_csv(tmp_path, "facebook,helsingborgsstad,Kulturförvaltningen,,open,,,,,,,")),
    )
    result = cli(*args)
    assert result.code != 0
    assert message in result.err
    assert "Traceback" not in result.err + result.out


def test_a_refused_import_prints_every_bad_line_and_exits_2(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = _csv(
        tmp_path,
        "facebook,a,Kulturförvaltningen,,open,,,,,,,",
        "facebok,b,Kulturförvaltningen,,open,,,,,,,",
        "facebook,c,Kulturförvaltningen,,open,,,,Bo <bo>,,,",
    )
    result = cli("accounts", "import", str(path))
    assert result.code == 2
    assert f"{path}:3: platform:" in result.err
    assert f"{path}:4: editors:" in result.err
    assert "0 konton" in cli("accounts", "list").out


def test_the_data_directory_comes_from_the_flag_the_environment_or_platformdirs(
    tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    env = child_env(HOME=str(home), XDG_DATA_HOME=str(home / ".local" / "share"))
    env.pop("KONTOKOLL_DATA_DIR", None)
    path = _csv(tmp_path, "x,hbg,Kulturförvaltningen,,open,,,,,,,")
    assert run_process("accounts", "import", str(path), env=env).returncode == 0
    assert (home / ".local" / "share" / "kontokoll" / "register").is_dir()

    via_env = tmp_path / "via-env"
    env["KONTOKOLL_DATA_DIR"] = str(via_env)
    assert run_process("accounts", "import", str(path), env=env).returncode == 0
    assert (via_env / "register").is_dir()

    via_flag = tmp_path / "via-flag"
    result = run_process("--data-dir", str(via_flag), "accounts", "list", env=env)
    assert result.returncode == 0
    assert "0 konton" in result.stdout


def test_english_on_request(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("--lang", "en", "editors", "list", "facebook:nope")
    assert result.code == 2
    assert "No account is called facebook:nope" in result.err


def test_a_corrupt_store_is_refused_by_a_real_process_without_traceback(tmp_path: Path) -> None:
    data = tmp_path / "data"
    path = _csv(tmp_path, "x,hbg,Kulturförvaltningen,,open,,,,,,,")
    assert run_process("--data-dir", str(data), "accounts", "import", str(path)).returncode == 0
    core = data / "register" / "core.json"
    core.write_text("{trasig")
    result = run_process("--data-dir", str(data), "editors", "add", "x:hbg", "A B <a@b.se>")
    assert result.returncode == 2
    assert str(data / "register" / "index.json") in result.stderr or str(core) in result.stderr
    assert "Traceback" not in result.stderr
    assert core.read_text() == "{trasig"


def test_unusable_paths_get_a_message_naming_them(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = cli("accounts", "export", str(tmp_path / "saknas" / "ut.csv"))
    assert result.code == 2
    assert f"{tmp_path / 'saknas' / 'ut.csv'}" in result.err
    blocker = tmp_path / "en-fil"
    blocker.write_text("")
    refused = run_process("--data-dir", str(blocker), "accounts", "list")
    assert refused.returncode == 2
    assert str(blocker) in refused.stderr and "Traceback" not in refused.stderr


def test_departments_and_their_contacts(cli) -> None:  # type: ignore[no-untyped-def]
    assert (
        cli(
            "departments",
            "add",
            "Kulturförvaltningen",
            "--contact",
            "Kim Ek <kim@hbg.se>",
            "--contact",
            "Bo Al <bo@hbg.se>",
        ).code
        == 0
    )
    again = cli("departments", "add", "KULTURFÖRVALTNINGEN", "--contact", "Kim Ek <kim@hbg.se>")
    assert "Kulturförvaltningen: 2 kontaktpersoner" in again.out
    listing = cli("departments", "list").out
    assert "Kim Ek <kim@hbg.se>, Bo Al <bo@hbg.se>" in listing
    bad = cli("departments", "add", "Miljöförvaltningen", "--contact", "bara-namn")
    assert bad.code == 2 and "Namn <e-post>" in bad.err


def test_kontokoll_alone_in_a_script_prints_help_instead_of_opening_the_app(
    tmp_path: Path,
) -> None:
    result = run_process("--data-dir", str(tmp_path / "data"))
    assert result.returncode == 0
    assert "användning: kontokoll" in result.stdout  # (argparse's words in Swedish too)


def test_an_unknown_department_is_an_error_like_an_unknown_platform(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cli(
        "accounts",
        "import",
        str(_csv(tmp_path, "facebook,helsingborgsstad,Kulturförvaltningen,,open,,,,,,,")),
    )
    assert cli("accounts", "list", "--department", "Finns inte").code == 2
    listed = cli("accounts", "list", "--department", "kulturförvaltningen")
    assert listed.code == 0 and listed.out.rstrip().endswith("1 konto.")
