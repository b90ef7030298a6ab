"""Sending e-mail: a reply threads in the customer's client (Message-ID, In-Reply-To,
References), carries text and HTML (right to left for Arabic and Persian), its attachments,
and the conversation token in the subject."""

from __future__ import annotations

import smtplib
from email.header import Header
from email.message import Message
from email.utils import formataddr
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import linebreaks

from mehvar.channels.email.parse import subject_with_token
from mehvar.channels.errors import DeliveryError
from mehvar.channels.models import OutboundKind
from mehvar.channels.types import Delivery

RTL_LANGUAGES = {"ar", "fa", "he", "ur"}
_REPLY_PREFIXES = ("re:", "aw:", "رد:", "پاسخ:", "απ:", "σχετ:")


def reply_subject(subject: str, conversation_id: int) -> str:
    base = subject.strip()
    if not base.lower().startswith(_REPLY_PREFIXES):
        base = f"Re: {base}"
    return subject_with_token(base, conversation_id)


class _Mail(EmailMultiAlternatives):
    """Django encodes a non-ASCII subject as one long encoded word, which the generator then
    folds onto a line of its own: "Subject: \\r\\n =?utf-8?…" — read back as a subject with a
    leading space. A Header that knows its name starts the words on the Subject line."""

    def message(self, **kwargs: Any) -> Any:
        message = super().message(**kwargs)
        subject = str(self.subject)
        if not subject.isascii():
            del message["Subject"]
            Message.__setitem__(message, "Subject",
                                Header(subject, "utf-8", header_name="Subject"))
        return message


def build(delivery: Delivery) -> EmailMultiAlternatives:
    language = (delivery.language or "").split("-")[0]
    direction = "rtl" if language in RTL_LANGUAGES else "ltr"
    body_html = delivery.html or linebreaks(delivery.text, autoescape=True)
    with translation.override(language or settings.LANGUAGE_CODE):  # the customer's words
        html = render_to_string("channels/email/message.html", {
            "body": body_html, "direction": direction, "language": language or "en",
            "conversation_id": delivery.conversation_id})
    headers = {"Message-ID": f"<{delivery.message_id}>"}
    if delivery.in_reply_to:
        headers["In-Reply-To"] = f"<{delivery.in_reply_to}>"
    if delivery.references:
        headers["References"] = " ".join(f"<{reference}>" for reference in delivery.references)
    if delivery.kind != OutboundKind.REPLY:
        # Automatic mail must never set off the other side's autoresponder (RFC 3834).
        headers["Auto-Submitted"] = "auto-replied"
        headers["X-Auto-Response-Suppress"] = "All"
    message = _Mail(
        subject=reply_subject(delivery.subject, delivery.conversation_id),
        body=delivery.text,
        from_email=formataddr((delivery.sender_name, delivery.sender_address)),
        to=[delivery.recipient], headers=headers)
    message.attach_alternative(html, "text/html")
    for file in delivery.files:
        message.attach(file.filename, file.data, file.content_type)
    return message


def send(delivery: Delivery) -> str:
    """Hand the mail to the SMTP relay (MEHVAR_SMTP_*); returns its Message-ID."""
    message = build(delivery)
    try:
        with get_connection(fail_silently=False) as connection:
            connection.send_messages([message])
    except smtplib.SMTPRecipientsRefused as error:
        raise DeliveryError(f"Recipient refused: {error.recipients}", permanent=True) from error
    except smtplib.SMTPResponseException as error:
        detail = f"SMTP {error.smtp_code}: {error.smtp_error!r}"
        raise DeliveryError(detail, permanent=error.smtp_code >= 500) from error
    except (smtplib.SMTPException, OSError) as error:
        raise DeliveryError(f"{type(error).__name__}: {error}") from error
    return delivery.message_id
