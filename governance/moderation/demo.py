"""The demo's moderation register: one of each case the routine and its rules know.

A hide, a deletion registered on time with its diarienummer, one sent late, and one not sent at
all (so the demo's audit shows ``removal-unregistered``). The screenshot is a 1x1 PNG made here.
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from datetime import datetime, timedelta

from governance.moderation.requests import ParsedRequest
from governance.moderation.screenshots import Screenshot
from governance.moderation.service import ModerationService
from governance.store import Store

#: The demo accounts moderated, by ``PLATFORM:HANDLE``.
DEMO_MODERATED = ("facebook:helsingborgsstad", "instagram:helsingborgsstad")


def tiny_png(seed: int = 0) -> bytes:
    """A valid 1x1 PNG (its one pixel's colour is ``seed``, so the checksums differ)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixel = zlib.compress(bytes([0, seed % 256, 0, 0]))
    body = chunk(b"IHDR", header) + chunk(b"IDAT", pixel) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + body


def seed_demo_moderation(store: Store, now: datetime, accounts: set[str]) -> None:
    """Record the demo's moderation cases on the first of DEMO_MODERATED in ``accounts``."""
    ref = next((r for r in DEMO_MODERATED if r in accounts), None)
    if ref is None:
        return

    def service(at: datetime) -> ModerationService:
        return ModerationService(store, clock=lambda: at)

    def deletion(days_ago: int, reason: str, seed: int) -> str:
        data = tiny_png(seed)
        shot = Screenshot(data, "png", hashlib.sha256(data).hexdigest())
        at = now - timedelta(days=days_ago)
        parsed = ParsedRequest(ref, "delete", reason, at, shot, f"demo_{seed}", True, "")
        return service(at + timedelta(minutes=10)).record_parsed(parsed).id

    on_time = deletion(20, "personangrepp", 1)
    service(now - timedelta(days=20, hours=-1)).mark_sent(on_time)
    service(now - timedelta(days=15)).set_diarienummer(on_time, "KS 2026/00117")
    late = deletion(14, "hot", 2)
    service(now - timedelta(days=7)).mark_sent(late)
    deletion(6, "rasism", 3)  # never sent: removal-unregistered
    hide = ParsedRequest(ref, "hide", "spam", now - timedelta(days=2), None, "", None,
                         "Samma länk i flera kommentarer.")
    service(now - timedelta(days=2)).record_parsed(hide)
