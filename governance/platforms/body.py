"""Reading a response body with bounded memory, whatever the server sends.

A body is read as a raw stream and unpacked here, piece by piece, and given up as soon as what
was sent or what it unpacks to passes the limit (``Settings.max_response_bytes``): a huge body or
a compression bomb fails that one account instead of filling memory.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator

import httpx


class BodyRefused(Exception):
    """A response body that was not (fully) read: too large, or not unpackable."""

    def __init__(self, detail: str, *, too_large: bool = False) -> None:
        super().__init__(detail)
        self.detail = detail
        #: Refused for its size (not for a broken encoding): a Graph batch is then sent again
        #: in halves, so that only a call whose own answer is too large fails.
        self.too_large = too_large


#: Most bytes one unpacking step produces at once, so that a gzip bomb is never unpacked whole.
_PIECE = 64 * 1024


class _Unpacker:
    """One ``Content-Encoding`` step (gzip or deflate), giving at most :data:`_PIECE` at a time.

    httpx's own decoders unpack a whole network chunk at once, and a 64 KB chunk of a gzip bomb
    is 64 MB unpacked: that is why the body is read raw and unpacked here.
    """

    def __init__(self, encoding: str) -> None:
        self._encoding = encoding
        # gzip: a gzip header; deflate: a zlib header, or (as some servers send it) raw deflate.
        wbits = zlib.MAX_WBITS | 16 if encoding == "gzip" else zlib.MAX_WBITS
        self._inflate = zlib.decompressobj(wbits)
        self._started = False

    def feed(self, data: bytes) -> Iterator[bytes]:
        if not self._started and data and self._encoding == "deflate":
            self._started = True
            try:
                self._inflate.copy().decompress(data[:2])
            except zlib.error:
                self._inflate = zlib.decompressobj(-zlib.MAX_WBITS)
        # Keep asking while input is left or the last piece came out full: zlib may still hold
        # output for input it has already taken.
        while True:
            try:
                piece = self._inflate.decompress(data, _PIECE)
            except zlib.error:
                raise BodyRefused(f"body is not valid {self._encoding}") from None
            data = self._inflate.unconsumed_tail
            if piece:
                yield piece
            if not data and len(piece) < _PIECE:
                return


def _unpackers(headers: httpx.Headers) -> list[_Unpacker]:
    """The unpacking steps of a response, in the order to apply them.

    Unknown encodings (we ask only for gzip and deflate) are left as they are, as httpx does;
    such a body is then not JSON and fails as malformed.
    """
    named = [e.strip().lower() for e in headers.get("content-encoding", "").split(",")]
    return [_Unpacker(e) for e in reversed(named) if e in ("gzip", "deflate")]


def _through(steps: list[_Unpacker], data: bytes) -> Iterator[bytes]:
    """``data`` passed through every step, piece by piece (a step never sees more than a piece)."""
    if not steps:
        yield data
        return
    for piece in steps[0].feed(data):
        yield from _through(steps[1:], piece)


async def read_body(response: httpx.Response, limit: int) -> bytes:
    """The whole unpacked body, or :class:`BodyRefused` once it (or what was sent) passes
    ``limit`` bytes; memory stays near ``limit`` whatever the server sends."""
    declared = response.headers.get("content-length", "").strip()
    if declared.isascii() and declared.isdigit() and int(declared) > limit:
        raise BodyRefused(f"response larger than {_size(limit)} (Content-Length {declared})",
                           too_large=True)
    if response.is_stream_consumed:
        # Built in memory with its content (a test's mock): httpx has already read and unpacked
        # it, so there is nothing left to bound, only to measure.
        if len(response.content) > limit:
            raise BodyRefused(f"response larger than {_size(limit)}", too_large=True)
        return response.content
    steps = _unpackers(response.headers)
    pieces: list[bytes] = []
    received = size = 0
    async for raw in response.aiter_raw():
        received += len(raw)
        if received > limit:  # sent packed but still too large (Content-Length absent or false)
            raise BodyRefused(f"response larger than {_size(limit)}", too_large=True)
        for piece in _through(steps, raw) if steps else (raw,):
            size += len(piece)
            if size > limit:
                raise BodyRefused(f"response larger than {_size(limit)}", too_large=True)
            pieces.append(piece)
    return pieces[0] if len(pieces) == 1 else b"".join(pieces)


def _size(limit: int) -> str:
    mb = limit / (1 << 20)
    return f"{mb:g} MB" if mb >= 1 else f"{limit} bytes"
