"""The mail layer against a real SMTP server on 127.0.0.1: settings, sending, refusals, failures."""

from __future__ import annotations

from email import message_from_bytes, policy
from pathlib import Path

import pytest

from governance.mail import (
    Attachment,
    MailError,
    MailSettings,
    build_message,
    eml_bytes,
    load_mail_settings,
    parse_mail_settings,
    smtp_password,
    smtp_session,
)
from tests.smtp_server import Authenticator, SmtpServer, smtp_server

__all__ = ["smtp_server"]  # the fixture, used by name

SENDER = "Kontokoll <kontokoll@helsingborg.se>"
PEOPLE = [("Kim Ek", "kim.ek@helsingborg.se"), ("Åsa Öberg", "asa.oberg@helsingborg.se")]


def _settings(server: SmtpServer, **changes: object) -> MailSettings:
    table: dict[str, object] = {
        "host": "127.0.0.1", "port": server.port, "starttls": False, "from": SENDER,
    }
    table.update(changes)
    return parse_mail_settings(table)


def _message(data: bytes = b"PK\x03\x04 packet bytes \x00\xff") -> object:
    attachment = Attachment("Kulturförvaltningen 2026Q4.xlsx", data, "application/vnd.ms-excel")
    return build_message(SENDER, PEOPLE, "Granskning 2026Q4: Kultur", "Hej!\n", [attachment])


def test_a_message_reaches_the_server_with_its_recipients_subject_and_attachment(
    smtp_server: SmtpServer,
) -> None:
    data = bytes(range(256)) * 10
    message = _message(data)
    with smtp_session(_settings(smtp_server), None) as session:
        refused = session.send(message)  # type: ignore[arg-type]
    assert refused == {}
    [got] = smtp_server.received
    assert sorted(got.recipients) == sorted(address for _name, address in PEOPLE)
    received = got.message
    assert received["Subject"] == "Granskning 2026Q4: Kultur"
    assert "Åsa Öberg" in str(received["To"])
    [part] = list(received.iter_attachments())
    assert part.get_filename() == "Kulturförvaltningen 2026Q4.xlsx"
    assert part.get_content() == data


def test_a_refused_recipient_is_reported_by_address_and_the_others_get_it(
    smtp_server: SmtpServer,
) -> None:
    smtp_server.refuse("kim.ek@helsingborg.se")
    with smtp_session(_settings(smtp_server), None) as session:
        refused = session.send(_message())  # type: ignore[arg-type]
    assert list(refused) == ["kim.ek@helsingborg.se"]
    assert refused["kim.ek@helsingborg.se"].startswith("550")
    assert [r.recipients for r in smtp_server.received] == [["asa.oberg@helsingborg.se"]]


def test_every_recipient_refused_comes_back_without_an_error(smtp_server: SmtpServer) -> None:
    smtp_server.refuse(*(address for _name, address in PEOPLE))
    with smtp_session(_settings(smtp_server), None) as session:
        refused = session.send(_message())  # type: ignore[arg-type]
    assert set(refused) == {address for _name, address in PEOPLE}
    assert smtp_server.received == []


def test_a_dead_server_is_a_clear_message(smtp_server: SmtpServer) -> None:
    smtp_server.stop()
    with pytest.raises(MailError) as caught, smtp_session(_settings(smtp_server), None):
        pass
    text = str(caught.value)
    assert f"127.0.0.1:{smtp_server.port}" in text and "nå e-postservern" in text


def test_starttls_asked_of_a_server_without_it_is_a_clear_message(
    smtp_server: SmtpServer,
) -> None:
    with pytest.raises(MailError) as caught, smtp_session(
        _settings(smtp_server, starttls=True), None
    ):
        pass
    assert "STARTTLS" in str(caught.value)


