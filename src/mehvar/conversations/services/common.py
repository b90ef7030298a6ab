"""Row helpers shared by the conversation and message services: locks, timeline records,
assignment targets, tags, and filling relation caches so responses need no extra query."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from django.db import connection
from django.db.models import Model
from django.utils.translation import gettext_lazy as _

from mehvar.accounts.selectors import agent_get, team_get
from mehvar.conversations.errors import ConversationErrorCode as Code
from mehvar.conversations.models import Conversation, Message, Status, Tag
from mehvar.conversations.selectors import conversation_not_found
from mehvar.core import rawrow
from mehvar.core.errors import Conflict, Invalid, NotFound
from mehvar.core.permissions import Actor, can
from mehvar.core.timeline import timeline_record


def lock_conversation(conversation_id: int) -> Conversation:
    """The conversation row, locked until the transaction ends. Hand-written SQL: every write
    to a conversation (each inbound message, reply and status change) starts here, and the
    ORM compiled this query for longer than the database took to answer it."""
    sql = _LOCK_SQL + (" FOR UPDATE" if connection.features.has_select_for_update else "")
    rows = rawrow.fetch_rows(sql, [conversation_id])
    if not rows:
        raise conversation_not_found()
    return rawrow.build(Conversation, rows[0])


_LOCK_SQL = (f"SELECT {rawrow.columns_sql(Conversation, 'conversation')} "
             f"FROM {Conversation._meta.db_table} AS conversation WHERE conversation.id = %s")


def ensure_writable(conversation: Conversation) -> None:
    if conversation.status == Status.CLOSED:
        raise conversation_closed()


def conversation_closed() -> Conflict:
    return Conflict(Code.CONVERSATION_CLOSED, _("This conversation is closed."))


def lock_writable(conversation_id: int) -> Conversation:
    locked = lock_conversation(conversation_id)
    ensure_writable(locked)
    return locked


def record_event(
    conversation: Conversation, actor: Actor, verb: str, before: Mapping[str, Any],
    after: Mapping[str, Any],
) -> None:
    timeline_record(verb=verb, actor_id=actor.pk, customer_id=conversation.customer_id,
                    conversation_id=conversation.pk, before=before, after=after)


def assignment_targets(
    *, actor: Actor, team_id: int | None, assignee_id: int | None
) -> tuple[Any, Any]:
    """The team and assignee rows (or None); Invalid when a team is unknown or the assignee is
    not an active agent who may reply (analysts may not)."""
    team = assignee = None
    if team_id is not None:
        try:
            team = team_get(actor=actor, team_id=team_id)
        except NotFound as error:
            raise Invalid(Code.TEAM_NOT_FOUND, _("No team has this id."),
                          field="team_id") from error
    if assignee_id is not None:
        try:
            assignee = agent_get(actor=actor, agent_id=assignee_id)
        except NotFound:
            assignee = None
        if assignee is None or not can(cast(Actor, assignee), "conversation.reply"):
            raise Invalid(Code.ASSIGNEE_INVALID,
                          _("The assignee must be an active agent who can answer customers."),
                          field="assignee_id")
    return team, assignee


def conversation_for_external_id(channel: str, external_id: str) -> Conversation | None:
    conversation_id = (Message.objects.filter(channel=channel, external_id=external_id)
                       .values_list("conversation_id", flat=True).first())
    if conversation_id is None:
        return None
    conversation = (Conversation.objects.select_related("customer", "team", "assignee")
                    .prefetch_related("tags").get(pk=conversation_id))
    first = (Message.objects.filter(conversation_id=conversation_id)
             .select_related("author_agent").prefetch_related("attachments")
             .order_by("created_at", "pk").first())
    set_prefetched(conversation, "messages", [first] if first else [])
    return conversation


def tags_get_or_create(names: Sequence[str]) -> list[Tag]:
    """Tags by name in the given order: one SELECT, plus one upsert for the missing ones
    (inserted in name order, so concurrent requests cannot deadlock)."""
    if not names:
        return []
    found = {tag.name: tag for tag in Tag.objects.filter(name__in=names)}
    missing = sorted(name for name in names if name not in found)
    if missing:
        rows = Tag.objects.bulk_create(
            [Tag(name=name) for name in missing], update_conflicts=True,
            unique_fields=["name"], update_fields=["name"])
        found.update({tag.name: tag for tag in rows})
    return [found[name] for name in names]


def set_prefetched(instance: Model, name: str, rows: Sequence[Model]) -> None:
    """Fill the prefetch cache of a related manager, as prefetch_related would."""
    queryset = getattr(instance, name).all()
    queryset._result_cache = list(rows)
    queryset._prefetch_done = True
    instance.__dict__.setdefault("_prefetched_objects_cache", {})[name] = queryset


def cache_related(instance: Model, name: str, value: Any) -> None:
    instance._meta.get_field(name).set_cached_value(instance, value)  # type: ignore[union-attr]


