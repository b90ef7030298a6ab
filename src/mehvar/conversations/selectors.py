"""Reads for conversations, messages and their timeline: permission-scoped, keyset-paginated,
with a fixed number of queries whatever the data size.

Query budget (each asserted in tests/conversations/test_selectors.py):
- conversation_list: 1 query, plus 1 for the tags when the page is not empty.
- conversation_get: 2 (the row with customer, team and assignee; its tags).
- conversation_messages: 2 (messages with their agents; their attachments), or 1 more to tell
  an empty page from an unknown conversation.
- conversation_list_for_customer: 1. conversation_counts_for_customer: 1.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from mehvar.accounts.selectors import AGENT_NAME_FIELDS
from mehvar.conversations.errors import ConversationErrorCode as Code
from mehvar.conversations.html import normalize_tag
from mehvar.conversations.models import Attachment, Conversation, Mention, Message
from mehvar.core import rawrow
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
    """One conversation with its customer's, team's and assignee's names, and its tags (2
    queries)."""
    require(actor, "conversation.view")
    conversation = (
        _listing("customer", "team", "assignee").prefetch_related("tags")
        .filter(pk=conversation_id).first()
    )
    if conversation is None:
        raise conversation_not_found()
    return conversation


@dataclass(frozen=True)
class ConversationFilter:
    """conversation_list's and conversation_counts' filters. Every one is optional and they
    combine with AND; `status` accepts several values; `unassigned=True` takes precedence
    over `assignee_id`; `team_ids` keeps the conversations of any of those teams; `tag` is
    normalised as stored tags are; `mentioned_agent_id` keeps conversations with a note that
    @mentions that agent; `ids_in` keeps conversations whose id is in that subquery (a
    column of conversation ids from a context above, e.g. intelligence's insight filters).
    Unknown values match nothing."""

    status: Sequence[str] | None = None
    priority: str | None = None
    channel: str | None = None
    language: str | None = None
    assignee_id: int | None = None
    team_id: int | None = None
    team_ids: Sequence[int] | None = None
    customer_id: int | None = None
    tag: str | None = None
    unassigned: bool = False
    mentioned_agent_id: int | None = None
    ids_in: QuerySet[Any] | None = None

    def apply(self, queryset: QuerySet[Conversation]) -> QuerySet[Conversation]:
        if self.status:
            statuses = list(dict.fromkeys(self.status))
            queryset = (queryset.filter(status=statuses[0]) if len(statuses) == 1
                        else queryset.filter(status__in=statuses))
        equal = {"priority": self.priority, "channel": self.channel,
                 "language": self.language, "team_id": self.team_id,
                 "customer_id": self.customer_id}
        queryset = queryset.filter(**{field: value for field, value in equal.items()
                                      if value is not None and value != ""})
        if self.unassigned:
            queryset = queryset.filter(assignee__isnull=True)
        elif self.assignee_id is not None:
            queryset = queryset.filter(assignee_id=self.assignee_id)
        if self.team_ids is not None:
            queryset = queryset.filter(team_id__in=list(self.team_ids))
        if self.tag:
            queryset = queryset.filter(tags__name=normalize_tag(self.tag))
        if self.mentioned_agent_id is not None:
            queryset = queryset.filter(pk__in=Mention.objects.filter(
                agent_id=self.mentioned_agent_id).values("conversation_id"))
        if self.ids_in is not None:
            queryset = queryset.filter(pk__in=self.ids_in)
        return queryset


SORTS = ("newest", "oldest", "updated")


def conversation_list(
    *, actor: Actor, cursor: str | None = None, limit: int = 25, sort: str = "newest",
    **filters: Any,
) -> Page[Conversation]:
    """Keyset-paginated, newest first; `sort="oldest"` serves the longest-waiting first,
    `sort="updated"` the latest activity first. `filters` are ConversationFilter's fields."""
    require(actor, "conversation.view")
    queryset = ConversationFilter(**filters).apply(_listing("customer", "team", "assignee"))
    page: Page[Conversation]
    if sort == "oldest":
        page = keyset_page_ascending(queryset, field="created_at", cursor=cursor, limit=limit)
    else:
        page = keyset_page(queryset, field="updated_at" if sort == "updated" else "created_at",
                           cursor=cursor, limit=limit)
    _load_tag_names(page.items)
    return page


def conversation_counts(
    *, actor: Actor, cap: int = 1000, views: dict[str, dict[str, Any]]
) -> dict[str, int]:
    """How many conversations match each of several ConversationFilter sets (the inbox's
    views), counting at most `cap` each (the inbox shows "999+"), in one round trip: one
    SELECT of bounded COUNT subqueries, each an index range scan of at most `cap` rows."""
    require(actor, "conversation.view")
    if not views:
        return {}
    parts: list[str] = []
    params: list[Any] = []
    for filters in views.values():
        matching = ConversationFilter(**filters).apply(Conversation.objects.all())
        try:
            sql, part_params = matching.values("id")[:cap].query.sql_with_params()
        except EmptyResultSet:  # a filter that matches nothing, e.g. no teams for "my teams"
            parts.append("0")
            continue
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS counted)")
        params.extend(part_params)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(parts)}", params)
        row = cursor.fetchone()
    return {key: int(count) for key, count in zip(views, row, strict=True)}


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
    """{"by_status": {status: n}, "by_channel": {channel: n}}, only values that occur (one
    aggregate query over (status, channel) pairs). No permission check, as for
    conversation_list_for_customer."""
    pairs = (Conversation.objects.filter(customer_id=customer_id).order_by()
             .values_list("status", "channel").annotate(n=Count("id")))
    by_status: dict[str, int] = {}
    by_channel: dict[str, int] = {}
    for status, channel, count in pairs:
        by_status[status] = by_status.get(status, 0) + count
        by_channel[channel] = by_channel.get(channel, 0) + count
    return {"by_status": by_status, "by_channel": by_channel}


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


