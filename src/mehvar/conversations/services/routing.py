"""System writes that place a conversation: routing, automatic assignment, hand-back.

The service levels context decides (rules, capacity, availability) and calls these; there is
no acting agent, so they check nothing but the data. They fire no lifecycle hook (the caller
is that hook, or reacts itself) and record one timeline event with the decision's reasons."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from mehvar.conversations.errors import ConversationErrorCode as Code
from mehvar.conversations.models import Conversation, Priority
from mehvar.conversations.services.common import (
    lock_writable,
    set_prefetched,
    tags_get_or_create,
)
from mehvar.conversations.services.validation import check_choice, clean_tags
from mehvar.core.timeline import timeline_record

KEEP: Any = object()  # "leave this field as it is"


@transaction.atomic
def conversation_place(
    *,
    conversation: Conversation | int,
    verb: str,
    team_id: int | None = KEEP,
    assignee_id: int | None = KEEP,
    priority: str = "",
    add_tags: Sequence[str] = (),
    details: Mapping[str, Any] | None = None,
    locked: bool = False,
) -> Conversation:
    """Move a conversation to a team and/or agent, raise its priority, add tags; record `verb`
    with what changed and `details` (the rule and reasons). `locked=True` when the caller
    already holds the row lock (a lifecycle hook): the instance is updated in place. An id
    (not locked) is locked and loaded here."""
    if isinstance(conversation, Conversation):
        target = conversation if locked else lock_writable(conversation.pk)
    else:
        target = lock_writable(conversation)
    if priority:
        check_choice(priority, Priority.values, Code.PRIORITY_INVALID, "priority")
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for field, value in (("team_id", team_id), ("assignee_id", assignee_id),
                         ("priority", priority or KEEP)):
        if value is not KEEP and getattr(target, field) != value:
            before[field], after[field] = getattr(target, field), value
    names = clean_tags(add_tags)
    if names:
        current = list(target.tags.values_list("name", flat=True))
        missing = [name for name in names if name not in current]
        if missing:
            rows = tags_get_or_create(missing)
            target.tags.add(*rows)
            before["tags"], after["tags"] = sorted(current), sorted([*current, *missing])
            set_prefetched(target, "tags", list(target.tags.all()))
    if not before and not details:
        return target
    fields = [field for field in after if field != "tags"]
    for field in fields:
        setattr(target, field, after[field])
    target.updated_at = timezone.now()
    target.save(update_fields=[*fields, "updated_at"])
    timeline_record(verb=verb, actor_id=None, customer_id=target.customer_id,
                    conversation_id=target.pk, before=before,
                    after={**after, **dict(details or {})})
    return target
