"""Input and output shapes of the conversations API.

Inputs bound every string, number and list (the services check the finer rules, such as
MEHVAR_MAX_MESSAGE_CHARS, at call time). Outputs are plain dicts built by the `*_out` mappers
below from the selectors' results, so no serializer reaches into the database.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import StringConstraints, field_validator

from mehvar.conversations.models import (
    Attachment,
    Channel,
    Conversation,
    Message,
    Priority,
    Status,
)
from mehvar.core.models import TimelineEvent
from mehvar.core.schema import Listed, OutSchema

DB_ID_MAX = 2**63 - 1
# Absolute ceilings of the API; the configured limits (settings) are checked by the services.
TEXT_MAX_CHARS = 1_000_000
HTML_MAX_CHARS = 5_000_000
ObjectId = Annotated[int, Field(ge=-DB_ID_MAX, le=DB_ID_MAX)]
TagIn = Annotated[str, StringConstraints(min_length=1, max_length=100)]
CustomFieldKey = Annotated[str, StringConstraints(min_length=1, max_length=64)]
CustomFieldScalar = Annotated[str, StringConstraints(max_length=2_000)] | int | float | bool | None
CustomFieldValue = CustomFieldScalar | Annotated[list[CustomFieldScalar], Field(max_length=50)]
Cursor = Annotated[str, StringConstraints(max_length=200)]


# --- inputs --------------------------------------------------------------------------------


class IdentityRefIn(Schema):
    kind: str = Field(min_length=1, max_length=16)
    value: str = Field(min_length=1, max_length=320)


class CustomerRefIn(Schema):
    """The customer a new conversation belongs to, found (or created) by one identity."""

    identity: IdentityRefIn
    name: str = Field("", max_length=200)
    language: str = Field("", max_length=16)


class MessageBodyIn(Schema):
    text: str = Field("", max_length=TEXT_MAX_CHARS)
    html: str = Field("", max_length=HTML_MAX_CHARS, description="Sanitised before it is stored")


class ConversationCreateIn(MessageBodyIn):
    """Give `customer_id`, or `customer` with an identity (a new identity creates the
    customer). `text` or `html` is the first message. A repeated `external_id` on the same
    channel returns the conversation created the first time."""

    subject: str = Field(min_length=1, max_length=300)
    channel: Channel
    customer_id: ObjectId | None = None
    customer: CustomerRefIn | None = None
    language: str = Field("", max_length=16)
    priority: Priority = Priority.NORMAL
    team_id: ObjectId | None = None
    assignee_id: ObjectId | None = None
    tags: list[TagIn] = Field(default_factory=list, max_length=20)
    custom_fields: dict[CustomFieldKey, CustomFieldValue] = Field(default_factory=dict,
                                                                   max_length=50)
    external_id: str = Field("", max_length=500)
    author: Literal["customer", "agent"] = Field(
        "customer", description='"agent": an outbound conversation started by the caller')


class ReplyIn(MessageBodyIn):
    language: str = Field("", max_length=16)


class AssignIn(Schema):
    """A field left out stays as it is; null clears it."""

    assignee_id: ObjectId | None = None
    team_id: ObjectId | None = None


class StatusIn(Schema):
    status: Status


class PriorityIn(Schema):
    priority: Priority


class TagsIn(Schema):
    tags: list[TagIn] = Field(max_length=20)


class ConversationPatchIn(Schema):
    """Only the fields sent change."""

    subject: str | None = Field(None, min_length=1, max_length=300)
    custom_fields: dict[CustomFieldKey, CustomFieldValue] | None = Field(None, max_length=50)
    language: str | None = Field(None, max_length=16)


class ConversationFilters(Schema):
    status: list[Status] | None = Field(
        None, max_length=6, description="Comma-separated or repeated: status=new,open")
    priority: Priority | None = None
    channel: Channel | None = None
    language: str | None = Field(None, max_length=16)
    assignee_id: ObjectId | None = None
    team_id: ObjectId | None = None
    customer_id: ObjectId | None = None
    tag: str | None = Field(None, max_length=100)
    unassigned: bool = False
    cursor: Cursor | None = None
    limit: int = Field(25, ge=1, le=100)

    @field_validator("status", mode="before")
    @classmethod
    def split_commas(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [value]
        if isinstance(value, list):
            return [part.strip() for item in value if isinstance(item, str)
                    for part in item.split(",") if part.strip()] or None
        return value


class PageParams(Schema):
    cursor: Cursor | None = None
    limit: int = Field(50, ge=1, le=100)


# --- outputs -------------------------------------------------------------------------------


class RefOut(OutSchema):
    id: int
    name: str


class AttachmentOut(OutSchema):
    id: int
    filename: str
    content_type: str
    size_bytes: int
    created_at: datetime


class MessageOut(OutSchema):
    id: int
    conversation_id: int
    author_kind: str
    author_agent: RefOut | None
    author_customer_id: int | None
    is_internal: bool
    text: str
    html: str
    language: str
    channel: str
    external_id: str
    created_at: datetime
    attachments: Listed[AttachmentOut]


class ConversationOut(OutSchema):
    id: int
    subject: str
    status: str
    priority: str
    channel: str
    language: str
    customer: RefOut
    team: RefOut | None
    assignee: RefOut | None
    tags: list[str]
    custom_fields: dict[str, Any]
    message_count: int
    created_at: datetime
    updated_at: datetime
    last_message_at: datetime | None
    first_response_at: datetime | None
    solved_at: datetime | None
    closed_at: datetime | None


class ConversationDetailOut(ConversationOut):
    messages: Listed[MessageOut]
    messages_next_cursor: str | None


class ConversationPageOut(OutSchema):
    items: list[ConversationOut]
    next_cursor: str | None


class MessagePageOut(OutSchema):
    items: list[MessageOut]
    next_cursor: str | None


class TimelineEventOut(OutSchema):
    id: int
    at: datetime
    verb: str
    actor: RefOut | None
    customer_id: int | None
    conversation_id: int | None
    before: dict[str, Any]
    after: dict[str, Any]


class TimelinePageOut(OutSchema):
    items: list[TimelineEventOut]
    next_cursor: str | None


# --- mappers (relations must be loaded by the selector or service) --------------------------


def _ref(row: Any) -> dict[str, Any] | None:
    return None if row is None else {"id": row.pk, "name": row.name}


def _tag_names(conversation: Conversation) -> list[str]:
    loaded = getattr(conversation, "tag_names", None)  # set by the list selector
    return [tag.name for tag in conversation.tags.all()] if loaded is None else loaded


def conversation_out(conversation: Conversation) -> dict[str, Any]:
    return {
        "id": conversation.pk,
        "subject": conversation.subject,
        "status": conversation.status,
        "priority": conversation.priority,
        "channel": conversation.channel,
        "language": conversation.language,
        "customer": _ref(conversation.customer),
        "team": _ref(conversation.team),
        "assignee": _ref(conversation.assignee),
        "tags": _tag_names(conversation),
        "custom_fields": conversation.custom_fields,
        "message_count": conversation.message_count,
        "created_at": conversation.created_at,
        "updated_at": conversation.updated_at,
        "last_message_at": conversation.last_message_at,
        "first_response_at": conversation.first_response_at,
        "solved_at": conversation.solved_at,
        "closed_at": conversation.closed_at,
    }


def attachment_out(attachment: Attachment) -> dict[str, Any]:
    return {
        "id": attachment.pk,
        "filename": attachment.filename,
        "content_type": attachment.content_type,
        "size_bytes": attachment.size_bytes,
        "created_at": attachment.created_at,
    }


def message_out(message: Message) -> dict[str, Any]:
    return {
        "id": message.pk,
        "conversation_id": message.conversation_id,
        "author_kind": message.author_kind,
        "author_agent": _ref(message.author_agent),
        "author_customer_id": message.author_customer_id,
        "is_internal": message.is_internal,
        "text": message.text,
        "html": message.html,
        "language": message.language,
        "channel": message.channel,
        "external_id": message.external_id,
        "created_at": message.created_at,
        "attachments": [attachment_out(item) for item in message.attachments.all()],
    }


def conversation_detail_out(
    conversation: Conversation, messages: Iterable[Message], messages_next_cursor: str | None,
) -> dict[str, Any]:
    return {
        **conversation_out(conversation),
        "messages": [message_out(message) for message in messages],
        "messages_next_cursor": messages_next_cursor,
    }


def timeline_event_out(event: TimelineEvent) -> dict[str, Any]:
    return {
        "id": event.pk,
        "at": event.at,
        "verb": event.verb,
        "actor": _ref(event.actor),
        "customer_id": event.customer_id,
        "conversation_id": event.conversation_id,
        "before": event.before,
        "after": event.after,
    }