def attachment_get(*, actor: Actor, conversation_id: int, attachment_id: int) -> Attachment:
    """One attachment of a message of this conversation (NotFound otherwise)."""
    require(actor, "conversation.view")
    attachment = Attachment.objects.filter(
        pk=attachment_id, message__conversation_id=conversation_id).first()
    if attachment is None:
        raise NotFound(Code.ATTACHMENT_NOT_FOUND, _("No attachment has this id."))
    return attachment


def messages_page(*, conversation_id: int, cursor: str | None, limit: int) -> Page[Message]:
    """The page without the permission check, for selectors that already made it."""
    return keyset_page_ascending(_messages_queryset(conversation_id), field="created_at",
                                 cursor=cursor, limit=limit)


def _messages_queryset(conversation_id: int) -> QuerySet[Message]:
    # The authoring agent's name columns only, and not the search key (a second copy of the
    # text): whole agent rows and the key were most of the thread's loading time.
    own = [field.attname for field in Message._meta.concrete_fields
           if field.attname != "search_text"]
    return (
        Message.objects.filter(conversation_id=conversation_id)
        .select_related("author_agent")
        .only(*own, *(f"author_agent__{name}" for name in AGENT_NAME_FIELDS))
        .prefetch_related(
            Prefetch("attachments", queryset=Attachment.objects.only(*ATTACHMENT_FIELDS)
                     .order_by("id"))
        )
    )


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


# --- the conversation page -----------------------------------------------------------------

# Timeline verbs the thread shows between messages ("message.added" is the message itself).
THREAD_EVENT_VERBS = ("conversation.created", "conversation.assigned",
                      "conversation.status_changed", "conversation.priority_changed",
                      "conversation.tags_changed", "conversation.updated",
                      # from the contexts above: routing, hand-offs, SLA clocks, surveys
                      "conversation.routed", "conversation.auto_assigned",
                      "conversation.handed_back", "conversation.escalated",
                      "conversation.referred", "sla.at_risk", "sla.breached",
                      "survey.sent", "survey.answered", "survey.answer_changed",
                      "internal_request.created", "internal_request.finished",
                      "complaint.raised", "complaint.resolved", "complaint.escalated")
MAX_THREAD_EVENTS = 200


@dataclass(frozen=True)
class Thread:
    """The latest messages (oldest first) with the system events between them; `earlier` is
    the cursor for the messages before the first one, None when the thread starts here."""

    items: list[Message | TimelineEvent]
    earlier: str | None


def conversation_thread(
    *, actor: Actor, conversation_id: int, before: str | None = None, limit: int = 50
) -> Thread:
    """One window of the thread, newest messages last (three queries: messages with their
    agents, their attachments, the events)."""
    require(actor, "conversation.view")
    page = keyset_page(_messages_queryset(conversation_id), field="created_at", cursor=before,
                       limit=limit)
    messages = list(reversed(page.items))
    events = TimelineEvent.objects.select_related("actor").only(
        "id", "at", "verb", "conversation_id", "before", "after",
        *(f"actor__{name}" for name in AGENT_NAME_FIELDS),
    ).filter(conversation_id=conversation_id, verb__in=THREAD_EVENT_VERBS)
    if page.next_cursor and messages:  # older messages exist: events from this window only
        events = events.filter(at__gte=messages[0].created_at)
    if before:
        events = events.filter(at__lte=decode_cursor(before)[0])
    window = list(events.order_by("-at", "-id")[:MAX_THREAD_EVENTS])
    items: list[Message | TimelineEvent] = sorted(
        [*messages, *window], key=lambda item: (_when(item), isinstance(item, Message)))
    return Thread(items=items, earlier=page.next_cursor)


