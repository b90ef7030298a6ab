"""Input and output shapes of the channels API: inbound envelopes, deliveries, mailboxes and
phone calls. Inputs bound every string and number; outputs are dicts built by the mappers
below from the selectors' rows (a mailbox's IMAP password is never among them)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from ninja import Field, Schema
from pydantic import StringConstraints

from mehvar.channels.models import (
    CallDirection,
    CallOutcome,
    EnvelopeStatus,
    InboundEnvelope,
    Mailbox,
    OutboundMessage,
    PhoneCall,
    Security,
)
from mehvar.channels.selectors import envelope_raw_preview
from mehvar.conversations.models import Attachment
from mehvar.core.schema import OutSchema

DB_ID_MAX = 2**63 - 1
ObjectId = Annotated[int, Field(ge=-DB_ID_MAX, le=DB_ID_MAX)]
Cursor = Annotated[str, StringConstraints(max_length=200)]
NOTES_MAX_CHARS = 1_000_000  # the configured limit (MEHVAR_MAX_MESSAGE_CHARS) is the service's


# --- inputs --------------------------------------------------------------------------------


class EnvelopeFilters(Schema):
    status: EnvelopeStatus | None = Field(None, description="Every status when left out")
    cursor: Cursor | None = None
    limit: int = Field(50, ge=1, le=100)


class PageParams(Schema):
    cursor: Cursor | None = None
    limit: int = Field(50, ge=1, le=100)


class MailboxFieldsIn(Schema):
    team_id: ObjectId | None = None
    is_active: bool = True
    send_acknowledgement: bool = False
    imap_host: str = Field("", max_length=255)
    imap_port: int = Field(993, ge=1, le=65535)
    imap_security: Security = Security.SSL
    imap_username: str = Field("", max_length=255)
    imap_password: str = Field("", max_length=255, description="Write-only: never returned")
    imap_folder: str = Field("INBOX", min_length=1, max_length=255)


class MailboxCreateIn(MailboxFieldsIn):
    name: str = Field(min_length=1, max_length=100)
    address: str = Field(min_length=3, max_length=254)


class MailboxPatchIn(Schema):
    """Only the fields sent change; `imap_password` left out keeps the stored one (an empty
    string clears it)."""

    name: str | None = Field(None, min_length=1, max_length=100)
    address: str | None = Field(None, min_length=3, max_length=254)
    team_id: ObjectId | None = None
    is_active: bool | None = None
    send_acknowledgement: bool | None = None
    imap_host: str | None = Field(None, max_length=255)
    imap_port: int | None = Field(None, ge=1, le=65535)
    imap_security: Security | None = None
    imap_username: str | None = Field(None, max_length=255)
    imap_password: str | None = Field(None, max_length=255)
    imap_folder: str | None = Field(None, min_length=1, max_length=255)


class CallIn(Schema):
    """Give `conversation_id`, or `customer_id` to open a new phone conversation. The
    number is stored in E.164; without `notes` the message is a one-line summary."""

    conversation_id: ObjectId | None = None
    customer_id: ObjectId | None = None
    direction: CallDirection
    number: str = Field(min_length=1, max_length=64)
    duration_seconds: int = Field(ge=0, le=86_400)
    outcome: CallOutcome
    notes: str = Field("", max_length=NOTES_MAX_CHARS)
    started_at: datetime | None = Field(None, description="Default: now less the duration")


# --- outputs -------------------------------------------------------------------------------


class EnvelopeOut(OutSchema):
    id: int
    channel: str
    external_id: str
    status: str
    outcome: str
    sender: str
    received_at: datetime
    attempts: int
    next_attempt_at: datetime | None
    last_error: str
    processed_at: datetime | None
    mailbox_id: int | None
    conversation_id: int | None
    message_id: int | None


class EnvelopeDetailOut(EnvelopeOut):
    meta: dict[str, Any]
    raw_size_bytes: int
    raw_text: str = Field(description="The first 64 KiB, decoded as UTF-8 (bad bytes replaced)")
    raw_truncated: bool


class EnvelopePageOut(OutSchema):
    items: list[EnvelopeOut]
    next_cursor: str | None


class DeliveryOut(OutSchema):
    id: int
    kind: str
    conversation_id: int
    message_id: int | None
    channel: str
    recipient: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_error: str
    created_at: datetime
    sent_at: datetime | None


class DeliveryPageOut(OutSchema):
    items: list[DeliveryOut]
    next_cursor: str | None


class MailboxOut(OutSchema):
    id: int
    name: str
    address: str
    team_id: int | None
    is_active: bool
    send_acknowledgement: bool
    imap_host: str
    imap_port: int
    imap_security: str
    imap_username: str
    has_imap_password: bool
    imap_folder: str
    last_polled_at: datetime | None
    last_error: str
    created_at: datetime


class MailboxListOut(OutSchema):
    items: list[MailboxOut]


class RecordingOut(OutSchema):
    id: int
    filename: str
    content_type: str
    size_bytes: int


class CallOut(OutSchema):
    id: int
    conversation_id: int
    message_id: int
    direction: str
    number: str
    duration_seconds: int
    outcome: str
    agent_id: int | None
    started_at: datetime
    recordings: list[RecordingOut]


# --- mappers -------------------------------------------------------------------------------


def envelope_out(envelope: InboundEnvelope) -> dict[str, Any]:
    return {
        "id": envelope.pk, "channel": envelope.channel, "external_id": envelope.external_id,
        "status": envelope.status, "outcome": envelope.outcome, "sender": envelope.sender,
        "received_at": envelope.received_at, "attempts": envelope.attempts,
        "next_attempt_at": envelope.next_attempt_at, "last_error": envelope.last_error,
        "processed_at": envelope.processed_at, "mailbox_id": envelope.mailbox_id,
        "conversation_id": envelope.conversation_id, "message_id": envelope.message_id,
    }


def envelope_detail_out(envelope: InboundEnvelope) -> dict[str, Any]:
    text, truncated = envelope_raw_preview(envelope)
    return {**envelope_out(envelope), "meta": envelope.meta,
            "raw_size_bytes": len(envelope.raw), "raw_text": text,
            "raw_truncated": truncated}


def delivery_out(outbound: OutboundMessage) -> dict[str, Any]:
    return {
        "id": outbound.pk, "kind": outbound.kind, "conversation_id": outbound.conversation_id,
        "message_id": outbound.message_id, "channel": outbound.channel,
        "recipient": outbound.recipient, "status": outbound.status,
        "attempts": outbound.attempts, "next_attempt_at": outbound.next_attempt_at,
        "last_error": outbound.last_error, "created_at": outbound.created_at,
        "sent_at": outbound.sent_at,
    }


def mailbox_out(mailbox: Mailbox) -> dict[str, Any]:
    return {
        "id": mailbox.pk, "name": mailbox.name, "address": mailbox.address,
        "team_id": mailbox.team_id, "is_active": mailbox.is_active,
        "send_acknowledgement": mailbox.send_acknowledgement,
        "imap_host": mailbox.imap_host, "imap_port": mailbox.imap_port,
        "imap_security": mailbox.imap_security, "imap_username": mailbox.imap_username,
        "has_imap_password": bool(mailbox.imap_password),
        "imap_folder": mailbox.imap_folder, "last_polled_at": mailbox.last_polled_at,
        "last_error": mailbox.last_error, "created_at": mailbox.created_at,
    }


def call_out(call: PhoneCall, recordings: list[Attachment]) -> dict[str, Any]:
    return {
        "id": call.pk, "conversation_id": call.conversation_id, "message_id": call.message_id,
        "direction": call.direction, "number": call.number,
        "duration_seconds": call.duration_seconds, "outcome": call.outcome,
        "agent_id": call.agent_id, "started_at": call.started_at,
        "recordings": [{"id": item.pk, "filename": item.filename,
                        "content_type": item.content_type, "size_bytes": item.size_bytes}
                       for item in recordings],
    }
