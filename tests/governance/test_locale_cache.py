"""The catalogue files' cache (governance.locale_cache): written where bytecode would be, read
only while its file is unchanged, and never trusted over the file when it is damaged."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from governance import i18n, locale_cache

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def catalogues(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of the catalogues, read by i18n, with the cache written under tmp_path/cache."""
    folder = tmp_path / "locale"
    shutil.copytree(REPO / "governance" / "locale", folder)
    monkeypatch.setattr(i18n, "_LOCALE_DIR", folder)
    monkeypatch.setattr(sys, "pycache_prefix", str(tmp_path / "cache"))
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    _forget()
    yield folder
    _forget()


def _forget() -> None:
    """What this process has read of the catalogues (the next look-up reads the files again)."""
    for cached in (i18n.catalogue, i18n._stems, i18n._part):
        cached.cache_clear()


def _parsed(path: Path) -> dict[str, str]:
    return i18n._parse(path)


def test_a_cached_file_reads_as_the_file_itself(catalogues: Path) -> None:
    source = catalogues / "sv" / "audit.toml"
    first = locale_cache.cached_messages(source, _parsed)
    assert locale_cache.cache_path(source).is_file()

    def refuse(path: Path) -> dict[str, str]:
        raise AssertionError(f"{path} parsed again")

    assert locale_cache.cached_messages(source, refuse) == first == _parsed(source)


def test_every_message_is_the_same_from_the_cache(catalogues: Path) -> None:
    parsed = {lang: dict(i18n.catalogue(lang)) for lang in i18n.LANGUAGES}
    _forget()
    assert {lang: dict(i18n.catalogue(lang)) for lang in i18n.LANGUAGES} == parsed
    cached = sorted(p.name for p in (catalogues.parent / "cache").rglob("*.marshal"))
    sources = sorted(p.name + locale_cache._SUFFIX for p in catalogues.glob("*/*.toml"))
    assert cached == sources


def test_a_changed_file_is_read_again(catalogues: Path) -> None:
    source = catalogues / "sv" / "core.toml"
    i18n.set_language("sv")
    before = i18n.t("cli.description")
    assert locale_cache.cache_path(source).is_file()
    _forget()
    text = source.read_text(encoding="utf-8")
    assert f'description = "{before}"' in text
    source.write_text(text.replace(before, "Ändrad text", 1), encoding="utf-8")
    info = source.stat()  # (a later time, even where the clock is coarse)
    os.utime(source, ns=(info.st_atime_ns, info.st_mtime_ns + 1_000_000_000))
    assert i18n.t("cli.description") == "Ändrad text"


def _framed(content: object) -> bytes:
    """A cache file holding ``content`` as this module frames it (a checksum that matches)."""
    import marshal
    import zlib

    body = marshal.dumps(content)
    return zlib.crc32(body).to_bytes(4, "big") + body


@pytest.mark.parametrize(
    "damage",
    [b"", b"\x00garbage", b"\x00\x00\x00\x00", None],  # None: well framed, of the wrong shape
)
def test_a_damaged_cache_is_ignored(catalogues: Path, damage: bytes | None) -> None:
    source = catalogues / "sv" / "audit.toml"
    expected = _parsed(source)
    info = source.stat()
    path = locale_cache.cache_path(source)
    path.parent.mkdir(parents=True, exist_ok=True)
    stamp = (info.st_mtime_ns, info.st_size)
    wrong = _framed((locale_cache.FORMAT, stamp, {"audit.x": 1}))
    path.write_bytes(damage if damage is not None else wrong)
    assert locale_cache.cached_messages(source, _parsed) == expected
    assert locale_cache._read(path, stamp) == expected  # rewritten whole