def _when(item: Message | TimelineEvent) -> Any:
    return item.created_at if isinstance(item, Message) else item.at


def conversation_version(*, actor: Actor, conversation_id: int) -> int:
    """When the conversation last changed, in microseconds since the epoch (one primary-key
    lookup): every write to it — a message, a note, status, priority, assignment, tags —
    moves `updated_at`, so the live-update poll compares this with what the page shows."""
    require(actor, "conversation.view")
    updated_at = (Conversation.objects.filter(pk=conversation_id)
                  .values_list("updated_at", flat=True).first())
    if updated_at is None:
        raise conversation_not_found()
    return version_of(updated_at)


def version_of(updated_at: datetime) -> int:
    return int(updated_at.timestamp() * 1_000_000)


def inbox_last_event_id(*, actor: Actor) -> int:
    """The latest timeline event id anywhere (one primary-key lookup): the inbox reloads its
    list when it grows."""
    require(actor, "conversation.view")
    latest = TimelineEvent.objects.order_by("-id").values_list("id", flat=True).first()
    return latest or 0


def conversation_neighbours(
    *, actor: Actor, conversation: Conversation, sort: str = "newest", **filters: Any
) -> tuple[int | None, int | None]:
    """(previous, next): the ids of the conversations above and below this one in the inbox
    list with these filters and sort (None at either end), in two index lookups."""
    require(actor, "conversation.view")
    queryset = ConversationFilter(**filters).apply(Conversation.objects.all())
    field = "updated_at" if sort == "updated" else "created_at"
    value = getattr(conversation, field)
    after = Q(**{f"{field}__gt": value}) | Q(**{field: value, "pk__gt": conversation.pk})
    before = Q(**{f"{field}__lt": value}) | Q(**{field: value, "pk__lt": conversation.pk})
    newer = (queryset.filter(after).order_by(field, "pk").values_list("pk", flat=True)
             .first())
    older = (queryset.filter(before).order_by(f"-{field}", "-pk")
             .values_list("pk", flat=True).first())
    return (older, newer) if sort == "oldest" else (newer, older)


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


# --- reads for the channels context (system reads: no acting agent, only ids and states) ---


_BRIEF_FIELDS = ("id", "customer_id", "channel", "status", "subject", "language",
                 "last_message_at", "solved_at")


def conversation_brief(*, conversation_id: int) -> Conversation | None:
    """Id, customer, channel, status, subject, language and times of one conversation."""
    return Conversation.objects.filter(pk=conversation_id).only(*_BRIEF_FIELDS).first()


def conversation_for_message_ids(*, channel: str, external_ids: Sequence[str],
                                 for_update: bool = False) -> Conversation | None:
    """The conversation of the newest message with one of these external ids on a channel
    (an e-mail reply's In-Reply-To / References): one query, by hand-written SQL (core.rawrow)
    as every inbound e-mail reply asks it and the ORM's join cost more than its answer.
    `for_update`: the row is locked until the caller's transaction ends (the channel then
    adds the reply without reading it a second time)."""
    ids = list(dict.fromkeys(external_ids))[:_MAX_REFERENCES_LOOKED_UP]
    if not ids:
        return None
    lock = for_update and connection.features.has_select_for_update
    rows = rawrow.fetch_rows(by_message_ids_sql(len(ids), lock=lock), [channel, *ids])
    return rawrow.build(Conversation, rows[0]) if rows else None


_MAX_REFERENCES_LOOKED_UP = 50


@cache
def by_message_ids_sql(count: int, *, lock: bool = False) -> str:
    """`conversation_for_message_ids`' statement for `count` ids (parameters: the channel,
    then the ids). The `NOT (… = '')` repeats the condition of the unique index on (external id,
    channel): a prepared (generic) plan can use that partial index only when the query
    states it; without it PostgreSQL and SQLite scanned every message."""
    return (
        f"SELECT {rawrow.columns_sql(Conversation, 'conversation')} "
        f"FROM {Conversation._meta.db_table} AS conversation WHERE conversation.id = "
        f"(SELECT message.conversation_id FROM {Message._meta.db_table} AS message "
        f"WHERE message.channel = %s AND NOT (message.external_id = '') "
        f"AND message.external_id IN ({', '.join(['%s'] * count)}) "
        f"ORDER BY message.created_at DESC, message.id DESC LIMIT 1)"
        + (" FOR UPDATE" if lock else ""))


