"""Telegram through the Bot API: the webhook's secret token, the parser of what it stored, and
the sender.

Each webhook POST is one update, stored as one envelope keyed by its `update_id`. A message
or an edited message becomes a customer message; anything else (a member joining, a button
press, the customer blocking the bot) is stored and ignored. An edit arrives with the
original's message id, so it is kept as a new message marked "[Edited]" with its own id:
the original stays as it was, and the agent sees what changed and when."""

from __future__ import annotations

import hashlib
import hmac
import urllib.parse
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from mehvar.channels.messaging.http import (
    MALFORMED,
    UNSUPPORTED,
    FilePart,
    inbound_text,
    json_object,
    message_parts,
    not_configured,
    post_json,
    post_multipart,
    text_of,
)
from mehvar.channels.models import InboundEnvelope
from mehvar.channels.types import Delivery, IgnoreReason, Inbound

DEFAULT_BASE_URL = "https://api.telegram.org"
MAX_PART_CHARS = 4096  # sendMessage's limit (UTF-16 code units, as split_text counts)


@dataclass(frozen=True)
class TelegramSettings:
    base_url: str
    bot_token: str
    secret_token: str


def telegram_settings() -> TelegramSettings | None:
    """The provider settings, or None while either is empty (the webhook answers 404)."""
    values = TelegramSettings(
        base_url=(settings.MEHVAR_TELEGRAM_BASE_URL or DEFAULT_BASE_URL).rstrip("/"),
        bot_token=settings.MEHVAR_TELEGRAM_BOT_TOKEN,
        secret_token=settings.MEHVAR_TELEGRAM_SECRET_TOKEN,
    )
    if not (values.bot_token and values.secret_token):
        return None
    return values


# --- the webhook ----------------------------------------------------------------------------


def secret_valid(*, given: str, secret_token: str) -> bool:
    """X-Telegram-Bot-Api-Secret-Token is the secret given to setWebhook; constant time."""
    return hmac.compare_digest(given.encode("utf-8", "replace"), secret_token.encode())


def external_id(body: bytes) -> str:
    """The update's id; a digest of the body when it has none (a malformed update is still
    stored once)."""
    payload = json_object(body)
    update_id = payload.get("update_id") if payload is not None else None
    if isinstance(update_id, int) and not isinstance(update_id, bool):
        return str(update_id)
    return "sha256:" + hashlib.sha256(body).hexdigest()


# --- the parser -----------------------------------------------------------------------------


def parse_envelope(envelope: InboundEnvelope) -> list[Inbound]:
    """The update's message (or edit) as one Inbound; never raises."""
    payload = json_object(bytes(envelope.raw))
    if payload is None:
        return [Inbound(external_id=envelope.external_id, ignore_reason=MALFORMED)]
    edited = not isinstance(payload.get("message"), dict)
    message = payload.get("edited_message" if edited else "message")
    if not isinstance(message, dict):
        return [Inbound(external_id=envelope.external_id, ignore_reason=UNSUPPORTED)]
    chat = message.get("chat")
    chat_id = text_of(chat.get("id")) if isinstance(chat, dict) else ""
    message_id = text_of(message.get("message_id"))
    external = f"{chat_id}:{message_id}" if chat_id and message_id else envelope.external_id
    if edited:
        external = f"{external}:edit:{text_of(message.get('edit_date'))}"
    sender = message.get("from")
    if not isinstance(sender, dict):
        sender = {}
    user_id = text_of(sender.get("id"))
    if not (user_id.isdigit() and chat_id):
        return [Inbound(external_id=external, ignore_reason=IgnoreReason.NO_SENDER)]
    content = _content(message)
    if not content:
        return [Inbound(external_id=external, ignore_reason=UNSUPPORTED)]
    text, flags = inbound_text(_("[Edited]") if edited else "", *content)
    return [
        Inbound(
            external_id=external,
            identity_kind="telegram",
            identity_value=user_id,
            sender_name=_sender_name(sender),
            reply_address=chat_id,
            text=text,
            flags=flags,
        )
    ]


def _sender_name(sender: dict[str, Any]) -> str:
    name = " ".join(text_of(sender.get(key)).strip() for key in ("first_name", "last_name"))
    return name.strip() or text_of(sender.get("username"))


def _content(message: dict[str, Any]) -> list[str]:
    """The text, or a media item's caption and a note of the media; [] for service messages
    (members joining, pinned messages), which say nothing to answer."""
    if text_of(message.get("text")).strip():
        return [text_of(message["text"])]
    caption = text_of(message.get("caption"))
    document = message.get("document")
    if isinstance(document, dict):
        name = text_of(document.get("file_name")) or _("file")
        return [caption, _("[Document: %(name)s]") % {"name": name}]
    sticker = message.get("sticker")
    if isinstance(sticker, dict):
        return [_("[Sticker %(emoji)s]") % {"emoji": text_of(sticker.get("emoji"))}]
    notes = {
        "photo": _("[Photo]"),
        "video": _("[Video]"),
        "animation": _("[Animation]"),
        "video_note": _("[Video message]"),
        "voice": _("[Voice message]"),
        "audio": _("[Audio]"),
    }
    for key, note in notes.items():
        if message.get(key):
            return [caption, note]
    location = message.get("location")
    if isinstance(location, dict):
        where = f"{_coordinate(location.get('latitude'))}, {_coordinate(location.get('longitude'))}"
        return [_("[Location: %(place)s]") % {"place": where}]
    contact = message.get("contact")
    if isinstance(contact, dict):
        name = " ".join(text_of(contact.get(key)) for key in ("first_name", "last_name"))
        return [
            _("[Contact: %(names)s]")
            % {"names": f"{name.strip()} {text_of(contact.get('phone_number'))}".strip()}
        ]
    return []


def _coordinate(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "?"
    return f"{value:.6f}"


# --- the sender -----------------------------------------------------------------------------


def send(delivery: Delivery) -> str:
    """sendMessage for each part of the text, then sendDocument for each file; returns
    "<chat id>:<message id>" of the first part."""
    config = telegram_settings()
    if config is None:
        raise not_configured()
    base = f"{config.base_url}/bot{urllib.parse.quote(config.bot_token, safe=':')}"
    first_id = ""
    for part in message_parts(delivery.text, MAX_PART_CHARS):
        answer = post_json(f"{base}/sendMessage", {"chat_id": delivery.recipient, "text": part})
        first_id = first_id or _message_id(delivery.recipient, answer)
    for file in delivery.files:
        post_multipart(
            f"{base}/sendDocument",
            {"chat_id": delivery.recipient},
            [FilePart("document", file.filename, file.content_type, file.data)],
        )
    return first_id


def _message_id(chat_id: str, answer: dict[str, Any]) -> str:
    result = answer.get("result")
    message_id = text_of(result.get("message_id")) if isinstance(result, dict) else ""
    return f"{chat_id}:{message_id}" if message_id else ""
