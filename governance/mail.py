"""Mail: build a message with attachments, send it over SMTP, or write it as an ``.eml`` file.

One small module for everything Kontokoll mails (the audit's packets now; the moderation register
and reminders later). The server is set in ``DATA_DIR/settings.toml``:

    [mail]
    host = "smtp.helsingborg.se"
    port = 587                  # default 465 with ssl, else 587
    starttls = true             # default true: upgrade the connection before anything is sent
    ssl = false                 # default false: true for implicit TLS (usually port 465)
    from = "Kontokoll <kontokoll@helsingborg.se>"
    username = "kontokoll"      # optional: log in as this user

The password is never stored: it comes from the OS keyring (service ``kontokoll``, user ``smtp``)
or ``KONTOKOLL_SMTP_PASSWORD``, lives only in memory, and is scrubbed from every message that
could reach a user. Every failure (a bad setting, a dead server, a refused login or sender) is a
:class:`MailError` with a clear message, never a traceback; a recipient the server refuses is
reported by address by :meth:`SmtpSession.send`, and the others still get the message.
"""

from __future__ import annotations

import base64
import os
import smtplib
import ssl
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formataddr, formatdate, make_msgid, parseaddr
from pathlib import Path
from typing import Any

from governance.errors import KontokollError
from governance.i18n import t
from governance.keyring_secrets import KeyringGet, keyring_get
from governance.os_errors import os_reason
from governance.settings_document import read_settings_document

SETTINGS_FILE = "settings.toml"
KEYRING_SERVICE = "kontokoll"
KEYRING_USER = "smtp"
PASSWORD_ENV = "KONTOKOLL_SMTP_PASSWORD"
TIMEOUT_S = 30.0
_KEYS = ("host", "port", "starttls", "ssl", "from", "username")


class MailError(KontokollError):
    """Mail could not be set up or sent; the message says why (never with a password)."""

    key = "mail.error.smtp"


@dataclass(frozen=True)
class MailSettings:
    """The ``[mail]`` table of settings.toml."""

    host: str
    port: int
    sender: str
    starttls: bool = True
    ssl: bool = False
    username: str = ""


@dataclass(frozen=True)
class Attachment:
    """A file attached to a message."""

    filename: str
    data: bytes
    mime_type: str = "application/octet-stream"


# --- settings and password ---------------------------------------------------------------------


def load_mail_settings(data_dir: Path) -> MailSettings:
    """The ``[mail]`` settings in ``data_dir/settings.toml``; MailError naming the file and key."""
    document, path = read_settings_document(data_dir, error=MailError, key="mail.settings.syntax")
    table = document.get("mail")
    if table is None:
        raise MailError("mail.settings.missing", path=str(path))
    if not isinstance(table, dict):
        reason = t("mail.settings.reason.table")
        raise MailError("mail.settings.bad", path=str(path), key="mail", reason=reason)
    return parse_mail_settings(table, str(path))


def parse_mail_settings(table: Mapping[str, Any], path: str = SETTINGS_FILE) -> MailSettings:
    """Check a ``[mail]`` table: known keys only, each of the right type and value."""

    def bad(key: str, reason: str, **params: Any) -> MailError:
        why = t(f"mail.settings.reason.{reason}", **params)
        return MailError("mail.settings.bad", path=path, key=f"mail.{key}", reason=why)

    for key in table:
        if key not in _KEYS:
            raise bad(key, "unknown", allowed=", ".join(_KEYS))
    host = table.get("host")
    if not isinstance(host, str) or not host.strip() or not _printable(host) or " " in host:
        raise bad("host", "host")
    flags = {}
    for key, default in (("starttls", True), ("ssl", False)):
        flags[key] = table.get(key, default)
        if not isinstance(flags[key], bool):
            raise bad(key, "bool")
    if flags["starttls"] and flags["ssl"] and "starttls" in table:
        raise bad("ssl", "both")
    port = table.get("port", 465 if flags["ssl"] else 587)
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise bad("port", "port")
    sender = table.get("from")
    if not isinstance(sender, str) or not _printable(sender) or "@" not in parseaddr(sender)[1]:
        raise bad("from", "sender")
    username = table.get("username", "")
    if not isinstance(username, str) or not _printable(username):
        raise bad("username", "text")
    # ssl = true alone means implicit TLS: no STARTTLS on top of it.
    starttls = flags["starttls"] and not flags["ssl"]
    return MailSettings(host.strip(), port, sender.strip(), starttls, flags["ssl"], username)


def _printable(text: str) -> bool:
    return text.isprintable()




def smtp_password(
    *, env: Mapping[str, str] | None = None, keyring_get: KeyringGet = keyring_get
) -> str | None:
    """The SMTP password: the keyring's (``kontokoll``/``smtp``), else the environment's."""
    env = os.environ if env is None else env
    password = keyring_get(KEYRING_SERVICE, KEYRING_USER) or env.get(PASSWORD_ENV, "")
    return password or None


# --- messages ----------------------------------------------------------------------------------


