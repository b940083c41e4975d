"""The registration mail: a removed comment's screenshot and facts, to the city's registry.

The guideline: "Borttagna kommentarer ska skärmdumpas och diarieföras via mejl till
kommunstyrelsen@helsingborg.se." The body is Swedish whatever the user's language (the registry
reads it), one fact a line so a registrar can copy them; the screenshot is attached as it was
recorded, and its SHA-256 in the body lets anyone check later that the attachment is the one
Kontokoll kept.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from governance.i18n import current_language, set_language, t
from governance.moderation.screenshots import MIME_TYPES
from governance.moderation.service import ModerationService, Registration
from governance.monthly import STOCKHOLM

if TYPE_CHECKING:
    from email.message import EmailMessage


def registration_message(registration: Registration, sender: str, registry: str) -> EmailMessage:
    """The mail to ``registry``, in Swedish, with the screenshot attached if it is still kept."""
    from governance.mail import Attachment, build_message  # smtplib and ssl: only when mailing

    listed = registration.listed
    record = listed.record
    previous = current_language()
    set_language("sv")
    try:
        subject = t("moderation.mail.subject", ref=listed.ref, id=record.id,
                    action=t(f"moderation.action.{record.action}"))
        body = registration_body(registration)
    finally:
        set_language(previous)
    attachments = []
    shot = record.screenshot
    if registration.screenshot is not None and shot is not None:
        name = f"skarmdump-{record.id}.{shot.extension}"
        attachments.append(Attachment(name, registration.screenshot, MIME_TYPES[shot.extension]))
    return build_message(sender, [("", registry)], subject, body, attachments)


def registration_body(registration: Registration) -> str:
    """The structured body: one ``Label: value`` line per fact, in the current language."""
    listed = registration.listed
    record = listed.record
    shot = record.screenshot
    unknown = t("moderation.value.unknown")
    notified = {True: t("moderation.value.yes"), False: t("moderation.value.no")}
    rows = [
        ("account", listed.ref),
        ("department", listed.department or unknown),
        ("at", record.at.astimezone(STOCKHOLM).isoformat()),
        ("action", t(f"moderation.action.{record.action}")),
        ("reason", t(f"moderation.reason.{record.reason}")),
        ("comment_id", record.comment_id or unknown),
        ("notified", notified.get(record.notified, unknown) if record.notified is not None
         else unknown),
        ("note", record.note or "–"),
        ("recorded_by", record.recorded_by),
        ("recorded_at", record.recorded_at.astimezone(STOCKHOLM).isoformat()),
        ("id", record.id),
        ("sha256", shot.sha256 if shot else t("moderation.value.no_screenshot")),
    ]
    attached = registration.screenshot is not None
    lines = [t("moderation.mail.intro" if attached else "moderation.mail.intro_without_screenshot"),
             ""]
    lines += [f"{t(f'moderation.field.{key}')}: {value}" for key, value in rows]
    if shot is not None and registration.screenshot is None:
        lines += ["", t("moderation.mail.screenshot_deleted")]
    return "\n".join(lines) + "\n"


def send_registration(
    service: ModerationService, record_id: str, *, resend: bool = False
) -> Registration:
    """Mail the record's registration over SMTP (``[mail]``) and record that it was sent; the
    registration as sent (``taken_over``: the stale claim that ``resend`` took over).

    Every front end's "send to the registry": the rights, the resend check and the claim
    (:mod:`governance.mail_claims`) come first, so a second sender at the same time sends
    nothing and says who is sending. A mail the server did not take (no connection, a refused
    recipient: a MailError) releases the claim and the record stays unsent. Anything else after
    the claim (the process killed, the store locked while recording) leaves the claim, which
    then says a mail may have gone out.
    """
    from governance.mail import MailError, load_mail_settings, smtp_password, smtp_session

    registration = service.claim_registration(record_id, resend=resend)  # rights, resend, claim
    try:
        settings = load_mail_settings(service.store.data_dir)  # a bad [mail]: nothing sent
        message = registration_message(registration, settings.sender, service.settings.registry)
        password = smtp_password() if settings.username else None
    except BaseException:
        service.release(registration)
        raise
    try:
        with smtp_session(settings, password) as session:
            refused = session.send(message)
        if refused:
            detail = "; ".join(f"{address}: {answer}" for address, answer in refused.items())
            raise MailError("moderation.error.refused", detail=detail)
    except MailError:  # the server took no mail
        service.release(registration)
        raise
    saved = service.mark_sent(registration.listed.record.id, registration.claim)
    return replace(registration, listed=replace(registration.listed, record=saved))
