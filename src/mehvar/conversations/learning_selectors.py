"""Reads of message texts for the contexts that learn from them (intelligence): plain rows,
a batch at a time, no permission scope (callers are background jobs and services that made
their own check)."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q

from mehvar.conversations.models import AuthorKind, Conversation, Message
from mehvar.core.models import TimelineEvent

# A message longer than this is judged by its beginning: models read short texts, and one
# pasted log must not cost the whole batch.
TEXT_CHARS = 2_000


@dataclass(frozen=True)
class MessageText:
    id: int
    conversation_id: int
    from_customer: bool
    text: str
    created_at: datetime


def _public() -> Q:
    return Q(is_internal=False, author_kind__in=(AuthorKind.CUSTOMER, AuthorKind.AGENT))


def _rows(messages: Iterable[tuple[int, int, str, str, datetime]]) -> list[MessageText]:
    return [MessageText(pk, conversation_id, kind == AuthorKind.CUSTOMER, text[:TEXT_CHARS], at)
            for pk, conversation_id, kind, text, at in messages]


_FIELDS = ("pk", "conversation_id", "author_kind", "text", "created_at")


def message_texts(*, ids: Sequence[int]) -> list[MessageText]:
    """The public customer and agent messages among `ids`, oldest first."""
    return _rows(Message.objects.filter(_public(), pk__in=list(ids))
                 .order_by("created_at", "pk").values_list(*_FIELDS))


def conversation_message_texts(*, conversation_id: int) -> list[MessageText]:
    """A conversation's public customer and agent messages, oldest first."""
    return _rows(Message.objects.filter(_public(), conversation_id=conversation_id)
                 .order_by("created_at", "pk").values_list(*_FIELDS))


def message_texts_after(*, after_id: int, limit: int,
                        since: datetime | None = None) -> list[MessageText]:
    """Public customer and agent messages by id, a batch at a time (sweeps and backfills)."""
    queryset = Message.objects.filter(_public(), pk__gt=after_id)
    if since is not None:
        queryset = queryset.filter(created_at__gte=since)
    return _rows(queryset.order_by("pk").values_list(*_FIELDS)[:limit])


def message_ids_after(*, after_id: int, limit: int, newest: bool = False) -> list[int]:
    """Ids of public customer and agent messages after `after_id`, oldest first (or, with
    `newest`, newest first)."""
    queryset = Message.objects.filter(_public(), pk__gt=after_id)
    order = "-pk" if newest else "pk"
    return list(queryset.order_by(order).values_list("pk", flat=True)[:limit])


def first_customer_texts_tagged(*, tags: Sequence[str], limit: int) -> list[tuple[str, str]]:
    """(tag, text of the first customer message) for the latest conversations carrying each
    tag: what a customer wrote when they wanted what the tag names (intent training)."""
    examples: list[tuple[str, str]] = []
    for tag in tags:
        ids = list(Conversation.objects.filter(tags__name=tag).order_by("-pk")
                   .values_list("pk", flat=True)[:limit])
        firsts: dict[int, str] = {}
        for conversation_id, text in (Message.objects
                                      .filter(conversation_id__in=ids,
                                              author_kind=AuthorKind.CUSTOMER)
                                      .order_by("conversation_id", "created_at", "pk")
                                      .values_list("conversation_id", "text")):
            firsts.setdefault(conversation_id, text[:TEXT_CHARS])
        examples.extend((tag, text) for text in firsts.values() if text.strip())
    return examples


@dataclass(frozen=True)
class ConversationFacts:
    """What a satisfaction model may know about a conversation besides its messages."""

    id: int
    customer_id: int
    status: str
    priority: str
    channel: str
    created_at: datetime
    first_response_at: datetime | None
    reopenings: int
    handoffs: int
    earlier_conversations: int


_HANDOFF_VERBS = ("conversation.escalated", "conversation.referred", "conversation.handed_back")
_DONE = ("solved", "closed")


def conversation_facts(*, conversation_ids: Sequence[int]) -> dict[int, ConversationFacts]:
    """Facts of the given conversations in three queries whatever their number."""
    ids = list(conversation_ids)
    rows = list(Conversation.objects.filter(pk__in=ids).values_list(
        "pk", "customer_id", "status", "priority", "channel", "created_at",
        "first_response_at"))
    reopenings: dict[int, int] = {}
    handoffs: dict[int, int] = {}
    for conversation_id, verb, before, after in (
            TimelineEvent.objects.filter(conversation_id__in=ids,
                                         verb__in=("conversation.status_changed",
                                                   *_HANDOFF_VERBS))
            .values_list("conversation_id", "verb", "before", "after")):
        if verb in _HANDOFF_VERBS:
            handoffs[conversation_id] = handoffs.get(conversation_id, 0) + 1
        elif (before or {}).get("status") in _DONE and (after or {}).get("status") not in _DONE:
            reopenings[conversation_id] = reopenings.get(conversation_id, 0) + 1
    history: dict[int, list[datetime]] = {}
    for customer_id, at in (Conversation.objects.filter(customer_id__in={row[1] for row in rows})
                            .order_by("customer_id", "created_at")
                            .values_list("customer_id", "created_at")):
        history.setdefault(customer_id, []).append(at)
    earlier = {row[0]: bisect_left(history.get(row[1], []), row[5]) for row in rows}
    return {pk: ConversationFacts(pk, customer_id, status, priority, channel, created_at,
                                  first_response_at, reopenings.get(pk, 0),
                                  handoffs.get(pk, 0), earlier[pk])
            for pk, customer_id, status, priority, channel, created_at, first_response_at
            in rows}
