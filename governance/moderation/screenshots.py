"""Reading a screenshot the user names: checked by content, bounded in size, opened safely.

A screenshot is a PNG, a JPEG or a PDF, whatever its name says: the first bytes decide (the
magic number) and a light structure check confirms it (a PNG's first chunk is its IHDR header of
13 bytes; a JPEG starts with SOI and ends with EOI; a PDF starts with ``%PDF-`` and has ``%%EOF``
near its end). At most :data:`MAX_BYTES` are read, and one more to tell a file that is too big,
so a hostile huge file (or ``/dev/zero``) is never loaded.

The path is opened without following a link (a link is refused, as for store files), never
blocks on a FIFO, and must be a regular file outside the data directory: a file of the store
itself is never "attached". ``-`` is standard input, which the command line reads
(:func:`read_screenshot_stream`) and hands over as bytes.

Where the process must not open a file on its user's say, a typed path is refused before
anything is looked up (:func:`refuse_path`), with one message whatever the path, so the refusal
tells nothing of what exists: in a browser session of ``kontokoll serve`` (every session's app
runs as the server's account) and in a service-account session (sudo; only ``-`` is allowed
there, :func:`governance.service_account.require_stream`).
"""

from __future__ import annotations

import hashlib
import os
import stat
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from governance import identity, service_account
from governance.errors import InputError
from governance.export_target import is_stream
from governance.i18n import t
from governance.os_errors import os_reason

MAX_BYTES = 10 * 1024 * 1024
MIME_TYPES = {"png": "image/png", "jpg": "image/jpeg", "pdf": "application/pdf"}
_PNG = b"\x89PNG\r\n\x1a\n"
_JPEG_SOI, _JPEG_EOI = b"\xff\xd8\xff", b"\xff\xd9"
_PDF, _PDF_EOF = b"%PDF-", b"%%EOF"
#: textual-serve starts every browser session's app with this driver (``TEXTUAL_DRIVER``).
WEB_DRIVER = "textual.drivers.web_driver:WebDriver"


@dataclass(frozen=True)
class Screenshot:
    """A checked screenshot: its bytes, type (``png``, ``jpg``, ``pdf``) and SHA-256."""

    data: bytes
    extension: str
    sha256: str

    @property
    def mime_type(self) -> str:
        return MIME_TYPES[self.extension]


def read_screenshot(path: Path, data_dir: Path) -> Screenshot:
    """The screenshot at ``path``, or InputError naming the file and what is wrong with it."""
    _refuse_inside(path, data_dir)
    return screenshot_of(_read_bounded(path), str(path))


def read_screenshot_stream(stream: BinaryIO) -> Screenshot:
    """The screenshot on ``stream`` (standard input): at most MAX_BYTES, and one more byte to
    tell a stream that is too big; an empty stream is refused."""
    label = t("moderation_input.stdin")
    chunks: list[bytes] = []
    size = 0
    while size <= MAX_BYTES:
        chunk = stream.read(min(1 << 20, MAX_BYTES + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    if size == 0:
        raise InputError("moderation_input.stdin_empty")
    if size > MAX_BYTES:
        raise InputError("moderation.error.screenshot_too_big", path=label, limit="10 MB")
    return screenshot_of(b"".join(chunks), label)


def screenshot_of(data: bytes, label: str) -> Screenshot:
    """``data`` as a checked screenshot; InputError naming ``label`` if it is no PNG/JPEG/PDF."""
    extension = kind_of(data)
    if extension is None:
        raise InputError("moderation.error.screenshot_type", path=label)
    return Screenshot(data, extension, hashlib.sha256(data).hexdigest())


def served_session() -> bool:
    """Whether this process is a browser session's app (``kontokoll serve``): its user may not
    have the server's account open files. A session behind the proxy carries the server's
    signed proof; every served app, with or without one, runs on textual-serve's web driver."""
    return (identity.session_identity() is not None
            or os.environ.get("TEXTUAL_DRIVER", "") == WEB_DRIVER)


def refuse_path(text: str, *, opens_paths: bool | None = None) -> None:
    """Refuse the typed screenshot path ``text`` where it must not be opened: always when
    ``opens_paths`` is False, in a served or service-account session when it is None. The
    served refusal is one message whatever the path: it tells nothing of the server's files."""
    if opens_paths is True:
        return
    if opens_paths is False or served_session():
        raise InputError("moderation_input.served_no_paths")
    if text and not is_stream(text):
        service_account.require_stream(text)


def kind_of(data: bytes) -> str | None:
    """``png``, ``jpg`` or ``pdf`` if ``data`` is one by its content, else None."""
    if data.startswith(_PNG):
        # The IHDR chunk comes first: length 13, type IHDR, then width and height (non-zero).
        if len(data) >= 33 and data[8:16] == b"\x00\x00\x00\x0dIHDR":
            width, height = struct.unpack(">II", data[16:24])
            if width and height:
                return "png"
        return None
    if data.startswith(_JPEG_SOI):
        return "jpg" if len(data) > 4 and data.rstrip(b"\x00").endswith(_JPEG_EOI) else None
    if data.startswith(_PDF):
        return "pdf" if _PDF_EOF in data[-1024:] else None
    return None


def _refuse_inside(path: Path, data_dir: Path) -> None:
    store = os.path.realpath(data_dir)
    if os.path.commonpath([store, os.path.realpath(path)]) == store:
        raise InputError("moderation.error.screenshot_in_store", path=str(path))


def _read_bounded(path: Path) -> bytes:
    """At most MAX_BYTES of a regular file, never through a link or blocking on a FIFO."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise InputError("error.file_not_found", path=str(path)) from None
    except OSError as error:
        if os.path.islink(path):
            raise InputError("moderation.error.screenshot_link", path=str(path)) from None
        detail = os_reason(error)
        raise InputError("moderation.error.screenshot_unreadable", path=str(path),
                         detail=detail) from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise InputError("moderation.error.screenshot_not_file", path=str(path))
        chunks: list[bytes] = []
        size = 0
        while size <= MAX_BYTES:
            chunk = os.read(fd, min(1 << 20, MAX_BYTES + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as error:
        detail = os_reason(error)
        raise InputError("moderation.error.screenshot_unreadable", path=str(path),
                         detail=detail) from None
    finally:
        os.close(fd)
    if size > MAX_BYTES:
        raise InputError("moderation.error.screenshot_too_big", path=str(path), limit="10 MB")
    return b"".join(chunks)
