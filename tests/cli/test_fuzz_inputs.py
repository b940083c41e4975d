"""Fuzzing with a fixed seed: malformed settings.toml files, random argument lists for every
command, and malformed stats CSV files. Whatever comes in, Kontokoll answers with an exit code
of 0, 1 or 2 and never a traceback, and a refused command leaves every file of the data
directory byte for byte as it was."""

from __future__ import annotations

import argparse
import random
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

import kontokoll.cli.main as cli_main
from governance.i18n import current_language
from governance.platforms import PlatformSource
from kontokoll.cli.context import CliContext
from tests.cli.inputs_support import (
    STATS_HEADER,
    STATS_ROW,
    Outcome,
    copy_store,
    hashes,
    make_store,
    run_cli,
)
from tests.conftest import child_env, run_process

SEED = 16
EXIT_CODES = (0, 1, 2)

DATES = ["2026-11-28", "0000-01-01", "0001-01-01", "9999-12-31", "1999-12-31", "2000-01-01",
         "2100-12-31", "2101-01-01", "2026-02-30", "2026-13-01", "26-1-1", "", " ", "idag",
         "２０２６-01-01", "2026-11-28T10:00", "-2026-01-01", "+2026-01-01", "2026-W01-1"]
MONTHS = ["2026-10", "0000-01", "0001-01", "9999-12", "1999-12", "2100-12", "2026-13", "2026-1",
          "2026", "", "٢٠٢٦-01", "2026-10-01"]
QUARTERS = ["2026Q3", "2026Q4", "0000Q1", "9999Q4", "2000Q1", "2100Q4", "2101Q1", "2026Q5",
            "2026Q0", "2026-q3", "Q3", "", "2026Q3 ", "２０２６Q1"]
STAMPS = ["2026-12-23T16:30", "2026-12-23t15:30z", "0001-01-01", "9999-12-31T23:59-14:00",
          "2026-01-01T10:00+14:00", "2026-01-01T10:00+14:01", "2026-01-01T10:00-23:59",
          "2026-01-01T10:00+24:00", "2100-12-31T16:00", "2026-03-29T02:30", "nu", "", "T10:00"]
REFS = ["hbgbibliotek", "facebook:hbgbibliotek", "facebook:nope", "x:", ":", "0123456789ab",
        "hbgkrisinfo", "", "\x1b[31m", "a" * 300]
NUMBERS = ["0", "1", "-1", "1e9", "nan", "inf", "99999999999999999999", "", "x"]
TEXTS = ["ok", "", " ", "anna@helsingborg.se", "x" * 3000, "rad\nrad", "\u202e", "Anna Berg"]
RULES = ["single-editor", "no-editors", "revision-overdue", "nope", ""]
OPTIONS = ["--quarter", "--as-of", "--since", "--until", "--note", "--reason", "--name", "--rule",
           "--department", "--platform", "--account", "--user", "--format", "--delimiter",
           "--role", "--dry-run", "--all", "--lang", "--contact", "--output"]


def _values(rng: random.Random, out_dir: Path) -> list[str]:
    pool = rng.choice([DATES, MONTHS, QUARTERS, STAMPS, REFS, NUMBERS, TEXTS, RULES])
    picked = [rng.choice(pool) for _ in range(rng.randint(0, 3))]
    if rng.random() < 0.2:
        picked.append(str(out_dir / f"ut-{rng.randrange(1000)}.csv"))
    return picked


COMMANDS: list[list[str]] = [
    ["audit", "run"], ["audit", "list"], ["audit", "show"], ["audit", "diff"],
    ["audit", "export"], ["audit", "ack"], ["audit", "waive"], ["audit", "waivers"],
    ["audit", "settings"], ["revision", "record"], ["revision", "status"], ["revision", "list"],
    ["log"], ["deadline"], ["sync"], ["stats", "export"], ["accounts", "list"],
    ["accounts", "export"], ["editors", "list"], ["editors", "add"], ["editors", "remove"],
    ["editors", "confirm"], ["departments", "list"], ["departments", "add"], ["users", "add"],
    ["whoami"], ["nosuchcommand"], [],
]


def _arguments(rng: random.Random, out_dir: Path) -> list[str]:
    argv = list(rng.choice(COMMANDS))
    for _ in range(rng.randint(0, 4)):
        if rng.random() < 0.5:
            argv.append(rng.choice(OPTIONS))
        argv.extend(_values(rng, out_dir))
    return argv


def offline(data_dir: Path) -> CliContext:
    """The CLI's context with a sync that never reaches the network: every platform request
    answers 503."""
    failing = httpx.MockTransport(lambda request: httpx.Response(503))
    return CliContext(data_dir, sync_source=lambda: PlatformSource(transport=failing))