def build_message(
    sender: str,
    recipients: Sequence[tuple[str, str]],
    subject: str,
    body: str,
    attachments: Sequence[Attachment] = (),
) -> EmailMessage:
    """A plain-text message from ``sender`` to ``(name, address)`` pairs, with attachments."""
    message = EmailMessage(policy=SMTP)
    message["From"] = sender
    message["To"] = ", ".join(formataddr((name, address)) for name, address in recipients)
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=True)
    domain = parseaddr(sender)[1].rpartition("@")[2] or None
    message["Message-ID"] = make_msgid(domain=domain)
    message.set_content(body)
    for item in attachments:
        maintype, _, subtype = item.mime_type.partition("/")
        # Text files Kontokoll makes are UTF-8; saying so lets a mail client show å, ä, ö.
        params = {"charset": "utf-8"} if maintype == "text" else {}
        message.add_attachment(item.data, maintype=maintype, subtype=subtype,
                               filename=item.filename, params=params)
    return message


def eml_bytes(message: EmailMessage) -> bytes:
    """The message as an ``.eml`` file (RFC 5322, CRLF line ends), as it would be sent."""
    return message.as_bytes(policy=SMTP)


def recipients_of(message: EmailMessage) -> list[str]:
    """The addresses a message goes to (its To header)."""
    from email.utils import getaddresses

    return [address for _name, address in getaddresses(message.get_all("To", []))]


# --- sending -----------------------------------------------------------------------------------


class SmtpSession:
    """An open, logged-in SMTP connection (see :func:`smtp_session`)."""

    def __init__(self, client: smtplib.SMTP, settings: MailSettings, scrub: Callable[[str], str]):
        self._client, self._settings, self._scrub = client, settings, scrub

    def send(self, message: EmailMessage) -> dict[str, str]:
        """Send ``message``; the recipients the server refused, address -> its answer.

        Refusing every recipient is not an error here: all of them come back, and the caller
        tells a message nobody got from one some got. A refused sender, a rejected message or a
        lost connection is a MailError.
        """
        try:
            refused = self._client.send_message(message)
        except smtplib.SMTPRecipientsRefused as error:
            refused = error.recipients
        except smtplib.SMTPSenderRefused as error:
            raise self._error("mail.error.sender_refused", error) from None
        except (smtplib.SMTPServerDisconnected, OSError) as error:
            raise self._error("mail.error.disconnected", error) from None
        except smtplib.SMTPException as error:
            raise self._error("mail.error.smtp", error) from None
        return {address: _answer(reply) for address, reply in refused.items()}

    def _error(self, key: str, error: BaseException) -> MailError:
        s = self._settings
        return MailError(key, host=s.host, port=s.port, detail=self._scrub(_detail(error)))


def _answer(reply: tuple[int, bytes]) -> str:
    code, text = reply
    return f"{code} {text.decode('utf-8', 'replace')}".strip()


def _detail(error: BaseException) -> str:
    if isinstance(error, smtplib.SMTPResponseException):
        text = error.smtp_error
        shown = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
        return f"{error.smtp_code} {shown}"
    if isinstance(error, OSError) and error.strerror:
        return os_reason(error)
    return str(error) or type(error).__name__


@contextmanager
def smtp_session(
    settings: MailSettings, password: str | None, *, timeout: float = TIMEOUT_S
) -> Iterator[SmtpSession]:
    """Connect (TLS as set), log in if a user is set, and hand over a session; quit afterwards."""

    def scrub(text: str) -> str:
        return text.replace(password, "***") if password else text

    def fail(key: str, error: BaseException) -> MailError:
        return MailError(key, host=settings.host, port=settings.port, user=settings.username,
                         detail=scrub(_detail(error)))

    if settings.username and not password:
        raise MailError("mail.error.no_password", user=settings.username, env=PASSWORD_ENV)
    try:
        client = _connect(settings, timeout)
    except ssl.SSLError as error:
        raise fail("mail.error.tls", error) from None
    except smtplib.SMTPNotSupportedError as error:
        raise fail("mail.error.no_starttls", error) from None
    except (smtplib.SMTPException, OSError) as error:
        raise fail("mail.error.connect", error) from None
    try:
        if settings.username and password:
            try:
                _login(client, settings.username, password)
            except smtplib.SMTPAuthenticationError as error:
                raise fail("mail.error.login", error) from None
            except (smtplib.SMTPException, OSError) as error:
                raise fail("mail.error.connect", error) from None
        yield SmtpSession(client, settings, scrub)
    finally:
        with suppress(smtplib.SMTPException, OSError):
            client.quit()
        client.close()


def _login(client: smtplib.SMTP, user: str, password: str) -> None:
    """Log in; smtplib sends credentials as ASCII only, so others go as UTF-8 ``AUTH PLAIN``
    (RFC 4616), which is what a server with non-ASCII passwords expects."""
    try:
        client.login(user, password)
    except UnicodeEncodeError:  # raised before anything is sent
        token = base64.b64encode(b"\0" + user.encode() + b"\0" + password.encode()).decode()
        code, reply = client.docmd("AUTH", f"PLAIN {token}")
        if code != 235:
            raise smtplib.SMTPAuthenticationError(code, reply) from None


def _connect(settings: MailSettings, timeout: float) -> smtplib.SMTP:
    """An SMTP connection as the settings ask: implicit TLS, STARTTLS, or plain."""
    context = ssl.create_default_context()
    client: smtplib.SMTP
    if settings.ssl:
        client = smtplib.SMTP_SSL(settings.host, settings.port, timeout=timeout, context=context)
    else:
        client = smtplib.SMTP(settings.host, settings.port, timeout=timeout)
    try:
        client.ehlo()
        if settings.starttls:
            if not client.has_extn("starttls"):
                raise smtplib.SMTPNotSupportedError("STARTTLS")
            client.starttls(context=context)
            client.ehlo()
    except BaseException:
        client.close()
        raise
    return client
