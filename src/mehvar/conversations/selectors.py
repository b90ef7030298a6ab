"""Reads for conversations, messages and their timeline: permission-scoped, keyset-paginated,
with a fixed number of queries whatever the data size.

Query budget (each asserted in tests/conversations/test_selectors.py):
- conversation_list: 1 query, plus 1 for the tags when the page is not empty.
- conversation_get: 2 (the row with customer, team and assignee; its tags).
- conversation_messages: 2 (messages with their agents; their attachments), or 1 more to tell
  an empty page from an unknown conversation.
- conversation_list_for_customer: 1. conversation_counts_for_customer: 2.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from mehvar.accounts.selectors import AGENT_NAME_FIELDS
from mehvar.conversations.errors import ConversationErrorCode as Code
from mehvar.conversations.html import normalize_tag
from mehvar.conversations.models import Attachment, Conversation, Message
from mehvar.core.errors import NotFound
from mehvar.core.models import TimelineEvent
from mehvar.core.pagination import (
    MAX_PAGE_SIZE,
    Page,
    decode_cursor,
    encode_cursor,
    keyset_page,
)
from mehvar.core.permissions import Actor, require

ATTACHMENT_FIELDS = ("id", "message_id", "filename", "content_type", "size_bytes", "created_at")
# A list row shows its customer, team and assignee as {"id", "name"}: loading the whole rows
# (JSON profile columns, password hashes) cost more CPU than the rest of the page.
_REF_FIELDS = {"customer": ("id", "name"), "team": ("id", "name"), "assignee": AGENT_NAME_FIELDS}


def _listing(*relations: str) -> QuerySet[Conversation]:
    own = [field.name for field in Conversation._meta.concrete_fields if not field.is_relation]
    refs = [f"{relation}__{name}" for relation in relations for name in _REF_FIELDS[relation]]
    return Conversation.objects.select_related(*relations).only(*own, *refs)


def conversation_not_found() -> NotFound:
    return NotFound(Code.CONVERSATION_NOT_FOUND, _("No conversation has this id."))


# --- conversations -------------------------------------------------------------------------


def conversation_get(*, actor: Actor, conversation_id: int) -> Conversation:
    """One conversation with its customer, team, assignee and tags (2 queries)."""
    require(actor, "conversation.view")
    conversation = (
        Conversation.objects.select_related("customer", "team", "assignee")
        .prefetch_related("tags")
        .filter(pk=conversation_id)
        .first()
    )
    if conversation is None:
        raise conversation_not_found()
    return conversation


def conversation_list(
    *,
    actor: Actor,
    status: Sequence[str] | None = None,
    priority: str | None = None,
    channel: str | None = None,
    language: str | None = None,
    assignee_id: int | None = None,
    team_id: int | None = None,
    team_ids: Sequence[int] | None = None,
    customer_id: int | None = None,
    tag: str | None = None,
    unassigned: bool = False,
    cursor: str | None = None,
    limit: int = 25,
) -> Page[Conversation]:
    """Newest first (keyset on created_at, id). Every filter is optional and they combine with
    AND; `status` accepts several values; `unassigned=True` takes precedence over
    `assignee_id`; `team_ids` keeps the conversations of any of those teams; `tag` is
    normalised as stored tags are. Unknown values match nothing."""
    require(actor, "conversation.view")
    queryset = _filtered(
        _listing("customer", "team", "assignee"), status=status, priority=priority,
        channel=channel, language=language, assignee_id=assignee_id, team_id=team_id,
        team_ids=team_ids, customer_id=customer_id, tag=tag, unassigned=unassigned)
    page: Page[Conversation] = keyset_page(queryset, field="created_at", cursor=cursor,
                                           limit=limit)
    _load_tag_names(page.items)
    return page


def conversation_count(*, actor: Actor, cap: int = 1000, **filters: Any) -> int:
    """How many conversations match conversation_list's filters, counting at most `cap` (the
    inbox shows "999+"): each count stays an index range scan of at most `cap` rows."""
    require(actor, "conversation.view")
    matching = _filtered(Conversation.objects.all(), **filters).values("id")[:cap]
    return matching.count()


def _filtered(
    queryset: QuerySet[Conversation],
    *,
    status: Sequence[str] | None = None,
    priority: str | None = None,
    channel: str | None = None,
    language: str | None = None,
    assignee_id: int | None = None,
    team_id: int | None = None,
    team_ids: Sequence[int] | None = None,
    customer_id: int | None = None,
    tag: str | None = None,
    unassigned: bool = False,
) -> QuerySet[Conversation]:
    if status:
        statuses = list(dict.fromkeys(status))
        queryset = (queryset.filter(status=statuses[0]) if len(statuses) == 1
                    else queryset.filter(status__in=statuses))
    if priority:
        queryset = queryset.filter(priority=priority)
    if channel:
        queryset = queryset.filter(channel=channel)
    if language:
        queryset = queryset.filter(language=language)
    if unassigned:
        queryset = queryset.filter(assignee__isnull=True)
    elif assignee_id is not None:
        queryset = queryset.filter(assignee_id=assignee_id)
    if team_id is not None:
        queryset = queryset.filter(team_id=team_id)
    if team_ids is not None:
        queryset = queryset.filter(team_id__in=list(team_ids))
    if customer_id is not None:
        queryset = queryset.filter(customer_id=customer_id)
    if tag:
        queryset = queryset.filter(tags__name=normalize_tag(tag))
    return queryset


def _load_tag_names(conversations: Sequence[Conversation]) -> None:
    """Set `tag_names` on each conversation, in one query. prefetch_related("tags") built a
    related manager and Tag rows per conversation: a fifth of a list request's CPU."""
    if not conversations:
        return
    names: dict[int, list[str]] = {conversation.pk: [] for conversation in conversations}
    pairs = (Conversation.tags.through.objects.filter(conversation_id__in=names)
             .order_by("tag__name").values_list("conversation_id", "tag__name"))
    for conversation_id, name in pairs:
        names[conversation_id].append(name)
    for conversation in conversations:
        conversation.tag_names = names[conversation.pk]


