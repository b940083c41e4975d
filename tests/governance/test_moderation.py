"""The moderation register's service: records, screenshots, refusals that store nothing, roles."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from governance.errors import AccessRefused, FieldError, InputError
from governance.moderation.records import ACTIONS
from governance.moderation.screenshots import MAX_BYTES, kind_of
from governance.people import People
from governance.register import Register
from governance.storage.layout import MANIFEST, screenshot_file
from governance.store import Store, read_change_log, repos
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


def test_a_deletion_is_stored_with_its_screenshot_by_checksum(store: Store, tmp_path: Path) -> None:
    seed(store)
    shot = png_file(tmp_path)
    record = service(store).record(deletion(shot))
    assert len(record.id) == 8 and int(record.id, 16) >= 0
    assert record.screenshot is not None and record.screenshot.sha256 == sha(shot)
    stored = store.data_dir / screenshot_file(sha(shot), "png")
    assert stored.read_bytes() == shot.read_bytes()
    assert oct(stored.stat().st_mode & 0o777) == oct(0o600)  # the store's permissions
    assert screenshot_file(sha(shot), "png") in (store.data_dir / MANIFEST).read_text()
    with store.read() as txn:
        doc = repos(txn).moderation.get(record.id)
    assert doc is not None and doc["reason"] == "hot" and doc["recorded_by"] == ME
    assert doc["at"] == "2026-11-03T14:00:00+01:00"  # no offset given: Stockholm time
    assert "name" not in doc and "commenter" not in doc  # never a field for the writer
    entry = read_change_log_of(store)[-1]
    assert (entry.action, entry.account, entry.new) == (
        "moderation-recorded", "facebook:kultur", f"{record.id} delete hot")


def read_change_log_of(store: Store) -> list:  # type: ignore[type-arg]
    with store.read() as txn:
        return read_change_log(txn)


def test_a_hide_needs_no_screenshot_and_ids_are_unique(store: Store) -> None:
    seed(store)
    svc = service(store)
    ids = {svc.record(deletion(None, action="hide", reason="spam")).id for _ in range(20)}
    assert len(ids) == 20
    assert [listed.ref for listed in svc.records("facebook:kultur")] == ["facebook:kultur"] * 20


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"screenshot": ""}, "screenshot", "ska skärmdumpas"),
        ({"action": "radera"}, "action", "radera"),
        ({"reason": "elakt"}, "reason", "elakt"),
        ({"reason": "annat", "note": ""}, "note", "kräver en anteckning"),
        ({"note": "Skrevs av kalle@example.com"}, "note", "e-postadress"),
        ({"note": "Skrevs av kalle＠example．com"}, "note", "e-postadress"),
        ({"note": "Skrevs av kalle%40example.com"}, "note", "e-postadress"),
        ({"note": "fult\x1b[2J"}, "note", "\\x1b"),
        ({"comment_id": "12 34"}, "comment_id", "kommentars-id"),
        ({"at": "2026-11-05T10:00"}, "at", "framtiden"),
        ({"at": "0001-01-01T00:00"}, "at", "2000"),
        ({"at": "2000-01-01T00:30+14:00"}, "at", "2000"),  # a moment of 1999
        ({"at": "2026-03-29T02:30"}, "at", "sommartiden"),  # Stockholm skips 02:00-03:00
        ({"at": "igår"}, "at", "igår"),
        ({"notified": "kanske"}, "notified", "kanske"),
    ],
)
def test_every_bad_field_is_refused_by_name_and_nothing_is_stored(
    store: Store, tmp_path: Path, changes: dict[str, str], field: str, words: str
) -> None:
    seed(store)
    before = store_files(store.data_dir)
    with pytest.raises(FieldError) as refused:
        service(store).record(deletion(png_file(tmp_path), **changes))
    assert refused.value.field == field and words in str(refused.value)
    assert store_files(store.data_dir) == before


def test_an_unknown_account_is_refused(store: Store, tmp_path: Path) -> None:
    seed(store)
    before = store_files(store.data_dir)
    with pytest.raises(InputError, match="facebook:finnsinte"):
        service(store).record(deletion(png_file(tmp_path), account="facebook:finnsinte"))
    assert store_files(store.data_dir) == before


def _bad_screenshot(store: Store, path: Path, words: str) -> None:
    before = store_files(store.data_dir)
    with pytest.raises(InputError, match=words) as refused:
        service(store).record(deletion(path))
    assert str(path) in str(refused.value)
    assert store_files(store.data_dir) == before


def test_a_screenshot_is_judged_by_content_not_by_name(store: Store, tmp_path: Path) -> None:
    seed(store)
    fake = tmp_path / "shot.png"
    fake.write_bytes(b"GIF89a" + b"\0" * 64)
    _bad_screenshot(store, fake, "PNG-, JPEG- eller PDF-fil")
    truncated = tmp_path / "half.png"
    truncated.write_bytes(png_file(tmp_path, "whole.png").read_bytes()[:20])  # no IHDR left
    _bad_screenshot(store, truncated, "PNG-, JPEG- eller PDF-fil")
    no_eoi = tmp_path / "shot.jpg"
    no_eoi.write_bytes(b"\xff\xd8\xff\xe0" + b"\x10" * 100)
    _bad_screenshot(store, no_eoi, "PNG-, JPEG- eller PDF-fil")


def test_jpeg_and_pdf_are_accepted_by_their_structure(store: Store, tmp_path: Path) -> None:
    seed(store)
    jpeg = tmp_path / "skärmdump.bin"
    jpeg.write_bytes(b"\xff\xd8\xff\xe0" + b"\x10" * 100 + b"\xff\xd9")
    pdf = tmp_path / "skärmdump.png"  # a PDF, whatever the name says
    pdf.write_bytes(b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n")
    assert service(store).record(deletion(jpeg)).screenshot.extension == "jpg"  # type: ignore[union-attr]
    assert service(store).record(deletion(pdf)).screenshot.extension == "pdf"  # type: ignore[union-attr]
    assert kind_of(b"%PDF-1.7 no end") is None


def test_too_big_a_screenshot_is_refused_without_reading_it_all(
    store: Store, tmp_path: Path
) -> None:
    seed(store)
    big = png_file(tmp_path, "big.png")
    with big.open("ab") as handle:  # a sparse file: 10 MB + 1 byte past the PNG's start
        handle.truncate(MAX_BYTES + 1)
    _bad_screenshot(store, big, "större än 10 MB")
    exact = png_file(tmp_path, "exact.jpg")
    exact.write_bytes(b"\xff\xd8\xff\xe0" + b"\0" * (MAX_BYTES - 6) + b"\xff\xd9")
    assert service(store).record(deletion(exact)).screenshot.size == MAX_BYTES  # type: ignore[union-attr]


def test_links_folders_fifos_and_store_files_are_refused(store: Store, tmp_path: Path) -> None:
    seed(store)
    link = tmp_path / "link.png"
    link.symlink_to(png_file(tmp_path))
    _bad_screenshot(store, link, "symbolisk länk")
    folder = tmp_path / "mapp.png"
    folder.mkdir()
    _bad_screenshot(store, folder, "ingen vanlig fil")
    fifo = tmp_path / "fifo.png"
    os.mkfifo(fifo)
    _bad_screenshot(store, fifo, "ingen vanlig fil")  # refused, never waited on
    inside = png_file(store.data_dir, "planted.png")
    _bad_screenshot(store, inside, "datamapp")
    _bad_screenshot(store, store.data_dir / "register" / ".." / "store.json", "datamapp")
    _bad_screenshot(store, tmp_path / "finns-inte.png", "Hittar inte")
    _bad_screenshot(store, Path("/dev/zero"), "ingen vanlig fil")


def test_roles_lead_for_own_department_admin_for_all_viewer_reads(
    store: Store, tmp_path: Path
) -> None:
    seed(store)
    shot = png_file(tmp_path)
    mine = service(store, "lena").record(deletion(shot))
    with pytest.raises(AccessRefused):
        service(store, "lena").record(deletion(shot, account="facebook:miljo"))
    theirs = service(store).record(deletion(shot, account="facebook:miljo"))  # admin
    with pytest.raises(AccessRefused):
        service(store, "olle").record(deletion(shot))
    assert {i.record.id for i in service(store, "olle").records()} == {mine.id, theirs.id}
    with pytest.raises(AccessRefused):
        service(store, "olle").set_diarienummer(mine.id, "KS 2026/1")
    with pytest.raises(AccessRefused):
        service(store, "lena").registration(theirs.id)
    with pytest.raises(AccessRefused):
        service(store, "lena").set_diarienummer(theirs.id, "KS 2026/1")
    assert service(store, "lena").registration(mine.id).screenshot == shot.read_bytes()
    service(store, "lena").mark_sent(mine.id)
    assert service(store, "lena").set_diarienummer(mine.id, "KS 2026/1").diarienummer == "KS 2026/1"
    refusals = [e for e in read_change_log_of(store) if e.action == "refused"]
    assert {e.field for e in refusals} == {"moderation.record", "moderation.register"}


def test_diarienummer_is_checked_and_a_record_named_by_its_id(store: Store) -> None:
    seed(store)
    record = service(store).record(deletion(None, action="hide"))
    for bad in ("", "hej", "KS 2026/01234\x00", "x" * 50):
        with pytest.raises(FieldError):
            service(store).set_diarienummer(record.id, bad)
    with pytest.raises(InputError, match="inget modererings-id"):
        service(store).get("../../etc")
    with pytest.raises(InputError, match="ingen moderering med id 00000000"):
        service(store).get("00000000")
    assert service(store).get(record.id.upper()).record.id == record.id


def test_actions_of_the_cli_and_the_records_agree() -> None:
    from kontokoll.cli.moderation import ACTIONS as CLI_ACTIONS

    assert CLI_ACTIONS == ACTIONS


def test_kcs_lead_moderates_where_kc_handles_the_comments(store: Store, tmp_path: Path) -> None:
    """The audit makes removal-unregistered KC's on an account whose comments KC handles
    (audits.responsibility): KC's lead must then be able to record and register there, and only
    there (and the department's own lead still may: the account is theirs)."""
    seed(store)
    register = Register(store, user=ME, clock=lambda: NOW)
    register.add_department("Kontaktcenter")
    register.update_account("facebook:kultur", kc_handles_comments=True)
    People(store, user=ME, clock=lambda: NOW).add_user("kim", "lead", ["Kontaktcenter"])
    shot = png_file(tmp_path)
    handled = service(store, "kim").record(deletion(shot))
    service(store, "kim").mark_sent(handled.id)
    assert service(store, "kim").get(handled.id).record.sent_at is not None
    with pytest.raises(AccessRefused):
        service(store, "kim").record(deletion(shot, account="facebook:miljo"))
    assert service(store, "lena").record(deletion(shot)).recorded_by == "lena"
