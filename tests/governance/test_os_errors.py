"""The operating system's errors are told in the user's language, not the C library's English."""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from governance.i18n import current_language, set_language
from governance.os_errors import os_reason


@pytest.fixture
def english() -> Iterator[None]:
    before = current_language()
    set_language("en")
    yield
    set_language(before)


def _error_of(action: object) -> OSError:
    try:
        action()  # type: ignore[operator]
    except OSError as error:
        return error
    raise AssertionError("no error")


def test_a_missing_folder_is_told_in_swedish(tmp_path: Path) -> None:
    error = _error_of(lambda: (tmp_path / "new" / "deeper").mkdir())
    assert os_reason(error).startswith("det finns ingen fil eller mapp med det namnet")


def test_a_file_in_the_path_and_a_full_disk_in_english(tmp_path: Path, english: None) -> None:
    (tmp_path / "plain").write_text("x", encoding="utf-8")
    error = _error_of(lambda: (tmp_path / "plain" / "inner").mkdir())
    assert os_reason(error) == "part of the path is a file, not a folder"
    assert os_reason(OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))) == "the disk is full"


def test_an_uncommon_error_keeps_the_system_s_words() -> None:
    error = OSError(errno.EMFILE, os.strerror(errno.EMFILE))
    assert os_reason(error) == os.strerror(errno.EMFILE)
    assert os_reason(ValueError()) == "ValueError"
