"""Reads for the web-chat visitor API: the session a token opens, the conversation its
messages went into, the public messages a visitor may see, the address they left.

Visitors are not agents: there is no role to check. What a visitor may read is scoped by the
session their token opens (its own conversation, its own e-mail event) and nothing else.
Each poll costs three indexed queries: the session (token_hash is unique), its newest
processed envelope (channel, sender, received_at), the messages after an id (conversation)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet

from mehvar.channels.models import ChatSession, EnvelopeStatus, InboundEnvelope
from mehvar.conversations.models import AuthorKind, Message
from mehvar.core.models import TimelineEvent

# The token is "<visitor id>.<secret>": the visitor id (public, the customer's "webchat"
# identity) rides in the token so that every request knows it without a lookup, and the hash
# covers both parts, so it cannot be swapped for another visitor's.
_TOKEN = re.compile(r"([0-9a-f]{16})\.[A-Za-z0-9_-]{40,64}")
EMAIL_LEFT = "webchat.email_left"
MAX_MESSAGES = 100
MAX_TRANSCRIPT_MESSAGES = 2000


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Visit:
    """An authenticated visitor: their session and the visitor id their token carries."""

    session: ChatSession
    visitor_id: str


def chat_session_for_token(*, token: str) -> Visit | None:
    """The session this bearer token opens, or None (malformed, unknown or revoked)."""
    match = _TOKEN.fullmatch(token)
    if match is None:
        return None
    session = ChatSession.objects.filter(token_hash=token_hash(token)).first()
    return Visit(session=session, visitor_id=match.group(1)) if session is not None else None


def chat_latest_conversation_id(*, visitor_id: str) -> int | None:
    """The conversation the visitor's newest processed message went into: the session's own
    at first, a new one when that was closed (the pipeline then opens another)."""
    return (
        InboundEnvelope.objects.filter(
            channel="webchat", sender=visitor_id, status=EnvelopeStatus.PROCESSED
        )
        .order_by("-received_at", "-id")
        .values_list("conversation_id", flat=True)
        .first()
    )


@dataclass(frozen=True)
class ChatMessage:
    """What a visitor sees of one message. `client_id` is the id the widget gave its own
    message (so that it can replace the copy it showed while sending); empty for agents'."""

    id: int
    is_visitor: bool
    name: str
    text: str
    created_at: datetime
    client_id: str


def chat_messages_after(
    *, conversation_id: int, after: int, limit: int = MAX_MESSAGES
) -> list[ChatMessage]:
    """The conversation's messages a customer may see (theirs and agents' public replies;
    never internal notes or system messages) with an id above `after`, oldest first."""
    rows = (
        _public_messages(conversation_id)
        .filter(pk__gt=after)
        .order_by("pk")[: max(1, min(limit, MAX_MESSAGES))]
    )
    return [_chat_message(row) for row in rows]


def chat_transcript_messages(*, conversation_id: int) -> list[ChatMessage]:
    """The whole visible conversation for the transcript (bounded: a chat is short)."""
    rows = _public_messages(conversation_id).order_by("created_at", "pk")
    return [_chat_message(row) for row in rows[:MAX_TRANSCRIPT_MESSAGES]]


def _public_messages(conversation_id: int) -> QuerySet[Message]:
    return (
        Message.objects.filter(
            conversation_id=conversation_id,
            is_internal=False,
            author_kind__in=[AuthorKind.CUSTOMER, AuthorKind.AGENT],
        )
        .select_related("author_agent", "author_customer")
        .only(
            "id",
            "author_kind",
            "text",
            "created_at",
            "external_id",
            "author_agent__display_name",
            "author_agent__first_name",
            "author_customer__name",
        )
    )


def _chat_message(row: Message) -> ChatMessage:
    is_visitor = row.author_kind == AuthorKind.CUSTOMER
    if is_visitor:
        name = row.author_customer.name if row.author_customer is not None else ""
    else:
        # An agent's display name or first name only: their user name and surname are
        # internal.
        agent = row.author_agent
        name = (agent.display_name or agent.first_name) if agent is not None else ""
    client_id = row.external_id.partition(":")[2] if is_visitor else ""
    return ChatMessage(
        id=row.pk,
        is_visitor=is_visitor,
        name=name,
        text=row.text,
        created_at=row.created_at,
        client_id=client_id,
    )


def chat_email_left(*, session: ChatSession) -> str:
    """The address the visitor last left in this session, or "" (read from the timeline
    event that recorded it: ChatSession has no column for it)."""
    after = (
        TimelineEvent.objects.filter(
            customer_id=session.customer_id, verb=EMAIL_LEFT, after__session_id=session.pk
        )
        .order_by("-at", "-id")
        .values_list("after", flat=True)
        .first()
    )
    email = after.get("email") if isinstance(after, dict) else None
    return email if isinstance(email, str) else ""