def conversation_list_for_customer(
    *, customer_id: int, cursor: str | None, limit: int
) -> Page[Conversation]:
    """A customer's conversations on every channel, newest first, with assignee and team (one
    query). No permission check: the caller (the customer 360 selector) has done it."""
    queryset = _listing("assignee", "team").filter(customer_id=customer_id)
    return keyset_page(queryset, field="created_at", cursor=cursor, limit=limit)


def conversation_counts_for_customer(*, customer_id: int) -> dict[str, dict[str, int]]:
    """{"by_status": {status: n}, "by_channel": {channel: n}}, only values that occur (two
    aggregate queries). No permission check, as for conversation_list_for_customer."""
    rows = Conversation.objects.filter(customer_id=customer_id).order_by()
    by_status = rows.values_list("status").annotate(n=Count("id"))
    by_channel = rows.values_list("channel").annotate(n=Count("id"))
    return {
        "by_status": dict(by_status),
        "by_channel": dict(by_channel),
    }


# --- messages ------------------------------------------------------------------------------


def conversation_messages(
    *, actor: Actor, conversation_id: int, cursor: str | None = None, limit: int = 50
) -> Page[Message]:
    """A conversation's messages, oldest first, with attachments and authoring agents.
    NotFound when the conversation does not exist."""
    require(actor, "conversation.view")
    page = messages_page(conversation_id=conversation_id, cursor=cursor, limit=limit)
    if not page.items and not Conversation.objects.filter(pk=conversation_id).exists():
        raise conversation_not_found()
    return page


def message_get(*, actor: Actor, conversation_id: int, message_id: int) -> Message:
    """One message of the given conversation (NotFound "message_not_found" otherwise)."""
    require(actor, "conversation.view")
    message = Message.objects.filter(pk=message_id, conversation_id=conversation_id).first()
    if message is None:
        raise NotFound(Code.MESSAGE_NOT_FOUND, _("No message has this id."))
    return message


def messages_page(*, conversation_id: int, cursor: str | None, limit: int) -> Page[Message]:
    """The page without the permission check, for selectors that already made it."""
    queryset = (
        Message.objects.filter(conversation_id=conversation_id)
        .select_related("author_agent")
        .prefetch_related(
            Prefetch("attachments", queryset=Attachment.objects.only(*ATTACHMENT_FIELDS)
                     .order_by("id"))
        )
    )
    return keyset_page_ascending(queryset, field="created_at", cursor=cursor, limit=limit)


def keyset_page_ascending(
    queryset: QuerySet[Any], *, field: str, cursor: str | None, limit: int
) -> Page[Any]:
    """Oldest first by (field, pk): the mirror image of core.pagination.keyset_page, with the
    same cursor format, served by an ascending composite index."""
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    if cursor:
        at, pk = decode_cursor(cursor)
        # The redundant `>=` bound lets PostgreSQL scan the index from the cursor on.
        queryset = queryset.filter(**{f"{field}__gte": at}).filter(
            Q(**{f"{field}__gt": at}) | Q(**{field: at, "pk__gt": pk}))
    rows = list(queryset.order_by(field, "pk")[: limit + 1])
    has_more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(getattr(rows[-1], field), rows[-1].pk) if has_more else None
    return Page(items=rows, next_cursor=next_cursor)


# --- timeline ------------------------------------------------------------------------------


def conversation_timeline(
    *, actor: Actor, conversation_id: int, cursor: str | None = None, limit: int = 50
) -> Page[TimelineEvent]:
    """The conversation's timeline events, newest first, with their actors."""
    require(actor, "conversation.view")
    queryset = TimelineEvent.objects.select_related("actor").filter(
        conversation_id=conversation_id)
    page: Page[TimelineEvent] = keyset_page(queryset, field="at", cursor=cursor, limit=limit)
    if not page.items and not Conversation.objects.filter(pk=conversation_id).exists():
        raise conversation_not_found()
    return page
