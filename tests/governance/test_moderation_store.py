"""Screenshots in the store: retention, forget, backup and restore, doctor, a crash mid-commit."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from governance import doctor
from governance.backup import Backups
from governance.errors import InputError, StoreCorrupt, StoreFileMissing
from governance.moderation.service import ModerationService
from governance.people import People
from governance.register import Register
from governance.storage import transactions
from governance.storage.layout import JOURNAL, MANIFEST, screenshot_file
from governance.store import Store, read_change_log, repos
from tests.governance.moderation_support import ME, NOW, deletion, png_file, seed, service, sha


def _settings(store: Store, text: str) -> None:
    (store.data_dir / "settings.toml").write_text(text, "utf-8")
    (store.data_dir / "settings.toml").chmod(0o600)


def test_a_screenshot_is_deleted_keep_days_after_its_diarienummer(
    store: Store, tmp_path: Path
) -> None:
    seed(store)
    _settings(store, "[moderation]\nkeep_screenshots_days = 30\n")
    shot = png_file(tmp_path)
    rel = screenshot_file(sha(shot), "png")
    kept = service(store).record(deletion(shot))
    shared = service(store).record(deletion(shot))  # the same image, never registered
    registered_at = NOW + timedelta(days=1)
    service(store, now=registered_at).mark_sent(kept.id)
    service(store, now=registered_at).set_diarienummer(kept.id, "KS 2026/01234")
    assert service(store, now=registered_at + timedelta(days=29, hours=23)).retain() == 0
    assert (store.data_dir / rel).exists()
    day_30 = registered_at + timedelta(days=30)
    assert service(store, now=day_30).retain() == 1
    after = service(store, now=day_30).get(kept.id).record
    assert after.screenshot is not None and after.screenshot.sha256 == sha(shot)  # checksum stays
    assert after.screenshot.deleted_at == day_30
    assert (store.data_dir / rel).exists()  # the unregistered record still keeps the file
    service(store, now=day_30).mark_sent(shared.id)
    service(store, now=day_30).set_diarienummer(shared.id, "KS 2026/01235")
    later = day_30 + timedelta(days=30)
    assert service(store, now=later).records()  # any moderation command runs the retention
    assert not (store.data_dir / rel).exists()
    assert rel not in (store.data_dir / MANIFEST).read_text()
    with store.read() as txn:
        deleted = [e for e in read_change_log(txn) if e.action == "moderation-screenshot-deleted"]
    assert [e.new for e in deleted] == [kept.id, shared.id]
    assert service(store, now=later).registration(kept.id, resend=True).screenshot is None
    assert doctor.check(store.data_dir) == []


def test_a_bad_moderation_setting_is_named(store: Store, tmp_path: Path) -> None:
    seed(store)
    _settings(store, "[moderation]\nkeep_screenshots_days = -1\n")
    with pytest.raises(InputError, match=r"moderation\.keep_screenshots_days"):
        service(store).record(deletion(png_file(tmp_path)))
    _settings(store, '[moderation]\nregistry = "inte en adress"\n')
    with pytest.raises(InputError, match=r"moderation\.registry"):
        service(store).records()


def test_forget_covers_notes_and_the_recorders_login(store: Store, tmp_path: Path) -> None:
    register = Register(store, user=ME, clock=lambda: NOW)
    account = register.create_account({"platform": "facebook", "handle": "kultur",
                                       "department": "Kulturförvaltningen"})
    register.add_editor(account.id, "Anna Berg <anna@hbg.se>")
    pdf = tmp_path / "shot.pdf"  # a screenshot showing the address is an image, not rewritten
    pdf.write_bytes(b"%PDF-1.7\n(anna@hbg.se)\n%%EOF\n")
    as_anna = ModerationService(store, user="anna@hbg.se", clock=lambda: NOW)
    record = as_anna.record(deletion(pdf, note="Påhopp på Anna Berg i tråden"))
    report = People(store, user=ME, clock=lambda: NOW).forget("anna@hbg.se")
    after = service(store).get(record.id).record
    assert "Anna Berg" not in after.note and report.pseudonym in after.note
    assert after.recorded_by == report.pseudonym
    raw = b"".join(p.read_bytes() for p in (store.data_dir / "moderation").glob("*.json"))
    assert b"anna@hbg.se" not in raw and b"Anna Berg" not in raw


def test_backup_and_restore_carry_the_screenshots(store: Store, tmp_path: Path) -> None:
    seed(store)
    shot = png_file(tmp_path)
    record = service(store).record(deletion(shot))
    archive = tmp_path / "backup.tar.gz"
    Backups(store, user=ME).backup(archive)
    rel = screenshot_file(sha(shot), "png")
    (store.data_dir / rel).unlink()  # lost: its record cannot be sent, the rest works
    with pytest.raises(StoreCorrupt, match=re.escape(rel)):
        service(store).registration(record.id)
    Backups(store, user=ME).restore(archive)
    assert (store.data_dir / rel).read_bytes() == shot.read_bytes()
    assert service(store).registration(record.id).screenshot == shot.read_bytes()
    assert doctor.check(store.data_dir) == []


def test_doctor_names_a_screenshot_whose_content_changed(store: Store, tmp_path: Path) -> None:
    seed(store)
    shot = png_file(tmp_path)
    service(store).record(deletion(shot))
    rel = screenshot_file(sha(shot), "png")
    (store.data_dir / rel).write_bytes(png_file(tmp_path, "other.png", 99).read_bytes())
    problems = doctor.check(store.data_dir)
    assert [p.path for p in problems] == [str(store.data_dir / rel)]
    assert "SHA-256" in str(problems[0])


def test_a_commit_killed_after_its_journal_is_finished_with_the_screenshot(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(store)
    shot = png_file(tmp_path)

    def die(self: object, plan: object) -> None:
        raise KeyboardInterrupt  # the process dies after the journal, before the renames

    monkeypatch.setattr(transactions.PreparedCommit, "publish", die)
    with pytest.raises(KeyboardInterrupt):
        service(store).record(deletion(shot))
    assert (store.data_dir / JOURNAL).exists()
    monkeypatch.undo()
    fresh = Store(store.data_dir)
    try:
        [listed] = service(fresh).records()  # the reader replays the journal first
        assert listed.record.screenshot is not None
        with fresh.read() as txn:
            data = repos(txn).moderation.screenshot(sha(shot), "png")
        assert data == shot.read_bytes()
    finally:
        fresh.close()
    assert doctor.check(store.data_dir) == []


def test_a_resend_keeps_the_first_sending_and_a_number_needs_a_sending(
    store: Store, tmp_path: Path
) -> None:
    """The duty (one working day) was met or missed when the mail first went out: a resend must
    not move it. And a diarienummer, which starts the screenshot's retention, comes from the
    registry, so it cannot come before the mail (the screenshot would be gone unsent)."""
    seed(store)
    record = service(store).record(deletion(png_file(tmp_path)))
    with pytest.raises(InputError, match="skicka den först"):
        service(store).set_diarienummer(record.id, "KS 2026/01234")
    assert service(store).get(record.id).record.diarienummer == ""
    first = NOW + timedelta(hours=2)
    service(store, now=first).mark_sent(record.id)
    service(store, now=first + timedelta(days=5)).mark_sent(record.id)  # --resend
    after = service(store).get(record.id).record
    assert after.sent_at == first
    with store.read() as txn:
        sendings = [e for e in read_change_log(txn) if e.action == "moderation-registered"]
    assert len(sendings) == 2  # the change log keeps every sending


def test_a_changed_screenshot_is_never_mailed(store: Store, tmp_path: Path) -> None:
    seed(store)
    shot = png_file(tmp_path)
    record = service(store).record(deletion(shot))
    stored = store.data_dir / screenshot_file(sha(shot), "png")
    stored.write_bytes(stored.read_bytes() + b"tampered")
    with pytest.raises(StoreCorrupt, match="kontrollsumman"):
        service(store).registration(record.id)


def test_a_lost_screenshot_is_its_record_s_loss_not_the_register_s(
    store: Store, tmp_path: Path
) -> None:
    seed(store)
    shot = png_file(tmp_path)
    record = service(store).record(deletion(shot))
    (store.data_dir / screenshot_file(sha(shot), "png")).unlink()
    store.close()
    again = Store(store.data_dir)
    assert Register(again).accounts()  # the register still opens
    assert [listed.record.id for listed in service(again).records()] == [record.id]
    with pytest.raises((StoreCorrupt, InputError, StoreFileMissing)):
        service(again).registration(record.id)  # never mailed without its screenshot
    problems = doctor.check(again.data_dir)
    assert any(sha(shot) in p.path for p in problems)  # doctor names the lost file