def test_login_with_the_password_from_the_environment_and_never_showing_it() -> None:
    auth = Authenticator("kontokoll", "hemligt-lösen-42")
    server = SmtpServer(auth)
    server.start()
    try:
        settings = _settings(server, username="kontokoll")
        password = smtp_password(env={"KONTOKOLL_SMTP_PASSWORD": "hemligt-lösen-42"},
                                 keyring_get=lambda service, user: None)
        with smtp_session(settings, password) as session:
            session.send(_message())  # type: ignore[arg-type]
        assert len(server.received) == 1
        with pytest.raises(MailError) as caught, smtp_session(settings, "fel-lösen-7"):
            pass
        assert "kontokoll" in str(caught.value) and "fel-lösen-7" not in str(caught.value)
        assert auth.offered == ["hemligt-lösen-42", "fel-lösen-7"]
    finally:
        server.stop()


def test_a_user_without_a_password_is_told_where_to_put_it(smtp_server: SmtpServer) -> None:
    with pytest.raises(MailError) as caught, smtp_session(
        _settings(smtp_server, username="kontokoll"), None
    ):
        pass
    assert "KONTOKOLL_SMTP_PASSWORD" in str(caught.value)
    assert smtp_server.received == []


def test_the_keyring_comes_before_the_environment() -> None:
    env = {"KONTOKOLL_SMTP_PASSWORD": "från-miljön"}
    assert smtp_password(env=env, keyring_get=lambda s, u: f"{s}/{u}") == "kontokoll/smtp"
    assert smtp_password(env=env, keyring_get=lambda s, u: None) == "från-miljön"
    assert smtp_password(env={}, keyring_get=lambda s, u: None) is None


def test_settings_defaults_and_tls_modes() -> None:
    plain = parse_mail_settings({"host": "smtp.example.se", "from": SENDER})
    assert (plain.port, plain.starttls, plain.ssl, plain.username) == (587, True, False, "")
    implicit = parse_mail_settings({"host": "smtp.example.se", "from": SENDER, "ssl": True})
    assert (implicit.port, implicit.starttls, implicit.ssl) == (465, False, True)


@pytest.mark.parametrize(
    ("table", "named"),
    [
        ({"from": SENDER}, "mail.host"),
        ({"host": "smtp.example.se"}, "mail.from"),
        ({"host": "smtp.example.se", "from": "ingen adress"}, "mail.from"),
        ({"host": "smtp.example.se", "from": SENDER, "port": 0}, "mail.port"),
        ({"host": "smtp.example.se", "from": SENDER, "port": "25"}, "mail.port"),
        ({"host": "smtp.example.se", "from": SENDER, "starttls": "ja"}, "mail.starttls"),
        ({"host": "smtp.example.se", "from": SENDER, "ssl": True, "starttls": True}, "mail.ssl"),
        ({"host": "smtp.example.se", "from": SENDER, "password": "x"}, "mail.password"),
        ({"host": "smtp\nexample.se", "from": SENDER}, "mail.host"),
    ],
)
def test_a_bad_setting_names_its_key(table: dict[str, object], named: str) -> None:
    with pytest.raises(MailError) as caught:
        parse_mail_settings(table)
    assert named in str(caught.value)


def test_settings_file_missing_table_or_broken(tmp_path: Path) -> None:
    with pytest.raises(MailError, match=r"\[mail\]"):
        load_mail_settings(tmp_path)
    (tmp_path / "settings.toml").write_text("[audit]\ninactive_days = 60\n", "utf-8")
    with pytest.raises(MailError, match=r"\[mail\]"):
        load_mail_settings(tmp_path)
    (tmp_path / "settings.toml").write_text("[mail\nhost = 1\n", "utf-8")
    with pytest.raises(MailError, match=r"settings\.toml"):
        load_mail_settings(tmp_path)
    (tmp_path / "settings.toml").write_text(
        f'[mail]\nhost = "smtp.example.se"\nfrom = "{SENDER}"\nusername = "kk"\n', "utf-8"
    )
    assert load_mail_settings(tmp_path).username == "kk"


def test_an_eml_file_parses_as_the_message_it_would_send() -> None:
    data = b"\x00\x01 xlsx"
    raw = eml_bytes(_message(data))  # type: ignore[arg-type]
    assert b"\r\n" in raw
    parsed = message_from_bytes(raw, policy=policy.default)
    assert parsed["Subject"] == "Granskning 2026Q4: Kultur"
    [part] = list(parsed.iter_attachments())  # type: ignore[attr-defined]
    assert part.get_content() == data
