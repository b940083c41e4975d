"""What an adversarial tester found in the moderation register, each pinned by its outcome:
screenshots from standard input, paths refused in a served session, damaged records reported
(never a traceback), retention only for those who may change records, and the registry's forms
of a diarienummer."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from governance import access, doctor
from governance.access import load_users
from governance.errors import AccessRefused, FieldError, InputError, StoreCorrupt, StoreUnsafe
from governance.moderation.demo import tiny_png
from governance.moderation.records import parse_diarienummer
from governance.moderation.screenshots import MAX_BYTES, WEB_DRIVER, read_screenshot_stream
from governance.moderation.service import ModerationService
from governance.storage.layout import MODERATION_RECORDS, screenshot_file
from governance.store import Store, read_change_log
from tests.governance.moderation_support import (
    ME,
    NOW,
    deletion,
    png_file,
    seed,
    service,
    sha,
    store_files,
)

SERVED_NOTE = "kontokoll moderation record"  # the served refusal says how to do it instead


# --- standard input ------------------------------------------------------------------------


class _Endless(io.RawIOBase):
    """A stream that never ends (``/dev/zero`` behind a pipe), counting what was read of it."""

    def __init__(self) -> None:
        self.given = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        view = memoryview(buffer)
        view[:] = b"\x89" * len(view)
        self.given += len(view)
        return len(view)


def test_a_stream_is_read_at_most_ten_megabytes_and_one_byte() -> None:
    endless = _Endless()
    with pytest.raises(InputError) as refused:
        read_screenshot_stream(endless)  # type: ignore[arg-type]
    assert "större än 10 MB" in str(refused.value)
    assert endless.given == MAX_BYTES + 1


def test_a_stream_is_checked_by_its_content_and_an_empty_one_is_refused() -> None:
    shot = read_screenshot_stream(io.BytesIO(tiny_png(3)))
    assert shot.extension == "png" and shot.data == tiny_png(3)
    with pytest.raises(InputError, match="Standard in är tom"):
        read_screenshot_stream(io.BytesIO(b""))
    with pytest.raises(InputError, match=r"standard in .*PNG-, JPEG- eller PDF"):
        read_screenshot_stream(io.BytesIO(b"GIF89a not a screenshot"))


def test_bytes_given_for_dash_are_stored_as_the_screenshot(store: Store) -> None:
    seed(store)
    with_bytes = replace(deletion(None, screenshot="-"), screenshot_data=tiny_png(5))
    saved = service(store).record(with_bytes)
    assert saved.screenshot is not None
    stored = store.data_dir / screenshot_file(saved.screenshot.sha256, "png")
    assert stored.read_bytes() == tiny_png(5)


def test_dash_without_bytes_is_refused_outside_the_command_line(store: Store) -> None:
    seed(store)
    before = store_files(store.data_dir)
    with pytest.raises(FieldError, match="kommandoraden"):
        service(store).record(deletion(None, screenshot="-"))
    assert store_files(store.data_dir) == before


# --- a served session opens no path ----------------------------------------------------------


def _served_refusal(store: Store, path: str, opens_paths: bool | None = None) -> str:
    as_served = ModerationService(store, user=ME, clock=lambda: NOW, opens_paths=opens_paths)
    with pytest.raises(InputError) as refused:
        as_served.record(deletion(None, screenshot=path))
    return str(refused.value)


def test_a_served_session_refuses_every_path_with_one_message(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(store)
    image = png_file(tmp_path)
    not_image = tmp_path / "notes.txt"
    not_image.write_text("hemligt")
    unreadable = tmp_path / "locked.png"
    unreadable.write_bytes(tiny_png(2))
    unreadable.chmod(0)
    before = store_files(store.data_dir)
    monkeypatch.setenv("TEXTUAL_DRIVER", WEB_DRIVER)  # what textual-serve gives each session
    paths = [str(image), str(tmp_path / "missing.png"), str(not_image), str(unreadable),
             "/etc/shadow", "-", ""]  # "": a deletion without one is pointed the same way
    messages = {_served_refusal(store, path) for path in paths}
    assert len(messages) == 1
    [message] = messages
    assert SERVED_NOTE in message and "--screenshot -" in message
    assert str(tmp_path) not in message
    assert store_files(store.data_dir) == before
    hidden = ModerationService(store, user=ME, clock=lambda: NOW).record(
        deletion(None, action="hide", screenshot=""))  # a hide needs no screenshot: still fine
    assert hidden.action == "hide"


def test_the_flag_refuses_without_the_environment_and_allows_when_set(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(store)
    image = png_file(tmp_path)
    assert SERVED_NOTE in _served_refusal(store, str(image), opens_paths=False)
    monkeypatch.setenv("TEXTUAL_DRIVER", WEB_DRIVER)
    allowed = ModerationService(store, user=ME, clock=lambda: NOW, opens_paths=True)
    assert allowed.record(deletion(image)).screenshot is not None


# --- damaged records -------------------------------------------------------------------------


def _recorded_with_number(store: Store, tmp_path: Path) -> str:
    saved = service(store).record(deletion(png_file(tmp_path)))
    service(store).mark_sent(saved.id)
    service(store).set_diarienummer(saved.id, "KS 2026/01234")
    return saved.id


def _damage(store: Store, record_id: str, change: dict[str, object], drop: str = "") -> None:
    path = store.data_dir / MODERATION_RECORDS
    data = json.loads(path.read_text("utf-8"))
    [doc] = [d for d in data["records"].values() if d["id"] == record_id]
    doc.update(change)
    doc.pop(drop, None)
    path.write_text(json.dumps(data), "utf-8")


DAMAGE = [
    ({"screenshot": {"sha256": "zz", "extension": "png", "size": 69, "deleted_at": None}}, "",
     "screenshot.sha256"),
    ({"action": "censor"}, "", "action"),
    ({"at": "yesterday"}, "", "at"),
    ({}, "id", "id"),
    ({"notified": "ja"}, "", "notified"),
    ({"diarienummer_at": "9999-12-31T23:59:00+00:00"}, "", "diarienummer_at"),
    ({"screenshot": {"sha256": "a" * 64, "extension": "exe", "size": 1, "deleted_at": None}}, "",
     "screenshot.extension"),
    ({"note": "hej \u202e \x1b[2J"}, "", "note"),  # would reach the terminal and the mail
    ({"diarienummer": "KS " + "1" * 5000}, "", "diarienummer"),
]


@pytest.mark.parametrize(("change", "drop", "field"), DAMAGE)
def test_a_damaged_record_is_the_stores_damaged_file_message_and_doctor_names_it(
    store: Store, tmp_path: Path, change: dict[str, object], drop: str, field: str
) -> None:
    seed(store)
    (store.data_dir / "settings.toml").write_text("[moderation]\nkeep_screenshots_days = 0\n")
    (store.data_dir / "settings.toml").chmod(0o600)
    record_id = _recorded_with_number(store, tmp_path)
    _damage(store, record_id, change, drop)
    before = store_files(store.data_dir)
    for command in (lambda: service(store).records(), lambda: service(store).retain(),
                    lambda: service(store).retain(required=True)):
        with pytest.raises(StoreCorrupt) as damaged:
            command()
        message = str(damaged.value)
        assert str(store.data_dir / MODERATION_RECORDS) in message and field in message
        assert (record_id if drop != "id" else "#") in message
    assert store_files(store.data_dir) == before
    problems = [str(p) for p in doctor.check(store.data_dir)]
    [problem] = [p for p in problems if MODERATION_RECORDS in p]
    assert f"fältet {field}:" in problem and (record_id if drop != "id" else "#") in problem


def test_doctor_reports_every_damaged_record_not_only_the_first(
    store: Store, tmp_path: Path
) -> None:
    seed(store)
    first = service(store).record(deletion(png_file(tmp_path)))
    second = service(store).record(deletion(png_file(tmp_path, "b.png", 9)))
    _damage(store, first.id, {"action": "censor"})
    _damage(store, second.id, {"notified": "ja"})
    problems = [str(p) for p in doctor.check(store.data_dir) if MODERATION_RECORDS in str(p)]
    assert len(problems) == 2
    assert any(first.id in p and "action" in p for p in problems)
    assert any(second.id in p and "notified" in p for p in problems)


def test_doctor_reports_a_store_file_hard_linked_from_outside(
    store: Store, tmp_path: Path
) -> None:
    seed(store)
    assert doctor.check(store.data_dir) == []
    core = store.data_dir / "register" / "core.json"
    (tmp_path / "x.html").hardlink_to(core)
    with pytest.raises(StoreUnsafe) as refused, Store(store.data_dir).read() as txn:
        load_users(txn)  # what every command meets
    problems = [str(p) for p in doctor.check(store.data_dir)]
    [problem] = [p for p in problems if str(core) in p]
    assert "hård länk" in problem and "hård länk" in str(refused.value)


# --- retention only for those who may change records ------------------------------------------


def _expired_deletion(store: Store, tmp_path: Path) -> tuple[str, Path]:
    seed(store)
    (store.data_dir / "settings.toml").write_text("[moderation]\nkeep_screenshots_days = 0\n")
    (store.data_dir / "settings.toml").chmod(0o600)
    shot = png_file(tmp_path)
    saved = service(store).record(deletion(shot))
    service(store).mark_sent(saved.id)
    service(store).set_diarienummer(saved.id, "KS 2026/01234")  # now due, with 0 days to keep
    return saved.id, store.data_dir / screenshot_file(sha(shot), "png")


def test_a_viewers_read_deletes_nothing(store: Store, tmp_path: Path) -> None:
    record_id, file = _expired_deletion(store, tmp_path)
    before = store_files(store.data_dir)
    later = NOW + timedelta(days=1)
    assert [i.record.id for i in service(store, "olle", later).records()] == [record_id]
    assert service(store, "olle", later).retain() == 0
    assert store_files(store.data_dir) == before and file.exists()
    with pytest.raises(AccessRefused, match="registrera modereringar"):
        service(store, "olle", later).retain(required=True)
    assert file.exists()


def test_a_lead_expires_only_their_own_departments_screenshots(
    store: Store, tmp_path: Path
) -> None:
    record_id, file = _expired_deletion(store, tmp_path)
    later = NOW + timedelta(days=1)
    from governance.people import People

    People(store, user=ME, clock=lambda: NOW).add_user("miljo-lead", "lead", ["Miljöförvaltningen"])
    assert service(store, "miljo-lead", later).retain() == 0 and file.exists()
    assert service(store, "lena", later).retain() == 1  # lena leads Kultur, whose record it is
    assert not file.exists()
    with store.read() as txn:
        [entry] = [e for e in read_change_log(txn) if e.action == "moderation-screenshot-deleted"]
    assert (entry.user, entry.new) == ("lena", record_id)


def test_the_retention_command_needs_the_right_to_change_every_record(
    store: Store, tmp_path: Path
) -> None:
    _record_id, file = _expired_deletion(store, tmp_path)
    later = NOW + timedelta(days=1)
    with pytest.raises(AccessRefused):
        service(store, "lena", later).retain(required=True)  # a lead: only some records
    assert file.exists()
    assert service(store, ME, later).retain(required=True) == 1
    assert not file.exists()


# --- messages --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    ["KS 2026/01234", "KS 2026/01234:3", "2026/01234", "2026/01234:12", "KS2026-1234",
     "SBF 2025/123-2"],
)
def test_the_registrys_usual_forms_of_a_diarienummer_are_accepted(number: str) -> None:
    assert parse_diarienummer(number) == number


@pytest.mark.parametrize("number", ["inget nummer", "2026", "KS 2026/", "KS 2026/01234:", "ks"])
def test_what_is_no_diarienummer_is_still_refused(number: str) -> None:
    with pytest.raises(FieldError):
        parse_diarienummer(number)


def test_a_role_refusal_names_the_action_in_words_and_the_log_keeps_the_id(
    store: Store, tmp_path: Path
) -> None:
    seed(store)
    with pytest.raises(AccessRefused) as refused:
        service(store, "olle").record(deletion(png_file(tmp_path)))
    assert "registrera modereringar" in str(refused.value)
    assert access.RECORD_MODERATION not in str(refused.value)
    assert refused.value.action == access.RECORD_MODERATION
    with store.read() as txn:
        [entry] = [e for e in read_change_log(txn) if e.action == "refused"]
    assert entry.field == access.RECORD_MODERATION
