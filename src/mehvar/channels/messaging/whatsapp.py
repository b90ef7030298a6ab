"""WhatsApp through Meta's Cloud API: the webhook's handshake and signature, the parser of what
it stored, and the sender.

One webhook POST may carry several messages and delivery receipts ("statuses"); it is stored
as one envelope keyed by a digest of its body (Meta retries with the same body), and the
parser makes one Inbound per message plus one carrying every receipt. Media (images,
documents, voice) are noted in the text with their caption, not downloaded: processing runs
in one database transaction, where no call to another system may be made."""

from __future__ import annotations

import hashlib
import hmac
import re
import urllib.parse
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from mehvar.channels.messaging.http import (
    MALFORMED,
    UNSUPPORTED,
    FilePart,
    dicts,
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

DEFAULT_BASE_URL = "https://graph.facebook.com/v21.0"
MAX_PART_CHARS = 4096  # the Cloud API's limit for a text message's body
_WA_ID = re.compile(r"[1-9][0-9]{6,14}")  # an international number without the "+"
# Message types that carry no customer content to answer.
_IGNORED_TYPES = {"reaction": UNSUPPORTED, "system": UNSUPPORTED, "ephemeral": UNSUPPORTED}


@dataclass(frozen=True)
class WhatsAppSettings:
    base_url: str
    token: str
    app_secret: str
    verify_token: str
    phone_number_id: str


def whatsapp_settings() -> WhatsAppSettings | None:
    """The provider settings, or None while any of them is empty (the webhook answers 404)."""
    values = WhatsAppSettings(
        base_url=(settings.MEHVAR_WHATSAPP_BASE_URL or DEFAULT_BASE_URL).rstrip("/"),
        token=settings.MEHVAR_WHATSAPP_TOKEN,
        app_secret=settings.MEHVAR_WHATSAPP_APP_SECRET,
        verify_token=settings.MEHVAR_WHATSAPP_VERIFY_TOKEN,
        phone_number_id=settings.MEHVAR_WHATSAPP_PHONE_NUMBER_ID,
    )
    if not (values.token and values.app_secret and values.verify_token and values.phone_number_id):
        return None
    return values


# --- the webhook ----------------------------------------------------------------------------


def signature_valid(*, body: bytes, given: str, app_secret: str) -> bool:
    """X-Hub-Signature-256 is "sha256=" and the hex HMAC-SHA256 of the raw body, keyed with
    the app secret; compared in constant time."""
    expected = "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode("ascii"), given.encode("utf-8", "replace"))


def token_valid(*, given: str, verify_token: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8", "replace"), verify_token.encode())


def external_id(body: bytes) -> str:
    return "sha256:" + hashlib.sha256(body).hexdigest()


# --- the parser -----------------------------------------------------------------------------


def parse_envelope(envelope: InboundEnvelope) -> list[Inbound]:
    """One Inbound per message, and one for all delivery receipts; never raises."""
    payload = json_object(bytes(envelope.raw))
    if payload is None:
        return [Inbound(external_id=envelope.external_id, ignore_reason=MALFORMED)]
    items: list[Inbound] = []
    receipts: list[tuple[str, str]] = []
    for entry in dicts(payload.get("entry")):
        for change in dicts(entry.get("changes")):
            value = change.get("value")
            if not isinstance(value, dict):
                continue
            names = {
                text_of(contact.get("wa_id")): _profile_name(contact)
                for contact in dicts(value.get("contacts"))
            }
            for index, message in enumerate(dicts(value.get("messages"))):
                fallback_id = f"{envelope.external_id}:{len(items)}:{index}"
                items.append(_message(message, names, fallback_id))
            receipts += [
                (text_of(status.get("id")), text_of(status.get("status")))
                for status in dicts(value.get("statuses"))
            ]
    if receipts:
        # No identity: a receipt is not the customer writing, and must not count against
        # their hourly limit.
        items.append(
            Inbound(
                external_id=envelope.external_id,
                ignore_reason=IgnoreReason.STATUS_UPDATE,
                status_updates=receipts,
            )
        )
    return items


def _profile_name(contact: dict[str, Any]) -> str:
    profile = contact.get("profile")
    return text_of(profile.get("name")).strip() if isinstance(profile, dict) else ""


def _message(message: dict[str, Any], names: dict[str, str], fallback_id: str) -> Inbound:
    wamid = text_of(message.get("id")) or fallback_id
    wa_id = text_of(message.get("from"))
    kind = text_of(message.get("type"))
    if kind in _IGNORED_TYPES:
        return Inbound(external_id=wamid, ignore_reason=_IGNORED_TYPES[kind])
    if not _WA_ID.fullmatch(wa_id):
        return Inbound(external_id=wamid, ignore_reason=IgnoreReason.NO_SENDER)
    text, flags = inbound_text(*_content(message, kind))
    return Inbound(
        external_id=wamid,
        identity_kind="whatsapp",
        identity_value=wa_id,
        sender_name=names.get(wa_id, ""),
        reply_address=wa_id,
        text=text,
        flags=flags,
    )


def _content(message: dict[str, Any], kind: str) -> list[str]:
    """What the message says: its text, or a media item's caption and a note of the media."""
    body = message.get(kind)
    part: dict[str, Any] = body if isinstance(body, dict) else {}
    if kind == "text":
        text = text_of(part.get("body"))
        return [text if text.strip() else _("[Empty message]")]
    caption = text_of(part.get("caption"))
    if kind == "image":
        return [caption, _("[Image]")]
    if kind == "video":
        return [caption, _("[Video]")]
    if kind == "sticker":
        return [_("[Sticker]")]
    if kind == "audio":
        return [_("[Voice message]") if part.get("voice") is True else _("[Audio]")]
    if kind == "document":
        name = text_of(part.get("filename")) or _("file")
        return [caption, _("[Document: %(name)s]") % {"name": name}]
    if kind == "location":
        place = ", ".join(
            text for text in (text_of(part.get("name")), text_of(part.get("address"))) if text
        )
        where = f"{_coordinate(part.get('latitude'))}, {_coordinate(part.get('longitude'))}"
        return [_("[Location: %(place)s]") % {"place": f"{place} ({where})" if place else where}]
    if kind == "contacts":
        people = [_formatted_name(contact) for contact in dicts(message.get("contacts"))]
        return [_("[Contact: %(names)s]") % {"names": ", ".join(filter(None, people)) or "-"}]
    if kind == "button":
        return [text_of(part.get("text")) or _("[Button]")]
    if kind == "interactive":
        for reply_kind in ("button_reply", "list_reply"):
            reply = part.get(reply_kind)
            if isinstance(reply, dict) and text_of(reply.get("title")):
                return [text_of(reply.get("title"))]
    return [_("[A message of a kind Mehvar cannot show: %(type)s]") % {"type": kind or "-"}]


def _coordinate(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "?"
    return f"{value:.6f}"


def _formatted_name(contact: dict[str, Any]) -> str:
    name = contact.get("name")
    return text_of(name.get("formatted_name")) if isinstance(name, dict) else ""


# --- the sender -----------------------------------------------------------------------------


def send(delivery: Delivery) -> str:
    """Upload the files first (a refused file then fails the delivery before the customer
    got anything), send the text in parts, then each file as a document; returns the first
    text part's wamid (delivery receipts name it)."""
    config = whatsapp_settings()
    if config is None:
        raise not_configured()
    number = urllib.parse.quote(config.phone_number_id, safe="")
    headers = {"Authorization": f"Bearer {config.token}"}
    media_ids = [
        _upload(config, number, headers, file.filename, file.content_type, file.data)
        for file in delivery.files
    ]
    first_id = ""
    for part in message_parts(delivery.text, MAX_PART_CHARS):
        answer = post_json(
            f"{config.base_url}/{number}/messages",
            {
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                "to": delivery.recipient,
                "type": "text",
                "text": {"body": part},
            },
            headers=headers,
        )
        first_id = first_id or _message_id(answer)
    for file, media_id in zip(delivery.files, media_ids, strict=True):
        post_json(
            f"{config.base_url}/{number}/messages",
            {
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                "to": delivery.recipient,
                "type": "document",
                "document": {"id": media_id, "filename": file.filename},
            },
            headers=headers,
        )
    return first_id


def _upload(
    config: WhatsAppSettings,
    number: str,
    headers: dict[str, str],
    filename: str,
    content_type: str,
    data: bytes,
) -> str:
    answer = post_multipart(
        f"{config.base_url}/{number}/media",
        {"messaging_product": "whatsapp", "type": content_type},
        [FilePart("file", filename, content_type, data)],
        headers=headers,
    )
    return text_of(answer.get("id"))


def _message_id(answer: dict[str, Any]) -> str:
    messages = dicts(answer.get("messages"))
    return text_of(messages[0].get("id")) if messages else ""