def test_a_changed_byte_anywhere_in_the_cache_is_never_believed(catalogues: Path) -> None:
    """One byte of the file changed (header, checksum, stamp, keys or texts), at every position
    with a random new value: the file is never read as messages, so the source is parsed."""
    import random

    source = catalogues / "sv" / "deadline.toml"
    locale_cache.cached_messages(source, _parsed)
    path = locale_cache.cache_path(source)
    good = path.read_bytes()
    info = source.stat()
    stamp = (info.st_mtime_ns, info.st_size)
    assert locale_cache._read(path, stamp) == _parsed(source)
    chance = random.Random(20261129)
    believed = []
    for position in range(len(good)):
        damaged = bytearray(good)
        damaged[position] ^= chance.randrange(1, 256)  # (never 0: the byte does change)
        path.write_bytes(bytes(damaged))
        if locale_cache._read(path, stamp) is not None:
            believed.append(position)
    assert len(good) > 100
    assert believed == []


def test_a_cache_of_another_format_is_parsed_again(
    catalogues: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = catalogues / "en" / "audit.toml"
    info = source.stat()
    stamp = (info.st_mtime_ns, info.st_size)
    path = locale_cache.cache_path(source)
    path.parent.mkdir(parents=True, exist_ok=True)
    planted = {"audit.rule.no-editors": "from an older parser"}
    parsed: list[Path] = []

    def parse(found: Path) -> dict[str, str]:
        parsed.append(found)
        return _parsed(found)

    for other in (locale_cache.FORMAT - 1, locale_cache.FORMAT + 1):
        path.write_bytes(_framed((other, stamp, planted)))
        parsed.clear()
        assert locale_cache.cached_messages(source, parse) == _parsed(source)
        assert parsed == [source]
    # The same file of this format is believed (so it is the version that was refused above).
    path.write_bytes(_framed((locale_cache.FORMAT, stamp, planted)))
    assert locale_cache.cached_messages(source, _parsed) == planted


def test_a_cache_of_the_layout_before_the_checksum_is_parsed_again(catalogues: Path) -> None:
    import marshal

    source = catalogues / "sv" / "core.toml"
    info = source.stat()
    stamp = (info.st_mtime_ns, info.st_size)
    path = locale_cache.cache_path(source)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(marshal.dumps((stamp, {"cli.description": "old"})))
    assert locale_cache.cached_messages(source, _parsed) == _parsed(source)


def test_nothing_is_written_where_bytecode_would_not_be(
    catalogues: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    i18n.set_language("sv")
    assert i18n.t("cli.description")
    assert not (catalogues.parent / "cache").exists()


def test_a_folder_that_cannot_be_written_is_no_error(
    catalogues: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = catalogues.parent / "blocked"
    blocker.write_text("a file where the cache folder would be")
    monkeypatch.setattr(sys, "pycache_prefix", str(blocker))
    source = catalogues / "en" / "audit.toml"
    assert locale_cache.cached_messages(source, _parsed) == _parsed(source)
    assert blocker.is_file()


def test_without_a_prefix_the_cache_lies_beside_the_file(tmp_path: Path) -> None:
    source = tmp_path / "sv" / "audit.toml"
    old = sys.pycache_prefix
    try:
        sys.pycache_prefix = None
        assert locale_cache.cache_path(source) == (
            tmp_path / "sv" / "__pycache__" / f"audit.toml{locale_cache._SUFFIX}"
        )
    finally:
        sys.pycache_prefix = old


def test_a_command_with_its_catalogues_cached_never_imports_tomllib(tmp_path: Path) -> None:
    probe = (
        "import contextlib, io, sys\n"
        "from kontokoll.cli.main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "    main(['--help'])\n"
        "print('tomllib' in sys.modules)\n"
    )
    env = {**os.environ, "PYTHONPYCACHEPREFIX": str(tmp_path / "cache")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    runs = [
        subprocess.run(
            [sys.executable, "-c", probe],
            capture_output=True,
            text=True,
            cwd=REPO,
            env=env,
            check=True,
        ).stdout.split()[-1]
        for _ in range(2)
    ]
    assert runs == ["True", "False"]  # parsed (and cached) once, then read from the cache