@pytest.fixture(autouse=True)
def in_scratch_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Random arguments name output files relative to the working folder: keep them in tmp."""
    scratch = tmp_path / "cwd"
    scratch.mkdir()
    monkeypatch.chdir(scratch)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("template") / "data"
    make_store(directory)
    return directory


@pytest.fixture
def store_dir(template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    # Never the network: the cases run with the ``offline`` context.
    # Building the parser is most of a command's time (argparse looks up its translations for
    # every subcommand); one per language keeps hundreds of cases within a few seconds.
    parsers: dict[tuple[str, str | None], argparse.ArgumentParser] = {}
    build = cli_main.build_parser

    def cached(only: str | None = None) -> argparse.ArgumentParser:
        key = (current_language(), only)
        if key not in parsers:
            parsers[key] = build(only)
        return parsers[key]

    monkeypatch.setattr(cli_main, "build_parser", cached)
    monkeypatch.setenv("KONTOKOLL_LANG", "sv")
    return copy_store(template, tmp_path / "data")


def _check(outcome: Outcome, what: object, before: dict[str, str], data_dir: Path) -> None:
    assert outcome.code in EXIT_CODES, (what, outcome)
    assert "Traceback" not in outcome.err, (what, outcome.err)
    if outcome.code == 2:  # a refusal (1 is a sync with failed accounts, which records them)
        assert hashes(data_dir) == before, (what, outcome)


def _fuzz(count: int, data_dir: Path, case: Callable[[random.Random, int], list[str]]) -> None:
    rng = random.Random(SEED)
    before = hashes(data_dir)
    for number in range(count):
        argv = case(rng, number)
        outcome = run_cli(["--data-dir", str(data_dir), *argv], context=offline)
        _check(outcome, argv, before, data_dir)
        if outcome.code != 2:
            before = hashes(data_dir)  # an accepted command may change the store


# --- settings.toml -------------------------------------------------------------------------------

GOOD_SETTINGS = """[audit]
inactive_days = 60
min_reply_rate = 0.90
revision_due_soon_days = 30
editors_confirmed_days = 92
revision_interval_months = 6
first_revision_deadline = 2024-03-31

[audit.severity]
single-editor = "critical"
"""
TOML_PIECES = ["[", "]", "{", "}", "=", '"', "'''", "\n", "#", ",", ".", "[[audit]]", "[audit]",
               "0001-01-01", "9999-12-31", "inf", "nan", "-1", "1e999", "true", "\\u0000",
               "\x00", "\xff", "ä", "10:00", "2026-01-01T10:00+14:00", "[" * 600, "{a=" * 400]


def _settings_text(rng: random.Random) -> bytes:
    text = GOOD_SETTINGS
    for _ in range(rng.randint(1, 4)):
        position = rng.randrange(len(text) + 1)
        if rng.random() < 0.5:
            text = text[:position] + rng.choice(TOML_PIECES) + text[position:]
        else:
            text = text[:position] + text[position + rng.randint(1, 12):]
    data = text.encode("utf-8", "surrogatepass")
    if rng.random() < 0.1:
        data += b"\xff\xfe"
    if rng.random() < 0.05:
        data = b"x = " + b"[" * 10_000 + b"]" * 10_000
    return data


def test_fuzz_malformed_settings(store_dir: Path) -> None:
    settings = store_dir / "settings.toml"

    def case(rng: random.Random, number: int) -> list[str]:
        settings.write_bytes(_settings_text(rng))
        return ["audit", "settings"] if number % 5 else ["revision", "status"]

    rng = random.Random(SEED)
    refused = 0
    for number in range(300):
        argv = case(rng, number)
        before = hashes(store_dir)
        outcome = run_cli(["--data-dir", str(store_dir), *argv], context=offline)
        _check(outcome, settings.read_bytes()[:200], before, store_dir)
        if outcome.code == 2:
            refused += 1
            assert str(settings) in outcome.err, outcome.err
    assert refused > 100  # the fuzz really reaches the checks


# --- arguments -----------------------------------------------------------------------------------


def test_fuzz_random_arguments(store_dir: Path, tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    _fuzz(600, store_dir, lambda rng, _: _arguments(rng, out_dir))


def test_fuzz_random_arguments_as_real_processes(store_dir: Path, tmp_path: Path) -> None:
    rng = random.Random(SEED + 1)
    env = child_env(KONTOKOLL_FACEBOOK_BASE_URL="http://127.0.0.1:9")  # nothing listens there
    for _ in range(4):
        argv = [a.replace("\x00", "") for a in _arguments(rng, tmp_path)]
        before = hashes(store_dir)
        result = run_process("--data-dir", str(store_dir), *argv, env=env)
        outcome = Outcome(result.returncode, result.stdout, result.stderr)
        _check(outcome, argv, before, store_dir)


# --- stats CSV -----------------------------------------------------------------------------------

CELLS = ["", " ", "0", "-1", "1.5", "1e3", "99999999999999999999", "٣", "nan", "2026-10",
         "0000-01", "9999-12", "2026-13", "0001-01-01T00:00+14:00", "9999-12-31T23:59-14:00",
         "2026-10-30T09:15+15:00", "2026-10-30T09:15", "2026-10-30", "2026-11-01T00:30+01:00",
         '"', '""', "=1+1", "'=1", "facebook", "x:y", "\x00", "a;b", "a,b", "\r", "ä" * 300]


def _stats_csv(rng: random.Random) -> bytes:
    header = STATS_HEADER.split(",")
    if rng.random() < 0.1:
        header.pop(rng.randrange(len(header)))
    rows = []
    for _ in range(rng.randint(1, 4)):
        cells = STATS_ROW.split(",")
        for _ in range(rng.randint(1, 4)):
            cells[rng.randrange(len(cells))] = rng.choice(CELLS)
        rows.append(cells)
    delimiter = rng.choice([",", ",", ";", "\t"])
    text = "\n".join(delimiter.join(line) for line in [header, *rows]) + "\n"
    data = text.encode("utf-8")
    if rng.random() < 0.1:
        data = b"\xef\xbb\xbf" + data
    if rng.random() < 0.1:
        position = rng.randrange(len(data))
        data = data[:position] + b"\xff\xfe" + data[position:]
    return data


def test_fuzz_malformed_stats_csv(store_dir: Path, tmp_path: Path) -> None:
    csv = tmp_path / "statistik.csv"

    def case(rng: random.Random, number: int) -> list[str]:
        csv.write_bytes(_stats_csv(rng))
        return ["stats", "import", str(csv), *(["--dry-run"] if number % 2 else [])]

    _fuzz(300, store_dir, case)
