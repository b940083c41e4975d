"""Shared pieces of the moderation tests: a register with two departments, screenshots, a snapshot
of the store's files to prove that a refusal changed nothing."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

from governance.identity import current_login
from governance.moderation.demo import tiny_png
from governance.moderation.requests import RecordRequest
from governance.moderation.service import ModerationService
from governance.people import People
from governance.register import Register
from governance.store import Store

KULTUR, MILJO = "Kulturförvaltningen", "Miljöförvaltningen"
ME = current_login()
#: Wednesday 4 November 2026, 10:00 Stockholm (09:00 UTC).
NOW = datetime(2026, 11, 4, 9, 0, tzinfo=UTC)


def seed(store: Store, *, users: bool = True) -> None:
    """Two accounts (Kultur, Miljö); with ``users``: ME admin, lena lead of Kultur, olle viewer."""
    register = Register(store, user=ME, clock=lambda: NOW)
    register.create_account({"platform": "facebook", "handle": "kultur", "department": KULTUR})
    register.create_account({"platform": "facebook", "handle": "miljo", "department": MILJO})
    if users:
        people = People(store, user=ME, clock=lambda: NOW)
        people.add_user(ME, "admin")
        people.add_user("lena", "lead", [KULTUR])
        people.add_user("olle", "viewer")


def service(store: Store, user: str = ME, now: datetime = NOW) -> ModerationService:
    return ModerationService(store, user=user, clock=lambda: now)


def png_file(folder: Path, name: str = "shot.png", seed_value: int = 7) -> Path:
    path = folder / name
    path.write_bytes(tiny_png(seed_value))
    return path


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def deletion(shot: Path | None, account: str = "facebook:kultur", **changes: str) -> RecordRequest:
    values = {"account": account, "action": "delete", "reason": "hot",
              "at": "2026-11-03T14:00", "screenshot": str(shot) if shot else "",
              "comment_id": "123_456", "notified": "ja", "note": "Hot mot handläggare"}
    values.update(changes)
    return RecordRequest(**values)


def store_files(data_dir: Path) -> dict[str, bytes]:
    """Every file of the store (not the lock), by relative path: equal before and after means
    nothing changed."""
    return {
        p.relative_to(data_dir).as_posix(): p.read_bytes()
        for p in sorted(data_dir.rglob("*"))
        if p.is_file() and not p.is_symlink() and p.name != ".lock" and "snapshots" not in p.parts
    }


def luhn_digit(nine: str) -> str:
    """The check digit a personnummer's first nine digits call for (the Luhn algorithm)."""
    total = 0
    for position, char in enumerate(nine):
        product = int(char) * (2 if position % 2 == 0 else 1)
        total += product // 10 + product % 10
    return str((10 - total % 10) % 10)