def conversation_latest_for_customer(*, customer_id: int, channel: str) -> Conversation | None:
    """The customer's newest conversation on a channel (messaging threads continue it)."""
    return (Conversation.objects.filter(customer_id=customer_id, channel=channel)
            .order_by("-created_at", "-id").only(*_BRIEF_FIELDS).first())



def message_for_delivery(*, message_id: int) -> Message | None:
    """A message with its conversation and attachments, for the channel that delivers it."""
    return (Message.objects.select_related("conversation", "author_agent")
            .prefetch_related("attachments").filter(pk=message_id).first())


# --- for routing and assignment (service levels) --------------------------------------------

ACTIVE_STATUSES = ("new", "open")  # what an agent must act on now


def open_load_by_assignee(*, agent_ids: Sequence[int]) -> dict[int, int]:
    """Active conversations per agent (one grouped query over conv_assignee)."""
    rows = (Conversation.objects.filter(assignee_id__in=list(agent_ids),
                                        status__in=ACTIVE_STATUSES)
            .values("assignee_id").annotate(load=Count("id")).order_by())
    return {row["assignee_id"]: row["load"] for row in rows}


def team_queue(*, team_id: int, limit: int) -> list[int]:
    """The oldest unassigned active conversations of a team, oldest first."""
    return list(Conversation.objects.filter(team_id=team_id, assignee_id__isnull=True,
                                            status__in=ACTIVE_STATUSES)
                .order_by("created_at", "id").values_list("id", flat=True)[:limit])


def active_assigned_to(*, agent_id: int) -> list[tuple[int, int | None]]:
    """(conversation id, team id) of the agent's active conversations."""
    return list(Conversation.objects.filter(assignee_id=agent_id, status__in=ACTIVE_STATUSES)
                .order_by("created_at", "id").values_list("id", "team_id"))


@dataclass(frozen=True)
class History:
    """What a conversation went through, for rebuilding its service-level clocks: the facts
    when it opened and every public message and status change after, in time order."""

    conversation_id: int
    created_at: datetime
    by_agent: bool
    status: str
    priority: str
    channel: str
    team_id: int | None
    customer_id: int
    customer_tier: str
    steps: list[tuple[datetime, str, str]]  # (at, "customer"|"agent"|"status", status)


def conversation_histories(*, conversation_ids: Sequence[int]) -> list[History]:
    """Histories of the given conversations in three queries (conversations, public messages,
    status changes), whatever their length."""
    ids = list(conversation_ids)
    rows = (Conversation.objects.filter(pk__in=ids).order_by("pk")
            .values_list("pk", "created_at", "status", "priority", "channel", "team_id",
                         "customer_id", "customer__tier"))
    messages: dict[int, list[tuple[datetime, str]]] = {}
    for conversation_id, at, kind in (Message.objects.filter(
            conversation_id__in=ids, is_internal=False, author_kind__in=("customer", "agent"))
            .order_by("conversation_id", "created_at", "pk")
            .values_list("conversation_id", "created_at", "author_kind")):
        messages.setdefault(conversation_id, []).append((at, kind))
    statuses: dict[int, list[tuple[datetime, str, str]]] = {}
    for conversation_id, at, after in (TimelineEvent.objects.filter(
            conversation_id__in=ids, verb="conversation.status_changed")
            .order_by("conversation_id", "at", "pk").values_list("conversation_id", "at",
                                                                 "after")):
        statuses.setdefault(conversation_id, []).append((at, "status",
                                                         str(after.get("status", ""))))
    histories = []
    for pk, created_at, status, priority, channel, team_id, customer_id, tier in rows:
        said = messages.get(pk, [])
        by_agent = bool(said) and said[0][1] == "agent"
        steps = [(at, kind, "") for at, kind in said[1:]] + statuses.get(pk, [])
        steps.sort(key=lambda item: (item[0], item[1] == "status"))
        histories.append(History(pk, created_at, by_agent, status, priority, channel, team_id,
                                 customer_id, tier, steps))
    return histories


def conversation_ids_after(*, after_id: int, limit: int) -> list[int]:
    """Conversation ids in order, a batch at a time (maintenance commands walk them all)."""
    return list(Conversation.objects.filter(pk__gt=after_id).order_by("pk")
                .values_list("pk", flat=True)[:limit])


def conversation_teams(*, conversation_ids: Sequence[int]) -> dict[int, int | None]:
    """Each conversation's team id, by primary key."""
    return dict(Conversation.objects.filter(pk__in=list(conversation_ids))
                .values_list("pk", "team_id"))
